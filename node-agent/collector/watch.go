package collector

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/tallyhq/tally/node-agent/profiler"
)

// LearnRate is how many announced processes a second, per CPU, Watch has
// the symbolizer read at most; a burst of LearnBurst seconds' worth is
// read at once. Reading a process costs a read of its maps and a few
// stats (its binaries are parsed once per build id), 100–300 µs, so a
// fork storm costs at most about 0.5% of the machine, less at 19 Hz: the
// kernel announces each process at most twice (new, then refreshed) and
// no more processes than it takes samples (19 a second per CPU by
// default). The processes over the rate are left to Prefetch, at the next
// usage tick.
const (
	LearnRate  = 25
	LearnBurst = 2
)

// Watch has the symbolizer read each process the Source announces (see
// symbolize.Symbolizer.Learn and Refresh) as it is announced, within
// milliseconds of its first sample, until ctx ends: a process that starts
// and exits between two usage ticks (a compiler, a CI step, one of a
// shell pipeline's processes) would otherwise be gone, with its
// /proc/<pid> and often its binary, before Prefetch or the drain read it.
// It returns nil at once when the Source announces nothing, and when ctx
// ends.
func (c *Collector) Watch(ctx context.Context) error {
	src, ok := c.cfg.Source.(Announcer)
	if !ok {
		return nil
	}
	if m, ok := c.cfg.Source.(Mapper); ok {
		done := make(chan struct{})
		mctx, stop := context.WithCancel(ctx)
		go func() {
			defer close(done)
			c.watchMappings(mctx, m)
		}()
		defer func() { stop(); <-done }()
	}
	r, err := src.Processes()
	if err != nil {
		return fmt.Errorf("watch new processes: %w", err)
	}
	defer r.Close()
	stop := context.AfterFunc(ctx, func() { r.Close() })
	defer stop()
	limit := newRateLimit(float64(LearnRate*runtime.NumCPU()), LearnBurst, time.Now())
	for {
		ev, err := r.Read()
		if errors.Is(err, profiler.ErrClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("watch new processes: %w", err)
		}
		if !limit.take(time.Now()) {
			c.skipped.Add(1)
			continue
		}
		switch ev.Kind {
		case profiler.ProcessRefresh:
			c.cfg.Symbolizer.Refresh(ev.PID, ev.Gen)
		default:
			c.cfg.Symbolizer.Learn(ev.PID, ev.Gen)
		}
		c.learned.Add(1)
	}
}

// MappedEvery is the least time between two reads of the processes that
// mapped a file executable: a process starting maps several, and a node
// starting processes all the time would otherwise wake the agent for
// each. A process that dlopens a library and exits before it is read
// has that library's samples unnamed.
const MappedEvery = 50 * time.Millisecond

// watchMappings has the symbolizer read again the processes announced
// (sampled) that mapped a file executable, as the kernel reports them: a
// library dlopen'ed after a process's refresh would otherwise be read
// only at the drain, if the process still ran then. Processes the
// symbolizer has not read are left to their announcement (every new
// process maps its loader and libraries, and few are sampled: at 800
// execs a second, looking each up in the kernel's announced map was three
// in four of the agent's bpf() calls); those over LearnRate to the drain.
func (c *Collector) watchMappings(ctx context.Context, m Mapper) {
	limit := newRateLimit(float64(LearnRate*runtime.NumCPU()), LearnBurst, time.Now())
	for ctx.Err() == nil {
		ready, err := m.WaitMapped(time.Second) // a second: to see ctx end
		if err != nil {
			return
		}
		if !ready {
			continue
		}
		for _, pid := range m.Mapped() {
			if !c.cfg.Symbolizer.Knows(pid) {
				continue
			}
			gen, ok := m.Program(pid)
			if !ok {
				continue
			}
			if !limit.take(time.Now()) {
				c.skipped.Add(1)
				continue
			}
			c.cfg.Symbolizer.Refresh(pid, gen)
			c.remapped.Add(1)
		}
		select {
		case <-ctx.Done():
		case <-time.After(MappedEvery):
		}
	}
}

// rateLimit is a token bucket: rate tokens a second, at most burst
// seconds' worth.
type rateLimit struct {
	rate, most, tokens float64
	last               time.Time
}

func newRateLimit(rate, burst float64, now time.Time) *rateLimit {
	return &rateLimit{rate: rate, most: rate * burst, tokens: rate * burst, last: now}
}

// take takes a token if there is one.
func (b *rateLimit) take(now time.Time) bool {
	b.tokens = min(b.most, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
