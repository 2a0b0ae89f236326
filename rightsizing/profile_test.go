package rightsizing

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// steadyHistory returns days of 5-minute windows of one replica at cpu
// cores (cycling ±20% over an hour) and mem bytes.
func steadyHistory(days float64, cpu float64, mem int64) History {
	n := int(days * 288)
	h := History{Current: Resources{CPURequest: 2, MemoryRequest: 4 * GiB, MemoryLimit: 4 * GiB}}
	for i := 0; i < n; i++ {
		f := 0.8 + 0.4*float64(i%12)/11
		h.Samples = append(h.Samples, Sample{Start: t0.Add(time.Duration(i) * Step), CPU: cpu * f, MemoryPeak: int64(float64(mem) * (0.95 + 0.05*f))})
	}
	return h
}

func end(h History) time.Time { return h.Samples[len(h.Samples)-1].Start.Add(Step) }

func TestProfileRecommend(t *testing.T) {
	long := steadyHistory(14, 0.5, GiB)
	rec := Balanced.Recommend(long, end(long))
	r := rec.Resources
	if r.CPURequest < 0.55 || r.CPURequest > 0.62 {
		t.Errorf("CPU request %v: want about p95 of 0.4–0.6 cores", r.CPURequest)
	}
	if r.MemoryRequest < GiB || r.MemoryRequest > 11*GiB/10 {
		t.Errorf("memory request %v: want just over the 1 GiB peak", r.MemoryRequest)
	}
	if r.MemoryLimit < 13*GiB/10 || r.MemoryLimit > 14*GiB/10 {
		t.Errorf("memory limit %v: want the peak +30%%", r.MemoryLimit)
	}
	if r.CPULimit != 0 {
		t.Errorf("CPU limit %v: balanced sets none", r.CPULimit)
	}
	if rec.Confidence < 13.9 || rec.Lower.CPURequest > r.CPURequest || rec.Upper.CPURequest < r.CPURequest {
		t.Errorf("confidence %v, bounds %v ≤ %v ≤ %v", rec.Confidence, rec.Lower.CPURequest, r.CPURequest, rec.Upper.CPURequest)
	}

	// Profiles are ordered by risk.
	prod, aggr := Production.Recommend(long, end(long)).Resources, Aggressive.Recommend(long, end(long)).Resources
	if !(prod.CPURequest > r.CPURequest && r.CPURequest > aggr.CPURequest) || prod.MemoryLimit <= aggr.MemoryLimit {
		t.Errorf("production %+v, balanced %+v, aggressive %+v: want decreasing requests", prod, r, aggr)
	}

	// A short history widens limits and bounds.
	short := steadyHistory(0.5, 0.5, GiB)
	sr := Balanced.Recommend(short, end(short))
	if sr.Confidence > 0.3 || sr.Resources.MemoryLimit <= r.MemoryLimit || sr.Upper.CPURequest <= rec.Upper.CPURequest {
		t.Errorf("short history: confidence %v, limit %v (long %v), upper %v (long %v)", sr.Confidence, sr.Resources.MemoryLimit, r.MemoryLimit, sr.Upper.CPURequest, rec.Upper.CPURequest)
	}
	if !hasNote(sr, "low confidence: only 3.0 hours of history") {
		t.Errorf("notes %v", sr.Notes)
	}

	// Only History counts: samples older than 14 days are ignored.
	old := steadyHistory(30, 0.5, GiB)
	for i := range old.Samples[:10*288] {
		old.Samples[i].CPU = 5
	}
	if got := Balanced.Recommend(old, end(old)).Resources.CPURequest; got > 0.62 {
		t.Errorf("CPU request %v: a spike 20 days ago must not count", got)
	}
}

