//go:build ignore

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
//
// Tally's CPU profiler: a perf_event program attached to the software
// cpu-clock of every online CPU. Each sample is counted by (tgid, program
// generation, cgroup id, comm, user stack, kernel stack) in a hash map;
// stacks are stored once per interval in a second hash map keyed by a
// 64-bit hash of their frames.
//
// Two map sets, A and B, are switched by the global variable active_set:
// the kernel side writes to one while user space drains the other, so a
// drain never races the program.
//
// Stacks are hashed here rather than stored in a BPF_MAP_TYPE_STACK_TRACE
// map: a STACK_TRACE map has one bucket per id and fails (-EEXIST) when two
// different stacks land in one bucket, which at thousands of distinct stacks
// per interval drops samples unless the map is made very large (every
// bucket is preallocated, ~1 KiB each, charged to the agent's memory cgroup).
// A hash map keyed by a 64-bit hash has no collisions in practice. It is
// preallocated: an element allocated on demand comes from a per-CPU cache
// that the program, running in interrupt context, can find empty (-ENOMEM,
// a lost stack) during a burst of new stacks. User space sizes it to the
// samples of a few intervals at the chosen frequency on every possible CPU
// (a loaded map cannot grow, and CPUs may come online later).
//
// New processes are announced to user space, so that it reads their
// mappings and opens their binaries while they run: a process that starts
// and exits between two drains is gone, with its /proc/<pid>, by the drain
// that symbolizes its samples. The first sample of a process (or of the
// program it exec'd) puts its tgid in the proc_events ring buffer, and,
// if it started (or exec'd) less than REFRESH_NS before, its first sample
// REFRESH_NS later puts it there once more (by then the dynamic loader
// has mapped its libraries, and a JIT its code and perf map: the first
// sample of a young process may come before). The announced map remembers the
// processes announced, so a process is announced at most twice per
// program whatever its samples, and at most one event is sent per sample
// (a fork storm costs user space at most the sampling rate in events).
// Two raw tracepoints keep announced right: an exec marks the process to
// be announced again at its next sample (its mappings are another
// program's), an exit forgets it (its pid may be reused).
//
// Each program a process runs has a generation, kept in announced and
// carried in every sample key and announcement: the bpf_ktime_get_ns()
// at which it was first seen, at its process's first sample or at its
// exec. A pid's programs thus have distinct, increasing generations, and
// user space symbolizes the samples of each with the mappings it read
// when that program was announced, not those of a later program of the
// pid (after an exec, or once the pid is another process's). It costs no
// lookup per sample but the one announce makes anyway.

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char __license[] SEC("license") = "Dual BSD/GPL";

#define MAX_STACK_DEPTH 127
#define PF_EXITING 0x00000004
#define PF_KTHREAD 0x00200000
#define TASK_COMM_LEN 16

// Sample key flags.
#define FLAG_KTHREAD 1
#define FLAG_USER_STACK_ERR 2
#define FLAG_KERNEL_STACK_ERR 4

// Counter indexes in the per-CPU counters array.
enum counter {
	COUNTER_SAMPLES = 0,      // samples counted
	COUNTER_IDLE = 1,         // samples of the idle task, not counted
	COUNTER_USER_STACK_ERR = 2,
	COUNTER_KERNEL_STACK_ERR = 3,
	COUNTER_COUNTS_FULL = 4,  // a sample lost: its key did not fit the counts map
	COUNTER_STACKS_FULL = 5,  // a stack lost: the stacks map was full (the sample is kept, its stack unknown)
	COUNTER_PROC_EVENTS_LOST = 6, // a new process not announced: the ring buffer was full
	COUNTER_MAX = 7,
};

struct sample_key {
	__u32 tgid;
	__u32 flags;
	__u64 gen;          // the generation of the program tgid ran (see announce), 0 if unknown
	__u64 cgroup;
	__u64 user_stack;   // hash of the user stack, 0 if none
	__u64 kernel_stack; // hash of the kernel stack, 0 if none
	char comm[TASK_COMM_LEN];
};

struct stack {
	__u64 ips[MAX_STACK_DEPTH];
};

#define COUNTS_ENTRIES 16384
#define STACKS_ENTRIES 16384 // the most; user space may load fewer

struct counts_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, COUNTS_ENTRIES);
	__type(key, struct sample_key);
	__type(value, __u64);
};

struct stacks_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, STACKS_ENTRIES);
	__type(key, __u64);
	__type(value, struct stack);
};

