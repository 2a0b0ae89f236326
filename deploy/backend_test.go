package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
)

// backendManifest is backend.yaml decoded.
type backendManifest struct {
	account    *corev1.ServiceAccount
	configMaps map[string]*corev1.ConfigMap
	deployment *appsv1.Deployment
	service    *corev1.Service
	budget     *policyv1.PodDisruptionBudget
	cronJobs   []*batchv1.CronJob
}

func readBackendManifest(t *testing.T) backendManifest {
	t.Helper()
	m := backendManifest{configMaps: map[string]*corev1.ConfigMap{}}
	for _, doc := range documents(t, "backend.yaml") {
		switch o := decodeStrict(t, doc).(type) {
		case *corev1.ServiceAccount:
			m.account = o
		case *corev1.ConfigMap:
			m.configMaps[o.Name] = o
		case *appsv1.Deployment:
			m.deployment = o
		case *corev1.Service:
			m.service = o
		case *policyv1.PodDisruptionBudget:
			m.budget = o
		case *batchv1.CronJob:
			m.cronJobs = append(m.cronJobs, o)
		default:
			t.Fatalf("backend.yaml: unexpected %T (secrets are created by hand, never kept in the file)", o)
		}
	}
	if m.account == nil || m.deployment == nil || m.service == nil || m.budget == nil || len(m.cronJobs) == 0 {
		t.Fatal("backend.yaml needs a ServiceAccount, a Deployment, a Service, a PodDisruptionBudget and CronJobs")
	}
	return m
}

// pods returns every pod template of the manifest, by name.
func (m backendManifest) pods() map[string]*corev1.PodSpec {
	out := map[string]*corev1.PodSpec{m.deployment.Name: &m.deployment.Spec.Template.Spec}
	for _, c := range m.cronJobs {
		out[c.Name] = &c.Spec.JobTemplate.Spec.Template.Spec
	}
	return out
}

