package commitments

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Scenarios names the bundled usage scenarios in the order Generate writes them.
var Scenarios = []string{"steady", "growing", "declining", "migration", "seasonal", "drop"}

// GenerateOptions configures Generate.
type GenerateOptions struct {
	Seed  uint64
	Days  int       // length of each scenario (0: 1095, three years: three renewal cycles of 1-year terms)
	Start time.Time // first hour (zero: 2024-01-01, a Monday)
}

// fleetType is an instance type of the generated fleets with its on-demand price.
type fleetType struct {
	stream Stream
	price  float64 // $/h on demand
	base   float64 // instances at the start
}

var generatedFleet = []fleetType{
	{Stream{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge"}, 0.192, 300},
	{Stream{Provider: "aws", Region: "us-east-1", InstanceType: "c5.2xlarge"}, 0.34, 120},
	{Stream{Provider: "aws", Region: "us-east-1", InstanceType: "r5.large"}, 0.126, 200},
	{Stream{Provider: "aws", Region: "us-east-1", InstanceType: "m7g.xlarge"}, 0.1632, 0},
	{Stream{Provider: "gcp", Region: "europe-west1", InstanceType: "n2-standard-8"}, 0.4275, 40},
}

// Generate writes the bundled scenarios: deterministic hourly usage of a
// Kubernetes fleet (instance counts with daily and weekly cycles and
// autocorrelated noise, priced on demand) that is
//
//	steady     flat
//	growing    +22.5% a year, and two launches (+8% on day 200, +7% on day 500)
//	declining  −30% over two years, then flat
//	migration  m5 moves to Graviton m7g between days 180 and 360 (the total barely changes)
//	seasonal   strong daily cycle, batch spikes, a yearly peak in November–December
//	drop       flat, then −40% at once on day 450 (a large customer leaves)
func Generate(o GenerateOptions) []*Usage {
	if o.Days <= 0 {
		o.Days = 1095
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	var out []*Usage
	for k, name := range Scenarios {
		rng := rand.New(rand.NewPCG(o.Seed, uint64(k)+1))
		out = append(out, generate(name, o, rng))
	}
	return out
}

func generate(name string, o GenerateOptions, rng *rand.Rand) *Usage {
	hours := o.Days * 24
	u := &Usage{Name: name, Start: o.Start, Currency: "USD"}
	for _, f := range generatedFleet {
		u.Streams = append(u.Streams, f.stream)
		u.OD = append(u.OD, make([]Nanos, hours))
	}
	diurnal, weekend, sigma := 0.15, 0.10, 0.04
	if name == "seasonal" {
		diurnal, weekend, sigma = 0.35, 0.15, 0.06
	}
	noise := make([]float64, len(generatedFleet))
	spike := 0.0
	for h := 0; h < hours; h++ {
		t := o.Start.Add(time.Duration(h) * time.Hour)
		day := float64(h) / 24
		// Daily cycle peaking mid-afternoon UTC; quieter weekends.
		cycle := 1 + diurnal*math.Sin(2*math.Pi*(float64(t.Hour())-9)/24)
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			cycle *= 1 - weekend
		}
		level := 1.0
		switch name {
		case "growing":
			level = 1 + 0.45*day/730
			if day >= 200 {
				level += 0.08
			}
			if day >= 500 {
				level += 0.07
			}
		case "declining":
			level = 1 - 0.30*min(day, 730)/730
		case "seasonal":
			// Yearly peak around December 1st, trough in summer.
			doy := float64(t.YearDay())
			level = 1 + 0.12*math.Cos(2*math.Pi*(doy-335)/365)
			if m := t.Month(); m == time.November || m == time.December {
				level += 0.20
			}
			if spike > 0 {
				spike--
			} else if rng.Float64() < 0.012 {
				spike = float64(2 + rng.IntN(5))
			}
		case "drop":
			if day >= 450 {
				level = 0.6
			}
		}
		for i, f := range generatedFleet {
			noise[i] = 0.9*noise[i] + math.Sqrt(1-0.81)*sigma*rng.NormFloat64()
			base := f.base
			if name == "migration" {
				move := min(max((day-180)/180, 0), 1)
				switch f.stream.InstanceType {
				case "m5.xlarge":
					base = 300 * (1 - 0.9*move)
				case "m7g.xlarge":
					base = 300 * 0.9 * move * 1.05 // a little more headroom per instance after the move
				}
			}
			n := base * level * cycle * (1 + noise[i])
			if spike > 0 && f.stream.Provider == "aws" {
				n *= 1.6
			}
			count := math.Max(0, math.Round(n))
			u.OD[i][h] = NanosOf(count * f.price)
		}
	}
	// Drop streams that never ran.
	for i := len(u.Streams) - 1; i >= 0; i-- {
		var any bool
		for _, v := range u.OD[i] {
			if v != 0 {
				any = true
				break
			}
		}
		if !any {
			u.Streams = append(u.Streams[:i], u.Streams[i+1:]...)
			u.OD = append(u.OD[:i], u.OD[i+1:]...)
		}
	}
	sortStreams(u)
	return u
}

// sortStreams orders u's streams as ReadUsage does: by provider, region, type.
func sortStreams(u *Usage) {
	idx := make([]int, len(u.Streams))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(u.Streams[a].String(), u.Streams[b].String()) })
	streams, od := make([]Stream, len(idx)), make([][]Nanos, len(idx))
	for k, i := range idx {
		streams[k], od[k] = u.Streams[i], u.OD[i]
	}
	u.Streams, u.OD = streams, od
}
