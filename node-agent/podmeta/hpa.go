package podmeta

import (
	"context"
	"fmt"
	"slices"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/tallyhq/tally"
)

// hpaTargetIndex indexes HorizontalPodAutoscalers by their scale target:
// "namespace/Kind/name".
const hpaTargetIndex = "target"

// hpaIndexers are the indexes of the HPA store.
var hpaIndexers = cache.Indexers{hpaTargetIndex: func(obj any) ([]string, error) {
	if h, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler); ok {
		return []string{targetKey(h.Namespace, h.Spec.ScaleTargetRef.Kind, h.Spec.ScaleTargetRef.Name)}, nil
	}
	return nil, nil
}}

func targetKey(ns, kind, name string) string { return ns + "/" + kind + "/" + name }

// defaultHPACPUUtilization is the target the API server gives an
// autoscaling/v2 HPA declared without metrics.
const defaultHPACPUUtilization = 80

// startHPAs starts an informer on the cluster's HorizontalPodAutoscalers
// (autoscaling/v2, every namespace) and waits until it has synced. Every
// namespace, not those of the node's pods: HPAs are few and small (one per
// autoscaled workload), one watch sees a namespace's first pod arrive on
// the node without a new watch, and the agent's ClusterRole grants list and
// watch cluster-wide anyway. When the API refuses to list them (a
// ClusterRole without the rule, an API server without autoscaling/v2) it
// logs why once and returns without them: pods are then sent with their
// autoscaling unknown, not "none". Any other error listing them (an API
// server restarting, a timeout) does not hold the agent's start: the
// informer retries in the background, and pods are sent with their
// autoscaling unknown until it has synced.
func (m *Meta) startHPAs(ctx context.Context) error {
	_, err := m.cfg.Client.AutoscalingV2().HorizontalPodAutoscalers(metav1.NamespaceAll).List(ctx, metav1.ListOptions{Limit: 1})
	if apiRefused(err) {
		m.log.Warn("HorizontalPodAutoscalers not listed: pods are sent without their autoscaling (unknown); "+
			"grant list and watch on horizontalpodautoscalers in autoscaling (deploy/agent.yaml)", "err", err)
		return nil
	}
	m.hpaFactory = informers.NewSharedInformerFactory(m.cfg.Client, m.cfg.Resync)
	inf := m.hpaFactory.Autoscaling().V2().HorizontalPodAutoscalers().Informer()
	if err := inf.AddIndexers(hpaIndexers); err != nil {
		return fmt.Errorf("index horizontal pod autoscalers: %w", err)
	}
	m.hpaFactory.Start(ctx.Done())
	if err != nil {
		m.log.Warn("HorizontalPodAutoscalers not listed yet, retrying: pods are sent without their autoscaling (unknown) until they are", "err", err)
		go m.syncHPAs(ctx, inf)
		return nil
	}
	if !m.syncHPAs(ctx, inf) {
		return fmt.Errorf("sync horizontal pod autoscalers: %w", ctx.Err())
	}
	return nil
}

// apiRefused reports whether err is the API server refusing a request for
// good: forbidden by RBAC, or a resource it does not serve.
func apiRefused(err error) bool {
	return apierrors.IsForbidden(err) || apierrors.IsNotFound(err) || apierrors.IsMethodNotSupported(err)
}

// syncHPAs waits until inf has synced, then makes its store the HPAs
// podAutoscaling reads; it reports false if ctx ended first.
func (m *Meta) syncHPAs(ctx context.Context, inf cache.SharedIndexInformer) bool {
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return false
	}
	m.mu.Lock()
	m.hpas = inf.GetIndexer()
	m.mu.Unlock()
	return true
}

// podAutoscaling returns what scales the replica count of workload kind/name
// of pod p: the HPA whose scaleTargetRef is it (of several, the first by
// name: the HPA controller scales none of them), or none; nil when the HPAs
// are unknown (not listed, or not synced yet). Values out of range are left
// out, each with a reason in problems.
func (m *Meta) podAutoscaling(p *corev1.Pod, kind, name string) (a *tally.PodAutoscaling, problems []string) {
	m.mu.Lock()
	store := m.hpas
	m.mu.Unlock()
	if store == nil {
		return nil, nil
	}
	if kind == "" {
		return &tally.PodAutoscaling{}, nil // a bare pod: nothing scales it
	}
	objs, err := store.ByIndex(hpaTargetIndex, targetKey(p.Namespace, kind, name))
	if err != nil {
		return nil, nil
	}
	var hs []*autoscalingv2.HorizontalPodAutoscaler
	for _, o := range objs {
		if h, ok := o.(*autoscalingv2.HorizontalPodAutoscaler); ok {
			hs = append(hs, h)
		}
	}
	if len(hs) == 0 {
		return &tally.PodAutoscaling{}, nil
	}
	slices.SortFunc(hs, func(a, b *autoscalingv2.HorizontalPodAutoscaler) int { return strings.Compare(a.Name, b.Name) })
	if len(hs) > 1 {
		problems = append(problems, fmt.Sprintf("%d HPAs target %s/%s (the HPA controller scales with none of them): sent %s", len(hs), kind, name, hs[0].Name))
	}
	a, dropped := (&tally.PodAutoscaling{HPA: podHPA(hs[0])}).Clean()
	return a, append(problems, dropped...)
}

// podHPA reduces an HPA to what right-sizing reads: its replica bounds and
// the target averageUtilization of its cpu and memory Resource metrics.
// Any other metric (Pods, Object, External, ContainerResource, a Resource
// target by value) is only said to exist. An HPA without metrics or
// minReplicas has the API server's defaults (80% CPU, 1).
func podHPA(h *autoscalingv2.HorizontalPodAutoscaler) *tally.PodHPA {
	out := &tally.PodHPA{Name: h.Name, MinReplicas: 1, MaxReplicas: int(h.Spec.MaxReplicas)}
	if h.Spec.MinReplicas != nil {
		out.MinReplicas = int(*h.Spec.MinReplicas)
	}
	if len(h.Spec.Metrics) == 0 {
		out.CPUUtilization = defaultHPACPUUtilization
	}
	for _, ms := range h.Spec.Metrics {
		if r := ms.Resource; ms.Type == autoscalingv2.ResourceMetricSourceType && r != nil &&
			r.Target.Type == autoscalingv2.UtilizationMetricType && r.Target.AverageUtilization != nil {
			switch r.Name {
			case corev1.ResourceCPU:
				out.CPUUtilization = int(*r.Target.AverageUtilization)
				continue
			case corev1.ResourceMemory:
				out.MemoryUtilization = int(*r.Target.AverageUtilization)
				continue
			}
		}
		out.OtherMetrics = true
	}
	return out
}
