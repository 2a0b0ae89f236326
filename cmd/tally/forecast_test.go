package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/forecast"
)

func TestForecastSynthAndEval(t *testing.T) {
	dir := t.TempDir()
	rep := synthAndEval(t, dir, "Hourly", []string{"--series", "6", "--seed", "3"}, []string{"--horizon", "48", "--season", "24", "--model", "auto,theta"})
	if rep.Series != 6 || len(rep.Models) != 4 || rep.Models[0].Model != "naive2" || rep.Models[0].OWA != 1 || rep.Models[2].Model != "auto" {
		t.Fatalf("report %+v", rep)
	}
	if m := rep.Models[2]; !(m.OWA > 0 && m.OWA < 1.5) || m.Coverage95 == 0 || m.CPU == 0 {
		t.Errorf("auto scores %+v", m)
	}
	var out, errb bytes.Buffer
	args := []string{"--log-level", "warn", "forecast", "eval", "--train", filepath.Join(dir, "Hourly-train.csv"),
		"--test", filepath.Join(dir, "Hourly-test.csv"), "--horizon", "48", "--season", "24", "--model", "auto,theta"}
	if code := run(args, &out, &errb); code != 0 || !strings.Contains(out.String(), "OWA") {
		t.Errorf("table: exit %d\n%s", code, out.String())
	}
}

