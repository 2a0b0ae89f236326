package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/tallyhq/tally"
)

// ManifestFile is the name of the manifest Generate writes in the output
// directory.
const ManifestFile = "manifest.json"

// ManifestVersion is the version of the output layout this build writes.
const ManifestVersion = 1

// File kinds.
const (
	KindCUR2          = "cur2"           // CUR 2.0 parquet data file
	KindCUR2Manifest  = "cur2-manifest"  // Data Exports Manifest.json of a CUR 2.0 billing period
	KindFOCUS         = "focus"          // FOCUS 1.0 CSV (gzip) data file
	KindFOCUSManifest = "focus-manifest" // Data Exports Manifest.json of a FOCUS billing period
	KindGCPResource   = "gcp-resource"   // GCP detailed (resource) export, NDJSON (gzip)
	KindGCPStandard   = "gcp-standard"   // GCP standard export, NDJSON (gzip)
	KindAgent         = "agent"          // tally.AgentBatch, JSON (gzip)
	KindTruth         = "truth"          // the ground truth, JSON
)

// Manifest lists what Generate wrote. Paths are slash-separated and
// relative to the output directory.
type Manifest struct {
	Version     int       `json:"version"`
	Seed        uint64    `json:"seed"`
	Days        int       `json:"days"`
	ProfileDays int       `json:"profileDays"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"` // exclusive

	CUR2  DataExport  `json:"cur2"`
	FOCUS DataExport  `json:"focus"`
	GCP   GCPExport   `json:"gcp"`
	Agent []AgentFile `json:"agent"`
	Truth string      `json:"truth"`

	// Ingest is what to feed to `tally ingest`, in order: each dollar of
	// the organization appears in exactly one of these.
	Ingest []IngestStep `json:"ingest"`

	Files []File `json:"files"` // every file written except the manifest
}

// DataExport is an AWS Data Export (CUR 2.0 or FOCUS 1.0) laid out as it is
// delivered to S3: <root>/data/BILLING_PERIOD=YYYY-MM/… and
// <root>/metadata/BILLING_PERIOD=YYYY-MM/<name>-Manifest.json.
type DataExport struct {
	Name             string         `json:"name"`
	Table            string         `json:"table"`   // COST_AND_USAGE_REPORT or FOCUS_1_0_AWS
	Format           string         `json:"format"`  // parquet or csv.gz
	Root             string         `json:"root"`    // the export's directory (s3://bucket/prefix/<name>)
	Account          string         `json:"account"` // account the export was created in
	BillingAccountID string         `json:"billingAccountId"`
	SubAccounts      []string       `json:"subAccounts"` // usage accounts whose lines it holds
	Periods          []ExportPeriod `json:"periods"`
}

// ExportPeriod is one billing period of an export.
type ExportPeriod struct {
	Period    string   `json:"period"` // YYYY-MM
	Manifest  string   `json:"manifest"`
	DataFiles []string `json:"dataFiles"`
	Rows      int      `json:"rows"`
	Closed    bool     `json:"closed"` // the month ended before the window did
}

// GCPExport is the billing account's BigQuery export, extracted as
// newline-delimited JSON (gzip), one file per invoice month and table.
type GCPExport struct {
	BillingAccountID string       `json:"billingAccountId"`
	ProjectID        string       `json:"projectId"`
	ResourceTable    string       `json:"resourceTable"`
	StandardTable    string       `json:"standardTable"`
	Resource         []MonthFiles `json:"resource"`
	Standard         []MonthFiles `json:"standard"`
}

// MonthFiles are the files of one invoice month.
type MonthFiles struct {
	Month string   `json:"month"` // YYYY-MM
	Files []string `json:"files"`
	Rows  int      `json:"rows"`
}

// IngestStep is one `tally ingest <Source> <Path>` call.
type IngestStep struct {
	Source string   `json:"source"` // aws-cur, focus, gcp-billing
	Path   string   `json:"path"`   // directory to ingest
	Files  []string `json:"files"`  // the data files under Path
}

