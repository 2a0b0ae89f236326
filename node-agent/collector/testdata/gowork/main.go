// Command gowork is a workload for the agent's integration tests: after a
// line on stdin it burns CPU for argv[1] in main.hot, three calls deep
// (main.main → main.a → main.b → main.hot), prints its own CPU time from
// getrusage, and waits for stdin to close.
package main

import (
	"bufio"
	"fmt"
	"os"
	"syscall"
	"time"
)

var sink uint64

//go:noinline
func hot(until time.Time) {
	var buf [64]uint64 // a stack frame, so the frame pointer chain stays whole
	for n := 0; ; n++ {
		for i := range buf {
			buf[i] = buf[(i+7)%len(buf)]*31 + uint64(i+n)
		}
		if n%256 == 0 && time.Now().After(until) {
			break
		}
	}
	sink += buf[3]
}

//go:noinline
func b(until time.Time) { hot(until) }

//go:noinline
func a(until time.Time) { b(until) }

func main() {
	d, err := time.ParseDuration(os.Args[1])
	if err != nil {
		panic(err)
	}
	in := bufio.NewReader(os.Stdin)
	in.ReadString('\n')
	a(time.Now().Add(d))
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("%d\n", ru.Utime.Nano()+ru.Stime.Nano())
	in.ReadString('\n')
}
