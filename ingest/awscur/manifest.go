package awscur

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/jsonpos"
)

// Manifest is the part of a CUR manifest Tally reads: legacy CUR's
// <report>-Manifest.json (reportKeys) or a Data Exports manifest (dataFiles).
type Manifest struct {
	AssemblyID    string   `json:"assemblyId"`
	ExecutionID   string   `json:"executionId"`
	Bucket        string   `json:"bucket"`
	ReportKeys    []string `json:"reportKeys"`
	DataFiles     []string `json:"dataFiles"`
	ContentType   string   `json:"contentType"`
	BillingPeriod struct {
		Start string `json:"start"`
		End   string `json:"end"`
	} `json:"billingPeriod"`
	Columns []struct {
		Category string `json:"category"`
		Name     string `json:"name"`
	} `json:"columns"`
}

// ParseManifest reads a manifest; name is used in errors. One that is not a
// manifest (not JSON, no data files, a bad key) is an EInvalid error
// naming it, with the line and column where its JSON does not parse.
func ParseManifest(name string, b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, manifestJSONError(name, b, err)
	}
	if len(m.ReportKeys) == 0 && len(m.DataFiles) == 0 {
		return nil, tally.Errorf(tally.EInvalid, "CUR manifest %s: no reportKeys or dataFiles", name)
	}
	for _, k := range m.Keys() {
		if k == "" || strings.Contains(k, "..") {
			return nil, tally.Errorf(tally.EInvalid, "CUR manifest %s: bad key %q", name, k)
		}
	}
	return &m, nil
}

// manifestJSONError describes the error err of decoding the manifest b:
// where (name:line:column) and what.
func manifestJSONError(name string, b []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return tally.Errorf(tally.EInvalid, "CUR manifest %s: not JSON: %v", jsonpos.Position(name, b, se.Offset), se)
	case errors.As(err, &te):
		return tally.Errorf(tally.EInvalid, "CUR manifest %s: %s is a JSON %s, want %s", jsonpos.Position(name, b, te.Offset), te.Field, te.Value, te.Type)
	}
	return tally.Errorf(tally.EInvalid, "CUR manifest %s: %v", name, err)
}

// Keys returns the object keys of the manifest's data files (s3:// URLs
// of dataFiles reduced to their keys).
func (m *Manifest) Keys() []string {
	keys := append([]string(nil), m.ReportKeys...)
	for _, u := range m.DataFiles {
		if rest, ok := strings.CutPrefix(u, "s3://"); ok {
			_, key, _ := strings.Cut(rest, "/")
			u = key
		}
		keys = append(keys, u)
	}
	return keys
}

var (
	legacyPeriodDir = regexp.MustCompile(`^\d{8}-\d{8}$`)
	exportPeriodDir = regexp.MustCompile(`^BILLING_PERIOD=\d{4}-\d{2}$`)
	athenaYearDir   = regexp.MustCompile(`^year=\d{4}$`)
	athenaMonthDir  = regexp.MustCompile(`^month=\d{1,2}$`)
)

// IsManifest reports whether name is a CUR or Data Exports manifest.
func IsManifest(name string) bool { return strings.HasSuffix(strings.ToLower(name), "manifest.json") }

// IsCurrentManifest reports whether a manifest names the current version
// of a billing period: legacy CUR's period-level manifest
// (…/20240901-20241001/report-Manifest.json, not the copies in assembly
// folders) or a Data Exports manifest (…/metadata/BILLING_PERIOD=2024-09/…).
func IsCurrentManifest(name string) bool {
	if !IsManifest(name) {
		return false
	}
	return IsPeriodDir(path.Base(path.Dir(name)))
}

// IsPeriodDir reports whether a folder's name is a billing period's: legacy
// CUR's 20240901-20241001 or a Data Export's BILLING_PERIOD=2024-09.
func IsPeriodDir(name string) bool {
	return legacyPeriodDir.MatchString(name) || exportPeriodDir.MatchString(name)
}

// ReportOf returns the report a CUR data file is part of, from its path
// ("/"-separated, an S3 URL or an absolute local path): legacy CUR's
// <prefix>/<report> of <prefix>/<report>/20250301-20250401/…, legacy CUR
// for Athena's <prefix>/<report>/<report> of
// <prefix>/<report>/<report>/year=2025/month=3/…, or a Data Export's
// <prefix>/<export> of <prefix>/<export>/data/BILLING_PERIOD=2025-03/….
// It is "" for any other layout.
func ReportOf(name string) string {
	parts := strings.Split(name, "/")
	for i := len(parts) - 2; i > 0; i-- {
		switch {
		case legacyPeriodDir.MatchString(parts[i]):
			return strings.Join(parts[:i], "/")
		case exportPeriodDir.MatchString(parts[i]) && i > 1 && parts[i-1] == "data":
			return strings.Join(parts[:i-1], "/")
		case athenaYearDir.MatchString(parts[i]) && i+2 < len(parts) && athenaMonthDir.MatchString(parts[i+1]):
			return strings.Join(parts[:i], "/")
		}
	}
	return ""
}