// File is one written file.
type File struct {
	Path   string `json:"path"`
	Kind   string `json:"kind"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// ErrNoManifest is returned by Load when dir holds no generated organization.
var ErrNoManifest = errors.New("no generated organization")

// Load reads the manifest of an organization generated into dir. Every
// path it lists must be local to dir (filepath.IsLocal) and stay in it
// once symbolic links are followed, as every file under a directory it
// lists must: one that is absolute or leads out of dir ("../x", or a link
// to a file elsewhere) is an error naming it, so that whatever reads the
// files a manifest lists reads only files under dir. A path to nothing is
// left to its reader. ReadFile reads a listed file through dir as a root:
// it does not leave dir even through a link made after Load checked.
func Load(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return m, fmt.Errorf("load demo manifest from %s: %w", dir, ErrNoManifest)
	}
	if err != nil {
		return m, fmt.Errorf("load demo manifest: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, tally.Errorf(tally.EInvalid, "load demo manifest %s: %w", filepath.Join(dir, ManifestFile), err)
	}
	if m.Version != ManifestVersion {
		return m, tally.Errorf(tally.EInvalid, "load demo manifest %s: version %d, this build writes %d", filepath.Join(dir, ManifestFile), m.Version, ManifestVersion)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return m, fmt.Errorf("load demo manifest: %w", err)
	}
	defer root.Close()
	for field, p := range m.paths() {
		if p == "" {
			continue
		}
		if !filepath.IsLocal(filepath.FromSlash(p)) {
			return m, tally.Errorf(tally.EInvalid, "load demo manifest %s: %s %q is not a path inside %s (absolute, or leading out of it)",
				filepath.Join(dir, ManifestFile), field, p, dir)
		}
		if out := linkedOut(root, dir, p); out != "" {
			under := ""
			if out != p {
				under = fmt.Sprintf(": %s under it", out)
			}
			return m, tally.Errorf(tally.EInvalid, "load demo manifest %s: %s %q%s is not reachable inside %s: a symbolic link leads out of it, is absolute (even to a file inside), or is one of more than 8 in a row",
				filepath.Join(dir, ManifestFile), field, p, under, dir)
		}
	}
	return m, nil
}

// linkedOut returns p (slash-separated, local), or the first file under p
// if p is a directory, that symbolic links lead out of dir (root): root
// cannot reach it, following the links reaches it. As for os.Root, an
// absolute link leads out even to a file inside dir, and so does a chain
// of more than 8 links: ReadFile could not read it either. It returns "" if there
// is none; a path to nothing, or that cannot be read, is left to its
// reader.
func linkedOut(root *os.Root, dir, p string) string {
	out := func(q string) bool {
		if _, err := root.Stat(filepath.FromSlash(q)); err == nil {
			return false
		}
		_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(q)))
		return err == nil
	}
	fi, err := root.Stat(filepath.FromSlash(p))
	if err != nil {
		if out(p) {
			return p
		}
		return ""
	}
	if !fi.IsDir() {
		return ""
	}
	found := ""
	_ = fs.WalkDir(root.FS(), path.Clean(p), func(q string, d fs.DirEntry, err error) error {
		if err == nil && d.Type()&fs.ModeSymlink != 0 && out(q) {
			found = q
			return fs.SkipAll
		}
		return nil // an unreadable directory is skipped: its readers report it
	})
	return found
}

// ReadFile reads the file at p, the path field of the manifest of dir
// lists, through dir as a root (os.Root): a path that leads out of dir,
// through a symbolic link too, is an error. Errors name the manifest,
// the field and the path.
func ReadFile(dir, field, p string) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("demo manifest %s: %s %q: %w", filepath.Join(dir, ManifestFile), field, p, err)
	}
	defer root.Close()
	b, err := root.ReadFile(filepath.FromSlash(p))
	if err != nil {
		return nil, fmt.Errorf("demo manifest %s: %s %q: %w", filepath.Join(dir, ManifestFile), field, p, err)
	}
	return b, nil
}

// paths yields every path m lists, relative to its directory, with the
// field that holds it ("agent[3].path").
func (m *Manifest) paths() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		each := func(field string, ps []string) bool {
			for i, p := range ps {
				if !yield(fmt.Sprintf("%s[%d]", field, i), p) {
					return false
				}
			}
			return true
		}
		for _, e := range []struct {
			name string
			x    *DataExport
		}{{"cur2", &m.CUR2}, {"focus", &m.FOCUS}} {
			if !yield(e.name+".root", e.x.Root) {
				return
			}
			for i, p := range e.x.Periods {
				f := fmt.Sprintf("%s.periods[%d]", e.name, i)
				if !yield(f+".manifest", p.Manifest) || !each(f+".dataFiles", p.DataFiles) {
					return
				}
			}
		}
		for _, g := range []struct {
			name   string
			months []MonthFiles
		}{{"gcp.resource", m.GCP.Resource}, {"gcp.standard", m.GCP.Standard}} {
			for i, mf := range g.months {
				if !each(fmt.Sprintf("%s[%d].files", g.name, i), mf.Files) {
					return
				}
			}
		}
		for i, a := range m.Agent {
			if !yield(fmt.Sprintf("agent[%d].path", i), a.Path) {
				return
			}
		}
		if !yield("truth", m.Truth) {
			return
		}
		for i, s := range m.Ingest {
			f := fmt.Sprintf("ingest[%d]", i)
			if !yield(f+".path", s.Path) || !each(f+".files", s.Files) {
				return
			}
		}
		for i, f := range m.Files {
			if !yield(fmt.Sprintf("files[%d].path", i), f.Path) {
				return
			}
		}
	}
}

// LoadTruth reads the truth of an organization generated into dir.
func LoadTruth(dir string, m Manifest) (*Truth, error) {
	b, err := ReadFile(dir, "truth", m.Truth)
	if err != nil {
		return nil, fmt.Errorf("load demo truth: %w", err)
	}
	var t Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, tally.Errorf(tally.EInvalid, "load demo truth %s: %w", m.Truth, err)
	}
	return &t, nil
}

// Matches reports whether the manifest was generated with cfg (after its
// defaults are applied), so a caller can reuse it.
func (m Manifest) Matches(cfg Config) bool {
	cfg = cfg.withDefaults(time.Now())
	return m.Version == ManifestVersion && m.Seed == cfg.Seed && m.Days == cfg.Days && m.End.Equal(cfg.End) && m.ProfileDays == cfg.ProfileDays
}