func TestForecastEvalBadInput(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train.csv")
	if err := os.WriteFile(train, []byte("H1,1,2,3\nH2,4,five,6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"forecast", "eval", "--train", train, "--test", train, "--horizon", "1", "--season", "1"}, &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), train+":2:") || !strings.Contains(errb.String(), `"five": not a number`) {
		t.Errorf("exit %d, stderr %q: want exit 2 naming %s:2 and the value", code, errb.String(), train)
	}
}

// TestForecastEvalUndefinedMeasures: on a history where Naive2 is exact OWA
// is 0/0. The JSON report gives it as null (NaN had made the encoder fail:
// "json: unsupported value: NaN", exit 1) and the table as "–", with a
// note saying why, never NaN.
func TestForecastEvalUndefinedMeasures(t *testing.T) {
	train, test := writeSeriesFiles(t, "H1,1,2,3,4,5,6,7,8,9,10\n", "H1,10,10,10\n")
	args := []string{"--log-level", "warn", "forecast", "eval", "--train", train, "--test", test, "--horizon", "3", "--season", "1"}
	code, out, errOut := runTally(append(args, "--format", "json")...)
	if code != 0 {
		t.Fatalf("json: exit %d, stderr %s", code, errOut)
	}
	var rep struct {
		Models []struct {
			Model string
			OWA   *float64
			Notes []string
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if n2 := rep.Models[0]; n2.Model != "naive2" || n2.OWA != nil || len(n2.Notes) == 0 {
		t.Errorf("naive2: OWA %v, notes %q: want null and a note\n%s", n2.OWA, n2.Notes, out)
	}
	code, out, errOut = runTally(args...)
	if code != 0 || strings.Contains(out, "NaN") || !strings.Contains(out, "–") || !strings.Contains(out, "naive2: OWA undefined") {
		t.Errorf("table: exit %d, stderr %s, want OWA as – and a note:\n%s", code, errOut, out)
	}
}

// The table's sum column says how many days it sums: the horizon when it is
// a month or less, 31 days at most (`--horizon 31` summed 30 of a month's 31
// days, so the README's October total was not in it; `--horizon 7` printed
// "next 30 days" over a week's sum), else its first 30 days; and which:
// the forecast starts after the history, which ends with the bill or --lag
// days before today, not today ("next 30 days" summed 2026-10-07 to
// 2026-11-05 on 2026-11-25). The last day's column says its date.
func TestForecastTableNamesItsDays(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	// The fixture's bill ends on 2026-10-06: the forecasts start on the 7th.
	for _, tc := range []struct{ horizon, sum, last string }{
		{"7", "2026-10-07 to 2026-10-13 (7 days)", "on 2026-10-13 (95% interval)"},
		{"31", "2026-10-07 to 2026-11-06 (31 days)", "on 2026-11-06 (95% interval)"},
		{"45", "2026-10-07 to 2026-11-05 (30 days)", "on 2026-11-20 (95% interval)"},
	} {
		out := tly("forecast", "--scope", "spend/account", "--horizon", tc.horizon, "--lag", "0")
		if header, _, _ := strings.Cut(out, "\n"); !strings.Contains(header, tc.sum) || !strings.Contains(header, tc.last) || strings.Contains(header, "next") {
			t.Errorf("--horizon %s: header %q, want %q and %q", tc.horizon, header, tc.sum, tc.last)
		}
	}
}

// TestForecastTableUnvalidated: a forecast too short to validate on rolling
// origins has no backtest; its MASE column says so ("–") instead of 0.000,
// which reads as a perfect score.
func TestForecastTableUnvalidated(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	out := tly("forecast", "--scope", "spend/account", "--horizon", "7", "--lag", "0")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[1], "  –") || strings.Contains(out, "0.000") {
		t.Errorf("want one account whose backtest MASE is –:\n%s", out)
	}
}

// TestForecastNothingInWindow: a window the bill does not reach (--lag or
// --history past it) says which days it read, not "ingest a bill first"
// to someone who has.
func TestForecastNothingInWindow(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	out := tly("forecast", "--lag", "0", "--history", "14")
	end := time.Now().UTC().Truncate(24 * time.Hour)
	want := fmt.Sprintf("no cost lines from %s to %s (--history 14 days, --lag 0) to forecast", end.AddDate(0, 0, -14).Format(time.DateOnly), end.Format(time.DateOnly))
	if !strings.Contains(out, want) || strings.Contains(out, "ingest a bill first") {
		t.Errorf("got %q\nwant %q", out, want)
	}
}

// TestForecastUnknownScope: an exact --scope the bill does not name (an
// unknown account) is bad input, exit 2 naming the flag, as a malformed one.
func TestForecastUnknownScope(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	for _, scope := range []string{"spend/account/999", "bogus"} {
		code, _, errOut := runTally("--database-url", url, "--log-level", "warn", "forecast", "--scope", scope)
		if code != exitUsage || !strings.Contains(errOut, scope) {
			t.Errorf("forecast --scope %s: exit %d, %q: want exit %d naming it", scope, code, errOut, exitUsage)
		}
	}
}

// TestForecastTableNamesItsCurrency: the table's amounts name their
// currency (it was only in the JSON's params).
func TestForecastTableNamesItsCurrency(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	out := tly("forecast", "--scope", "spend/account", "--horizon", "7", "--lag", "0")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "currency") || !strings.Contains(lines[1], "  USD  ") {
		t.Errorf("want a currency column holding USD:\n%s", out)
	}
}

// TestForecastSynthDaily: --frequency daily writes Daily-train.csv and
// Daily-test.csv, 30 test days each, which eval scores with a weekly season.
func TestForecastSynthDaily(t *testing.T) {
	dir := t.TempDir()
	rep := synthAndEval(t, dir, "Daily", []string{"--frequency", "daily", "--series", "3", "--horizon", "30"}, []string{"--horizon", "30", "--season", "7", "--model", "auto"})
	if rep.Series != 3 || rep.Horizon != 30 {
		t.Errorf("report of %d series, horizon %d; want 3 and 30", rep.Series, rep.Horizon)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"forecast", "synth", "--frequency", "weekly", "--out", dir}, &out, &errb); code != exitUsage {
		t.Errorf("--frequency weekly: exit %d, want %d", code, exitUsage)
	}
}

