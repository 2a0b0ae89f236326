package rightsizing

import (
	"encoding/json"
	"strings"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/tallyhq/tally"
)

// twoContainers is a workload of kind whose pod template holds app (no
// resources but its CPU request) and envoy (requests and limits), each
// with an image a patch must not lose.
func twoContainers(kind string) []byte {
	return []byte(`{"apiVersion": "argoproj.io/v1alpha1", "kind": "` + kind + `", "metadata": {"name": "web", "namespace": "shop"},
	  "spec": {"template": {"spec": {"containers": [
	    {"name": "app", "image": "shop/web:1.4", "resources": {"requests": {"cpu": "2"}}},
	    {"name": "envoy", "image": "envoyproxy/envoy:v1.31", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}}
	  ]}}}}`)
}

// twoResults recommends app (position 1) and envoy (position 2, its CPU
// limit dropped) of w.
func twoResults(w tally.WorkloadRef, appPos, envoyPos int) []ContainerResult {
	return []ContainerResult{
		{Workload: w, Container: "envoy", Position: envoyPos, Current: Resources{CPURequest: 0.1, CPULimit: 0.2, MemoryRequest: 64 * MiB, MemoryLimit: 128 * MiB},
			Recommendation: Recommendation{Resources: Resources{CPURequest: 0.05, MemoryRequest: 48 * MiB, MemoryLimit: 96 * MiB}, Confidence: 14}, MonthlySavings: usd("1.5")},
		{Workload: w, Container: "app", Position: appPos, Current: Resources{CPURequest: 2},
			Recommendation: Recommendation{Resources: Resources{CPURequest: 0.35, MemoryRequest: 1100 * MiB, MemoryLimit: 1536 * MiB}, Confidence: 14}, MonthlySavings: usd("96.42")},
	}
}

// onePatch is the patch of twoResults for a workload of kind.
func onePatch(t *testing.T, kind string, appPos, envoyPos int) Patch {
	t.Helper()
	w := tally.WorkloadRef{Cluster: "prod", Namespace: "shop", Kind: kind, Name: "web"}
	patches, err := Patches(twoResults(w, appPos, envoyPos))
	if err != nil || len(patches) != 1 {
		t.Fatal(patches, err)
	}
	return patches[0]
}

// applied is obj after p, as kubectl patch applies p's type, and the
// resources and image of each container it then holds, by name.
func applied(t *testing.T, p Patch, obj []byte) (map[string]any, error) {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(p.YAML, &doc); err != nil {
		t.Fatalf("patch is not YAML: %v\n%s", err, p.YAML)
	}
	patch, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	switch p.Type {
	case PatchJSON:
		ops, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			t.Fatalf("not a JSON patch: %v\n%s", err, p.YAML)
		}
		if out, err = ops.Apply(obj); err != nil {
			return nil, err
		}
	case PatchStrategic:
		if out, err = strategicpatch.StrategicMergePatch(obj, patch, appsv1.Deployment{}); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("patch type %q", p.Type)
	}
	var o struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []map[string]any `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(out, &o); err != nil {
		t.Fatal(err)
	}
	byName := map[string]any{}
	for _, c := range o.Spec.Template.Spec.Containers {
		byName[c["name"].(string)] = map[string]any{"image": c["image"], "resources": c["resources"]}
	}
	return byName, nil
}

// wantTwo is what twoResults leaves of twoContainers.
const wantTwo = `{"app":{"image":"shop/web:1.4","resources":{"limits":{"memory":"1536Mi"},"requests":{"cpu":"350m","memory":"1100Mi"}}},` +
	`"envoy":{"image":"envoyproxy/envoy:v1.31","resources":{"limits":{"memory":"96Mi"},"requests":{"cpu":"50m","memory":"48Mi"}}}}`

// TestPatchCustomKind: the API server takes no strategic-merge patch for a
// custom resource ("strategic merge patch is not supported for custom
// resources"), and a JSON merge patch replaces the containers list whole,
// dropping every container and field it does not repeat. A custom kind's
// patch is a JSON patch addressing each container by its position, guarded
// by a test of its name, applied with --type json; both containers keep
// their images and get their resources.
func TestPatchCustomKind(t *testing.T) {
	p := onePatch(t, "Rollout", 1, 2)
	if p.Type != PatchJSON {
		t.Errorf("type %q, want %q", p.Type, PatchJSON)
	}
	if want := "kubectl --context prod -n shop patch rollout web --type json --patch-file prod.shop.rollout.web.yaml"; p.Command != want {
		t.Errorf("command %q\nwant %q", p.Command, want)
	}
	got, err := applied(t, p, twoContainers("Rollout"))
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, p.YAML)
	}
	if b, _ := json.Marshal(got); string(b) != wantTwo {
		t.Errorf("after the patch:\n%s\nwant\n%s\npatch:\n%s", b, wantTwo, p.YAML)
	}
}

// TestPatchCustomKindUnknownPositions: without the containers' positions
// (from agents that do not report them) the patch says so, and a wrong
// guess changes nothing: its test of the name fails the whole patch.
func TestPatchCustomKindUnknownPositions(t *testing.T) {
	p := onePatch(t, "CloneSet", 0, 0)
	if want := "positions in spec.template.spec.containers are not known"; !strings.Contains(string(p.YAML), want) {
		t.Errorf("patch does not say %q:\n%s", want, p.YAML)
	}
	if got, err := applied(t, p, twoContainers("CloneSet")); err != nil {
		t.Fatalf("apply: %v\n%s", err, p.YAML)
	} else if b, _ := json.Marshal(got); string(b) != wantTwo {
		t.Errorf("after the patch:\n%s\nwant\n%s", b, wantTwo)
	}
	swapped := strings.Replace(strings.Replace(string(twoContainers("CloneSet")), `"app"`, `"tmp"`, 1), `"envoy"`, `"app"`, 1)
	swapped = strings.Replace(swapped, `"tmp"`, `"envoy"`, 1)
	if got, err := applied(t, p, []byte(swapped)); err == nil {
		t.Errorf("applied to containers in another order: %v", got)
	}
}

// TestPatchBuiltInKindStrategic: a Deployment's patch stays a strategic
// merge patch, which merges the containers by name.
func TestPatchBuiltInKindStrategic(t *testing.T) {
	p := onePatch(t, tally.KindDeployment, 0, 0)
	if p.Type != PatchStrategic || strings.Contains(p.Command, "--type") {
		t.Errorf("type %q, command %q: want a strategic merge patch, kubectl's default", p.Type, p.Command)
	}
	got, err := applied(t, p, twoContainers("Deployment"))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(got); string(b) != wantTwo {
		t.Errorf("after the patch:\n%s\nwant\n%s", b, wantTwo)
	}
}
