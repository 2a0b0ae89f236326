package ingest

import (
	"context"
	"errors"
	"fmt"

	"github.com/tallyhq/tally"
)

// Amortizer computes lines' amortized cost (EffectiveCost) from other
// lines of the same run: the GCP export bills a resource-based commitment's
// fee on rows of its own, not on the usage it covered.
type Amortizer interface {
	// Observe sees every valid line of the run, in order, in a first
	// reading of its files.
	Observe(l *tally.CostLine) error
	// Amortize sees the same lines again, in the same order, in the
	// second reading, before they are totalled and stored. It may change
	// their EffectiveCost and commitment columns, never their BilledCost.
	Amortize(l *tally.CostLine) error
}

// AmortizingParser is a Parser whose lines' EffectiveCost depends on other
// lines of the run. Run reads its files twice: once for the Amortizer,
// then to store the lines it amortized. Memory holds the Amortizer's
// aggregates, not the lines.
type AmortizingParser interface {
	Parser
	NewAmortizer() Amortizer
}

// A FirstReader is an AmortizingParser with a faster first reading:
// ParseForAmortizer emits at least every line its Amortizer's Observe uses,
// and may leave out others without reading them (so without finding their
// errors: the second reading reads and checks every line).
type FirstReader interface {
	AmortizingParser
	ParseForAmortizer(ctx context.Context, in *Input, emit Emit) error
}

// observeAll is the first reading of an AmortizingParser's files: every
// valid line it reads goes to a. Bad rows fail it as they fail the second
// reading (which records them when skipped).
func (r *reader) observeAll(ctx context.Context, parser Parser, a Amortizer, files []File) error {
	parse := parser.Parse
	if fr, ok := parser.(FirstReader); ok {
		parse = fr.ParseForAmortizer
	}
	for i, f := range files {
		if r.copyOf[i] >= 0 {
			continue
		}
		in, err := OpenInput(f.Name, f.Path, nil)
		if err != nil {
			return err
		}
		err = parse(ctx, in, func(lineNo int64, l *tally.CostLine, bad *LineError) error {
			if bad == nil {
				bad = validate(f.Name, lineNo, l)
			}
			if bad != nil {
				if !r.opt.SkipBadRows || errors.Is(bad, ErrMixedCurrency) {
					return bad
				}
				return nil
			}
			if err := a.Observe(l); err != nil {
				return fmt.Errorf("%s:%d: amortize: %w", f.Name, lineNo, err)
			}
			return nil
		})
		in.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