// TestForecastSynthLengths: --min-length and --max-length bound the training
// histories (in days with --frequency daily), and go together.
func TestForecastSynthLengths(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"forecast", "synth", "--frequency", "daily", "--out", dir, "--series", "20", "--horizon", "90", "--min-length", "60", "--max-length", "120"}
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("synth: exit %d: %s", code, errb.String())
	}
	f, err := os.Open(filepath.Join(dir, "Daily-train.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	train, err := forecast.ReadWide(f, "Daily-train.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range train {
		if n := len(s.Values); n < 60 || n > 120 {
			t.Errorf("%s: %d days of history, want 60–120", s.ID, n)
		}
	}
	for _, bad := range [][]string{{"--min-length", "60"}, {"--min-length", "60", "--max-length", "30"}, {"--min-length", "5", "--max-length", "30"}} {
		errb.Reset()
		if code := run(append([]string{"forecast", "synth", "--out", dir}, bad...), &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "--min-length") {
			t.Errorf("%v: exit %d, %q; want %d naming --min-length", bad, code, strings.TrimSpace(errb.String()), exitUsage)
		}
	}
}

// synthAndEval writes a synthetic suite to dir with `forecast synth` and
// synthArgs, and scores its prefix-train.csv and prefix-test.csv with
// `forecast eval` and evalArgs.
func synthAndEval(t *testing.T, dir, prefix string, synthArgs, evalArgs []string) forecast.EvalReport {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"forecast", "synth", "--out", dir}, synthArgs...), &out, &errb); code != 0 {
		t.Fatalf("synth: exit %d: %s", code, errb.String())
	}
	out.Reset()
	args := append([]string{"--log-level", "warn", "forecast", "eval", "--train", filepath.Join(dir, prefix+"-train.csv"),
		"--test", filepath.Join(dir, prefix+"-test.csv"), "--format", "json"}, evalArgs...)
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("eval: exit %d: %s", code, errb.String())
	}
	var rep forecast.EvalReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestForecastEvalTestLongerThanHorizon: --test holds the next --horizon
// values of each series. One holding more (a --horizon shorter than the
// file's, or train and test swapped) was scored on its first --horizon
// values, silently; it is bad input naming the file, the series and the
// counts, as one holding fewer is.
func TestForecastEvalTestLongerThanHorizon(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := runTally("forecast", "synth", "--out", dir, "--series", "2", "--horizon", "48"); code != 0 {
		t.Fatalf("synth: exit %d: %s", code, errOut)
	}
	train, test := filepath.Join(dir, "Hourly-train.csv"), filepath.Join(dir, "Hourly-test.csv")
	for _, tc := range []struct {
		name        string
		train, test string
		horizon     string
		want        *regexp.Regexp
	}{
		{"horizon shorter", train, test, "24", regexp.MustCompile(regexp.QuoteMeta(test) + `:2: bad series file: series "S1" has 48 values, want 24`)},
		{"swapped", test, train, "48", regexp.MustCompile(regexp.QuoteMeta(train) + `:2: bad series file: series "S1" has \d+ values, want 48`)},
		{"horizon longer", train, test, "72", regexp.MustCompile(regexp.QuoteMeta(test) + `:2: bad series file: series "S1" has 48 values, want 72`)},
	} {
		code, out, errOut := runTally("--log-level", "warn", "forecast", "eval", "--train", tc.train, "--test", tc.test, "--horizon", tc.horizon, "--season", "24", "--model", "snaive")
		if code != exitUsage || !tc.want.MatchString(errOut) || out != "" {
			t.Errorf("%s: exit %d, stderr %q, want %d and %s\n%s", tc.name, code, errOut, exitUsage, tc.want, out)
		}
	}
}

// TestForecastEvalErrorsSayTheSentinelOnce: a forecast eval error said
// where and what, then ended in ": bad input"; like the other commands'
// file errors it says the kind of error after the place, once.
func TestForecastEvalErrorsSayTheSentinelOnce(t *testing.T) {
	train, test := writeSeriesFiles(t, "H1,1,2,3\nH2,4,five,6\n", "H1,1\n")
	code, _, errOut := runTally("forecast", "eval", "--train", train, "--test", test, "--horizon", "1", "--season", "1")
	want := "tally: " + train + `:2:6: bad series file: field 3 (value 2 of series "H2"): "five": not a number` + "\n"
	if code != exitUsage || errOut != want {
		t.Errorf("exit %d, stderr %q\nwant %q", code, errOut, want)
	}
}

