package commitments

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrUsageRange is wrapped by the error of Usage.CheckRange.
var ErrUsageRange = errors.New("usage too large for the simulator's exact sums")

// MaxHourlyTotal returns the most on-demand-equivalent usage, all streams
// summed, one hour of a usage spanning hours may have for the simulator's
// Nanos sums to stay exact, with no int64 overflow. With P that peak hour
// and T the longest term (36 months): OD, Covered and OnDemand are at most
// P × hours; Fees and Used are at most F × hours and Obligation at most
// F × T, F the fees in force in an hour, which is no more than P as long as
// commitments are sized to the usage (a fee is capacity × (1 − discount)).
// Bounding P × (hours + T) by a quarter of int64 keeps Cost (on demand +
// fees + obligation) below three quarters of it even with fees of twice
// the peak. For a year of usage the bound is about 65,800 units an hour,
// for ten years about 20,200.
func MaxHourlyTotal(hours int) Nanos {
	return Nanos(math.MaxInt64 / 4 / (int64(max(hours, 0)) + int64(TermHours(36))))
}

// CheckRange returns an error wrapping ErrUsageRange when an hour of u,
// all streams' magnitudes summed (a refund can make a stream's hour
// negative), is above MaxHourlyTotal(u.Hours()): its simulation could
// overflow.
func (u *Usage) CheckRange() error {
	limit := MaxHourlyTotal(u.Hours())
	for h := 0; h < u.Hours(); h++ {
		var total Nanos
		for i, s := range u.OD {
			v := s[h]
			if v < 0 {
				v = -v // stays negative only for math.MinInt64, refused below
			}
			if v < 0 || total > limit-v {
				return fmt.Errorf("usage %s: %s at %s: %s takes the hour's usage (all streams) past %s, the most an hour "+
					"may have (the usage spans %d h, plus a 3-year term): %w", u.Name, u.Streams[i],
					u.Start.Add(time.Duration(h)*time.Hour).Format(time.RFC3339), s[h].Money("").Decimal(), formatNanos(limit),
					u.Hours(), ErrUsageRange)
			}
			total += v
		}
	}
	return nil
}
