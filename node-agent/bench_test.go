package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
)

// TestBenchAgent is `make bench-agent`: the agent's overhead on a fully busy
// machine running thousands of distinct stacks, at 19 Hz and at 99 Hz, for
// TALLY_BENCH_SECONDS (default 60). It prints the agent's CPU as a share of
// the machine (from its own /proc/<pid>/stat), its peak RSS (VmHWM), the
// BPF program's run time (kernel.bpf_stats_enabled), dropped samples, and
// the load's throughput relative to a baseline run without the agent.
func TestBenchAgent(t *testing.T) {
	if os.Getenv("TALLY_BENCH_AGENT") != "1" {
		t.Skip("set TALLY_BENCH_AGENT=1 (make bench-agent)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("bench-agent needs root")
	}
	secs := 60
	if s := os.Getenv("TALLY_BENCH_SECONDS"); s != "" {
		secs, _ = strconv.Atoi(s)
	}
	dir := t.TempDir()
	agent, load := filepath.Join(dir, "tally-agent"), filepath.Join(dir, "load")
	for _, c := range [][]string{{"go", "build", "-o", agent, "."}, {"gcc", "-O1", "-fno-omit-frame-pointer", "-o", load, "testdata/load.c"}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", c, err, out)
		}
	}
	ncpu := runtime.NumCPU()
	old, _ := os.ReadFile("/proc/sys/kernel/bpf_stats_enabled")
	if err := os.WriteFile("/proc/sys/kernel/bpf_stats_enabled", []byte("1"), 0o644); err != nil {
		t.Fatalf("enable bpf stats: %v", err)
	}
	defer os.WriteFile("/proc/sys/kernel/bpf_stats_enabled", old, 0o644)

	base := runLoad(t, load, ncpu, secs/2)
	fmt.Printf("bench-agent: %d CPUs, %d s per run, load of %d processes with random 4–14 deep call chains through 64 functions\n", ncpu, secs, ncpu)
	fmt.Printf("baseline (no agent): load %.0f calls/s\n", base)
	fmt.Printf("%-6s %10s %10s %12s %12s %10s %9s %9s %14s\n", "hz", "agent CPU", "target", "peak RSS", "BPF ns/run", "BPF CPU", "samples", "dropped", "load vs base")
	for _, hz := range []int{19, 99} {
		r := benchOnce(t, agent, load, hz, ncpu, secs)
		target := map[int]float64{19: 0.3, 99: 1}[hz]
		fmt.Printf("%-6d %9.3f%% %9.1f%% %9.1f MiB %12.0f %9.4f%% %9.0f %9.0f %13.3f×\n",
			hz, r.cpuPct, target, float64(r.rssKB)/1024, r.bpfNsPerRun, r.bpfPct, r.samples, r.dropped, r.loadRate/base)
		if r.samples == 0 {
			t.Errorf("%d Hz: no samples", hz)
		}
	}
}

type benchResult struct {
	cpuPct, bpfNsPerRun, bpfPct, samples, dropped, loadRate float64
	rssKB                                                   int64
}

func benchOnce(t *testing.T, agent, load string, hz, ncpu, secs int) benchResult {
	var received atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Add(n)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	metricsAddr := ln.Addr().String()
	ln.Close()
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("tly_bench"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(agent, "--server", srv.URL, "--token-file", token, "--frequency", strconv.Itoa(hz), "--interval", "10s",
		"--buffer-dir", "", "--metrics-addr", metricsAddr, "--node-name", "bench", "--log-level", "warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := http.Get("http://" + metricsAddr + "/healthz"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the agent did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	prog := findProgram(t)
	defer prog.Close()
	run0, cnt0 := progStats(t, prog)
	cpu0 := procCPU(t, cmd.Process.Pid)
	start := time.Now()
	rate := runLoad(t, load, ncpu, secs)
	time.Sleep(11 * time.Second) // the last drain, idle: its cost counts, its samples do not matter
	wall := time.Since(start)
	cpu1 := procCPU(t, cmd.Process.Pid)
	run1, cnt1 := progStats(t, prog)
	m := scrape(t, metricsAddr)
	r := benchResult{loadRate: rate, rssKB: peakRSS(t, cmd.Process.Pid), samples: m["tally_agent_samples_total"], dropped: m["tally_agent_dropped_samples_total"]}
	r.cpuPct = 100 * (cpu1 - cpu0).Seconds() / (float64(ncpu) * wall.Seconds())
	if cnt1 > cnt0 {
		r.bpfNsPerRun = float64(run1-run0) / float64(cnt1-cnt0)
	}
	r.bpfPct = 100 * float64(run1-run0) / (float64(ncpu) * float64(wall.Nanoseconds()))
	if received.Load() == 0 {
		t.Errorf("%d Hz: the backend received nothing", hz)
	}
	return r
}

// runLoad runs the load generator on every CPU for secs and returns calls/s.
func runLoad(t *testing.T, load string, procs, secs int) float64 {
	out, err := exec.Command(load, strconv.Itoa(procs), strconv.Itoa(secs)).Output()
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	var total float64
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		v, _ := strconv.ParseFloat(sc.Text(), 64)
		total += v
	}
	return total / float64(secs)
}

// procCPU returns a process's user+system time from /proc/<pid>/stat.
func procCPU(t *testing.T, pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

func peakRSS(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return v
		}
	}
	return 0
}

// findProgram returns the most recently loaded profile_cpu program.
func findProgram(t *testing.T) *ebpf.Program {
	var best *ebpf.Program
	var bestID ebpf.ProgramID
	for id := ebpf.ProgramID(0); ; {
		next, err := ebpf.ProgramGetNextID(id)
		if err != nil {
			break
		}
		id = next
		p, err := ebpf.NewProgramFromID(id)
		if err != nil {
			continue
		}
		info, err := p.Info()
		if err != nil || info.Name != "profile_cpu" || id < bestID {
			p.Close()
			continue
		}
		if best != nil {
			best.Close()
		}
		best, bestID = p, id
	}
	if best == nil {
		t.Fatal("no profile_cpu BPF program loaded")
	}
	return best
}

func progStats(t *testing.T, p *ebpf.Program) (time.Duration, uint64) {
	st, err := p.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return st.Runtime, st.RunCount
}

func scrape(t *testing.T, addr string) map[string]float64 {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, _ := strconv.ParseFloat(val, 64)
		out[name] += v
	}
	return out
}