struct counts_map counts_a SEC(".maps");
struct counts_map counts_b SEC(".maps");
struct stacks_map stacks_a SEC(".maps");
struct stacks_map stacks_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

// Scratch space for one stack, per CPU (too large for the BPF stack).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack);
} scratch SEC(".maps");

// Kinds of process events.
enum process_event_kind {
	PROCESS_NEW = 1,  // the first sample of a process
	PROCESS_EXEC = 2, // the first sample of a process since it exec'd another program
	PROCESS_REFRESH = 3, // its first sample REFRESH_NS after it was announced, if it was young
};

#define REFRESH_NS (100 * 1000 * 1000ULL)

// announcement is a process's entry in announced.
struct announcement {
	__u64 at;        // bpf_ktime_get_ns() when announced; 0 once it exec'd and until its next sample
	__u64 exec_at;   // bpf_ktime_get_ns() when it exec'd, if it did since it was announced
	__u64 gen;       // the generation of the program it runs
	__u32 refreshed; // announced again since (PROCESS_REFRESH), or not to be: it was not young
	__u32 pad;
};

// process_event announces a process to user space.
struct process_event {
	__u32 pid; // tgid
	__u32 kind; // enum process_event_kind
	__u64 gen; // the generation of the program it runs
};

// 4,096 events: user space reads them as they come, and events are at
// most the samples.
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} proc_events SEC(".maps");

// announced holds the processes announced, by tgid. An LRU map: a process
// evicted (more than its size sampled and still alive) is only announced
// once more.
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct announcement);
} announced SEC(".maps");

// active_set selects the map set the program writes to: 0 for A, 1 for B.
volatile __u32 active_set = 0;

// Make the key type visible to bpf2go.
const struct sample_key *unused_sample_key __attribute__((unused));
const struct stack *unused_stack __attribute__((unused));
const enum counter *unused_counter __attribute__((unused));
const struct process_event *unused_process_event __attribute__((unused));
const struct announcement *unused_announcement __attribute__((unused));
const enum process_event_kind *unused_process_event_kind __attribute__((unused));

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (v)
		*v += 1; // per-CPU: no atomic needed
}

// hash_stack is FNV-1a over the frames, never 0.
static __always_inline __u64 hash_stack(struct stack *st, int n)
{
	__u64 h = 14695981039346656037ULL;
	for (int i = 0; i < MAX_STACK_DEPTH; i++) {
		if (i >= n)
			break;
		h ^= st->ips[i];
		h *= 1099511628211ULL;
	}
	h ^= (__u64)n;
	return h ? h : 1;
}

// store_stack reads the current stack into scratch, stores it in stacks
// unless present and returns its hash; 0 when there is no stack. It
// counts err_counter when the helper fails, or finds no frames where
// frames are expected (empty_is_err): a sample taken in user mode has an
// empty kernel stack, which is no error, but a kernel thread has one.
static __always_inline __u64 store_stack(void *ctx, void *stacks, __u64 flags, __u32 err_counter, bool empty_is_err)
{
	__u32 zero = 0;
	struct stack *st = bpf_map_lookup_elem(&scratch, &zero);
	if (!st)
		return 0;
	long n = bpf_get_stack(ctx, st->ips, sizeof(st->ips), flags);
	if (n < 0 || (n == 0 && empty_is_err))
		count(err_counter);
	if (n <= 0)
		return 0;
	int frames = n / sizeof(__u64);
	// Zero the tail so a stored stack ends at its first zero frame.
	for (int i = 0; i < MAX_STACK_DEPTH; i++) {
		if (i >= frames)
			st->ips[i] = 0;
	}
	__u64 h = hash_stack(st, frames);
	if (!bpf_map_lookup_elem(stacks, &h)) {
		long ret = bpf_map_update_elem(stacks, &h, st, BPF_NOEXIST);
		if (ret != 0 && ret != -17 /* EEXIST: stored concurrently */) {
			count(COUNTER_STACKS_FULL);
			return 0;
		}
	}
	return h;
}

// send puts an announcement in the ring buffer.
static __always_inline void send(__u32 tgid, __u32 kind, __u64 gen)
{
	struct process_event *e = bpf_ringbuf_reserve(&proc_events, sizeof(*e), 0);
	if (!e) {
		count(COUNTER_PROC_EVENTS_LOST);
		return;
	}
	e->pid = tgid;
	e->kind = kind;
	e->gen = gen;
	bpf_ringbuf_submit(e, 0);
}

