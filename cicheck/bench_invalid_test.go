package cicheck_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/cicheck"
)

// TestBenchValueNotANumber: a "NaN ns/op" (or Inf, or a negative value) in
// `go test -bench` output, which a benchmark that prints to stdout can
// produce, is skipped with a warning naming file:line, and the comparison
// rests on the other runs (benchfmt itself drops an Inf). One NaN made the Mann-Whitney U test loop for
// ever, its memory growing by hundreds of MB a second: `tally ci bench`
// hung until the job's timeout or the OOM killer. The comparison runs in a
// child process killed after 10 s, so that a regression fails.
func TestBenchValueNotANumber(t *testing.T) {
	if os.Getenv("TALLY_BENCH_NAN_CHILD") == "1" {
		var base, head strings.Builder
		for i := range 10 {
			fmt.Fprintf(&base, "BenchmarkX-8 \t 100 \t %d ns/op\n", 1000+i)
			v := fmt.Sprint(1000 + i)
			switch i {
			case 2:
				v = "NaN"
			case 3:
				v = "+Inf"
			case 4:
				v = "-5"
			}
			fmt.Fprintf(&head, "BenchmarkX-8 \t 100 \t %s ns/op\n", v)
		}
		var b, h cicheck.BenchSet
		if err := cicheck.ReadBench(&b, "old.txt", strings.NewReader(base.String())); err != nil {
			fmt.Println("read base:", err)
			return
		}
		if err := cicheck.ReadBench(&h, "new.txt", strings.NewReader(head.String())); err != nil {
			fmt.Println("read head:", err)
			return
		}
		rep, err := cicheck.DiffBench(&b, &h, cicheck.Calls{}, cicheck.DefaultConfig)
		if err != nil {
			fmt.Println("diff:", err)
			return
		}
		fmt.Printf("verdict %s, head runs %d\n", rep.Verdict, rep.HeadRuns)
		for _, w := range rep.Warnings {
			fmt.Println("warning:", w)
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestBenchValueNotANumber$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TALLY_BENCH_NAN_CHILD=1")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("DiffBench on a head with a NaN ns/op did not return within 10 s (killed)\n%s", out)
	}
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, want := range []string{"verdict pass, head runs 7", "warning: new.txt:3: X-8 NaN sec/op skipped", "warning: new.txt:5: X-8 -5e-09 sec/op skipped"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}
