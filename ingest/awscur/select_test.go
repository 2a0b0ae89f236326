package awscur_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/ingest/awscur/curtest"
)

// writeTree writes files (path → content) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// twoAssemblies writes a legacy CUR month delivered twice (asm-1, then the
// restated, current asm-2) under root/cur/acme, with or without the
// period's own manifest, and returns the period folder.
func twoAssemblies(t *testing.T, root string, periodManifest bool) string {
	t.Helper()
	period := filepath.Join(root, "cur", "acme", "20250301-20250401")
	rows := curtest.Rows(curtest.Month(march))
	writeLegacy(t, period, "asm-1/acme-00001.csv.gz", rows)
	writeLegacy(t, period, "asm-2/acme-00001.csv.gz", rows)
	files := map[string]string{
		"asm-1/acme-Manifest.json": `{"assemblyId":"asm-1","reportKeys":["cur/acme/20250301-20250401/asm-1/acme-00001.csv.gz"]}`,
		"asm-2/acme-Manifest.json": `{"assemblyId":"asm-2","reportKeys":["cur/acme/20250301-20250401/asm-2/acme-00001.csv.gz"]}`,
	}
	if periodManifest {
		files["acme-Manifest.json"] = `{"assemblyId":"asm-2","reportKeys":["cur/acme/20250301-20250401/asm-2/acme-00001.csv.gz"]}`
	}
	writeTree(t, period, files)
	return period
}

// locate returns the files Locate picks for arg (relative to root when
// root is not empty), and their billed total.
func locate(t *testing.T, arg string) ([]string, tally.Money, error) {
	t.Helper()
	files, cleanup, err := awscur.Locate(context.Background(), []string{arg}, awscur.S3Options{})
	defer cleanup()
	if err != nil {
		return nil, tally.Money{}, err
	}
	var names []string
	billed := tally.Zero("USD")
	for _, f := range files {
		names = append(names, f.Name)
		lines, bad, err := parse(t, f.Path)
		if err != nil || len(bad) > 0 {
			t.Fatalf("%s: %v %v", f.Path, err, bad)
		}
		for _, l := range lines {
			billed, _ = billed.Add(l.BilledCost)
		}
	}
	return names, billed, nil
}

// Legacy CUR keeps every version (assembly) of a month under its period
// folder, and the period's own report-Manifest.json names the current one.
// Pointed at the report folder, at the period folder itself (also as "."),
// or at the current assembly, Locate reads that assembly only: the month
// once, not once per version.
func TestLocatePeriodFolderReadsTheCurrentAssembly(t *testing.T) {
	root := t.TempDir()
	period := twoAssemblies(t, root, true)
	current := filepath.Join(period, "asm-2", "acme-00001.csv.gz")
	for _, arg := range []string{filepath.Join(root, "cur", "acme"), period, period + "/", filepath.Join(period, "asm-2")} {
		files, billed, err := locate(t, arg)
		if err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		if len(files) != 1 || filepath.Clean(files[0]) != current || billed.Decimal() != "1557.4364" {
			t.Errorf("%s: files %v, billed %s; want the current assembly's %s, 1557.4364", arg, files, billed.Decimal(), current)
		}
	}

	// A relative path: the period folder as ".", from inside it.
	wd, _ := os.Getwd()
	if err := os.Chdir(period); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	files, billed, err := locate(t, ".")
	if err != nil || len(files) != 1 || files[0] != filepath.Join("asm-2", "acme-00001.csv.gz") || billed.Decimal() != "1557.4364" {
		t.Errorf(".: files %v, billed %s, %v; want asm-2/acme-00001.csv.gz, 1557.4364", files, billed.Decimal(), err)
	}
}

