package rightsizing

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func TestHistogramPercentiles(t *testing.T) {
	h := NewHistogram(CPUHistogramOptions(0))
	for i := 1; i <= 100; i++ {
		h.Add(float64(i)/100, 1, t0) // 0.01 … 1.00 cores
	}
	tests := []struct {
		p        float64
		lo, hi   float64 // Quantile within the bucket-width tolerance
		edgeOver float64 // Percentile ≥ this (a bucket's upper edge)
	}{
		{0.5, 0.48, 0.52, 0.5},
		{0.9, 0.87, 0.92, 0.9},
		{0.95, 0.92, 0.97, 0.95},
		{1, 0.97, 1.05, 1},
	}
	for _, tt := range tests {
		if q := h.Quantile(tt.p); q < tt.lo || q > tt.hi {
			t.Errorf("Quantile(%v) = %v, want in [%v, %v]", tt.p, q, tt.lo, tt.hi)
		}
		if p := h.Percentile(tt.p); p < tt.edgeOver || p > tt.edgeOver*1.06 {
			t.Errorf("Percentile(%v) = %v, want the upper edge of its bucket, within 5%% above %v", tt.p, p, tt.edgeOver)
		}
	}
	if e := NewHistogram(CPUHistogramOptions(0)); !e.IsEmpty() || e.Percentile(0.9) != 0 || e.Quantile(0.9) != 0 {
		t.Error("empty histogram should answer 0")
	}
}

func TestHistogramDecay(t *testing.T) {
	h := NewHistogram(MemoryHistogramOptions(24 * time.Hour))
	// 1 GB a week ago, 100 MB now, as many samples of each: the old ones
	// weigh 2^-7 as much, so the median is the recent level.
	for i := 0; i < 100; i++ {
		h.Add(1e9, 1, t0)
	}
	for i := 0; i < 100; i++ {
		h.Add(1e8, 1, t0.Add(7*24*time.Hour))
	}
	if q := h.Quantile(0.9); q > 1.1e8 {
		t.Errorf("p90 = %v: recent samples should dominate", q)
	}
	if q := h.Quantile(0.999); q < 9e8 {
		t.Errorf("p99.9 = %v: old samples still count a little", q)
	}
	// Far in the future the reference moves without overflow.
	h.Add(5e8, 1, t0.Add(1000*24*time.Hour))
	if math.IsInf(h.TotalWeight(), 0) || math.IsNaN(h.TotalWeight()) {
		t.Fatalf("total weight %v", h.TotalWeight())
	}
	if q := h.Quantile(0.5); q < 4.9e8 || q > 5.3e8 {
		t.Errorf("after 1000 days the newest sample dominates: median %v", q)
	}
}

func TestHistogramBucketsGrowFivePercent(t *testing.T) {
	h := NewHistogram(CPUHistogramOptions(0))
	for i := 1; i < 50; i++ {
		w0 := h.bucketStart(i) - h.bucketStart(i-1)
		w1 := h.bucketStart(i+1) - h.bucketStart(i)
		if r := w1 / w0; math.Abs(r-1.05) > 1e-9 {
			t.Fatalf("bucket %d grows %v", i, r)
		}
	}
	for _, v := range []float64{0, 0.005, 0.01, 0.0105, 0.5, 3.7, 999, 5000} {
		b := h.bucket(v)
		if b < len(h.weights)-1 && (v < h.bucketStart(b) || v >= h.bucketStart(b+1)) {
			t.Errorf("value %v in bucket %d [%v, %v)", v, b, h.bucketStart(b), h.bucketStart(b+1))
		}
	}
}

// On flat usage every quantile is at least the usage, and within its
// bucket. Interpolating from the bucket's lower edge put p95 up to a
// twentieth of a bucket (about 0.25%) below it: a request set there is
// below what the container uses.
func TestHistogramQuantileOfFlatUsage(t *testing.T) {
	for v := 0.1; v <= 4; v *= 1.013 {
		h := NewHistogram(CPUHistogramOptions(72 * time.Hour))
		for i := range 2016 {
			h.Add(v, 1, t0.Add(time.Duration(i)*Step))
		}
		for _, p := range []float64{0.5, 0.9, 0.95, 0.99, 1} {
			if q := h.Quantile(p); q < v || q > h.Percentile(p)*(1+1e-12) {
				t.Fatalf("flat usage at %v cores: Quantile(%v) = %v", v, p, q)
			}
		}
	}
}

// Under the Balanced profile a container whose CPU use never varies gets a
// request at least its usage, at every level (levels 7% apart fall at
// different places in the 5% buckets).
func TestBalancedFlatUsageRequestCoversUsage(t *testing.T) {
	for v := 0.1; v <= 4; v *= 1.07 {
		for _, days := range []int{2, 14} {
			h := History{Current: Resources{CPURequest: 8, MemoryRequest: 4 * GiB}}
			for i := range days * 288 {
				h.Samples = append(h.Samples, Sample{Start: t0.Add(time.Duration(i) * Step), CPU: v, MemoryPeak: GiB})
			}
			rec := Balanced.Recommend(h, end(h))
			if rec.Resources.CPURequest < v-1e-9 { // roundCPU forgives 10⁻⁹ core of float error
				t.Fatalf("%d days at %v cores: CPU request %v", days, v, rec.Resources.CPURequest)
			}
			if rec.Resources.MemoryRequest < GiB {
				t.Fatalf("%d days at 1 GiB: memory request %v", days, rec.Resources.MemoryRequest)
			}
		}
	}
}
