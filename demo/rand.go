package demo

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"
)

// Randomness comes in two forms so that output never depends on the order in
// which goroutines run or on how much randomness an unrelated part consumed:
//
//   - streams (newStream): a PCG generator per named component, used where
//     decisions depend on earlier decisions (the cluster simulations);
//   - hashes (noise): a pure function of the seed and a key, used for values
//     computed independently and in parallel (usage samples, spot prices).

// newStream returns a generator for the named component of the organization.
func newStream(seed uint64, name string) *rand.Rand {
	return rand.New(rand.NewPCG(seed, strHash(name)))
}

// strHash is FNV-1a of s.
func strHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// mix is SplitMix64's finalizer: a bijective scramble of x.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hashKey combines a seed and key parts into one well-mixed value.
func hashKey(seed uint64, parts ...uint64) uint64 {
	h := mix(seed + 0x9e3779b97f4a7c15)
	for _, p := range parts {
		h = mix(h ^ (p + 0x9e3779b97f4a7c15 + h<<6 + h>>2))
	}
	return h
}

// gauss returns a standard normal value determined by seed and key
// (Box–Muller on two derived uniforms).
func gauss(seed uint64, parts ...uint64) float64 {
	h := hashKey(seed, parts...)
	u1 := (float64(h>>11) + 0.5) / (1 << 53)
	u2 := float64(mix(h)>>11) / (1 << 53)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// noise returns 1 + sd·N(0,1), clamped to [1−3sd, 1+3sd] and never below 0.05.
func noise(sd float64, seed uint64, parts ...uint64) float64 {
	g := gauss(seed, parts...)
	g = math.Max(-3, math.Min(3, g))
	return math.Max(0.05, 1+sd*g)
}

const hexDigits = "0123456789abcdef"

// randHex returns n lowercase hex digits from r.
func randHex(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexDigits[r.IntN(16)]
	}
	return string(b)
}

// randUUID returns a version-4 UUID from r.
func randUUID(r *rand.Rand) string {
	h := []byte(randHex(r, 32))
	h[12] = '4'
	h[16] = "89ab"[r.IntN(4)]
	return string(h[0:8]) + "-" + string(h[8:12]) + "-" + string(h[12:16]) + "-" + string(h[16:20]) + "-" + string(h[20:32])
}

// podSuffixChars are the characters Kubernetes uses in generated name suffixes.
const podSuffixChars = "bcdfghjklmnpqrstvwxz2456789"

// randSuffix returns a Kubernetes-style random name suffix of n characters.
func randSuffix(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = podSuffixChars[r.IntN(len(podSuffixChars))]
	}
	return string(b)
}

// latest returns the latest of ts.
func latest(ts ...time.Time) time.Time {
	m := ts[0]
	for _, t := range ts[1:] {
		if t.After(m) {
			m = t
		}
	}
	return m
}

// earliest returns the earliest of ts.
func earliest(ts ...time.Time) time.Time {
	m := ts[0]
	for _, t := range ts[1:] {
		if t.Before(m) {
			m = t
		}
	}
	return m
}
