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
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/tallyhq/tally"
)

// The agent's first list of HPAs failing for a while (an API server
// restarting as nodes roll) neither holds its start nor loses the HPAs: the
// informer retries, and pods carry their HPA once it has synced. An API
// refusing for good (RBAC without the rule) is not retried: pods stay
// unknown, not "none".
func TestHPAsAfterAFailedFirstList(t *testing.T) {
	hpaResource := schema.GroupResource{Group: "autoscaling", Resource: "horizontalpodautoscalers"}
	for _, tc := range []struct {
		name      string
		first     error
		wantHPA   bool
		wantLists int32 // at least, after the wait
	}{
		{"unavailable once", apierrors.NewServiceUnavailable("the API server is restarting"), true, 2},
		{"forbidden", apierrors.NewForbidden(hpaResource, "", nil), false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{UID: types.UID("u-db"), Name: "db-0", Namespace: "shop",
					OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: tally.KindStatefulSet, Name: "db", UID: "owner-db", Controller: ptr(true)}}},
				Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "db"}}},
			}
			client := fake.NewClientset(pod, testHPA("shop", "db", tally.KindStatefulSet, "db", ptr(int32(2)), 5, utilization(corev1.ResourceCPU, 70)))
			var lists atomic.Int32
			client.PrependReactor("list", "horizontalpodautoscalers", func(k8stesting.Action) (bool, runtime.Object, error) {
				if n := lists.Add(1); n == 1 || !tc.wantHPA {
					return true, nil, tc.first
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
			for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && got == nil; time.Sleep(50 * time.Millisecond) {
				ap, ok := m.AgentPod("u-db")
				if !ok {
					t.Fatal("pod u-db not known")
				}
				got = ap.Autoscaling
			}
			switch {
			case tc.wantHPA && (got == nil || got.HPA == nil || got.HPA.CPUUtilization != 70):
				t.Errorf("after %d lists: autoscaling %s, want the StatefulSet's HPA (cpu 70%%)", lists.Load(), autoscalingText(got))
			case !tc.wantHPA && got != nil:
				t.Errorf("autoscaling %s, want nil (unknown)", autoscalingText(got))
			}
			if n := lists.Load(); n < tc.wantLists || !tc.wantHPA && n != tc.wantLists {
				t.Errorf("%d lists of HPAs, want %d", n, tc.wantLists)
			}
		})
	}
}
