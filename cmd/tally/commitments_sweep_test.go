package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestCommitmentsBacktestSweep(t *testing.T) {
	usage := generatedUsage(t, 90)
	var out, errb bytes.Buffer
	args := []string{"--log-level", "warn", "commitments", "backtest", "--usage", usage, "--scenario", "steady,drop",
		"--strategy", "none,lookback-7d,tally", "--warmup", "14", "--ends", "0", "--sweep", "0.8,0.99"}
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "usage shorter than the warm-up plus a term") || !strings.Contains(errb.String(), "steady (90 days)") {
		t.Errorf("90 days of usage, with 1-year terms, without a warning:\n%s", errb.String())
	}
	table := out.String()
	main, sweep, ok := strings.Cut(table, "risk bound sweep")
	if !ok {
		t.Fatalf("no sweep table:\n%s", table)
	}
	if strings.Contains(main, "tally@") {
		t.Errorf("the swept Tallys are in the main table:\n%s", main)
	}
	if !strings.Contains(sweep, "Δ steady") || !strings.Contains(sweep, "Δ drop") {
		t.Errorf("sweep table lacks a scenario's column:\n%s", sweep)
	}
	rows := map[string]int{}
	for _, line := range strings.Split(sweep, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			rows[f[0]] = len(f)
		}
	}
	// U, utilization, regret, "n of 2" (three fields), "n of 2"
	// reachable, a Δ per scenario, the verdict.
	if rows["0.8"] != 12 || rows["0.99"] != 12 {
		t.Errorf("sweep rows %v, want 0.8 and 0.99 with 12 fields:\n%s", rows, sweep)
	}
	if !strings.Contains(main, "hindsight at it") {
		t.Errorf("target table without hindsight held to Tally's utilization:\n%s", main)
	}

	out.Reset()
	if code := run(append(args, "--format", "json"), &out, &errb); code != 0 {
		t.Fatalf("json: exit %d: %s", code, errb.String())
	}
	var got struct {
		Target struct {
			AverageUtilization float64 `json:"averageUtilization"`
		} `json:"target"`
		Sweep []struct {
			MinUtilization     float64 `json:"minUtilization"`
			Applies            bool    `json:"applies"`
			AverageUtilization float64 `json:"averageUtilization"`
			Scenarios          []struct {
				Utilization  float64 `json:"utilization"`
				TallyESR     float64 `json:"tallyESR"`
				HindsightESR float64 `json:"hindsightESRAtUtilization"`
			} `json:"scenarios"`
		} `json:"sweep"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Sweep) != 2 || got.Sweep[0].MinUtilization != 0.8 || got.Sweep[1].MinUtilization != 0.99 {
		t.Fatalf("sweep %+v", got.Sweep)
	}
	// 0.99 is the main run's bound: its row is the main Tally's verdict.
	if s := got.Sweep[1]; !s.Applies || s.AverageUtilization != got.Target.AverageUtilization || len(s.Scenarios) != 2 {
		t.Errorf("sweep at 0.99 %+v, main run's utilization %v", s, got.Target.AverageUtilization)
	}
	// Hindsight held to Tally's utilization does at least as well as Tally.
	for _, sv := range got.Sweep {
		for _, s := range sv.Scenarios {
			if s.HindsightESR < s.TallyESR {
				t.Errorf("at %v: hindsight at utilization %v has ESR %v < Tally's %v", sv.MinUtilization, s.Utilization, s.HindsightESR, s.TallyESR)
			}
		}
	}
	// A looser bound commits more, so it uses its commitments less.
	if lo, hi := got.Sweep[0].AverageUtilization, got.Sweep[1].AverageUtilization; !(lo < hi) {
		t.Errorf("average utilization %v at 0.8, %v at 0.99: want lower at the looser bound", lo, hi)
	}

	for _, bad := range []struct{ args, want string }{
		{"--sweep 1.5", "--sweep 1.5: want utilizations in (0, 1]"},
		{"--sweep 0.9 --strategy none,tally", "--strategy must include tally and a lookback-Nd"},
	} {
		errb.Reset()
		code := run(append([]string{"commitments", "backtest", "--usage", usage}, strings.Fields(bad.args)...), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), bad.want) {
			t.Errorf("%s: exit %d, %s", bad.args, code, errb.String())
		}
	}
}
