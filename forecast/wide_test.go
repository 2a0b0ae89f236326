package forecast

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestReadWide(t *testing.T) {
	in := "\"V1\",\"V2\",\"V3\",\"V4\"\n" +
		"\"H1\",\"605\",\"586\",\"\"\n" +
		"H2, 1.5e2 ,NA,3\n" +
		"\n" +
		"\"H3\",\"-2\",\"\",\"\"\n"
	got, err := ReadWide(strings.NewReader(in), "train.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d series, want 3", len(got))
	}
	check := func(s WideSeries, id string, line int, vals ...float64) {
		t.Helper()
		if s.ID != id || s.Line != line || len(s.Values) != len(vals) {
			t.Fatalf("got %+v, want %s on line %d with %v", s, id, line, vals)
		}
		for i, v := range vals {
			if math.IsNaN(v) != math.IsNaN(s.Values[i]) || (!math.IsNaN(v) && v != s.Values[i]) {
				t.Fatalf("%s value %d = %v, want %v", id, i, s.Values[i], v)
			}
		}
	}
	check(got[0], "H1", 2, 605, 586)
	check(got[1], "H2", 3, 150, math.NaN(), 3)
	check(got[2], "H3", 5, -2)
}

func TestReadWideErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"H1,1,2\nH2,1,abc\n", `f.csv:2:6: bad series file: field 3 (value 2 of series "H2"): "abc": not a number`},
		{"H1,1,2\nH1,3\n", `f.csv:2: bad series file: column 1: series "H1" repeated (first on line 1)`},
		{"H1,1\n,2\n", "f.csv:2: bad series file: column 1: empty series id"},
		{"H1,1\nH2,,\n", `f.csv:2: bad series file: series "H2" has no values`},
		{"H1,\"1\n", "f.csv:1: bad series file: column"},
		{"", "f.csv: bad series file: no series"},
		{"H1,1,Inf\n", "not a finite number"},
	}
	for _, tt := range tests {
		_, err := ReadWide(strings.NewReader(tt.in), "f.csv")
		// The sentinel follows the place, as in the other file formats' errors.
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrBadInput) || strings.HasSuffix(err.Error(), ErrBadInput.Error()) {
			t.Errorf("ReadWide(%q) = %v, want an ErrBadInput containing %q", tt.in, err, tt.want)
		}
	}
}

func TestWriteWideRoundTrip(t *testing.T) {
	in := []WideSeries{{ID: `a"b`, Values: []float64{1, math.NaN(), 2.5}}, {ID: "c", Values: []float64{-3}}}
	var buf bytes.Buffer
	if err := WriteWide(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadWide(&buf, "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].ID != `a"b` || len(out[0].Values) != 3 || !math.IsNaN(out[0].Values[1]) || out[1].Values[0] != -3 {
		t.Fatalf("round trip: %+v", out)
	}
}

func FuzzReadWide(f *testing.F) {
	f.Add("\"V1\",\"V2\"\n\"H1\",\"1\"\n")
	f.Add("H1,1,2,,\nH2,3,NA,4\n")
	f.Add("a,\"1\n")
	f.Add("x,1e308,-0,0x10\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ReadWide(strings.NewReader(in), "fuzz.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv") && !strings.HasPrefix(err.Error(), "read fuzz.csv") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		ids := map[string]bool{}
		for _, s := range got {
			if s.ID == "" || ids[s.ID] || len(s.Values) == 0 || math.IsNaN(s.Values[len(s.Values)-1]) {
				t.Fatalf("bad series %+v", s)
			}
			ids[s.ID] = true
			for _, v := range s.Values {
				if math.IsInf(v, 0) {
					t.Fatalf("infinite value in %+v", s)
				}
			}
		}
		// What was read writes and reads back the same.
		var buf bytes.Buffer
		if err := WriteWide(&buf, got); err != nil {
			t.Fatal(err)
		}
		again, err := ReadWide(&buf, "again")
		if err != nil || len(again) != len(got) {
			t.Fatalf("re-read: %v (%d vs %d series)", err, len(again), len(got))
		}
		for k, s := range got {
			a := again[k]
			same := a.ID == s.ID && len(a.Values) == len(s.Values)
			for i := 0; same && i < len(s.Values); i++ {
				v, w := s.Values[i], a.Values[i]
				same = math.Float64bits(v) == math.Float64bits(w) || math.IsNaN(v) && math.IsNaN(w)
			}
			if !same {
				t.Fatalf("series %d re-read as %q %v, was %q %v", k, a.ID, a.Values, s.ID, s.Values)
			}
		}
	})
}
