package jsonpos

import "testing"

func TestOffsetsAndPosition(t *testing.T) {
	b := []byte("{\n  \"a\": 1,\n  \"items\": [\n    {\"x\": \"y\", \"o\": {\"n\": [2, 3]}}\n  ]\n}\n")
	offs := Offsets(b)
	for path, want := range map[string]string{
		"":                "f:1:1",
		"a":               "f:2:8",
		"items":           "f:3:12",
		"items[0]":        "f:4:5",
		"items[0].x":      "f:4:11",
		"items[0].o":      "f:4:21",
		"items[0].o.n[1]": "f:4:31",
	} {
		off, ok := offs[path]
		if got := Position("f", b, off); !ok || got != want {
			t.Errorf("%q: at %s (recorded %v), want %s", path, got, ok, want)
		}
	}
	if got := Position("f", b, 0); got != "f" {
		t.Errorf("offset 0: %s, want f", got)
	}
	if got := Position("f", b, int64(len(b)+1)); got != "f" {
		t.Errorf("offset past the end: %s, want f", got)
	}
	// A syntax error ends the walk; what came before it is recorded.
	offs = Offsets([]byte(`{"a": 1, "b": ]`))
	if _, ok := offs["a"]; !ok || len(offs) != 3 {
		t.Errorf("offsets of a broken document: %v", offs)
	}
}