// TestForecastEvalReadsGzip: the other CSV inputs (bills, usage files,
// traces) may be gzipped, a .gz name says so; forecast eval read
// x.csv.gz as CSV and said "bare \" in non-quoted-field". It reads it,
// and says a truncated one is truncated.
func TestForecastEvalReadsGzip(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := runTally("forecast", "synth", "--out", dir, "--series", "3", "--horizon", "24"); code != 0 {
		t.Fatalf("synth: exit %d: %s", code, errOut)
	}
	train, test := filepath.Join(dir, "Hourly-train.csv"), filepath.Join(dir, "Hourly-test.csv")
	gz := func(path string, keep func([]byte) []byte) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(b)
		zw.Close()
		out := filepath.Join(t.TempDir(), filepath.Base(path)+".gz")
		if err := os.WriteFile(out, keep(z.Bytes()), 0o644); err != nil {
			t.Fatal(err)
		}
		return out
	}
	eval := func(train, test string) (int, string, string) {
		return runTally("--log-level", "warn", "forecast", "eval", "--train", train, "--test", test, "--horizon", "24", "--season", "24",
			"--model", "snaive", "--format", "json", "--workers", "1")
	}
	whole := func(b []byte) []byte { return b }
	code, plain, errOut := eval(train, test)
	if code != 0 {
		t.Fatalf("plain: exit %d: %s", code, errOut)
	}
	metrics := func(out string) string { // the scores, not the times
		var rep forecast.EvalReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		s := ""
		for _, m := range rep.Models {
			s += fmt.Sprintf("%s %v %v %v;", m.Model, m.SMAPE, m.MASE, m.OWA)
		}
		return s
	}
	code, zipped, errOut := eval(gz(train, whole), gz(test, whole))
	if code != 0 || metrics(zipped) != metrics(plain) {
		t.Errorf("gzipped: exit %d: %s\n%s\nwant %s", code, errOut, metrics(zipped), metrics(plain))
	}
	cut := gz(train, func(b []byte) []byte { return b[:len(b)/2] })
	if code, _, errOut := eval(cut, test); code != exitUsage || !strings.Contains(errOut, "--train "+cut+": the gzip data ends early") {
		t.Errorf("truncated: exit %d, stderr %q", code, errOut)
	}
}

// writeSeriesFiles writes train and test series files and returns their paths.
func writeSeriesFiles(t *testing.T, train, test string) (trainPath, testPath string) {
	t.Helper()
	dir := t.TempDir()
	trainPath, testPath = filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv")
	for path, text := range map[string]string{trainPath: train, testPath: test} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return trainPath, testPath
}

