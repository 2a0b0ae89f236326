package rightsizing

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/tallyhq/tally"
)

// Patch types: how kubectl patch applies a Patch (its --type).
const (
	// PatchStrategic is a strategic merge patch, which merges the pod
	// template's containers by name; the API server takes it for built-in
	// kinds only.
	PatchStrategic = "strategic"
	// PatchJSON is a JSON patch (RFC 6902): operations on paths, which
	// address a container by its position in its list.
	PatchJSON = "json"
)

// Patch sets the resources of one workload's containers, ready for
// kubectl patch: a strategic merge patch for the built-in kinds, a JSON
// patch for any other (a custom resource's controller, such as an Argo
// Rollout or an OpenKruise CloneSet).
type Patch struct {
	Workload tally.WorkloadRef
	// Type is PatchStrategic or PatchJSON.
	Type string
	// File is a file name for the patch: cluster.namespace.kind.name.yaml
	// (a workload of the same name in two clusters gets two files), with
	// any character a Kubernetes name cannot hold replaced by '_'.
	File string
	// Command is the kubectl command that applies it.
	Command string
	// YAML is the patch document.
	YAML []byte
}

// Patches groups results by workload and renders one patch per workload.
// Bare pods cannot be patched this way (their resources are immutable
// before in-place resize), nor Jobs (their pod template is immutable: the
// API server refuses the patch; a CronJob's template is patched instead),
// and are skipped.
func Patches(results []ContainerResult) ([]Patch, error) {
	byWorkload := map[tally.WorkloadRef][]ContainerResult{}
	var order []tally.WorkloadRef
	for _, r := range results {
		if r.Workload.Kind == tally.KindPod || r.Workload.Kind == tally.KindJob || r.Workload.Kind == "" {
			continue
		}
		if _, ok := byWorkload[r.Workload]; !ok {
			order = append(order, r.Workload)
		}
		byWorkload[r.Workload] = append(byWorkload[r.Workload], r)
	}
	slices.SortFunc(order, func(a, b tally.WorkloadRef) int {
		return strings.Compare(string(a.Cluster)+"/"+a.String(), string(b.Cluster)+"/"+b.String())
	})
	var out []Patch
	for _, w := range order {
		cs := byWorkload[w]
		slices.SortFunc(cs, func(a, b ContainerResult) int { return strings.Compare(a.Container, b.Container) })
		p := Patch{Workload: w, Type: PatchStrategic}
		if !builtInKinds[w.Kind] {
			p.Type = PatchJSON
		}
		doc, err := encodePatch(w, p.Type, cs)
		if err != nil {
			return nil, fmt.Errorf("patch %s: %w", w, err)
		}
		kind := strings.ToLower(w.Kind)
		// The kind, like the names, is what the pod's controller reference
		// says, which whoever creates the pod writes: made file-safe and
		// quoted like them.
		p.File = fmt.Sprintf("%s.%s.%s.%s.yaml", fileSafe(string(w.Cluster)), fileSafe(w.Namespace), fileSafe(kind), fileSafe(w.Name))
		p.YAML = doc
		typ := "" // strategic is kubectl's default
		if p.Type != PatchStrategic {
			typ = " --type " + p.Type
		}
		p.Command = fmt.Sprintf("kubectl --context %s -n %s patch %s %s%s --patch-file %s", ShellArg(string(w.Cluster)), ShellArg(w.Namespace), ShellArg(kind),
			ShellArg(w.Name), typ, p.File)
		out = append(out, p)
	}
	return out, nil
}

// builtInKinds are the workload kinds whose patches are strategic merge
// patches: the API server knows their schemas, which a strategic merge
// needs, and refuses one for a custom resource.
var builtInKinds = map[string]bool{
	tally.KindDeployment: true, tally.KindStatefulSet: true, tally.KindDaemonSet: true,
	tally.KindReplicaSet: true, tally.KindJob: true, tally.KindCronJob: true, tally.KindPod: true,
}

