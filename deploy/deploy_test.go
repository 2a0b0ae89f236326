package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// decodeStrict decodes one YAML document into its typed object, rejecting
// unknown and duplicate fields (what `kubectl apply --dry-run=client
// --validate=strict` checks without a server).
func decodeStrict(t *testing.T, doc []byte) any {
	t.Helper()
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		t.Fatalf("parse: %v", err)
	}
	var obj any
	switch head.APIVersion + "/" + head.Kind {
	case "v1/Namespace":
		obj = &corev1.Namespace{}
	case "v1/ServiceAccount":
		obj = &corev1.ServiceAccount{}
	case "v1/ConfigMap":
		obj = &corev1.ConfigMap{}
	case "rbac.authorization.k8s.io/v1/ClusterRole":
		obj = &rbacv1.ClusterRole{}
	case "rbac.authorization.k8s.io/v1/ClusterRoleBinding":
		obj = &rbacv1.ClusterRoleBinding{}
	case "apps/v1/DaemonSet":
		obj = &appsv1.DaemonSet{}
	case "apps/v1/Deployment":
		obj = &appsv1.Deployment{}
	case "v1/Service":
		obj = &corev1.Service{}
	case "policy/v1/PodDisruptionBudget":
		obj = &policyv1.PodDisruptionBudget{}
	case "batch/v1/CronJob":
		obj = &batchv1.CronJob{}
	default:
		t.Fatalf("unexpected kind %s %s", head.APIVersion, head.Kind)
	}
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		t.Fatalf("%s: %v", head.Kind, err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		t.Fatalf("%s: %v", head.Kind, err)
	}
	return obj
}

func documents(t *testing.T, path string) [][]byte {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^#.*$`).ReplaceAllString(d, "")) != "" {
			docs = append(docs, []byte(d))
		}
	}
	return docs
}

func TestAgentManifest(t *testing.T) {
	var ds *appsv1.DaemonSet
	var role *rbacv1.ClusterRole
	var binding *rbacv1.ClusterRoleBinding
	var cm *corev1.ConfigMap
	for _, doc := range documents(t, "agent.yaml") {
		switch o := decodeStrict(t, doc).(type) {
		case *appsv1.DaemonSet:
			ds = o
		case *rbacv1.ClusterRole:
			role = o
		case *rbacv1.ClusterRoleBinding:
			binding = o
		case *corev1.ConfigMap:
			cm = o
		}
	}
	if ds == nil || role == nil || binding == nil || cm == nil {
		t.Fatal("agent.yaml needs a DaemonSet, ClusterRole, ClusterRoleBinding and ConfigMap")
	}
	// RBAC: read-only, no wildcards, pods get/list/watch, HPAs list/watch
	// (the agent's informer on them).
	hpas := false
	for _, r := range role.Rules {
		if slices.Contains(r.APIGroups, "autoscaling") && slices.Contains(r.Resources, "horizontalpodautoscalers") &&
			slices.Contains(r.Verbs, "list") && slices.Contains(r.Verbs, "watch") {
			hpas = true
		}
		for _, v := range r.Verbs {
			if !slices.Contains([]string{"get", "list", "watch"}, v) {
				t.Errorf("rule %v grants %s", r.Resources, v)
			}
		}
		if slices.Contains(r.Resources, "*") || slices.Contains(r.Verbs, "*") || slices.Contains(r.APIGroups, "*") {
			t.Errorf("wildcard rule %v", r)
		}
		if slices.Contains(r.Resources, "pods") && !slices.Equal(r.Verbs, []string{"get", "list", "watch"}) {
			t.Errorf("pods verbs %v", r.Verbs)
		}
		if slices.Contains(r.Resources, "secrets") {
			t.Error("the agent must not read secrets through the API")
		}
	}
	if !hpas {
		t.Error("the agent needs list and watch on horizontalpodautoscalers in autoscaling")
	}
	if binding.RoleRef.Name != role.Name || binding.Subjects[0].Name != ds.Spec.Template.Spec.ServiceAccountName {
		t.Errorf("binding %+v does not bind the DaemonSet's service account", binding)
	}
	spec := ds.Spec.Template.Spec
	if !spec.HostPID {
		t.Error("hostPID is needed to see every process")
	}
	if spec.HostNetwork || spec.HostIPC {
		t.Error("hostNetwork/hostIPC are not needed")
	}
	c := spec.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.Privileged == nil || *sc.Privileged || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("security context %+v: want unprivileged, no escalation, read-only root", sc)
	}
	if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Error("capabilities must drop ALL")
	}
	allowed := []corev1.Capability{"BPF", "PERFMON", "SYS_PTRACE", "DAC_READ_SEARCH", "SYSLOG"}
	for _, cap := range sc.Capabilities.Add {
		if !slices.Contains(allowed, cap) {
			t.Errorf("capability %s is more than the agent needs", cap)
		}
	}
	for _, need := range []corev1.Capability{"BPF", "PERFMON", "SYS_PTRACE"} {
		if !slices.Contains(sc.Capabilities.Add, need) {
			t.Errorf("capability %s is missing", need)
		}
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Requests[r]; !ok {
			t.Errorf("no %s request", r)
		}
		if _, ok := c.Resources.Limits[r]; !ok {
			t.Errorf("no %s limit", r)
		}
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m
	}
	for _, v := range spec.Volumes {
		m := mounts[v.Name]
		if v.HostPath != nil && !m.ReadOnly {
			t.Errorf("host path %s is mounted writable", v.HostPath.Path)
		}
		if v.Secret != nil && (v.Secret.SecretName != "tally-agent-token" || !m.ReadOnly) {
			t.Errorf("token secret volume %+v", v)
		}
	}
	// Every flag the DaemonSet passes and every variable it sets exists in tally-agent --help.
	help := agentHelp(t)
	for _, a := range c.Args {
		flag, _, _ := strings.Cut(a, "=")
		if !strings.Contains(help, flag) {
			t.Errorf("tally-agent has no flag %s", flag)
		}
	}
	for k := range cm.Data {
		if !strings.Contains(help, "$"+k) {
			t.Errorf("tally-agent reads no %s", k)
		}
	}
	for _, e := range c.Env {
		if e.Name != "GOMAXPROCS" && !strings.Contains(help, "$"+e.Name) {
			t.Errorf("tally-agent reads no %s", e.Name)
		}
	}
}

