package ciprog

import (
	"fmt"
	"strings"
	"testing"
)

var sink uint64

// input is 2,000 "key=value" lines with 40-byte keys.
var input = func() string {
	var b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&b, "%040d=%d\n", i*7919, i)
	}
	return b.String()
}()

// iterations is the fixed work of one run, so one profile is one unit of work.
const iterations = 600

func TestWorkload(t *testing.T) {
	for range iterations {
		sink += Process(input)
	}
}

func BenchmarkProcess(b *testing.B) {
	for b.Loop() {
		sink += Process(input)
	}
}
