package demo_test

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/demo"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// checksums returns the SHA-256 of every file under dir by relative path.
func checksums(t *testing.T, dir string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		s := sha256.Sum256(b)
		sums[filepath.ToSlash(rel)] = hex.EncodeToString(s[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// TestDeterministic generates the fixture's organization again and compares
// the checksum of every file: same seed, byte-identical output.
func TestDeterministic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "again")
	m, err := demo.Generate(context.Background(), fixtureCfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	a, b := checksums(t, fixtureDir), checksums(t, dir)
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for p, s := range a {
		if b[p] != s {
			t.Errorf("%s differs between two runs with the same seed", p)
		}
	}
	// The manifest's checksums are the files' checksums.
	for _, f := range m.Files {
		if b[f.Path] != f.SHA256 {
			t.Errorf("manifest: %s sha256 %s, file has %s", f.Path, f.SHA256, b[f.Path])
		}
	}
	if len(m.Files)+1 != len(b) {
		t.Errorf("manifest lists %d files, %d written besides it", len(m.Files), len(b)-1)
	}
}

// TestSeedChangesOrganization: another seed gives other instances and costs.
func TestSeedChangesOrganization(t *testing.T) {
	cfg := fixtureCfg
	cfg.Seed, cfg.Days = 2, 3
	dir := filepath.Join(t.TempDir(), "seed2")
	if _, err := demo.Generate(context.Background(), cfg, dir); err != nil {
		t.Fatal(err)
	}
	m, err := demo.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := demo.LoadTruth(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Nodes[0].InstanceID == fixtureTr.Nodes[0].InstanceID {
		t.Errorf("seed 2 has seed 1's instance %s", tr.Nodes[0].InstanceID)
	}
	if !m.Matches(cfg) || m.Matches(fixtureCfg) {
		t.Errorf("Matches: manifest of seed 2 must match its config only")
	}
}

// TestTruthGolden pins the ground truth's daily totals, so a change of the
// model is a deliberate one (go test ./demo -run TestTruthGolden -update).
func TestTruthGolden(t *testing.T) {
	type total struct{ Day, Account, Billed, Amortized string }
	var got []total
	for _, d := range fixtureTr.Daily {
		got = append(got, total{d.Day, d.BillingAccountID, d.Billed, d.Amortized})
	}
	b, _ := json.MarshalIndent(got, "", "  ")
	golden := filepath.Join("testdata", "truth-daily-seed1.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if strings.TrimSpace(string(want)) != strings.TrimSpace(string(b)) {
		t.Errorf("daily totals differ from %s (run with -update if the change is intended)", golden)
	}
}

// TestTruthConserves: on every day the owners sum exactly to the amortized
// total, clusters sum to their share, sub-accounts sum to the account.
func TestTruthConserves(t *testing.T) {
	if len(fixtureTr.Daily) != 2*fixtureCfg.Days {
		t.Fatalf("%d daily entries, want %d", len(fixtureTr.Daily), 2*fixtureCfg.Days)
	}
	for _, d := range fixtureTr.Daily {
		sum := money(t, "0")
		for _, v := range d.Namespaces {
			sum = mustAdd(sum, money(t, v))
		}
		for _, v := range d.Teams {
			sum = mustAdd(sum, money(t, v))
		}
		for _, v := range []string{d.Idle, d.Shared, d.Unallocated} {
			sum = mustAdd(sum, money(t, v))
		}
		if !sum.Equal(money(t, d.Amortized)) {
			t.Errorf("%s %s: owners sum to %s, amortized is %s", d.Day, d.BillingAccountID, sum, d.Amortized)
		}
		var billed, amort tally.Money
		for _, s := range d.SubAccounts {
			billed = mustAdd(billed, money(t, s.Billed))
			amort = mustAdd(amort, money(t, s.Amortized))
		}
		if !billed.Equal(money(t, d.Billed)) || !amort.Equal(money(t, d.Amortized)) {
			t.Errorf("%s %s: sub-accounts sum to %s/%s, account has %s/%s", d.Day, d.BillingAccountID, billed, amort, d.Billed, d.Amortized)
		}
		idle := money(t, "0")
		for _, c := range d.Clusters {
			idle = mustAdd(idle, money(t, c.Idle))
		}
		if !idle.Equal(money(t, d.Idle)) {
			t.Errorf("%s: clusters' idle %s, total idle %s", d.Day, idle, d.Idle)
		}
		for ns, v := range d.Namespaces {
			if money(t, v).Sign() < 0 {
				t.Errorf("%s: namespace %s has negative cost %s", d.Day, ns, v)
			}
		}
		if money(t, d.Idle).Sign() < 0 {
			t.Errorf("%s: negative idle %s", d.Day, d.Idle)
		}
	}
}

// TestTruthScenario checks the organization has what the demo promises.
func TestTruthScenario(t *testing.T) {
	tr := fixtureTr
	if len(tr.Clusters) != 3 || len(tr.BillingAccounts) != 2 {
		t.Errorf("%d clusters, %d billing accounts", len(tr.Clusters), len(tr.BillingAccounts))
	}
	if n := len(tr.Namespaces); n < 12 {
		t.Errorf("%d namespaces, want ~12+", n)
	}
	if n := len(tr.Workloads); n < 30 {
		t.Errorf("%d workloads, want ~30", n)
	}
	kinds := map[string]bool{}
	over := 0
	for _, w := range tr.Workloads {
		kinds[w.Kind] = true
		if w.OverProvisioned {
			over++
			if w.AvgCPUCores > 0.5*w.CPURequestCores && w.AvgMemoryBytes > 0.7*float64(w.MemoryRequest) {
				t.Errorf("%s/%s is marked over-provisioned but uses %.2f of %.2f cores", w.Namespace, w.Name, w.AvgCPUCores, w.CPURequestCores)
			}
		}
	}
	for _, k := range []string{tally.KindDeployment, tally.KindStatefulSet, tally.KindDaemonSet, tally.KindCronJob} {
		if !kinds[k] {
			t.Errorf("no %s workload", k)
		}
	}
	if over == 0 {
		t.Error("no over-provisioned workload")
	}
	// Nodes: ~40 at a time, several families, spot and on-demand, churn.
	at := fixtureMan.End.Add(-12 * time.Hour)
	running, families, spot := 0, map[string]bool{}, 0
	for _, n := range tr.Nodes {
		families[strings.SplitN(strings.SplitN(n.InstanceType, ".", 2)[0], "-", 2)[0]] = true
		if !n.Launch.After(at) && (n.Terminated.IsZero() || n.Terminated.After(at)) {
			running++
			if n.Lifecycle == tally.LifecycleSpot {
				spot++
			}
		}
	}
	if running < 30 || running > 50 || spot == 0 {
		t.Errorf("%d nodes running (%d spot), want ~40 with some spot", running, spot)
	}
	if len(families) < 5 {
		t.Errorf("instance families %v, want several", families)
	}
	if len(tr.Nodes) <= running {
		t.Errorf("no autoscaling churn: %d nodes over the window, %d running", len(tr.Nodes), running)
	}
	// Commitments: every kind, utilization realistic, expiries spread.
	kinds = map[string]bool{}
	expiries := map[string]bool{}
	for _, c := range tr.Commitments {
		kinds[c.Kind] = true
		expiries[c.End.Format("2006-01")] = true
		if c.Utilization <= 0 || c.Utilization > 1 {
			t.Errorf("%s: utilization %v", c.Name, c.Utilization)
		}
	}
	for _, k := range []string{tally.CommitComputeSP, tally.CommitEC2SP, tally.CommitReserved, tally.CommitCUDResource} {
		if !kinds[k] {
			t.Errorf("no %s commitment", k)
		}
	}
	if len(expiries) < 5 {
		t.Errorf("expiries %v: want them spread over the coming months", expiries)
	}
	low := 0
	for _, c := range tr.Commitments {
		if c.Utilization < 0.98 {
			low++
		}
	}
	if low < 2 {
		t.Errorf("only %d commitments below 98%% utilization: want realistic waste", low)
	}
	// The regression, the OOM workload, the hostile label.
	r := tr.Regression
	if r.Function != demo.RegressedFunction || r.CPUFactor != demo.RegressionFactor || r.SelfShareAfter <= r.SelfShareBefore || r.ImageBefore == r.ImageAfter {
		t.Errorf("regression %+v", r)
	}
	if r.DeployedAt.Before(fixtureMan.Start) || !r.DeployedAt.Before(fixtureMan.End) {
		t.Errorf("regression deployed at %s, outside the window", r.DeployedAt)
	}
	if tr.OOM.Kills == 0 || tr.OOM.DaysWithKills == 0 {
		t.Errorf("OOM workload never OOM-killed: %+v", tr.OOM)
	}
	if tr.XSS.Value != "<script>alert(1)</script>" {
		t.Errorf("xss value %q", tr.XSS.Value)
	}
	// Shared and unallocated costs exist; some costs are tagged to teams only.
	var shared, unalloc, teams bool
	for _, d := range tr.Daily {
		shared = shared || money(t, d.Shared).Sign() > 0
		unalloc = unalloc || money(t, d.Unallocated).Sign() > 0
		teams = teams || len(d.Teams) > 0
	}
	if !shared || !unalloc || !teams {
		t.Errorf("shared %v, unallocated %v, team-tagged %v: want all", shared, unalloc, teams)
	}
}

func TestManifest(t *testing.T) {
	m, err := demo.Load(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Seed != fixtureCfg.Seed || m.Days != fixtureCfg.Days || !m.End.Equal(fixtureCfg.End) || !m.Matches(fixtureCfg) {
		t.Errorf("manifest %d/%d/%s does not describe the config", m.Seed, m.Days, m.End)
	}
	kinds := map[string]int{}
	for _, f := range m.Files {
		kinds[f.Kind]++
	}
	for _, k := range []string{demo.KindCUR2, demo.KindCUR2Manifest, demo.KindFOCUS, demo.KindFOCUSManifest, demo.KindGCPResource, demo.KindGCPStandard, demo.KindAgent, demo.KindTruth} {
		if kinds[k] == 0 {
			t.Errorf("no %s file", k)
		}
	}
	sources := map[string]bool{}
	for _, s := range m.Ingest {
		sources[s.Source] = true
		for _, f := range s.Files {
			if !strings.HasPrefix(f, s.Path+"/") {
				t.Errorf("ingest %s: %s is not under %s", s.Source, f, s.Path)
			}
			if _, err := os.Stat(filepath.Join(fixtureDir, f)); err != nil {
				t.Error(err)
			}
		}
	}
	if len(sources) != 3 {
		t.Errorf("ingest sources %v", sources)
	}
	// The standard GCP table holds the same charges as the resource table:
	// it must not be in the ingest list.
	for _, s := range m.Ingest {
		if strings.Contains(s.Path, m.GCP.StandardTable) {
			t.Errorf("the standard table is in the ingest list: every dollar would count twice")
		}
	}
	if n := len(m.Agent); n == 0 || !sort.SliceIsSorted(m.Agent, func(i, j int) bool { return m.Agent[i].Path < m.Agent[j].Path }) {
		t.Errorf("%d agent files, or not sorted", n)
	}
}

func TestGenerateErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Generate(context.Background(), fixtureCfg, dir); !errors.Is(err, demo.ErrNotEmpty) || tally.ErrorCode(err) != tally.EConflict {
		t.Errorf("non-empty directory: %v", err)
	}
	for _, cfg := range []demo.Config{
		{End: fixtureCfg.End}, // no days: not a default of 90
		{Days: 1, End: fixtureCfg.End},
		{Days: 500, End: fixtureCfg.End},
		{Days: 5, End: fixtureCfg.End.Add(time.Hour)},
		{Days: 5, End: fixtureCfg.End, ProfileDays: -1},
	} {
		out := filepath.Join(t.TempDir(), "o")
		if _, err := demo.Generate(context.Background(), cfg, out); tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("%+v: %v, want an invalid-input error", cfg, err)
		}
	}
	// Cancelled: nothing is left behind.
	parent := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := demo.Generate(ctx, demo.Config{Days: 3, End: fixtureCfg.End}, filepath.Join(parent, "o")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("cancelled generation left %v behind", entries)
	}
	if _, err := demo.Load(parent); !errors.Is(err, demo.ErrNoManifest) {
		t.Errorf("Load of an empty directory: %v", err)
	}
}

// TestLoadRejectsPathsOutsideTheDirectory: the manifest names the files to
// read relative to its directory; one absolute or leading out of it (a
// manifest from elsewhere, or edited) was read wherever it pointed. Load
// refuses it, naming the manifest, the field and the path.
func TestLoadRejectsPathsOutsideTheDirectory(t *testing.T) {
	for _, tc := range []struct {
		field string
		bad   string
		set   func(m *demo.Manifest, p string)
	}{
		{"truth", "../truth.json", func(m *demo.Manifest, p string) { m.Truth = p }},
		{"truth", "/etc/passwd", func(m *demo.Manifest, p string) { m.Truth = p }},
		{"agent[1].path", "agent/../../x.json.gz", func(m *demo.Manifest, p string) { m.Agent[1].Path = p }},
		{"ingest[0].path", "..", func(m *demo.Manifest, p string) { m.Ingest[0].Path = p }},
		{"ingest[2].files[0]", "/tmp/x.json.gz", func(m *demo.Manifest, p string) { m.Ingest[2].Files[0] = p }},
		{"cur2.root", "../aws", func(m *demo.Manifest, p string) { m.CUR2.Root = p }},
		{"focus.periods[0].manifest", "../../Manifest.json", func(m *demo.Manifest, p string) { m.FOCUS.Periods[0].Manifest = p }},
		{"cur2.periods[0].dataFiles[0]", "/x.parquet", func(m *demo.Manifest, p string) { m.CUR2.Periods[0].DataFiles[0] = p }},
		{"gcp.standard[0].files[0]", "../x", func(m *demo.Manifest, p string) { m.GCP.Standard[0].Files[0] = p }},
		{"files[0].path", "../../etc/shadow", func(m *demo.Manifest, p string) { m.Files[0].Path = p }},
	} {
		t.Run(tc.field+" "+tc.bad, func(t *testing.T) {
			b, _ := json.Marshal(fixtureMan)
			var m demo.Manifest
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			tc.set(&m, tc.bad)
			dir := t.TempDir()
			if b, err := json.Marshal(m); err != nil {
				t.Fatal(err)
			} else if err := os.WriteFile(filepath.Join(dir, demo.ManifestFile), b, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := demo.Load(dir)
			if tally.ErrorCode(err) != tally.EInvalid {
				t.Fatalf("Load with %s %q: %v, want an invalid-input error", tc.field, tc.bad, err)
			}
			for _, want := range []string{filepath.Join(dir, demo.ManifestFile), tc.field, strconv.Quote(tc.bad)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Load with %s %q: %q does not name %s", tc.field, tc.bad, err, want)
				}
			}
		})
	}
	// The generated manifest, its paths all under its directory, loads.
	b, _ := json.Marshal(fixtureMan)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, demo.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(dir); err != nil {
		t.Errorf("Load of the generated manifest: %v", err)
	}
}

// FuzzLoad: a corrupt manifest is an error, never a panic.
func FuzzLoad(f *testing.F) {
	b, _ := json.Marshal(fixtureMan)
	f.Add(b)
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, demo.ManifestFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := demo.Load(dir)
		if err == nil && m.Version != demo.ManifestVersion {
			t.Errorf("loaded version %d", m.Version)
		}
	})
}

// TestGenerateProfileDays: ProfileDays 0 means no CPU profiles in the agent
// batches, not a default number of days.
func TestGenerateProfileDays(t *testing.T) {
	for _, days := range []int{0, 1} {
		dir := filepath.Join(t.TempDir(), "o")
		m, err := demo.Generate(context.Background(), demo.Config{Seed: 1, Days: 2, End: fixtureCfg.End, ProfileDays: days}, dir)
		if err != nil {
			t.Fatal(err)
		}
		profiles := 0
		for _, af := range m.Agent {
			f, err := os.Open(filepath.Join(dir, filepath.FromSlash(af.Path)))
			if err != nil {
				t.Fatal(err)
			}
			zr, err := gzip.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			var b tally.AgentBatch
			err = json.NewDecoder(zr).Decode(&b)
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", af.Path, err)
			}
			for _, iv := range b.Intervals {
				for _, u := range iv.Containers {
					if len(u.Profile) > 0 {
						profiles++
					}
				}
			}
		}
		if m.ProfileDays != days || (profiles == 0) != (days == 0) {
			t.Errorf("ProfileDays %d: manifest says %d, %d profiles in the agent batches", days, m.ProfileDays, profiles)
		}
	}
}
