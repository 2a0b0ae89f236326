package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCIDiffEndToEnd builds a small Go program (testdata/ciprog) twice —
// as is and with a slowdown planted in one function — collects CPU profiles
// with `go test -cpuprofile` over repeated runs, and checks that `tally ci
// diff` gates the slowdown (exit 1, naming the function) and passes two
// identical builds (exit 0). It does the same with `go test -bench` output
// and `tally ci bench`.
//
// The machine may be shared and busy, so the runs of the builds are
// interleaved (drift hits every side alike), profiles measure CPU time
// rather than wall time, and the gate is 10 % against a slowdown of about
// 80 %. Benchmarks measure wall time, which a busy machine scatters (runs of
// the same build varied 2× at a load of 24 on 2 cores): there the slowdown
// must fail or warn, never pass.
func TestCIDiffEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program 24 times; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build testdata/ciprog: %v", err)
	}
	src, err := filepath.Abs("testdata/ciprog")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	build := func(name string, args ...string) string {
		out := filepath.Join(dir, name+".test")
		cmd := exec.Command(goTool, append([]string{"test", "-c", "-o", out}, args...)...)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, b)
		}
		return out
	}
	builds := []struct{ name, bin string }{
		{"base", build("base")},
		{"slow", build("slow", "-tags", "slow")},
		{"same", build("same")}, // the base source built again
	}
	const runs = 10
	for _, b := range builds {
		if err := os.MkdirAll(filepath.Join(dir, b.name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	benchOut := map[string]*bytes.Buffer{}
	for i := range runs {
		for _, b := range builds {
			prof := filepath.Join(dir, b.name, fmt.Sprintf("run-%d.pprof", i))
			cmd := exec.Command(b.bin, "-test.run=^TestWorkload$", "-test.count=1", "-test.cpuprofile="+prof)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("run %s #%d: %v\n%s", b.name, i, err, out)
			}
			if benchOut[b.name] == nil {
				benchOut[b.name] = &bytes.Buffer{}
			}
			cmd = exec.Command(b.bin, "-test.run=^$", "-test.bench=^BenchmarkProcess$", "-test.benchtime=100x", "-test.count=1", "-test.benchmem")
			cmd.Dir = dir
			cmd.Stdout = benchOut[b.name]
			if err := cmd.Run(); err != nil {
				t.Fatalf("bench %s #%d: %v", b.name, i, err)
			}
		}
	}
	for name, out := range benchOut {
		if err := os.WriteFile(filepath.Join(dir, name+".txt"), out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	diff := func(head string) (int, map[string]any, string) {
		var stdout, stderr bytes.Buffer
		code := run([]string{"ci", "diff",
			"--base", filepath.Join(dir, "base"), "--head", filepath.Join(dir, head),
			"--per-profile", "--threshold", "10%",
			"--price-per-core-hour", "0.05", "--units-per-year", "1e6",
			"--format", "json"}, &stdout, &stderr)
		var rep map[string]any
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("diff %s: exit %d, output is not JSON: %v\n%s\n%s", head, code, err, stdout.String(), stderr.String())
		}
		return code, rep, stderr.String()
	}

	code, rep, stderr := diff("slow")
	t.Logf("slowdown: exit %d: %s %s", code, rep["headline"], rep["reason"])
	if code != 1 || rep["verdict"] != "fail" {
		t.Errorf("slowdown: exit %d, verdict %v; want 1, fail\n%s", code, rep["verdict"], stderr)
	}
	if rep["culprit"] != "example.com/ciprog.checksum" {
		t.Errorf("slowdown: culprit %v, want example.com/ciprog.checksum", rep["culprit"])
	}
	if !strings.Contains(stderr, "cost regression") {
		t.Errorf("slowdown: stderr %q does not say cost regression", stderr)
	}

	code, rep, stderr = diff("same")
	t.Logf("identical builds: exit %d: %s %s", code, rep["headline"], rep["reason"])
	if code != 0 || (rep["verdict"] != "pass" && rep["verdict"] != "warn") {
		t.Errorf("identical builds: exit %d, verdict %v; want 0, pass\n%s", code, rep["verdict"], stderr)
	}

	for _, tc := range []struct {
		head string
		code int // -1: fail or warn
	}{{"slow", -1}, {"same", 0}} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"ci", "bench", "--base", filepath.Join(dir, "base.txt"), "--head", filepath.Join(dir, tc.head+".txt"),
			"--threshold", "10%", "--format", "json"}, &stdout, &stderr)
		var rep map[string]any
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("bench %s: exit %d, %v\n%s", tc.head, code, err, stderr.String())
		}
		t.Logf("bench %s: exit %d: %s", tc.head, code, rep["headline"])
		switch {
		case tc.code >= 0 && code != tc.code:
			t.Errorf("bench %s: exit %d, verdict %v; want %d\n%s", tc.head, code, rep["verdict"], tc.code, stderr.String())
		case tc.code < 0 && !(code == 1 && rep["verdict"] == "fail" || code == 0 && rep["verdict"] == "warn"):
			t.Errorf("bench %s: exit %d, verdict %v; want a fail (1) or, on a busy machine, a warning (0)\n%s", tc.head, code, rep["verdict"], stderr.String())
		}
	}

	// The markdown a pull request shows, for the record.
	var md bytes.Buffer
	run([]string{"ci", "diff", "--base", filepath.Join(dir, "base"), "--head", filepath.Join(dir, "slow"),
		"--threshold", "10%", "--price-per-core-hour", "0.05", "--units-per-year", "1e6"}, &md, &bytes.Buffer{})
	t.Logf("markdown:\n%s", md.String())
}
