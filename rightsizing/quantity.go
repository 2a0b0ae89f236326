package rightsizing

import (
	"fmt"
	"math"
	"slices"
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

// Millicores formats cores in millicores, as explanations say every CPU
// amount (and the dashboard does): 1.087 cores is "1087m", 3 cores "3000m".
func Millicores(cores float64) string {
	return strconv.FormatInt(int64(math.Round(cores*1000)), 10) + "m"
}

// MemoryIn formats amounts of memory in one binary unit, the one that reads
// the largest of them best (GiB from 1 GiB, else MiB), to three significant
// digits of the largest, so that amounts side by side (before → after)
// compare at a glance: 20 GiB and 19883 MiB are "20.0 GiB" and "19.4 GiB".
// Halves round up, as the dashboard's memoryIn (web/ui/src/format.ts, with
// JavaScript's toFixed) does.
func MemoryIn(bytes ...int64) []string {
	largest := slices.Max(append([]int64{0}, bytes...))
	unit, size := "MiB", int64(MiB)
	if largest >= GiB {
		unit, size = "GiB", GiB
	}
	digits := 2
	for v := max(largest/size, 1); v >= 10 && digits > 0; v /= 10 {
		digits--
	}
	scale := int64(math.Pow10(digits))
	out := make([]string, len(bytes))
	for i, b := range bytes {
		n := (2*b*scale + size) / (2 * size) // b/size in units of 10^-digits, rounded half up
		s := strconv.FormatInt(n/scale, 10)
		if digits > 0 {
			s += fmt.Sprintf(".%0*d", digits, n%scale)
		}
		out[i] = s + " " + unit
	}
	return out
}

// setOrNone is text, or "none" for an amount of 0 (a request or limit not set).
func setOrNone(amount float64, text string) string {
	if amount == 0 {
		return "none"
	}
	return text
}
