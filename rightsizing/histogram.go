package rightsizing

import (
	"math"
	"time"
)

// Histogram is a decaying histogram of resource usage, as the Kubernetes
// Vertical Pod Autoscaler keeps one: buckets grow geometrically (each 5%
// wider than the last by default), every sample carries a weight, and a
// sample's weight doubles every half-life relative to a reference time, so
// recent usage counts more than old usage. Weights are stored relative to
// the reference time; when they would overflow the reference moves forward
// and every weight is rescaled.
//
// The zero Histogram is not usable; call NewHistogram.
type Histogram struct {
	first    float64 // upper edge of bucket 0
	growth   float64 // ratio between consecutive bucket widths
	halfLife time.Duration
	ref      time.Time
	weights  []float64
	lo, hi   []float64 // smallest and largest value added to each bucket
	total    float64
	minB     int // lowest non-empty bucket, or len(weights)
	maxB     int // highest non-empty bucket, or -1
}

// HistogramOptions configure a Histogram.
type HistogramOptions struct {
	// FirstBucket is the width of the first bucket (0.01 core for CPU, 10 MB for memory in VPA).
	FirstBucket float64
	// MaxValue is the largest value the histogram resolves; larger values land in the last bucket.
	MaxValue float64
	// Growth is how much wider each bucket is than the previous (0.05 for 5%).
	Growth float64
	// HalfLife is the time after which a sample's weight has halved; 0 means no decay.
	HalfLife time.Duration
}

// CPUHistogramOptions are VPA's CPU histogram buckets (0.01 core first bucket,
// up to 1000 cores, 5% growth) with the given half-life.
func CPUHistogramOptions(halfLife time.Duration) HistogramOptions {
	return HistogramOptions{FirstBucket: 0.01, MaxValue: 1000, Growth: 0.05, HalfLife: halfLife}
}

// MemoryHistogramOptions are VPA's memory histogram buckets (10 MB first
// bucket, up to 1 TB, 5% growth) with the given half-life.
func MemoryHistogramOptions(halfLife time.Duration) HistogramOptions {
	return HistogramOptions{FirstBucket: 1e7, MaxValue: 1e12, Growth: 0.05, HalfLife: halfLife}
}

// NewHistogram returns an empty histogram.
func NewHistogram(o HistogramOptions) *Histogram {
	if o.FirstBucket <= 0 || o.Growth <= 0 || o.MaxValue <= o.FirstBucket {
		panic("rightsizing: invalid histogram options")
	}
	// Bucket i spans [start(i), start(i+1)) with start(i) = first·((1+g)^i − 1)/g.
	n := int(math.Ceil(math.Log(o.MaxValue*o.Growth/o.FirstBucket+1)/math.Log(1+o.Growth))) + 1
	return &Histogram{first: o.FirstBucket, growth: 1 + o.Growth, halfLife: o.HalfLife,
		weights: make([]float64, n), lo: make([]float64, n), hi: make([]float64, n), minB: n, maxB: -1}
}

func (h *Histogram) bucketStart(i int) float64 {
	return h.first * (math.Pow(h.growth, float64(i)) - 1) / (h.growth - 1)
}

func (h *Histogram) bucket(v float64) int {
	if v < h.first {
		return 0
	}
	i := int(math.Floor(math.Log(v*(h.growth-1)/h.first+1) / math.Log(h.growth)))
	// Guard against floating-point error at bucket edges.
	for i > 0 && v < h.bucketStart(i) {
		i--
	}
	for i+1 < len(h.weights) && v >= h.bucketStart(i+1) {
		i++
	}
	return min(i, len(h.weights)-1)
}

// maxDecayExponent bounds the relative weight 2^k before the reference moves.
const maxDecayExponent = 100

// Add adds a sample of value v observed at t with weight w.
func (h *Histogram) Add(v, w float64, t time.Time) {
	if w <= 0 || math.IsNaN(v) || math.IsNaN(w) {
		return
	}
	if v < 0 {
		v = 0
	}
	if h.halfLife > 0 {
		if h.ref.IsZero() {
			h.ref = t
		}
		k := float64(t.Sub(h.ref)) / float64(h.halfLife)
		if k > maxDecayExponent {
			h.shiftReference(t)
			k = 0
		}
		w *= math.Exp2(k)
	}
	b := h.bucket(v)
	if h.weights[b] <= 0 {
		h.lo[b], h.hi[b] = v, v
	} else {
		h.lo[b], h.hi[b] = min(h.lo[b], v), max(h.hi[b], v)
	}
	h.weights[b] += w
	h.total += w
	h.minB, h.maxB = min(h.minB, b), max(h.maxB, b)
}

// shiftReference moves the reference time to t and rescales every weight.
func (h *Histogram) shiftReference(t time.Time) {
	f := math.Exp2(-float64(t.Sub(h.ref)) / float64(h.halfLife))
	h.total = 0
	for i := range h.weights {
		h.weights[i] *= f
		h.total += h.weights[i]
	}
	h.ref = t
}

// IsEmpty reports whether the histogram has no weight.
func (h *Histogram) IsEmpty() bool { return h.maxB < 0 || h.total <= 0 }

// Percentile returns the value below which fraction p of the weight lies:
// the upper edge of the bucket where the cumulative weight reaches p, as VPA
// reports it (so a recommendation never sits below its bucket's samples).
func (h *Histogram) Percentile(p float64) float64 {
	if h.IsEmpty() {
		return 0
	}
	p = min(max(p, 0), 1)
	target := p * h.total
	var cum float64
	b := h.maxB
	for i := h.minB; i <= h.maxB; i++ {
		cum += h.weights[i]
		if cum >= target && h.weights[i] > 0 {
			b = i
			break
		}
	}
	if b+1 < len(h.weights) {
		return h.bucketStart(b + 1)
	}
	return h.bucketStart(b)
}

// TotalWeight returns the sum of the (decayed, relative) weights.
func (h *Histogram) TotalWeight() float64 { return h.total }

// Quantile returns the value below which fraction p of the weight lies,
// interpolating linearly within the bucket where the cumulative weight
// reaches p, from the smallest value added to that bucket to its upper edge
// (Percentile returns the upper edge itself, up to 5% higher). Starting from
// the bucket's lower edge instead put quantiles of flat usage up to a
// twentieth of a bucket (about 0.25%) below the usage.
func (h *Histogram) Quantile(p float64) float64 {
	if h.IsEmpty() {
		return 0
	}
	p = min(max(p, 0), 1)
	target := p * h.total
	var cum float64
	for i := h.minB; i <= h.maxB; i++ {
		w := h.weights[i]
		if w <= 0 {
			continue
		}
		if cum+w >= target || i == h.maxB {
			f := min(max((target-cum)/w, 0), 1)
			hi := max(h.bucketStart(i)+h.first*math.Pow(h.growth, float64(i)), h.hi[i]) // the last bucket holds larger values too
			return h.lo[i] + f*(hi-h.lo[i])
		}
		cum += w
	}
	return 0
}
