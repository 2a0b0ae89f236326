package rightsizing

import (
	"flag"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tallyhq/tally"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestPatches(t *testing.T) {
	api := tally.WorkloadRef{Cluster: "prod", Namespace: "shop", Kind: tally.KindDeployment, Name: "api"}
	job := tally.WorkloadRef{Cluster: "prod", Namespace: "etl", Kind: tally.KindCronJob, Name: "nightly"}
	results := []ContainerResult{
		{Workload: api, Container: "envoy", Current: Resources{CPURequest: 0.1, MemoryRequest: 64 * MiB},
			Recommendation: Recommendation{Resources: Resources{CPURequest: 0.05, MemoryRequest: 48 * MiB, MemoryLimit: 64 * MiB}, Confidence: 1.0 / 24}, MonthlySavings: usd("1.5")},
		{Workload: api, Container: "api", Current: Resources{CPURequest: 2, CPULimit: 4, MemoryRequest: 4 * GiB, MemoryLimit: 4 * GiB},
			Recommendation: Recommendation{Resources: Resources{CPURequest: 0.35, MemoryRequest: 1100 * MiB, MemoryLimit: 1536 * MiB}, Confidence: 14}, MonthlySavings: usd("96.42")},
		{Workload: job, Container: "etl", Current: Resources{CPURequest: 1, MemoryRequest: 2 * GiB},
			Recommendation: Recommendation{Resources: Resources{CPURequest: 1.5, CPULimit: 3, MemoryRequest: 3 * GiB, MemoryLimit: 4 * GiB}, Confidence: 14}, MonthlySavings: usd("-20")},
		{Workload: tally.WorkloadRef{Cluster: "prod", Namespace: "x", Kind: tally.KindPod, Name: "bare"}, Container: "c"},
	}
	patches, err := Patches(results)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for _, p := range patches {
		got = append(got, "# "+p.Command+"\n"...)
		got = append(got, p.YAML...)
		got = append(got, "---\n"...)
	}
	const golden = "testdata/patches.golden.yaml"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("patches differ from %s (rerun with -update after checking):\n%s", golden, got)
	}
}

func TestQuantities(t *testing.T) {
	for _, tt := range []struct {
		cores float64
		want  string
	}{{2, "2"}, {0.25, "250m"}, {1.5, "1500m"}, {0.0105, "11m"}} {
		if got := FormatCPU(roundCPU(tt.cores)); got != tt.want {
			t.Errorf("FormatCPU(%v) = %s, want %s", tt.cores, got, tt.want)
		}
	}
	for _, tt := range []struct {
		bytes int64
		want  string
	}{{2 * GiB, "2Gi"}, {768 * MiB, "768Mi"}, {roundMemory(1e9), "954Mi"}, {1000, "1000"}} {
		if got := FormatMemory(tt.bytes); got != tt.want {
			t.Errorf("FormatMemory(%v) = %s, want %s", tt.bytes, got, tt.want)
		}
	}
}

