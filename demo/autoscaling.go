package demo

import (
	"math"

	"github.com/tallyhq/tally"
)

// podAutoscaling is what the agents report scales w, for one pod's agent
// record: its HPA (autoscaling/v2, scaleTargetRef the Deployment, one cpu
// Resource metric at its target utilization), or none. Never nil: the
// demo's agents may list HPAs, so no pod's autoscaling is unknown.
func (w *workload) podAutoscaling() *tally.PodAutoscaling {
	if w.HPA == nil {
		return &tally.PodAutoscaling{}
	}
	return &tally.PodAutoscaling{HPA: &tally.PodHPA{Name: w.Name, MinReplicas: w.HPA.Min, MaxReplicas: w.HPA.Max,
		CPUUtilization: int(math.Round(w.HPA.Target * 100))}}
}