// IsDataFile reports whether name is a CUR data file.
func IsDataFile(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".parquet") || strings.HasSuffix(n, ".csv") || strings.HasSuffix(n, ".csv.gz")
}

// Select picks the data files to ingest from a listing of names (relative
// to the listed root, "/"-separated). When the listing has current
// manifests, their data files are the answer, in manifest order (older
// assemblies left in the bucket are ignored); read loads a manifest.
// Without manifests, every data file is, sorted — unless a legacy period
// folder holds data files of more than one assembly, which is an EInvalid
// error: without the period's manifest the current one is unknown.
func Select(names []string, read func(name string) ([]byte, error)) ([]string, error) {
	var manifests, data []string
	for _, n := range names {
		switch {
		case IsCurrentManifest(n):
			manifests = append(manifests, n)
		case IsDataFile(n):
			data = append(data, n)
		}
	}
	sort.Strings(manifests)
	if len(manifests) == 0 {
		if err := oneAssemblyPerPeriod(data); err != nil {
			return nil, err
		}
		sort.Strings(data)
		return data, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, mn := range manifests {
		b, err := read(mn)
		if err != nil {
			return nil, fmt.Errorf("read CUR manifest %s: %w", mn, err)
		}
		m, err := ParseManifest(mn, b)
		if err != nil {
			return nil, err
		}
		for _, k := range m.Keys() {
			n, ok := resolve(k, data)
			if !ok {
				return nil, tally.Errorf(tally.EInvalid, "CUR manifest %s lists %s, which is not there: "+
					"copy every file the manifest lists, or name the data files themselves", mn, k)
			}
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// SelectExports picks the data files to ingest for a source that AWS Data
// Exports delivers besides CUR (FOCUS), among data files of any layout:
// the files under an export's data/BILLING_PERIOD=…/ folders whose export
// has current manifests in the listing (metadata/BILLING_PERIOD=…/) are
// the ones those manifests list, as Select picks them: an export set to
// create new files on every refresh keeps each refresh of a month, and the
// month's manifest names the current one. isData tells the data files;
// the others are all picked. The result is sorted.
func SelectExports(names []string, isData func(string) bool, read func(name string) ([]byte, error)) ([]string, error) {
	exports := map[string]bool{} // export folders with a current manifest
	var manifests []string
	for _, n := range names {
		if e, ok := exportOf(n, "metadata"); ok && IsCurrentManifest(n) {
			exports[e] = true
			manifests = append(manifests, n)
		}
	}
	var managed, out []string
	for _, n := range names {
		if !isData(n) {
			continue
		}
		if e, ok := exportOf(n, "data"); ok && exports[e] {
			managed = append(managed, n)
		} else {
			out = append(out, n)
		}
	}
	if len(manifests) > 0 {
		sel, err := Select(append(manifests, managed...), read)
		if err != nil {
			return nil, err
		}
		out = append(out, sel...)
	}
	sort.Strings(out)
	return out, nil
}

// exportOf returns the export folder of a Data Exports file, from its
// "/"-separated name: <export> of <export>/<sub>/BILLING_PERIOD=YYYY-MM/…
// ("" when the name starts at <sub>), and whether the name has that form.
func exportOf(name, sub string) (string, bool) {
	parts := strings.Split(name, "/")
	for i := len(parts) - 2; i > 0; i-- {
		if parts[i-1] == sub && exportPeriodDir.MatchString(parts[i]) {
			return strings.Join(parts[:i-1], "/"), true
		}
	}
	return "", false
}

// oneAssemblyPerPeriod checks that no legacy period folder
// (…/20250301-20250401/) holds data files of two assemblies
// (…/20250301-20250401/<assemblyId>/…): each is a whole version of the
// month, and only the period's manifest says which one is current.
func oneAssemblyPerPeriod(data []string) error {
	assemblies := map[string][]string{} // period folder → its assemblies, in listing order
	for _, n := range data {
		asm := path.Dir(n)
		period := path.Dir(asm)
		if asm == "." || !legacyPeriodDir.MatchString(path.Base(period)) {
			continue
		}
		if as := assemblies[period]; !slices.Contains(as, path.Base(asm)) {
			assemblies[period] = append(as, path.Base(asm))
		}
	}
	periods := slices.Sorted(maps.Keys(assemblies))
	for _, period := range periods {
		if as := assemblies[period]; len(as) > 1 {
			slices.Sort(as)
			return tally.Errorf(tally.EInvalid, "CUR period folder %s holds %d assemblies (%s), each a whole version of the month, "+
				"but no period manifest (%s/<report>-Manifest.json) to say which is current: "+
				"put the period manifest back, or point at the current assembly's folder",
				period, len(as), strings.Join(as, ", "), period)
		}
	}
	return nil
}

// resolve finds the listed name a manifest key stands for: the key itself,
// or the listed name that is a suffix of it at a "/" boundary (the listing
// is relative to some prefix of the bucket).
func resolve(key string, names []string) (string, bool) {
	best := ""
	for _, n := range names {
		if n == key || strings.HasSuffix("/"+key, "/"+n) {
			if len(n) > len(best) {
				best = n
			}
		}
	}
	return best, best != ""
}
