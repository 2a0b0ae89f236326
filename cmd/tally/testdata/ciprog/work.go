// Package ciprog is a small program for the end-to-end test of `tally ci
// diff`: built as is and with the "slow" build tag, which plants a slowdown
// in checksum.
package ciprog

import (
	"sort"
	"strings"
)

// record is one parsed line.
type record struct {
	key   string
	value int
	sum   uint64
}

// checksum hashes data (FNV-1a), rounds times over.
//
//go:noinline
func checksum(data []byte) uint64 {
	h := uint64(14695981039346656037)
	for r := 0; r < rounds; r++ {
		for _, b := range data {
			h ^= uint64(b)
			h *= 1099511628211
		}
	}
	return h
}

// parse splits "key=value" lines into records.
//
//go:noinline
func parse(text string) []record {
	var out []record
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		n := 0
		for _, c := range v {
			n = n*10 + int(c-'0')
		}
		out = append(out, record{key: k, value: n})
	}
	return out
}

// Process parses text, checksums each record and sorts them by checksum.
func Process(text string) uint64 {
	recs := parse(text)
	for i := range recs {
		recs[i].sum = checksum([]byte(recs[i].key))
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].sum < recs[j].sum })
	var total uint64
	for _, r := range recs {
		total += r.sum + uint64(r.value)
	}
	return total
}