// storedAccountForecast stores a 7-day forecast of fixture.OneNode's
// account (lag 0) and returns a tally runner on its database, a reader of
// the account scope's stored forecast, and the scope.
func storedAccountForecast(t *testing.T) (tly func(...string) string, latest func() tally.Forecast, scope string) {
	t.Helper()
	url, db := oneNodeDatabase(t)
	tly = mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("forecast", "--scope", "spend/account", "--horizon", "7", "--lag", "0")
	scope = forecast.NewScope(forecast.KindSpendAccount, "111").String()
	latest = func() tally.Forecast {
		t.Helper()
		f, err := db.LatestForecast(context.Background(), scope)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	return tly, latest, scope
}

// TestForecastOtherBasisNotStored: the stored spend scopes are of amortized
// cost, which the dashboard's Overview and the weekly report read as such.
// `forecast run --basis list` (or billed) replaced them with its forecasts,
// so both showed list prices as the amortized forecast; it prints its
// forecasts, says they are not stored, and keeps the amortized ones.
func TestForecastOtherBasisNotStored(t *testing.T) {
	tly, latest, scope := storedAccountForecast(t)
	before := latest()
	for _, basis := range []string{"list", "billed"} {
		out := tly("forecast", "--scope", "spend/account", "--horizon", "7", "--lag", "0", "--basis", basis)
		want := "not stored: the stored spend forecasts are of amortized cost (the dashboard and the weekly report read them); these are of " + basis + " cost"
		if !strings.Contains(out, scope) || !strings.Contains(out, want) {
			t.Errorf("--basis %s: want the forecast and %q:\n%s", basis, want, out)
		}
		after := latest()
		var params struct{ Basis string }
		if err := json.Unmarshal(after.Params, &params); err != nil {
			t.Fatal(err)
		}
		if !after.CreatedAt.Equal(before.CreatedAt) || params.Basis != "amortized" {
			t.Errorf("--basis %s replaced the stored forecast: %s %s", basis, after.CreatedAt, after.Params)
		}
	}
}

// TestForecastNoStoreKeepsTheStoredForecasts: a look back (the README's
// `forecast --lag 54 --horizon 31`, October's forecast made from the bill
// up to its first) replaced the stored forecast of its scopes, which the
// dashboard's Overview and the weekly report read as the current one;
// with --no-store it prints its forecasts, says they are not stored, and
// keeps the stored ones.
func TestForecastNoStoreKeepsTheStoredForecasts(t *testing.T) {
	tly, latest, scope := storedAccountForecast(t)
	before := latest()
	out := tly("forecast", "--scope", "spend/account", "--horizon", "3", "--lag", "1", "--no-store")
	want := "not stored (--no-store): the stored spend forecasts, which the dashboard and the weekly report read, are kept"
	if !strings.Contains(out, scope) || !strings.Contains(out, want) {
		t.Errorf("--no-store: want the forecast and %q:\n%s", want, out)
	}
	if after := latest(); !after.CreatedAt.Equal(before.CreatedAt) || len(after.Points) != 7 {
		t.Errorf("--no-store replaced the stored forecast: made %s with %d points, want %s with 7", after.CreatedAt, len(after.Points), before.CreatedAt)
	}
}

// TestForecastEvalBadSeasons: an extra season of 1 step or fewer is no
// season; --seasons=-5 (or 0, or 1) was accepted and did nothing, the
// scores those of no extra season. It is bad input naming the flag and
// value.
func TestForecastEvalBadSeasons(t *testing.T) {
	train, test := writeSeriesFiles(t, "H1,1,2,3,4,5,6,7,8,9,10\n", "H1,11\n")
	for _, v := range []string{"-5", "0", "1", "7,0"} {
		code, out, errOut := runTally("--log-level", "warn", "forecast", "eval", "--train", train, "--test", test, "--horizon", "1", "--season", "2", "--seasons="+v)
		bad, _ := strings.CutPrefix(v, "7,")
		want := "--seasons " + bad + ": want a season of at least 2 steps"
		if code != exitUsage || !strings.Contains(errOut, want) || out != "" {
			t.Errorf("--seasons=%s: exit %d, stderr %q, want %d and %q\n%s", v, code, errOut, exitUsage, want, out)
		}
	}
}

// TestForecastBadNumbers: forecast run and synth name the flag and the value
// they refuse; they said "--horizon and --history must be at least 1,
// --lag at least 0" to --history 0, and "--series and --horizon must be at
// least 1" to --series 0. A --history shorter than two weeks is refused
// with the minimum and why: --history 3 stored a flat 90-day forecast of
// 3 days, with no weekly rhythm and no validation, without a word.
func TestForecastBadNumbers(t *testing.T) {
	const historyWhy = "two weeks of daily spend, two of its weekly seasons: with fewer the models see no weekly rhythm and forecast weekdays and weekends alike"
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--horizon", "0"}, "--horizon 0: want at least 1 day"},
		{[]string{"run", "--history", "0"}, "--history 0: want at least 14 days: " + historyWhy},
		{[]string{"run", "--history", "3"}, "--history 3: want at least 14 days: " + historyWhy},
		{[]string{"run", "--lag=-1"}, "--lag -1: want at least 0 days"},
		{[]string{"synth", "--out", dir, "--series", "0"}, "--series 0: want at least 1 series"},
		{[]string{"synth", "--out", dir, "--horizon", "0"}, "--horizon 0: want at least 1 step"},
	} {
		args := append([]string{"--database-url", "postgres://x@127.0.0.1:1/x", "forecast"}, tc.args...)
		code, _, errOut := runTally(args...)
		if code != exitUsage || errOut != "tally: "+tc.want+"\n" {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errOut, exitUsage, tc.want)
		}
	}
}

