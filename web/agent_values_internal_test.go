package web

import "testing"

func TestJSONValues(t *testing.T) {
	tests := []struct {
		js   string
		want int
	}{
		{`{}`, 1},
		{`[{},{},{}]`, 6},
		{`{"a":1,"b":[1,2]}`, 6},
		// Structure inside strings, escaped quotes included, is text.
		{`{"a{,:[":"x\"{,}\\"}`, 2},
		{`"\\\"{"`, 0},
	}
	for _, tt := range tests {
		if got := jsonValues([]byte(tt.js), 100); got != tt.want {
			t.Errorf("jsonValues(%s) = %d; want %d", tt.js, got, tt.want)
		}
	}
	if got := jsonValues([]byte(`[1,2,3,4,5]`), 2); got != 3 {
		t.Errorf("jsonValues past its limit = %d; want it to stop at 3", got)
	}
}
