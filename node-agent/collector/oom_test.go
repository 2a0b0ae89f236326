package collector_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tallyhq/tally/node-agent/cgroups"
	"github.com/tallyhq/tally/node-agent/cgroups/cgrouptest"
	"github.com/tallyhq/tally/node-agent/collector"
	"github.com/tallyhq/tally/node-agent/podmeta"
	"github.com/tallyhq/tally/node-agent/profiler"
	"github.com/tallyhq/tally/node-agent/symbolize"
)

// noSamples is a profiler that sampled nothing.
type noSamples struct{}

func (noSamples) Drain() ([]profiler.Sample, error)    { return nil, nil }
func (noSamples) Counters() (profiler.Counters, error) { return profiler.Counters{}, nil }
func (noSamples) Frequency() int                       { return 99 }

// A container OOM-killed and restarted between two cgroup samples: its
// cgroup is gone before any sample shows the kill, which only the pod's
// hierarchical memory.events counts. The kill reaches the wire format on
// the container the pod's status names as OOM-killed (where right-sizing
// reads it), once its status says so.
func TestOOMKillOfRemovedCgroup(t *testing.T) {
	const uid = "5f3a1c2e-8b4d-4e6f-9a0b-1c2d3e4f5a6b"
	id1, id2, id3 := hexID(1), hexID(2), hexID(3)
	root := t.TempDir()
	pod := filepath.Join(root, "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"+strings.ReplaceAll(uid, "-", "_")+".slice")
	scope := func(id string) string { return filepath.Join(pod, "cri-containerd-"+id+".scope") }
	cgrouptest.Write(t, pod, 0)
	cgrouptest.Write(t, scope(id1), 0)

	client, watching := fakeClient(testPod(uid, "shop", "api-1", "api", "containerd", id1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mounts := cgroups.Mounts{V2: root}
	meta := podmeta.New(podmeta.Config{Client: client, NodeName: "node-1", Mounts: mounts})
	if err := meta.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer meta.Stop()
	<-watching
	tracker := cgroups.NewTracker(mounts)
	col := collector.New(collector.Config{Cluster: "prod", Source: noSamples{}, Symbolizer: symbolize.New(symbolize.Config{}), Meta: meta, Usage: tracker})
	tracker.Sample()

	ooms := func() map[string]int {
		t.Helper()
		iv, err := col.Collect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, c := range iv.Batch.Intervals[0].Containers {
			if c.OOMKills > 0 {
				n[c.Container] += c.OOMKills
			}
		}
		return n
	}
	// restarted reports the container's restart after an OOM kill of
	// instance old, now replaced by instance new.
	restarted := func(restarts int32, old, new string) {
		t.Helper()
		p, err := client.CoreV1().Pods("shop").Get(ctx, "api-1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "api", ContainerID: "containerd://" + new, RestartCount: restarts,
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				Reason: "OOMKilled", ExitCode: 137, ContainerID: "containerd://" + old, FinishedAt: metav1.Now()}}}
		if _, err := client.CoreV1().Pods("shop").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if q, ok := meta.Pod(uid); ok && q.Status.ContainerStatuses[0].RestartCount == restarts {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the informer never saw the restart")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if got := ooms(); len(got) != 0 {
		t.Fatalf("OOM kills before any: %v", got)
	}

	// Killed; the runtime removes the cgroup and starts a new instance;
	// kubelet reports it before the drain.
	cgrouptest.Write(t, pod, 1)
	os.RemoveAll(scope(id1))
	cgrouptest.Write(t, scope(id2), 0)
	restarted(1, id1, id2)
	if got := ooms(); got["api"] != 1 || len(got) != 1 {
		t.Fatalf("OOM kills %v; want api: 1", got)
	}

	// Killed again just before a drain: kubelet reports it after. The kill
	// waits for the status, then is reported once.
	cgrouptest.Write(t, pod, 2)
	os.RemoveAll(scope(id2))
	if got := ooms(); len(got) != 0 {
		t.Fatalf("OOM kills %v before the status names the container", got)
	}
	cgrouptest.Write(t, scope(id3), 0)
	restarted(2, id2, id3)
	if got := ooms(); got["api"] != 1 || len(got) != 1 {
		t.Fatalf("OOM kills %v; want api: 1", got)
	}
	if got := ooms(); len(got) != 0 {
		t.Fatalf("OOM kills %v reported twice", got)
	}
}