// encodePatch renders the patch of type typ for w's containers cs as YAML
// under a comment naming the workload.
func encodePatch(w tally.WorkloadRef, typ string, cs []ContainerResult) ([]byte, error) {
	root := strategicDocument(w, cs)
	if typ == PatchJSON {
		root = jsonPatchDocument(cs)
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root},
		HeadComment: fmt.Sprintf("Tally right-sizing for %s/%s/%s in cluster %s", w.Namespace, w.Kind, w.Name, w.Cluster)}
	if typ == PatchJSON {
		doc.HeadComment += "\nA JSON patch (kubectl patch --type json): the API server takes no strategic merge patch for a custom resource, " +
			"and a merge patch would replace the containers list whole.\nIt assumes the pod template at spec.template, and each op addressing a container first tests its name: " +
			"if the name differs, nothing is changed."
		if !positionsKnown(cs) {
			doc.HeadComment += "\nThe containers' positions in spec.template.spec.containers are not known (the agent did not report them): " +
				"they are guessed in name order. Check them with\n  kubectl get " + ShellArg(strings.ToLower(w.Kind)) + " " + ShellArg(w.Name) +
				" -o jsonpath='{.spec.template.spec.containers[*].name}'\nand correct the indexes in the paths."
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ShellArg quotes s as one word for a POSIX shell unless it is plain (a
// Kubernetes name, a path): the kubectl commands of patches, and the
// command lines tally prints for people to run.
// Names come from agent batches: one with a newline would end the comment
// line the command is written on and put the rest into the patch's YAML, so
// control characters are written escaped (\n); no Kubernetes object has them.
func ShellArg(s string) string {
	plain := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._/:@=+,", c)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	var b strings.Builder
	b.WriteByte('\'')
	for _, c := range s {
		switch {
		case c == '\'':
			b.WriteString(`'\''`)
		case unicode.IsControl(c) || c == '\u2028' || c == '\u2029' || c == '\u0085':
			q := strconv.QuoteRune(c)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// fileSafe keeps what a Kubernetes name may hold (letters, digits, '-',
// '.', '_'), and replaces anything else, such as a '/' in a name from a
// hostile agent batch, and a leading '.', by '_'.
func fileSafe(s string) string {
	out := []byte(s)
	for i, c := range out {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' && i > 0 || c == '_') {
			out[i] = '_'
		}
	}
	return string(out)
}

// strategicDocument builds spec.template.spec.containers[].resources (under
// spec.jobTemplate for CronJobs) with the recommended requests and limits;
// native sidecars' under spec.template.spec.initContainers[], where they
// are declared (a strategic-merge patch merges both lists by name). A
// limit the recommendation drops is set to null, which deletes it.
func strategicDocument(w tally.WorkloadRef, cs []ContainerResult) *yaml.Node {
	containers := &yaml.Node{Kind: yaml.SequenceNode}
	initContainers := &yaml.Node{Kind: yaml.SequenceNode}
	for _, c := range cs {
		r := c.Recommendation.Resources
		requests := mapping("cpu", str(FormatCPU(r.CPURequest)), "memory", str(FormatMemory(r.MemoryRequest)))
		limits := mapping()
		if r.CPULimit > 0 {
			appendPair(limits, "cpu", str(FormatCPU(r.CPULimit)))
		} else if c.Current.CPULimit > 0 {
			appendPair(limits, "cpu", null())
		}
		if r.MemoryLimit > 0 {
			appendPair(limits, "memory", str(FormatMemory(r.MemoryLimit)))
		} else if c.Current.MemoryLimit > 0 {
			appendPair(limits, "memory", null())
		}
		res := mapping("requests", requests)
		if len(limits.Content) > 0 {
			appendPair(res, "limits", limits)
		}
		entry := mapping("name", str(c.Container), "resources", res)
		entry.HeadComment = containerComment(&c)
		if c.ContainerKind == tally.ContainerSidecar {
			initContainers.Content = append(initContainers.Content, entry)
			continue
		}
		containers.Content = append(containers.Content, entry)
	}
	podSpec := mapping()
	if len(initContainers.Content) > 0 {
		appendPair(podSpec, "initContainers", initContainers)
	}
	if len(containers.Content) > 0 {
		appendPair(podSpec, "containers", containers)
	}
	spec := mapping("template", mapping("spec", podSpec))
	if w.Kind == tally.KindCronJob {
		spec = mapping("jobTemplate", mapping("spec", spec))
	}
	return mapping("spec", spec)
}

// containerComment says what c's recommendation saves, and how sure and
// where declared it is when that matters.
func containerComment(c *ContainerResult) string {
	var s string
	if c.MonthlySavings.Sign() < 0 {
		s = fmt.Sprintf("%s: costs %s more a month (it needs more than it requests)", c.Container, moneyWords(c.MonthlySavings.Neg()))
	} else {
		s = fmt.Sprintf("%s: saves %s a month", c.Container, moneyWords(c.MonthlySavings))
	}
	if c.Recommendation.LowConfidence() {
		s += fmt.Sprintf("\nlow confidence: only %s of history (%d days make a confident recommendation)",
			FormatHistory(c.Recommendation.Confidence), MinConfidentDays)
	}
	if c.ContainerKind == tally.ContainerSidecar {
		s += "\nnative sidecar: declared in initContainers with restartPolicy Always"
	}
	return s
}

// jsonPatchDocument builds a JSON patch's operations setting the resources
// of each container of cs in the pod template at spec.template:
// spec.template.spec.containers[i], or initContainers[i] for a native
// sidecar, i its position (guessed in name order when a position is not
// known), each preceded by a test of the container's name there, which
// fails the whole patch when the position is wrong.
func jsonPatchDocument(cs []ContainerResult) *yaml.Node {
	ops := &yaml.Node{Kind: yaml.SequenceNode}
	known := positionsKnown(cs)
	guessed := map[string]int{} // the next position in name order, per list
	for _, c := range cs {
		list := "containers"
		if c.ContainerKind == tally.ContainerSidecar {
			list = "initContainers"
		}
		i := c.Position - 1
		if !known {
			i = guessed[list]
			guessed[list]++
		}
		base := fmt.Sprintf("/spec/template/spec/%s/%d", list, i)
		test := op("test", base+"/name", str(c.Container))
		test.HeadComment = containerComment(&c)
		ops.Content = append(ops.Content, test)
		ops.Content = append(ops.Content, resourceOps(base+"/resources", c.Current, c.Recommendation.Resources)...)
	}
	return ops
}

// positionsKnown reports whether every container of cs has its position.
func positionsKnown(cs []ContainerResult) bool {
	return !slices.ContainsFunc(cs, func(c ContainerResult) bool { return c.Position <= 0 })
}

// entry is a key and its value in requests or limits.
type entry struct{ key, value string }

// resourceOps sets the requests and limits of a container's resources at
// path to rec, given what the pod showed of them (cur): entry by entry in
// a map the pod showed, which keeps its other entries (a GPU, ephemeral
// storage); as a whole map where it showed none; and as the whole resources
// where it showed neither map. A limit rec drops that cur has is removed.
func resourceOps(path string, cur, rec Resources) []*yaml.Node {
	requests := []entry{{"cpu", FormatCPU(rec.CPURequest)}, {"memory", FormatMemory(rec.MemoryRequest)}}
	var limits []entry
	var drop []string
	if rec.CPULimit > 0 {
		limits = append(limits, entry{"cpu", FormatCPU(rec.CPULimit)})
	} else if cur.CPULimit > 0 {
		drop = append(drop, "cpu")
	}
	if rec.MemoryLimit > 0 {
		limits = append(limits, entry{"memory", FormatMemory(rec.MemoryLimit)})
	} else if cur.MemoryLimit > 0 {
		drop = append(drop, "memory")
	}
	hasRequests := cur.CPURequest > 0 || cur.MemoryRequest > 0
	hasLimits := cur.CPULimit > 0 || cur.MemoryLimit > 0
	if !hasRequests && !hasLimits {
		res := mapping("requests", entries(requests))
		if len(limits) > 0 {
			appendPair(res, "limits", entries(limits))
		}
		return []*yaml.Node{op("add", path, res)}
	}
	return append(mapOps(path+"/requests", hasRequests, requests, nil), mapOps(path+"/limits", hasLimits, limits, drop)...)
}

// mapOps sets the entries set of the map at path and removes those named
// in drop: entry by entry when the map exists (has), else as a whole map.
func mapOps(path string, has bool, set []entry, drop []string) []*yaml.Node {
	if !has {
		if len(set) == 0 {
			return nil
		}
		return []*yaml.Node{op("add", path, entries(set))}
	}
	var ops []*yaml.Node
	for _, e := range set {
		ops = append(ops, op("add", path+"/"+e.key, str(e.value)))
	}
	for _, k := range drop {
		ops = append(ops, op("remove", path+"/"+k, nil))
	}
	return ops
}

// entries is a mapping of es.
func entries(es []entry) *yaml.Node {
	m := mapping()
	for _, e := range es {
		appendPair(m, e.key, str(e.value))
	}
	return m
}

// op is one JSON patch operation; value is nil for a remove.
func op(name, path string, value *yaml.Node) *yaml.Node {
	o := mapping("op", str(name), "path", str(path))
	if value != nil {
		appendPair(o, "value", value)
	}
	return o
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func null() *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"} }

func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		appendPair(m, kv[i].(string), kv[i+1].(*yaml.Node))
	}
	return m
}

func appendPair(m *yaml.Node, k string, v *yaml.Node) {
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, v)
}