func hasNote(r Recommendation, s string) bool {
	for _, n := range r.Notes {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

func TestProfileOOMBumpTrendHPAMinimums(t *testing.T) {
	h := steadyHistory(7, 0.5, GiB)
	now := end(h)

	oom := h
	oom.OOMs = []OOMEvent{{At: now.Add(-time.Hour), Memory: 2 * GiB}}
	r := Balanced.Recommend(oom, now)
	if r.Resources.MemoryLimit < gib(2.4) || r.Resources.MemoryRequest < gib(2.4) || !hasNote(r, "OOM") {
		t.Errorf("after an OOM at 2 GiB: %+v %v; want request and limit ≥ 2 GiB × 1.2", r.Resources, r.Notes)
	}
	// The note says both amounts in one unit a reader can take in (it said
	// 2576980377, then 2Gi and 2458Mi).
	if want := "1 OOM kill(s) at up to 2.00 GiB: request and limit raised to at least 2.40 GiB"; !slices.Contains(r.Notes, want) {
		t.Errorf("notes %q; want %q", r.Notes, want)
	}
	if r.OOMKills != 1 {
		t.Errorf("OOMKills %d, want 1", r.OOMKills)
	}

	leak := h
	leak.Samples = append([]Sample(nil), h.Samples...)
	for i := range leak.Samples {
		leak.Samples[i].MemoryPeak = GiB + int64(i)*2*MiB // +24 MiB an hour
	}
	r = Balanced.Recommend(leak, end(leak))
	peak := leak.Samples[len(leak.Samples)-1].MemoryPeak
	if !hasNote(r, "grow steadily") || float64(r.Resources.MemoryLimit) < (float64(peak)+3*24*24*MiB)*1.3 {
		t.Errorf("leak: limit %v for a %v peak, notes %v: want the 3-day extrapolation + 30%%", r.Resources.MemoryLimit, peak, r.Notes)
	}

	hpa := h
	hpa.HPA = &HPA{CPUTargetUtilization: 0.5}
	r = Balanced.Recommend(hpa, now)
	if r.Resources.CPURequest < 1.1 || !hasNote(r, "HPA scales on CPU at 50%") {
		t.Errorf("HPA at 50%%: CPU request %v, notes %v; want p95 usage ÷ 0.5", r.Resources.CPURequest, r.Notes)
	}

	tiny := steadyHistory(7, 0.001, MiB)
	r = Balanced.Recommend(tiny, end(tiny))
	if r.Resources.CPURequest != Balanced.MinCPU || r.Resources.MemoryRequest != Balanced.MinMemory || r.Resources.MemoryLimit < r.Resources.MemoryRequest {
		t.Errorf("tiny container: %+v, want the minimums", r.Resources)
	}

	empty := History{Current: Resources{CPURequest: 1, MemoryRequest: GiB}}
	if r := Balanced.Recommend(empty, now); r.Resources != empty.Current {
		t.Errorf("no usage: %+v, want the current resources", r.Resources)
	}
}

func TestProfiles(t *testing.T) {
	for _, p := range Profiles {
		if err := p.Validate(); err != nil {
			t.Error(err)
		}
		if got, err := ProfileByName(p.Name); err != nil || got.Name != p.Name {
			t.Errorf("ProfileByName(%s) = %v, %v", p.Name, got.Name, err)
		}
	}
	if _, err := ProfileByName("yolo"); err == nil || !strings.Contains(err.Error(), "production, balanced, aggressive") {
		t.Errorf("unknown profile: %v", err)
	}
	bad := Balanced
	bad.CPUPercentile = 1.5
	if bad.Validate() == nil {
		t.Error("percentile 1.5 accepted")
	}
}

func TestBaselines(t *testing.T) {
	h := steadyHistory(14, 0.5, GiB)
	now := end(h)
	v := VPA{}.Recommend(h, now).Resources
	// p90 of 0.4–0.6 cycling is ≈0.58, bucket edge, +15%.
	if v.CPURequest < 0.63 || v.CPURequest > 0.72 {
		t.Errorf("VPA CPU %v", v.CPURequest)
	}
	if v.MemoryRequest < gib(1.15) || v.MemoryRequest > gib(1.25) || v.MemoryLimit != v.MemoryRequest {
		t.Errorf("VPA memory %+v: want daily peaks p90 +15%%, limit in the original 1:1 ratio", v)
	}
	tiny := steadyHistory(3, 0.001, MiB)
	if r := (VPA{}).Recommend(tiny, end(tiny)).Resources; r.CPURequest != 0.025 || r.MemoryRequest != 250*MiB {
		t.Errorf("VPA minimums: %+v", r)
	}
	oom := h
	oom.OOMs = []OOMEvent{{At: now.Add(-time.Hour), Memory: 2 * GiB}}
	if r := (VPA{}).Recommend(oom, now).Resources; r.MemoryRequest < gib(2.4) {
		t.Errorf("VPA after OOM: %+v", r)
	}

	k := KRR{}.Recommend(h, now).Resources
	if k.CPURequest < 0.55 || k.CPURequest > 0.6 || k.CPULimit != 0 {
		t.Errorf("KRR CPU %+v: want p95, no limit", k)
	}
	if peak := float64(GiB); float64(k.MemoryRequest) < peak*1.15 || k.MemoryLimit != k.MemoryRequest {
		t.Errorf("KRR memory %+v: want max +15%%, request = limit", k)
	}
	few := steadyHistory(0.3, 0.5, GiB)
	if r := (KRR{}).Recommend(few, end(few)); r.Resources != few.Current {
		t.Errorf("KRR with %d points: %+v, want no change", len(few.Samples), r.Resources)
	}
}

func gib(f float64) int64 { return int64(f * float64(GiB)) }

// TestProfileShortHistoryTarget: little history widens the bounds, never the
// recommendation itself (VPA applies its confidence multiplier to the lower
// and upper bounds only). One hour of steady 0.2-core usage must not be
// sized at several cores.
func TestProfileShortHistoryTarget(t *testing.T) {
	for _, p := range Profiles {
		t.Run(p.Name, func(t *testing.T) {
			short := steadyHistory(1.0/24, 0.2, GiB)
			long := steadyHistory(14, 0.2, GiB)
			sr := p.Recommend(short, end(short))
			lr := p.Recommend(long, end(long))

			// The same usage gives the same request, whatever the history's
			// length: the percentile (0.16–0.24 cores) with the margin, and
			// slack for the histogram's 5% buckets.
			if max := 0.24 * (1 + p.CPUMargin) * 1.1; sr.Resources.CPURequest > max {
				t.Errorf("1 h of history: CPU request %v, want at most %.3f (p%s of 0.16–0.24 cores +%.0f%%)",
					sr.Resources.CPURequest, max, pct(p.CPUPercentile), p.CPUMargin*100)
			}
			if d := sr.Resources.CPURequest / lr.Resources.CPURequest; d < 0.9 || d > 1.1 {
				t.Errorf("CPU request %v from 1 h, %v from 14 days of the same usage", sr.Resources.CPURequest, lr.Resources.CPURequest)
			}
			if d := float64(sr.Resources.MemoryRequest) / float64(lr.Resources.MemoryRequest); d < 0.9 || d > 1.1 {
				t.Errorf("memory request %v from 1 h, %v from 14 days of the same usage", sr.Resources.MemoryRequest, lr.Resources.MemoryRequest)
			}

			// The bounds widen with short history and narrow with long.
			for _, r := range []Recommendation{sr, lr} {
				if !(r.Lower.CPURequest <= r.Resources.CPURequest && r.Resources.CPURequest <= r.Upper.CPURequest) ||
					!(r.Lower.MemoryRequest <= r.Resources.MemoryRequest && r.Resources.MemoryRequest <= r.Upper.MemoryRequest) {
					t.Errorf("%.2f days: bounds %+v ≤ %+v ≤ %+v", r.Confidence, r.Lower, r.Resources, r.Upper)
				}
			}
			if sr.Upper.CPURequest < 5*sr.Resources.CPURequest || lr.Upper.CPURequest > 1.5*lr.Resources.CPURequest {
				t.Errorf("CPU upper bound %v over %v from 1 h, %v over %v from 14 days: want wide, then narrow",
					sr.Upper.CPURequest, sr.Resources.CPURequest, lr.Upper.CPURequest, lr.Resources.CPURequest)
			}
			if sr.Lower.CPURequest >= lr.Lower.CPURequest || sr.Lower.MemoryRequest >= lr.Lower.MemoryRequest {
				t.Errorf("lower bounds %+v from 1 h, %+v from 14 days: want lower from short history", sr.Lower, lr.Lower)
			}
			if sr.Upper.MemoryRequest <= lr.Upper.MemoryRequest {
				t.Errorf("memory upper bound %v from 1 h, %v from 14 days: want wider from short history", sr.Upper.MemoryRequest, lr.Upper.MemoryRequest)
			}

			// And the recommendation says it stands on little evidence.
			if !hasNote(sr, "low confidence: only 1.0 hours of history") {
				t.Errorf("1 h of history: notes %q, want a low-confidence note", sr.Notes)
			}
			if hasNote(lr, "low confidence") {
				t.Errorf("14 days of history: notes %q", lr.Notes)
			}
		})
	}
}

// Short history widens the memory limit for peaks not seen yet, but no
// further than the limit the container already runs under: one hour of
// 1 GiB peaks under a 4 GiB limit is no evidence for a 17 GiB one.
func TestProfileShortHistoryLimitStopsAtCurrent(t *testing.T) {
	for _, p := range Profiles {
		t.Run(p.Name, func(t *testing.T) {
			seen := int64(float64(GiB) * (1 + p.MemoryLimitMargin)) // the peak +margin
			for _, tc := range []struct {
				current, lo, hi int64 // the limit now; the recommended one wanted
			}{
				{current: 4 * GiB, lo: 4 * GiB, hi: 4 * GiB}, // widened up to the current limit
				{current: GiB, lo: seen, hi: seen + seen/20}, // below the peak +margin: raised to that only
				{current: 0, lo: 2 * seen, hi: 1 << 62},      // no limit: the widened one
			} {
				h := steadyHistory(1.0/24, 0.2, GiB)
				h.Current.MemoryLimit = tc.current
				r := p.Recommend(h, end(h))
				if l := r.Resources.MemoryLimit; l < tc.lo || l > tc.hi {
					t.Errorf("current limit %s: recommended limit %s, want %s–%s", FormatMemory(tc.current), FormatMemory(l), FormatMemory(tc.lo), FormatMemory(tc.hi))
				}
				if r.Upper.MemoryRequest < max(r.Resources.MemoryLimit, 2*seen) {
					t.Errorf("current limit %s: memory upper bound %s: want it widened for 1 h of history", FormatMemory(tc.current), FormatMemory(r.Upper.MemoryRequest))
				}
			}
		})
	}
}

// History is said rounded down: 2.996 days are under the 3 days a
// confident recommendation needs and read 2.9 days, not "3.0 days" beside
// "low confidence" (the table said "3.0d low").
func TestFormatHistoryRoundsDown(t *testing.T) {
	for _, tt := range []struct {
		days        float64
		long, short string
	}{{2.996, "2.9 days", "2.9d"}, {14, "14.0 days", "14.0d"}, {1.0 / 24, "1.0 hours", "1.0h"}, {0.999, "23.9 hours", "23.9h"}, {12.96, "12.9 days", "12.9d"}} {
		if got := FormatHistory(tt.days); got != tt.long {
			t.Errorf("FormatHistory(%v) = %q, want %q", tt.days, got, tt.long)
		}
		if got := FormatHistoryShort(tt.days); got != tt.short {
			t.Errorf("FormatHistoryShort(%v) = %q, want %q", tt.days, got, tt.short)
		}
	}
}
