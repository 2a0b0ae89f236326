package forecast

import (
	"cmp"
	"encoding/json"
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
	// TrainName and TestName name the files of the training and test
	// series in errors (default: train and test).
	TrainName, TestName string
}

// testValues returns each training series' test values, matched by id: H
// of them, else an error naming the file (trainName or testName), line,
// series and counts. A test series of no training series is an error too.
func testValues(train, test []WideSeries, H int, trainName, testName string) ([][]float64, error) {
	byID := map[string]WideSeries{}
	for _, s := range test {
		byID[s.ID] = s
	}
	actual := make([][]float64, len(train))
	for i, s := range train {
		t, ok := byID[s.ID]
		if !ok {
			return nil, fmt.Errorf("%s:%d: %w: series %q has no row in %s", trainName, s.Line, ErrBadInput, s.ID, testName)
		}
		if len(t.Values) != H {
			return nil, fmt.Errorf("%s:%d: %w: series %q has %d values, want %d: the test holds the next horizon values of each series",
				testName, t.Line, ErrBadInput, s.ID, len(t.Values), H)
		}
		actual[i] = t.Values
	}
	if len(test) > len(train) { // ids are unique in a file: one has no training series
		inTrain := map[string]bool{}
		for _, s := range train {
			inTrain[s.ID] = true
		}
		for _, s := range test {
			if !inTrain[s.ID] {
				return nil, fmt.Errorf("%s:%d: %w: series %q has no row in %s: the test holds the next values of the training series, no others",
					testName, s.Line, ErrBadInput, s.ID, trainName)
			}
		}
	}
	return actual, nil
}

// ModelScore is one model's accuracy over a whole evaluation, each measure
// averaged over series as M4 averages them. A measure that is undefined on
// the data is NaN (null in JSON), and Notes says why.
type ModelScore struct {
	Model      string         `json:"model"`
	SMAPE      Measure        `json:"smape"`
	MASE       Measure        `json:"mase"`
	OWA        Measure        `json:"owa"`
	Coverage80 Measure        `json:"coverage80"` // fraction of actuals inside the 80% interval
	Coverage95 Measure        `json:"coverage95"`
	MSIS       Measure        `json:"msis"` // of the 95% interval
	Wall       time.Duration  `json:"wallNanos"`
	CPU        time.Duration  `json:"cpuNanos,omitempty"`
	Series     int            `json:"series"`
	Unscaled   int            `json:"unscaledSeries,omitempty"` // series left out of MASE/MSIS: constant history
	Chosen     map[string]int `json:"chosen,omitempty"`         // auto: how often each model or combination was picked
	Errors     []string       `json:"errors,omitempty"`
	Notes      []string       `json:"notes,omitempty"` // why a measure is undefined
}

// Measure is an accuracy measure. It is NaN when undefined on the data — OWA
// when Naive2 is exact, MASE and MSIS when every training history is
// constant — and encodes as JSON null then.
type Measure float64

// Defined reports whether m has a value (is finite).
func (m Measure) Defined() bool { return !math.IsNaN(float64(m)) && !math.IsInf(float64(m), 0) }

// MarshalJSON encodes m as a number, or null when it is undefined.
func (m Measure) MarshalJSON() ([]byte, error) {
	if !m.Defined() {
		return []byte("null"), nil
	}
	return json.Marshal(float64(m))
}

// UnmarshalJSON decodes a number, or null as NaN (undefined).
func (m *Measure) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*m = Measure(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("measure: %w", err)
	}
	*m = Measure(v)
	return nil
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
// matched to training series by id, one each, and must hold the next
// Horizon values: no more, no fewer.
func Evaluate(train, test []WideSeries, opt EvalOptions) (*EvalReport, error) {
	H := opt.Horizon
	if H < 1 {
		return nil, fmt.Errorf("evaluate: horizon %d: want at least 1", H)
	}
	actual, err := testValues(train, test, H, cmp.Or(opt.TrainName, "train"), cmp.Or(opt.TestName, "test"))
	if err != nil {
		return nil, err
	}
	m := 1
	if len(opt.Seasons) > 0 && opt.Seasons[0] > 1 {
		m = opt.Seasons[0]
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
		ms := &rep.Models[i]
		ms.OWA = Measure(OWA(float64(ms.SMAPE), float64(ms.MASE), float64(n2.SMAPE), float64(n2.MASE)))
		if ms.OWA.Defined() {
			continue
		}
		switch {
		case !ms.SMAPE.Defined():
			ms.Notes = append(ms.Notes, "OWA undefined: its sMAPE is undefined")
		case !ms.MASE.Defined():
			ms.Notes = append(ms.Notes, "OWA undefined: its MASE is undefined")
		case !n2.SMAPE.Defined() || !n2.MASE.Defined():
			ms.Notes = append(ms.Notes, "OWA undefined: Naive2's sMAPE or MASE is undefined")
		default:
			ms.Notes = append(ms.Notes, "OWA undefined: Naive2 is exact (sMAPE or MASE 0), nothing to compare with")
		}
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
	ms.SMAPE, ms.MASE, ms.MSIS = Measure(mean(sm)), Measure(mean(ma)), Measure(mean(msis))
	ms.Coverage80, ms.Coverage95 = Measure(math.NaN()), Measure(math.NaN())
	if pts > 0 {
		ms.Coverage80, ms.Coverage95 = Measure(float64(in80)/float64(pts)), Measure(float64(in95)/float64(pts))
	}
	switch {
	case len(sm) == 0:
		ms.Notes = append(ms.Notes, "all measures undefined: no series was forecast")
	case len(ma) == 0:
		ms.Notes = append(ms.Notes, "MASE and MSIS undefined: every training history is constant (nothing to scale by)")
	}
	if len(sm) > 0 && pts == 0 {
		ms.Notes = append(ms.Notes, "coverage undefined: every actual is missing")
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