// TestBackendManifest: the backend's pods run unprivileged as the image's
// user, with the database URL from the Secret, and the Deployment is
// reachable through the Service and probed where tally serve answers.
func TestBackendManifest(t *testing.T) {
	m := readBackendManifest(t)
	if m.account.AutomountServiceAccountToken == nil || *m.account.AutomountServiceAccountToken {
		t.Error("the backend never calls the Kubernetes API: its service account mounts no token")
	}
	uid := dockerfileUser(t)
	for name, spec := range m.pods() {
		if spec.ServiceAccountName != m.account.Name {
			t.Errorf("%s: service account %q, want %q", name, spec.ServiceAccountName, m.account.Name)
		}
		psc := spec.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != uid ||
			psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod security context %+v: want non-root as uid %d (the image's user), seccomp RuntimeDefault", name, psc, uid)
		}
		if spec.HostNetwork || spec.HostPID || spec.HostIPC {
			t.Errorf("%s: shares a host namespace", name)
		}
		for _, v := range spec.Volumes {
			if v.HostPath != nil {
				t.Errorf("%s: mounts host path %s", name, v.HostPath.Path)
			}
		}
		if len(spec.Containers) != 1 {
			t.Fatalf("%s: %d containers, want 1", name, len(spec.Containers))
		}
		c := spec.Containers[0]
		sc := c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.ReadOnlyRootFilesystem == nil ||
			!*sc.ReadOnlyRootFilesystem || sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) ||
			len(sc.Capabilities.Add) > 0 || (sc.Privileged != nil && *sc.Privileged) {
			t.Errorf("%s: security context %+v: want no escalation, read-only root, every capability dropped", name, sc)
		}
		if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
			t.Errorf("%s: no memory limit", name)
		}
		if _, ok := c.Resources.Requests[corev1.ResourceCPU]; !ok {
			t.Errorf("%s: no CPU request", name)
		}
		var url *corev1.EnvVar
		for i, e := range c.Env {
			if e.Name == "TALLY_DATABASE_URL" {
				url = &c.Env[i]
			}
		}
		if url == nil || url.Value != "" || url.ValueFrom == nil || url.ValueFrom.SecretKeyRef == nil || url.ValueFrom.SecretKeyRef.Name != "tally-database" {
			t.Errorf("%s: TALLY_DATABASE_URL %+v: want it from the Secret tally-database", name, url)
		}
	}

	d := m.deployment
	labels := d.Spec.Template.Labels
	if !selects(d.Spec.Selector.MatchLabels, labels) || !selects(m.service.Spec.Selector, labels) || !selects(m.budget.Spec.Selector.MatchLabels, labels) {
		t.Errorf("the Deployment's selector, the Service's and the PodDisruptionBudget's must all select its pods %v", labels)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if !slices.Contains(c.Args, "--addr=:8080") || len(c.Ports) != 1 || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("serve listens on --addr :8080 and the container port says so: args %v, ports %v", c.Args, c.Ports)
	}
	port := c.Ports[0].Name
	if sp := m.service.Spec.Ports; len(sp) != 1 || sp[0].TargetPort.String() != port {
		t.Errorf("the Service targets %v, want the container's port %q", sp, port)
	}
	for probe, path := range map[*corev1.Probe]string{c.ReadinessProbe: "/readyz", c.LivenessProbe: "/healthz"} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != path || probe.HTTPGet.Port.String() != port {
			t.Errorf("probe %+v: want GET %s on %q", probe, path, port)
		}
	}
	for _, cj := range m.cronJobs {
		if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
			t.Errorf("%s: runs are not kept from overlapping", cj.Name)
		}
		if !regexp.MustCompile(`^(\S+ ){4}\S+$`).MatchString(cj.Spec.Schedule) {
			t.Errorf("%s: schedule %q is not five cron fields", cj.Name, cj.Spec.Schedule)
		}
	}
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestBackendManifestCommands: every command the pods run is a tally
// command with those flags once Kubernetes has put the ConfigMaps' values
// into $(VAR), and every variable the ConfigMaps and pods set is read by
// tally, by the AWS SDK or by the Go runtime, or put into the arguments.
func TestBackendManifestCommands(t *testing.T) {
	m := readBackendManifest(t)
	bin := tallyBinary(t)
	values := map[string]string{}
	for _, cm := range m.configMaps {
		for k, v := range cm.Data {
			values[k] = v
		}
	}
	used := map[string]bool{} // variables some pod reads
	for name, spec := range m.pods() {
		c := spec.Containers[0]
		var words, flags []string
		for _, a := range c.Args {
			for _, ref := range regexp.MustCompile(`\$\(([A-Z0-9_]+)\)`).FindAllStringSubmatch(a, -1) {
				if _, ok := values[ref[1]]; !ok {
					t.Errorf("%s: argument %q names $(%s), which no ConfigMap sets", name, a, ref[1])
				}
				used[ref[1]] = true
			}
			switch {
			case strings.HasPrefix(a, "--"):
				flag, _, _ := strings.Cut(a, "=")
				flags = append(flags, flag)
			case !strings.Contains(a, "$("):
				words = append(words, a)
			}
		}
		out, err := exec.Command(bin, append(words, "--help")...).CombinedOutput()
		help := string(out)
		if err != nil || !strings.Contains(help, "Usage: tally "+strings.Join(words, " ")) {
			t.Errorf("%s: tally %s is not a command: %v\n%s", name, strings.Join(words, " "), err, help)
			continue
		}
		for _, f := range flags {
			if !strings.Contains(help, f+"=") && !strings.Contains(help, f+" ") {
				t.Errorf("%s: tally %s has no flag %s", name, strings.Join(words, " "), f)
			}
		}
		reads := func(v string) bool {
			return strings.Contains(help, "$"+v) || strings.HasPrefix(v, "AWS_") || v == "GOMEMLIMIT"
		}
		for _, e := range c.Env {
			if !reads(e.Name) {
				t.Errorf("%s: sets %s, which tally %s does not read", name, e.Name, strings.Join(words, " "))
			}
		}
		for _, from := range c.EnvFrom {
			if from.ConfigMapRef == nil {
				continue
			}
			cm := m.configMaps[from.ConfigMapRef.Name]
			if cm == nil {
				t.Errorf("%s: reads ConfigMap %s, which backend.yaml does not hold", name, from.ConfigMapRef.Name)
				continue
			}
			for k := range cm.Data {
				used[k] = used[k] || reads(k)
			}
		}
	}
	for k := range values {
		if !used[k] {
			t.Errorf("ConfigMap variable %s: no pod's command reads it or puts it into its arguments", k)
		}
	}
}

// dockerfileUser returns the uid backend.Dockerfile runs as, after checking
// that its build command builds tally as written (static, with the time
// zone database).
func dockerfileUser(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile("backend.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	user := regexp.MustCompile(`(?m)^USER (\d+):\d+$`).FindSubmatch(data)
	build := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 go build .* -o )/tally (\./cmd/tally)$`).FindSubmatch(data)
	if user == nil || build == nil || !strings.Contains(string(build[1]), "-tags timetzdata") {
		t.Fatal("backend.Dockerfile: want a static go build of ./cmd/tally with -tags timetzdata, and USER uid:gid")
	}
	bin := filepath.Join(t.TempDir(), "tally")
	sh := strings.ReplaceAll(string(build[1]), "${VERSION}", "test") + bin + " " + string(build[2])
	cmd := exec.Command("sh", "-c", sh)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("backend.Dockerfile's build, %s: %v\n%s", sh, err, out)
	}
	uid, err := strconv.ParseInt(string(user[1]), 10, 64)
	if err != nil {
		t.Fatalf("backend.Dockerfile: USER %s: %v", user[1], err)
	}
	return uid
}
