// Command gowork is a workload for the agent's integration tests: after a
// line on stdin it burns CPU for argv[1] in main.hot, three calls deep
// (main.main → main.a → main.b → main.hot), prints its own CPU time from
// getrusage, and waits for stdin to close. The duration is CPU time, not
// wall time, so a loaded machine changes only how long it takes.
package main

import (
	"bufio"
	"fmt"
	"os"
	"syscall"
	"time"
)

var sink uint64

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

//go:noinline
func hot(until time.Duration) {
	var buf [64]uint64 // a stack frame, so the frame pointer chain stays whole
	for n := 0; ; n++ {
		for i := range buf {
			buf[i] = buf[(i+7)%len(buf)]*31 + uint64(i+n)
		}
		if n%4096 == 0 && cpuTime() > until {
			break
		}
	}
	sink += buf[3]
}

//go:noinline
func b(until time.Duration) { hot(until) }

//go:noinline
func a(until time.Duration) { b(until) }

func main() {
	d, err := time.ParseDuration(os.Args[1])
	if err != nil {
		panic(err)
	}
	in := bufio.NewReader(os.Stdin)
	in.ReadString('\n')
	a(cpuTime() + d)
	fmt.Printf("%d\n", cpuTime().Nanoseconds())
	in.ReadString('\n')
}
