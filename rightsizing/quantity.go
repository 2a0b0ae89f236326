package rightsizing

import (
	"math"
	"strconv"
)

// roundCPU rounds cores up to whole millicores, the granularity Kubernetes keeps.
func roundCPU(cores float64) float64 {
	if cores <= 0 {
		return 0
	}
	return math.Ceil(cores*1000-1e-9) / 1000
}

// roundMemory rounds bytes up to whole MiB.
func roundMemory(bytes float64) int64 {
	if bytes <= 0 {
		return 0
	}
	return int64(math.Ceil(bytes/MiB-1e-9)) * MiB
}

// FormatCPU formats cores as a Kubernetes quantity: "2", "250m".
func FormatCPU(cores float64) string {
	m := int64(math.Round(cores * 1000))
	if m%1000 == 0 {
		return strconv.FormatInt(m/1000, 10)
	}
	return strconv.FormatInt(m, 10) + "m"
}

// FormatMemory formats bytes as a Kubernetes quantity in the largest binary
// unit that keeps it whole: "2Gi", "768Mi", "1536Ki", or plain bytes.
func FormatMemory(bytes int64) string {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"Ti", 1 << 40}, {"Gi", 1 << 30}, {"Mi", 1 << 20}, {"Ki", 1 << 10}} {
		if bytes != 0 && bytes%u.size == 0 {
			return strconv.FormatInt(bytes/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(bytes, 10)
}
