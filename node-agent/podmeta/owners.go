package podmeta

import (
	"context"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/tallyhq/tally"
)

// owners resolves a pod's controller to its workload: a ReplicaSet to its
// Deployment, a Job to its CronJob. Lookups are cached per owner UID (an
// owner's own owner never changes); when the API refuses, the names say it:
// a Deployment's ReplicaSet is "<deployment>-<pod-template-hash>".
type owners struct {
	client kubernetes.Interface
	mu     sync.Mutex
	cache  map[types.UID]workload
}

type workload struct{ kind, name string }

func newOwners(c kubernetes.Interface) *owners {
	return &owners{client: c, cache: map[types.UID]workload{}}
}

// Workload returns the kind and name of the workload that owns p, or "" for a bare pod.
func (o *owners) Workload(p *corev1.Pod) (kind, name string) {
	ref := metav1.GetControllerOf(p)
	if ref == nil {
		return "", ""
	}
	switch ref.Kind {
	case "ReplicaSet", "Job":
	case "Node": // a static pod's mirror
		return "", ""
	default:
		return ref.Kind, ref.Name
	}
	o.mu.Lock()
	w, ok := o.cache[ref.UID]
	o.mu.Unlock()
	if ok {
		return w.kind, w.name
	}
	w = o.lookup(p, ref)
	o.mu.Lock()
	o.cache[ref.UID] = w
	o.mu.Unlock()
	return w.kind, w.name
}

func (o *owners) lookup(p *corev1.Pod, ref *metav1.OwnerReference) workload {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var meta *metav1.ObjectMeta
	switch ref.Kind {
	case "ReplicaSet":
		if o.client != nil {
			if rs, err := o.client.AppsV1().ReplicaSets(p.Namespace).Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
				meta = &rs.ObjectMeta
			}
		}
	case "Job":
		if o.client != nil {
			if job, err := o.client.BatchV1().Jobs(p.Namespace).Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
				meta = &job.ObjectMeta
			}
		}
	}
	if meta != nil {
		if up := metav1.GetControllerOf(meta); up != nil {
			return workload{up.Kind, up.Name}
		}
		return workload{ref.Kind, ref.Name}
	}
	// The API refused (RBAC) or failed: infer from the names.
	if ref.Kind == "ReplicaSet" {
		if h := p.Labels["pod-template-hash"]; h != "" && strings.HasSuffix(ref.Name, "-"+h) {
			return workload{tally.KindDeployment, strings.TrimSuffix(ref.Name, "-"+h)}
		}
	}
	return workload{ref.Kind, ref.Name}
}
