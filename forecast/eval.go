package forecast

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"
)

// EvalOptions configures Evaluate.
type EvalOptions struct {
	Horizon int
	// Seasons as in Options; Seasons[0] is the competition's season M,
	// which scales MASE and MSIS and seasonally adjusts Naive2.
	Seasons []int
	// Models to score (Naive2 and seasonal naive are always scored).
	Models []string
	// Workers forecasting in parallel (0: GOMAXPROCS).
	Workers int
	// Progress, when set, is called after each series of each model.
	Progress func(model string, done, total int)
	// CPU, when set, returns the process's CPU time so far; each model's
	// CPU time is then reported too (wall time is noisy on a busy machine).
	CPU func() time.Duration
}

// ModelScore is one model's accuracy over a whole evaluation, each measure
// averaged over series as M4 averages them.
type ModelScore struct {
	Model      string         `json:"model"`
	SMAPE      float64        `json:"smape"`
	MASE       float64        `json:"mase"`
	OWA        float64        `json:"owa"`
	Coverage80 float64        `json:"coverage80"` // fraction of actuals inside the 80% interval
	Coverage95 float64        `json:"coverage95"`
	MSIS       float64        `json:"msis"` // of the 95% interval
	Wall       time.Duration  `json:"wallNanos"`
	CPU        time.Duration  `json:"cpuNanos,omitempty"`
	Series     int            `json:"series"`
	Unscaled   int            `json:"unscaledSeries,omitempty"` // series left out of MASE/MSIS: constant history
	Chosen     map[string]int `json:"chosen,omitempty"`         // auto: how often each model or combination was picked
	Errors     []string       `json:"errors,omitempty"`
}

// EvalReport is the result of Evaluate.
type EvalReport struct {
	Series  int          `json:"series"`
	Horizon int          `json:"horizon"`
	Season  int          `json:"season"`
	Workers int          `json:"workers"`
	Models  []ModelScore `json:"models"`
}

// Evaluate forecasts every training series with every model and scores the
// forecasts against the test series with M4's measures. Test series are
// matched to training series by id and must hold at least Horizon values.
func Evaluate(train, test []WideSeries, opt EvalOptions) (*EvalReport, error) {
	H := opt.Horizon
	if H < 1 {
		return nil, fmt.Errorf("evaluate: horizon %d: want at least 1", H)
	}
	m := 1
	if len(opt.Seasons) > 0 && opt.Seasons[0] > 1 {
		m = opt.Seasons[0]
	}
	byID := map[string]WideSeries{}
	for _, s := range test {
		byID[s.ID] = s
	}
	actual := make([][]float64, len(train))
	for i, s := range train {
		t, ok := byID[s.ID]
		if !ok {
			return nil, fmt.Errorf("evaluate: series %q (train line %d) has no test row: %w", s.ID, s.Line, ErrBadInput)
		}
		if len(t.Values) < H {
			return nil, fmt.Errorf("evaluate: series %q (test line %d) has %d values, horizon is %d: %w", s.ID, t.Line, len(t.Values), H, ErrBadInput)
		}
		actual[i] = t.Values[:H]
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	models := []string{"naive2", "snaive"}
	for _, name := range opt.Models {
		if !slices.Contains(Models, name) {
			return nil, fmt.Errorf("evaluate: model %q: %w", name, ErrUnknownModel)
		}
		if !slices.Contains(models, name) {
			models = append(models, name)
		}
	}
	rep := &EvalReport{Series: len(train), Horizon: H, Season: m, Workers: workers}
	for _, name := range models {
		rep.Models = append(rep.Models, evalModel(name, train, actual, opt, workers, m))
	}
	n2 := rep.Models[0]
	for i := range rep.Models {
		rep.Models[i].OWA = OWA(rep.Models[i].SMAPE, rep.Models[i].MASE, n2.SMAPE, n2.MASE)
	}
	return rep, nil
}

type seriesScore struct {
	smape, mase, msis float64
	in80, in95, n     int
	model             string
	err               error
}

func evalModel(name string, train []WideSeries, actual [][]float64, opt EvalOptions, workers, m int) ModelScore {
	scores := make([]seriesScore, len(train))
	var cpu0 time.Duration
	if opt.CPU != nil {
		cpu0 = opt.CPU()
	}
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				scores[i] = scoreSeries(train[i].Values, actual[i], name, opt, m)
				if opt.Progress != nil {
					mu.Lock()
					done++
					opt.Progress(name, done, len(train))
					mu.Unlock()
				}
			}
		}()
	}
	for i := range train {
		next <- i
	}
	close(next)
	wg.Wait()
	ms := ModelScore{Model: name, Wall: time.Since(start), Series: len(train)}
	if opt.CPU != nil {
		ms.CPU = opt.CPU() - cpu0
	}
	var sm, ma, msis []float64
	in80, in95, pts := 0, 0, 0
	chosen := map[string]int{}
	for i, s := range scores {
		if s.err != nil {
			ms.Errors = append(ms.Errors, fmt.Sprintf("%s: %v", train[i].ID, s.err))
			continue
		}
		chosen[s.model]++
		sm = append(sm, s.smape)
		if math.IsNaN(s.mase) {
			ms.Unscaled++
		} else {
			ma = append(ma, s.mase)
			msis = append(msis, s.msis)
		}
		in80 += s.in80
		in95 += s.in95
		pts += s.n
	}
	ms.SMAPE, ms.MASE, ms.MSIS = mean(sm), mean(ma), mean(msis)
	if pts > 0 {
		ms.Coverage80, ms.Coverage95 = float64(in80)/float64(pts), float64(in95)/float64(pts)
	}
	if name == "auto" {
		ms.Chosen = chosen
	}
	return ms
}

func scoreSeries(train, y []float64, name string, opt EvalOptions, m int) seriesScore {
	r, err := ForecastValues(train, Options{Horizon: len(y), Seasons: opt.Seasons, Model: name})
	if err != nil {
		return seriesScore{err: err}
	}
	s := seriesScore{model: r.Model}
	if len(r.Members) > 0 {
		names := slices.Clone(r.Members)
		sort.Strings(names)
		s.model = fmt.Sprintf("median%v", names)
	}
	s.smape = SMAPE(y, r.Mean)
	s.mase = MASE(train, y, r.Mean, m)
	s.msis = MSIS(train, y, r.Lo95, r.Hi95, m, 0.05)
	for h := range y {
		if math.IsNaN(y[h]) {
			continue
		}
		s.n++
		if y[h] >= r.Lo80[h] && y[h] <= r.Hi80[h] {
			s.in80++
		}
		if y[h] >= r.Lo95[h] && y[h] <= r.Hi95[h] {
			s.in95++
		}
	}
	return s
}