// TestForecastTableWritesMoney: the table writes its amounts as the
// dashboard and tally rightsize do, to the cent with their currency
// ("$31.92", "$4.56 ($1.01 – $8.11)"); they were bare numbers beside a
// currency column ("31.92"), which the Overview writes "$31.92".
func TestForecastTableWritesMoney(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	out := tly("forecast", "--scope", "spend/account", "--horizon", "7", "--lag", "0")
	row := regexp.MustCompile(`spend/account/111 +naive +USD +\$\d+\.\d\d +\$\d+\.\d\d \(\$\d+\.\d\d – \$\d+\.\d\d\) `)
	if !row.MatchString(out) {
		t.Errorf("want the amounts in dollars to the cent:\n%s", out)
	}
}

// TestForecastSynthOutNamesItsFlag: a directory synth cannot make is named
// by its flag; it said "mkdir …: not a directory" alone.
func TestForecastSynthOutNamesItsFlag(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(file, "suite")
	code, _, errOut := runTally("forecast", "synth", "--out", bad, "--series", "2")
	if want := "--out " + bad + ": mkdir " + file + ": not a directory"; code != exitError || !strings.Contains(errOut, want) {
		t.Errorf("synth --out under a file: exit %d %q, want %d with %q", code, errOut, exitError, want)
	}
}

// The eval table's head counts its workers as English does: one worker
// ("1 workers" read as a typo), two workers.
func TestForecastEvalTableCountsWorkers(t *testing.T) {
	for workers, want := range map[int]string{1: ", 1 worker\n", 2: ", 2 workers\n"} {
		var out bytes.Buffer
		writeEvalTable(&out, &forecast.EvalReport{Series: 1, Horizon: 3, Season: 1, Workers: workers})
		if head, _, _ := strings.Cut(out.String(), "\n"); head+"\n" != "1 series, horizon 3, season 1"+want {
			t.Errorf("%d workers: head %q, want it to end %q", workers, head, want)
		}
	}
}

// TestForecastTableNamesServices: the table names a service as the bill
// does, "spend/service/AWS Data Transfer", which --scope takes, not as the
// scope is stored ("spend/service/AWS%20Data%20Transfer"); the JSON keeps
// the stored scope and adds that name.
func TestForecastTableNamesServices(t *testing.T) {
	day := time.Date(2026, 10, 7, 0, 0, 0, 0, time.UTC)
	fs := []tally.Forecast{{
		Scope:  "spend/service/AWS%20Data%20Transfer",
		Model:  "ets",
		Params: json.RawMessage(`{"currency":"USD"}`),
		Points: []tally.ForecastPoint{{T: day, Mean: 1}, {T: day.AddDate(0, 0, 1), Mean: 2}},
	}}
	var table bytes.Buffer
	writeSpendTable(&table, fs)
	if lines := strings.Split(table.String(), "\n"); len(lines) < 2 || !strings.HasPrefix(lines[1], "spend/service/AWS Data Transfer  ") {
		t.Errorf("want the service's row to start with its name as the bill spells it:\n%s", table.String())
	}
	var js bytes.Buffer
	if err := writeSpendJSON(&js, fs); err != nil {
		t.Fatal(err)
	}
	var got []struct{ Scope, Name string }
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, js.String())
	}
	if len(got) != 1 || got[0].Scope != fs[0].Scope || got[0].Name != "spend/service/AWS Data Transfer" {
		t.Errorf("JSON scope and name %+v: want %q and the bill's spelling", got, fs[0].Scope)
	}
}
