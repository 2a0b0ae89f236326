package forecast

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// TestEvaluateUndefinedMeasures: when Naive2 is exact on every series OWA is
// 0/0, and when every training history is constant MASE and MSIS average an
// empty set. Those measures are NaN with a note saying why, encode as JSON
// null (NaN made encoding/json fail) and decode back to NaN.
func TestEvaluateUndefinedMeasures(t *testing.T) {
	tests := []struct {
		name        string
		train, test []float64
		undefined   []string // measures of Naive2 that are undefined
		note        string
	}{
		{"naive2 exact", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []float64{10, 10, 10}, []string{"owa"}, "Naive2 is exact"},
		{"constant history", []float64{5, 5, 5, 5, 5, 5, 5, 5, 5}, []float64{5, 6, 7}, []string{"mase", "msis", "owa"}, "every training history is constant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Evaluate([]WideSeries{{ID: "H1", Values: tt.train}}, []WideSeries{{ID: "H1", Values: tt.test}},
				EvalOptions{Horizon: 3, Seasons: []int{1}, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			n2 := rep.Models[0]
			if !strings.Contains(strings.Join(n2.Notes, "; "), tt.note) {
				t.Errorf("notes %q: want one saying %q", n2.Notes, tt.note)
			}
			b, err := json.Marshal(rep)
			if err != nil {
				t.Fatalf("encode report: %v (naive2 %+v)", err, n2)
			}
			var doc struct {
				Models []map[string]any `json:"models"`
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			for _, k := range tt.undefined {
				if v, ok := doc.Models[0][k]; !ok || v != nil {
					t.Errorf("naive2 %s: %v, want null", k, v)
				}
			}
			if _, ok := doc.Models[0]["smape"].(float64); !ok {
				t.Errorf("naive2 smape: %v, want a number", doc.Models[0]["smape"])
			}
			var back EvalReport
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !math.IsNaN(float64(back.Models[0].OWA)) || back.Models[0].SMAPE != n2.SMAPE {
				t.Errorf("decoded naive2 OWA %v, sMAPE %v: want NaN and %v", back.Models[0].OWA, back.Models[0].SMAPE, n2.SMAPE)
			}
		})
	}
}

// TestEvaluateTestLength: the test series hold the next Horizon values:
// fewer, more (a test file for a longer horizon, or train and test
// swapped) or none is an error naming the file, line, series and counts.
// A test series no training series has (a test file of another suite, or
// of more series) is one too: it was left out, and the report scored the
// series the two files share as if they matched.
func TestEvaluateTestLength(t *testing.T) {
	train := []WideSeries{{ID: "H1", Values: []float64{1, 2, 3, 4, 5, 6}, Line: 2}}
	for _, tc := range []struct {
		test []WideSeries
		want string
	}{
		{[]WideSeries{{ID: "H1", Values: []float64{7, 8}, Line: 3}}, `te.csv:3: bad series file: series "H1" has 2 values, want 3`},
		{[]WideSeries{{ID: "H1", Values: []float64{7, 8, 9, 10}, Line: 3}}, `te.csv:3: bad series file: series "H1" has 4 values, want 3`},
		{[]WideSeries{{ID: "H2", Values: []float64{7, 8, 9}, Line: 3}}, `tr.csv:2: bad series file: series "H1" has no row in te.csv`},
		{[]WideSeries{{ID: "H1", Values: []float64{7, 8, 9}, Line: 2}, {ID: "H2", Values: []float64{7, 8, 9}, Line: 3}},
			`te.csv:3: bad series file: series "H2" has no row in tr.csv: the test holds the next values of the training series, no others`},
	} {
		_, err := Evaluate(train, tc.test, EvalOptions{Horizon: 3, Seasons: []int{1}, Workers: 1, TrainName: "tr.csv", TestName: "te.csv"})
		if err == nil || !errors.Is(err, ErrBadInput) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("test %+v: %v, want an ErrBadInput starting %q", tc.test, err, tc.want)
		}
	}
}
