package demo

import (
	"fmt"
	"sort"
	"time"

	"github.com/tallyhq/tally"
)

func (s *sim) scheduleHour(h int, t0 time.Time) {
	for _, w := range s.c.Loads {
		w := w
		switch {
		case w.Kind == kindDaemonSet:
		case w.Cron != nil:
			for _, at := range cronTimes(w.Cron, t0) {
				s.at(at, func() { s.runJob(w, at) })
			}
		default:
			off := time.Duration(30+hashKey(w.id, 7)%540) * time.Second
			s.at(t0.Add(off), func() { s.reconcile(w, h) })
		}
	}
	// Spot interruptions: about one per 300 spot node-hours.
	for _, n := range s.c.nodes {
		if n.pool.Spot && n.alive() && n.Ready.Before(t0) && s.r.Float64() < 1.0/300 {
			n := n
			s.at(t0.Add(time.Duration(s.r.IntN(3600))*time.Second), func() { s.terminate(n, s.now) })
		}
	}
	s.at(t0.Add(35*time.Minute), func() {
		for _, p := range s.c.Pools {
			s.scaleDown(p)
		}
	})
	// A node image rollout every four weeks, on a Tuesday afternoon.
	if t0.Weekday() == time.Tuesday && t0.Hour() == 15 && (t0.YearDay()/7+int(strHash(string(s.c.ID))%4))%4 == 0 {
		s.at(t0.Add(5*time.Minute), s.rollNodes)
	}
	for _, w := range s.c.Loads {
		for _, at := range w.deploys {
			if !at.Before(t0) && at.Before(t0.Add(time.Hour)) {
				s.at(at, func() { s.rollout(w) })
			}
		}
	}
}

// reconcile brings a Deployment or StatefulSet to its desired replicas.
func (s *sim) reconcile(w *workload, h int) {
	want := s.o.desiredReplicas(w, h)
	live := append([]*pod(nil), s.live[w]...)
	if len(live) > want && w.Kind == tally.KindDeployment {
		sort.SliceStable(live, func(i, j int) bool { return live[i].Created.After(live[j].Created) })
		for _, p := range live[:len(live)-want] {
			s.stop(p, s.now)
		}
		s.retryPending(s.now)
		return
	}
	for i := len(live); i < want; i++ {
		p := s.newPod(w, i, s.now)
		s.place(p, s.now)
	}
}

// runJob starts a CronJob's pods.
func (s *sim) runJob(w *workload, at time.Time) {
	for i := range w.Cron.Parallelism {
		p := s.newPod(w, i, at.Add(time.Duration(1+i)*time.Second))
		span := int64(w.Cron.MaxDur - w.Cron.MinDur)
		p.dur = w.Cron.MinDur + time.Duration(s.r.Int64N(span+1)).Round(time.Second)
		s.place(p, p.Created)
	}
}

// cronTimes returns the schedule's fire times within [t0, t0+1h).
func cronTimes(c *cronSpec, t0 time.Time) []time.Time {
	at := t0.Add(time.Duration(c.Minute) * time.Minute)
	switch c.Every {
	case "hourly":
		return []time.Time{at}
	case "daily":
		if t0.Hour() == c.Hour {
			return []time.Time{at}
		}
	case "weekly":
		if t0.Hour() == c.Hour && t0.Weekday() == c.Weekday {
			return []time.Time{at}
		}
	}
	return nil
}

// rollout replaces a workload's pods with its new version.
func (s *sim) rollout(w *workload) {
	live := append([]*pod(nil), s.live[w]...)
	sort.SliceStable(live, func(i, j int) bool { return live[i].Ordinal > live[j].Ordinal })
	for i, old := range live {
		old := old
		t := s.now.Add(time.Duration(i*25) * time.Second)
		s.at(t, func() {
			if !old.End.IsZero() {
				return
			}
			s.stop(old, s.now)
			p := s.newPod(w, old.Ordinal, s.now.Add(2*time.Second))
			s.place(p, p.Created)
		})
	}
}

// version returns the index of w's version running at t.
func (s *sim) version(w *workload, t time.Time) int {
	v := 0
	for _, d := range w.deploys {
		if !t.Before(d) {
			v++
		}
	}
	return v
}

// planDeploys schedules routine rollouts of the cluster's Deployments (every
// five to twelve days, weekday afternoons) and the regression deploy.
func (s *sim) planDeploys() {
	reg := s.o.regression
	for _, w := range s.c.Loads {
		if w.Kind != tally.KindDeployment || len(w.Versions) < 2 {
			continue
		}
		r := newStream(s.o.seed, "deploys/"+string(s.c.ID)+"/"+w.Name)
		t := s.o.start.Add(time.Duration(r.IntN(6*24)) * time.Hour)
		for {
			t = t.Add(time.Duration(5*24+r.IntN(7*24)) * time.Hour)
			day := t.Truncate(24 * time.Hour)
			for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
				day = day.Add(24 * time.Hour)
			}
			t = day.Add(time.Duration(14*60+r.IntN(8*60)) * time.Minute)
			if !t.Before(s.o.end) || len(w.deploys)+2 >= len(w.Versions) {
				break
			}
			if reg.w == w && t.Sub(reg.at).Abs() < 36*time.Hour {
				continue
			}
			w.deploys = append(w.deploys, t)
		}
		if reg.w == w {
			w.deploys = append(w.deploys, reg.at)
			sort.Slice(w.deploys, func(i, j int) bool { return w.deploys[i].Before(w.deploys[j]) })
			for i, d := range w.deploys {
				if d.Equal(reg.at) {
					w.regressAt = i + 1
				}
			}
			// The regression ships as a new minor release.
			for i := w.regressAt; i < len(w.Versions); i++ {
				w.Versions[i] = fmt.Sprintf("v2.14.%d", i-w.regressAt)
			}
		}
	}
}
