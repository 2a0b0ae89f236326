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

// Patch is a strategic-merge patch setting the resources of one workload's
// containers, ready for kubectl patch.
type Patch struct {
	Workload tally.WorkloadRef
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
		doc, err := patchDocument(w, cs)
		if err != nil {
			return nil, fmt.Errorf("patch %s: %w", w, err)
		}
		kind := strings.ToLower(w.Kind)
		// The kind, like the names, is what the pod's controller reference
		// says, which whoever creates the pod writes: made file-safe and
		// quoted like them.
		file := fmt.Sprintf("%s.%s.%s.%s.yaml", fileSafe(string(w.Cluster)), fileSafe(w.Namespace), fileSafe(kind), fileSafe(w.Name))
		out = append(out, Patch{Workload: w, File: file, YAML: doc,
			Command: fmt.Sprintf("kubectl --context %s -n %s patch %s %s --patch-file %s", shellArg(string(w.Cluster)), shellArg(w.Namespace), shellArg(kind),
				shellArg(w.Name), file)})
	}
	return out, nil
}

// shellArg quotes s for a POSIX shell unless it is a plain Kubernetes name.
// Names come from agent batches: one with a newline would end the comment
// line the command is written on and put the rest into the patch's YAML, so
// control characters are written escaped (\n); no Kubernetes object has them.
func shellArg(s string) string {
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

// patchDocument builds spec.template.spec.containers[].resources (under
// spec.jobTemplate for CronJobs) with the recommended requests and limits;
// native sidecars' under spec.template.spec.initContainers[], where they
// are declared (a strategic-merge patch merges both lists by name). A
// limit the recommendation drops is set to null, which deletes it.
func patchDocument(w tally.WorkloadRef, cs []ContainerResult) ([]byte, error) {
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
		if c.MonthlySavings.Sign() < 0 {
			entry.HeadComment = fmt.Sprintf("%s: costs %s more a month (it needs more than it requests)", c.Container, moneyWords(c.MonthlySavings.Neg()))
		} else {
			entry.HeadComment = fmt.Sprintf("%s: saves %s a month", c.Container, moneyWords(c.MonthlySavings))
		}
		if c.Recommendation.LowConfidence() {
			entry.HeadComment += fmt.Sprintf("\nlow confidence: only %s of history (%d days make a confident recommendation)",
				FormatHistory(c.Recommendation.Confidence), MinConfidentDays)
		}
		if c.ContainerKind == tally.ContainerSidecar {
			entry.HeadComment += "\nnative sidecar: declared in initContainers with restartPolicy Always"
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
	root := mapping("spec", spec)
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root},
		HeadComment: fmt.Sprintf("Tally right-sizing for %s/%s/%s in cluster %s", w.Namespace, w.Kind, w.Name, w.Cluster)}
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