// announce sends tgid to user space unless it was announced since it
// started or last exec'd, or, REFRESH_NS after that if it was young then,
// unless it was announced again; it returns the generation of the program
// tgid runs. A new process's generation is the time of its first sample,
// an exec'd one's the time of its exec (process_exec). Two CPUs sampling a
// process at once may both announce it, with one generation; user space
// reads it once. An exiting thread is only looked up: once its process's
// last thread passed the exit tracepoint, it would be announced anew (its
// generation is 0 then, unknown).
static __always_inline __u64 announce(struct task_struct *task, __u32 tgid, bool exiting)
{
	struct announcement *seen = bpf_map_lookup_elem(&announced, &tgid);
	if (exiting)
		return seen ? seen->gen : 0;
	if (seen && seen->at) {
		if (seen->refreshed)
			return seen->gen;
		__u64 now = bpf_ktime_get_ns();
		if (now - seen->at >= REFRESH_NS) {
			seen->refreshed = 1;
			send(tgid, PROCESS_REFRESH, seen->gen);
		}
		return seen->gen;
	}
	__u64 now = bpf_ktime_get_ns();
	// start_time is CLOCK_MONOTONIC, as bpf_ktime_get_ns.
	__u64 began = seen ? seen->exec_at : BPF_CORE_READ(task, group_leader, start_time);
	__u64 gen = seen ? seen->gen : now;
	struct announcement a = {.at = now, .gen = gen, .refreshed = now - began >= REFRESH_NS};
	if (bpf_map_update_elem(&announced, &tgid, &a, seen ? BPF_ANY : BPF_NOEXIST) != 0) {
		// Announced by another CPU just now: its generation.
		seen = bpf_map_lookup_elem(&announced, &tgid);
		return seen ? seen->gen : 0;
	}
	send(tgid, seen ? PROCESS_EXEC : PROCESS_NEW, gen);
	return gen;
}

static __always_inline int record(void *ctx, void *counts, void *stacks)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	if (tgid == 0) { // the idle task: the CPU was not busy
		count(COUNTER_IDLE);
		return 0;
	}

	struct sample_key key = {};
	key.tgid = tgid;
	key.cgroup = bpf_get_current_cgroup_id();
	bpf_get_current_comm(&key.comm, sizeof(key.comm));

	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned int task_flags = BPF_CORE_READ(task, flags);
	if (task_flags & PF_KTHREAD) {
		key.flags |= FLAG_KTHREAD;
	} else {
		key.gen = announce(task, tgid, task_flags & PF_EXITING);
		key.user_stack = store_stack(ctx, stacks, BPF_F_USER_STACK, COUNTER_USER_STACK_ERR, true);
		if (!key.user_stack)
			key.flags |= FLAG_USER_STACK_ERR;
	}
	key.kernel_stack = store_stack(ctx, stacks, 0, COUNTER_KERNEL_STACK_ERR, key.flags & FLAG_KTHREAD);
	if (!key.kernel_stack && (key.flags & FLAG_KTHREAD))
		key.flags |= FLAG_KERNEL_STACK_ERR;

	__u64 *v = bpf_map_lookup_elem(counts, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
	} else {
		__u64 one = 1;
		long ret = bpf_map_update_elem(counts, &key, &one, BPF_NOEXIST);
		if (ret == -17) { // EEXIST: another CPU inserted it
			v = bpf_map_lookup_elem(counts, &key);
			if (v)
				__sync_fetch_and_add(v, 1);
		} else if (ret != 0) {
			count(COUNTER_COUNTS_FULL);
			return 0;
		}
	}
	count(COUNTER_SAMPLES);
	return 0;
}

SEC("perf_event")
int profile_cpu(void *ctx)
{
	if (active_set == 0)
		return record(ctx, &counts_a, &stacks_a);
	return record(ctx, &counts_b, &stacks_b);
}

// An exec: the process runs a program of a new generation, announced at
// its next sample, if it was announced (one never sampled is not added:
// its first sample announces it with a generation of its own).
SEC("raw_tp/sched_process_exec")
int process_exec(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 now = bpf_ktime_get_ns();
	struct announcement a = {.exec_at = now, .gen = now};
	bpf_map_update_elem(&announced, &tgid, &a, BPF_EXIST);
	return 0;
}

// The exit of a process's last thread: its pid may be reused, by a
// process to announce. Its threads are all exiting by then (PF_EXITING
// is set before signal->live counts the thread out), so no later sample
// announces it again.
SEC("raw_tp/sched_process_exit")
int process_exit(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_map_delete_elem(&announced, &tgid);
	return 0;
}
