// Package bpf holds Tally's eBPF CPU profiler: the C source, the kernel's
// type definitions (vmlinux.h) and the Go bindings bpf2go generates from
// them for amd64 and arm64. The generated Go and .o files are committed;
// `make generate` rebuilds them with clang and `make check-generate` fails
// when they are stale.
//
// The program samples every online CPU on the software cpu-clock and counts
// samples by process, program generation (which of the programs the process
// ran in turn, as it exec'd), cgroup, thread name and user/kernel stack in one of two
// map sets (A and B), chosen by the global variable active_set, so user space
// drains one set while the kernel writes the other. The first sample of a
// process (or of the program it exec'd) is announced in the proc_events
// ring buffer, with its generation, so that user space reads its mappings
// while it runs and keeps them apart from its pid's other programs'.
package bpf

//go:generate go tool bpf2go -cc clang -cflags "-O2 -g -Wall -Werror" -target amd64,arm64 -type sample_key -type stack -type counter -type process_event -type process_event_kind -type announcement Profiler profiler.bpf.c