// Without the period's manifest, nothing says which assembly is current:
// Locate refuses to read them all, names the folder and says what to do.
// One assembly folder alone is still read.
func TestLocateAssembliesWithoutPeriodManifest(t *testing.T) {
	root := t.TempDir()
	period := twoAssemblies(t, root, false)
	for _, arg := range []string{filepath.Join(root, "cur", "acme"), period} {
		files, _, err := locate(t, arg)
		if err == nil {
			t.Errorf("%s: read %v, want an error", arg, files)
			continue
		}
		msg := err.Error()
		t.Logf("%s: %v", arg, err)
		if tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(msg, arg) || !strings.Contains(msg, "20250301-20250401 holds 2 assemblies (asm-1, asm-2)") ||
			!strings.Contains(msg, "no period manifest") || !strings.Contains(msg, "point at the current assembly") {
			t.Errorf("%s: error %q (%s), want an invalid-input error naming the folder, its assemblies and the way out", arg, msg, tally.ErrorCode(err))
		}
	}
	files, billed, err := locate(t, filepath.Join(period, "asm-2"))
	if err != nil || len(files) != 1 || billed.Decimal() != "1557.4364" {
		t.Errorf("one assembly folder: files %v, billed %s, %v; want its 1 file, 1557.4364", files, billed.Decimal(), err)
	}
}

func TestReportOf(t *testing.T) {
	for name, want := range map[string]string{
		"s3://billing/cur/acme/20250301-20250401/asm-1/acme-00001.csv.gz":                      "s3://billing/cur/acme",
		"s3://billing/cur/acme/20250301-20250401/acme-00001.csv.gz":                            "s3://billing/cur/acme",
		"/data/copy/exports/acme2/data/BILLING_PERIOD=2025-03/acme2-00001.snappy.parquet":      "/data/copy/exports/acme2",
		"s3://billing/exports/acme2/data/BILLING_PERIOD=2025-03/v1/acme2-00001.snappy.parquet": "s3://billing/exports/acme2",
		"/data/bill.parquet": "",
		"/data/BILLING_PERIOD=2025-03/acme2-00001.parquet":                                "",
		"/data/cur/20250301-20250401":                                                     "",
		"s3://billing/acme/acme/year=2025/month=3/acme-00001.snappy.parquet":              "s3://billing/acme/acme",
		"/data/cur/acme/acme/year=2025/month=12/acme-00001.snappy.parquet":                "/data/cur/acme/acme",
		"s3://billing/acme/year=2025/acme.csv":                                            "",
		"s3://billing/acme/cost_and_usage_data_status/cost_and_usage_data_status.parquet": "",
	} {
		if got := awscur.ReportOf(name); got != want {
			t.Errorf("ReportOf(%s) = %q, want %q", name, got, want)
		}
	}
}

// A period manifest that is not a manifest, or that lists a file the copy
// lacks, is bad input (EInvalid) naming the manifest, and for JSON that
// does not parse, its line and column.
func TestLocateBadManifest(t *testing.T) {
	const manifest = "cur/acme/20250301-20250401/acme-Manifest.json"
	for _, tc := range []struct{ body, want string }{
		{`{"assemblyId":"asm-1","reportKeys":["cur/acme/20250301-20250401/asm-9/acme-00001.csv.gz"]}`,
			manifest + " lists cur/acme/20250301-20250401/asm-9/acme-00001.csv.gz, which is not there"},
		{"{\n  \"assemblyId\": \"asm-1\",\n  \"reportKeys\": [\"a\",]\n}", manifest + ":3:22: not JSON: invalid character ']' looking for beginning of value"},
		{"{\"reportKeys\": [\"a\"", manifest + ":1:19: not JSON: unexpected end of JSON input"},
		{`{"reportKeys": "a"}`, manifest + ":1:18: reportKeys is a JSON string, want []string"},
		{`{"assemblyId":"asm-1"}`, manifest + ": no reportKeys or dataFiles"},
	} {
		root := t.TempDir()
		writeLegacy(t, root, "cur/acme/20250301-20250401/asm-1/acme-00001.csv.gz", curtest.Rows(curtest.Month(march)))
		writeTree(t, root, map[string]string{manifest: tc.body})
		_, _, err := locate(t, root)
		if err == nil || tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), root+": CUR manifest "+tc.want) {
			t.Errorf("manifest %s: %v (%s)\nwant an invalid-input error with %q", tc.body, err, tally.ErrorCode(err), root+": CUR manifest "+tc.want)
		}
	}
}