func agentHelp(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "tally-agent")
	if out, err := exec.Command("go", "build", "-o", bin, "../node-agent").CombinedOutput(); err != nil {
		t.Fatalf("build tally-agent: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("tally-agent --help: %v\n%s", err, out)
	}
	return fmt.Sprint(string(out))
}

// TestAgentManifestSetupCommands: the commands agent.yaml's header tells
// the reader to run exist as written: it says how to create the agent
// token, every flag of each `tally …` command it gives is in that
// command's --help, and the Secret's example token has the prefix tokens
// have.
func TestAgentManifestSetupCommands(t *testing.T) {
	data, err := os.ReadFile("agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	commands := regexp.MustCompile("`tally ([a-z]+ [a-z]+)([^`]*)`").FindAllSubmatch(data, -1)
	if !slices.ContainsFunc(commands, func(c [][]byte) bool { return string(c[1]) == "token create" }) {
		t.Fatal("agent.yaml does not say how to create the agent token")
	}
	bin := tallyBinary(t)
	for _, c := range commands {
		name, args := string(c[1]), string(c[2])
		help, err := exec.Command(bin, append(strings.Fields(name), "--help")...).CombinedOutput()
		if err != nil {
			t.Errorf("agent.yaml runs `tally %s%s`: tally %s --help: %v\n%s", name, args, name, err, help)
			continue
		}
		for _, flag := range regexp.MustCompile(`--[a-z-]+`).FindAllString(args, -1) {
			if !strings.Contains(string(help), flag+"=") && !strings.Contains(string(help), flag+" ") {
				t.Errorf("agent.yaml runs `tally %s%s`: tally %s has no flag %s", name, args, name, flag)
			}
		}
	}
	if !bytes.Contains(data, []byte("--from-literal=token=tly_")) {
		t.Error("agent.yaml's example token does not start with tly_, the prefix of Tally's tokens")
	}
}

// tallyBinary builds tally into a temporary directory.
func tallyBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tally")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/tally").CombinedOutput(); err != nil {
		t.Fatalf("build tally: %v\n%s", err, out)
	}
	return bin
}
