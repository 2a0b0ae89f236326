package tally_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tallyhq/tally"

// deps returns every package of the module with its transitive imports.
func deps(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Deps ","}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, list, _ := strings.Cut(line, "|")
		pkgs[path] = strings.Split(list, ",")
	}
	return pkgs
}

func under(pkg string, dirs ...string) bool {
	for _, d := range dirs {
		p := module + "/" + d
		if pkg == p || strings.HasPrefix(pkg, p+"/") {
			return true
		}
	}
	return false
}

func forbidden(dep string, prefixes []string) bool {
	for _, p := range prefixes {
		if dep == p || strings.HasPrefix(dep, p+"/") {
			return true
		}
	}
	return false
}

var (
	cloudSDKs = []string{"github.com/aws/aws-sdk-go-v2", "github.com/aws/smithy-go", "cloud.google.com/go", "google.golang.org/api"}
	ioDeps    = append([]string{"github.com/jackc/pgx/v5", "github.com/go-chi/chi/v5", "net/http"}, cloudSDKs...)
	adapters  = []string{"postgres", "web", "ingest/focus", "ingest/awscur", "ingest/gcpbilling", "ingest/pricing", "ingest/awsinventory", "report/smtp", "node-agent"}
)

// TestDependencyRules enforces DESIGN.md's layering with go list -deps.
func TestDependencyRules(t *testing.T) {
	for pkg, ds := range deps(t) {
		check := func(rule string, bad []string) {
			for _, d := range ds {
				if forbidden(d, bad) {
					t.Errorf("%s links %s: %s", pkg, d, rule)
				}
			}
		}
		switch {
		case pkg == module:
			for _, d := range ds {
				if strings.Contains(strings.SplitN(d, "/", 2)[0], ".") {
					t.Errorf("package tally links %s: the shared vocabulary is stdlib only", d)
				}
			}
		case under(pkg, "attribution", "forecast", "rightsizing", "commitments", "cicheck") ||
			(under(pkg, "report") && !under(pkg, "report/smtp")):
			check("domain packages do no I/O (no pgx, HTTP or cloud SDKs)", ioDeps)
		case under(pkg, "node-agent", "bpf"):
			check("the agent never links pgx, chi or cloud SDKs", append([]string{"github.com/jackc/pgx/v5", "github.com/go-chi/chi/v5"}, cloudSDKs...))
		case under(pkg, "cmd/tally"):
			check("the backend never links cilium/ebpf", []string{"github.com/cilium/ebpf"})
		}
		for _, a := range adapters {
			if !under(pkg, a) {
				continue
			}
			for _, other := range adapters {
				if other == a || under(module+"/"+other, a) {
					continue
				}
				for _, d := range ds {
					if under(d, other) {
						t.Errorf("adapter %s imports adapter %s: adapters import the domain, not each other", pkg, d)
					}
				}
			}
		}
	}
}

func TestBackendAndAgentExist(t *testing.T) {
	pkgs := deps(t)
	if _, ok := pkgs[module+"/cmd/tally"]; !ok {
		t.Fatal("cmd/tally is missing")
	}
	for _, p := range []string{"node-agent", "node-agent/profiler", "node-agent/symbolize", "node-agent/podmeta", "node-agent/cgroups", "node-agent/ship", "bpf"} {
		if _, ok := pkgs[module+"/"+p]; !ok {
			t.Errorf("%s is missing", p)
		}
	}
	agent := pkgs[module+"/node-agent"]
	if !slices.Contains(agent, "github.com/cilium/ebpf") {
		t.Error("tally-agent does not link cilium/ebpf: the eBPF profiler is not wired in")
	}
}

// TestMakeFuzzRunsEveryTarget checks that `make fuzz` runs every fuzz
// target in the module: FUZZ_TARGETS in the Makefile names each as
// ./package:FuzzName, and a target left out of it is never fuzzed.
func TestMakeFuzzRunsEveryTarget(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.Dir}}|{{join .TestGoFiles ","}},{{join .XTestGoFiles ","}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(\w+ \*testing\.F\)`)
	var inTree []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		dir, files, _ := strings.Cut(line, "|")
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			t.Fatal(err)
		}
		pkg := "./" + filepath.ToSlash(rel)
		if rel == "." {
			pkg = "."
		}
		for _, f := range strings.Split(files, ",") {
			if f == "" {
				continue
			}
			src, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range fuzzFunc.FindAllSubmatch(src, -1) {
				inTree = append(inTree, pkg+":"+string(m[1]))
			}
		}
	}
	if len(inTree) == 0 {
		t.Fatal("found no fuzz target in the module")
	}
	makefile, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(makefile), "\nFUZZ_TARGETS := \\\n")
	if !ok {
		t.Fatal("Makefile: no FUZZ_TARGETS := \\ block")
	}
	var listed []string
	for _, line := range strings.Split(rest, "\n") {
		listed = append(listed, strings.Fields(strings.TrimSuffix(line, "\\"))...)
		if !strings.HasSuffix(line, "\\") {
			break
		}
	}
	for _, target := range inTree {
		if !slices.Contains(listed, target) {
			t.Errorf("Makefile FUZZ_TARGETS lacks %s: make fuzz never runs it", target)
		}
	}
	for _, target := range listed {
		if !slices.Contains(inTree, target) {
			t.Errorf("Makefile FUZZ_TARGETS names %s, which is no fuzz target of the module", target)
		}
	}
}
