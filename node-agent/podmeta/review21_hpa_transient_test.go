package podmeta

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/tallyhq/tally"
)

// review21: startHPAs gives up on HPAs for the agent's whole life on ANY
// error of its first list, not only when the API refuses (RBAC, no
// autoscaling/v2) as its doc says. An API server that answers 503 once
// while the agent starts (a control-plane upgrade beside a node rollout)
// leaves every pod's autoscaling unknown until the agent restarts, though
// the next list succeeds.
func TestReview21HPAsKnownAfterATransientListError(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{UID: types.UID("u-db"), Name: "db-0", Namespace: "shop",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: tally.KindStatefulSet, Name: "db", UID: "owner-db", Controller: ptr(true)}}},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "db"}}},
	}
	hpa := testHPA("shop", "db", tally.KindStatefulSet, "db", ptr(int32(2)), 5, utilization(corev1.ResourceCPU, 70))
	client := fake.NewClientset(pod, hpa)
	var lists atomic.Int32
	client.PrependReactor("list", "horizontalpodautoscalers", func(k8stesting.Action) (bool, runtime.Object, error) {
		if lists.Add(1) == 1 {
			return true, nil, apierrors.NewServiceUnavailable("the API server is restarting")
		}
		return false, nil, nil
	})
	m := New(Config{Client: client, NodeName: "node-1"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	var got *tally.PodAutoscaling
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ap, ok := m.AgentPod("u-db")
		if !ok {
			t.Fatal("pod u-db not known")
		}
		if got = ap.Autoscaling; got != nil {
			break
		}
	}
	if got == nil || got.HPA == nil || got.HPA.CPUUtilization != 70 {
		t.Errorf("5 s after one 503 listing HPAs (%d lists since): autoscaling %s, want the StatefulSet's HPA (cpu 70%%)",
			lists.Load()-1, autoscalingText(got))
	}
}
