package rightsizing

import (
	"testing"
)

// BenchmarkRecommend times one recommendation from 14 days of 5-minute
// windows of 3 replicas, for Tally's balanced profile and the baselines.
func BenchmarkRecommend(b *testing.B) {
	h := steadyHistory(14, 0.5, GiB)
	var samples []Sample
	for _, s := range h.Samples {
		samples = append(samples, s, s, s)
	}
	h.Samples = samples
	now := end(h)
	for _, r := range []Recommender{Balanced.Recommender(), VPA{}, KRR{}} {
		b.Run(r.Name(), func(b *testing.B) {
			for b.Loop() {
				r.Recommend(h, now)
			}
		})
	}
}