// TestPatchFilesPerCluster: the same workload in two clusters gets two
// patch files (one overwrote the other in --patch-dir, and the kubectl
// command of one cluster named the other's patch), and a name no
// Kubernetes object can have does not leave the directory.
func TestPatchFilesPerCluster(t *testing.T) {
	rec := Recommendation{Resources: Resources{CPURequest: 0.05, MemoryRequest: 64 * MiB}, Confidence: 14}
	var results []ContainerResult
	for _, c := range []tally.ClusterID{"prod", "data", "../x"} {
		results = append(results, ContainerResult{Workload: tally.WorkloadRef{Cluster: c, Namespace: "kube-system", Kind: tally.KindDeployment, Name: "coredns"},
			Container: "coredns", Current: Resources{CPURequest: 0.1, MemoryRequest: 70 * MiB}, Recommendation: rec})
	}
	results = append(results, ContainerResult{Workload: tally.WorkloadRef{Cluster: "prod", Namespace: "..", Kind: tally.KindDeployment, Name: "a/../../b"},
		Container: "c", Current: Resources{CPURequest: 0.1}, Recommendation: rec})
	patches, err := Patches(results)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{}
	for _, p := range patches {
		if files[p.File] || strings.ContainsAny(p.File, `/\`) || strings.HasPrefix(p.File, ".") {
			t.Errorf("%s: file %q repeated or not a plain file name", p.Workload, p.File)
		}
		files[p.File] = true
		if !strings.Contains(p.Command, "--patch-file "+p.File) {
			t.Errorf("%s: command %q does not name its file %s", p.Workload, p.Command, p.File)
		}
	}
	if len(files) != 4 {
		t.Errorf("files %v: want one per workload and cluster", files)
	}
}

// TestPatchCommandHostileNames: names come from agent batches; one with a
// newline ended the "# kubectl …" comment line and put YAML of its own into
// the patch. The command stays one line, quoted for the shell.
func TestPatchCommandHostileNames(t *testing.T) {
	rec := Recommendation{Resources: Resources{CPURequest: 0.05, MemoryRequest: 64 * MiB}, Confidence: 14}
	w := tally.WorkloadRef{Cluster: "prod\nmetadata: {labels: {a: b}}", Namespace: "ns'; rm -rf ~", Kind: tally.KindDeployment, Name: "api\u0085x: y"}
	patches, err := Patches([]ContainerResult{{Workload: w, Container: "c", Current: Resources{CPURequest: 1}, Recommendation: rec}})
	if err != nil || len(patches) != 1 {
		t.Fatal(patches, err)
	}
	p := patches[0]
	if strings.ContainsAny(p.Command, "\n\r\u0085") {
		t.Errorf("command spans lines: %q", p.Command)
	}
	if want := `-n 'ns'\''; rm -rf ~' patch`; !strings.Contains(p.Command, want) {
		t.Errorf("command %q: want the namespace quoted, %s", p.Command, want)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(append([]byte("# "+p.Command+"\n"), p.YAML...), &doc); err != nil || len(doc) != 1 || doc["spec"] == nil {
		t.Errorf("patch file holds %v (%v), want spec alone:\n# %s\n%s", doc, err, p.Command, p.YAML)
	}
	plain := tally.WorkloadRef{Cluster: "prod-usw2", Namespace: "kube-system", Kind: tally.KindDeployment, Name: "coredns"}
	if patches, _ := Patches([]ContainerResult{{Workload: plain, Container: "c", Recommendation: rec}}); !strings.HasPrefix(patches[0].Command,
		"kubectl --context prod-usw2 -n kube-system patch deployment coredns --patch-file ") {
		t.Errorf("plain names quoted: %s", patches[0].Command)
	}
}

// TestPatchesSkipJobs: a Job's pod template is immutable (the API server
// refuses `kubectl patch job` on spec.template), so a Job gets no patch, as
// a bare pod gets none; its CronJob's template is what to patch.
func TestPatchesSkipJobs(t *testing.T) {
	job := tally.WorkloadRef{Cluster: "prod", Namespace: "etl", Kind: tally.KindJob, Name: "backfill"}
	patches, err := Patches([]ContainerResult{{Workload: job, Container: "etl", Current: Resources{CPURequest: 1, MemoryRequest: GiB},
		Recommendation: Recommendation{Resources: Resources{CPURequest: 0.5, MemoryRequest: 512 * MiB, MemoryLimit: 768 * MiB}, Confidence: 14}, MonthlySavings: usd("3")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range patches {
		t.Errorf("patch for %s: %s", p.Workload, p.Command)
	}
}

// TestPatchHostileKind: the workload kind is a pod's controller reference
// as the agent read it, which whoever creates the pod writes. A kind with
// '/' and ".." put the patch file outside --patch-dir, and one with shell
// syntax went unquoted into the kubectl command.
func TestPatchHostileKind(t *testing.T) {
	rec := Recommendation{Resources: Resources{CPURequest: 0.05, MemoryRequest: 64 * MiB}, Confidence: 14}
	for _, kind := range []string{"/../../../../tmp/x", "Deployment;touch /tmp/pwned;", "$(id)", ".."} {
		w := tally.WorkloadRef{Cluster: "prod", Namespace: "shop", Kind: kind, Name: "api"}
		patches, err := Patches([]ContainerResult{{Workload: w, Container: "c", Current: Resources{CPURequest: 1}, Recommendation: rec}})
		if err != nil || len(patches) != 1 {
			t.Fatal(patches, err)
		}
		p := patches[0]
		if strings.ContainsAny(p.File, `/\;$() `) {
			t.Errorf("kind %q: file %q is not a plain file name", kind, p.File)
		}
		if !strings.Contains(p.Command, " patch "+ShellArg(strings.ToLower(kind))+" api ") {
			t.Errorf("kind %q: command %q does not quote the kind for the shell", kind, p.Command)
		}
	}
}

// A native sidecar is declared in initContainers (restartPolicy Always):
// its resources are patched there, by name, and the pod's containers under
// containers; a patch naming it under containers would add a second
// container of that name, which the API server refuses.
func TestPatchNativeSidecar(t *testing.T) {
	w := tally.WorkloadRef{Cluster: "prod", Namespace: "shop", Kind: tally.KindDeployment, Name: "api"}
	rec := Recommendation{Resources: Resources{CPURequest: 0.05, MemoryRequest: 64 * MiB, MemoryLimit: 96 * MiB}, Confidence: 14}
	patches, err := Patches([]ContainerResult{
		{Workload: w, Container: "app", Current: Resources{CPURequest: 1}, Recommendation: rec},
		{Workload: w, Container: "istio-proxy", ContainerKind: tally.ContainerSidecar, Current: Resources{CPURequest: 0.1}, Recommendation: rec},
	})
	if err != nil || len(patches) != 1 {
		t.Fatalf("patches %d, err %v", len(patches), err)
	}
	var doc struct {
		Spec struct {
			Template struct {
				Spec map[string][]struct {
					Name      string         `yaml:"name"`
					Resources map[string]any `yaml:"resources"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(patches[0].YAML, &doc); err != nil {
		t.Fatal(err)
	}
	names := func(list string) []string {
		var out []string
		for _, c := range doc.Spec.Template.Spec[list] {
			if c.Resources["requests"] == nil {
				t.Errorf("%s %s: no requests", list, c.Name)
			}
			out = append(out, c.Name)
		}
		return out
	}
	if got := names("containers"); strings.Join(got, ",") != "app" {
		t.Errorf("containers %v, want [app]\n%s", got, patches[0].YAML)
	}
	if got := names("initContainers"); strings.Join(got, ",") != "istio-proxy" {
		t.Errorf("initContainers %v, want [istio-proxy]\n%s", got, patches[0].YAML)
	}
}
