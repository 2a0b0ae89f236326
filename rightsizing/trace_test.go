package rightsizing

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

const header = "container_id,timestamp,cpu_cores,memory_bytes,cpu_request,cpu_limit,memory_request,memory_limit\n"

func TestReadTrace(t *testing.T) {
	in := header +
		"# a comment\n" +
		"a,2026-01-05T00:00:00Z,0.2,100,0.5,,200,400\n" +
		"a,2026-01-05T00:01:00Z,0.4,150,0.5,,200,400\n" + // same 5-minute window: CPU averaged, memory peak kept
		"b,1767571200,1,10,2,4,20,0\n" +
		"a,2026-01-05T00:05:00Z,0.1,90,1,2,300,\n" // a spec change
	tr, err := ReadTrace(strings.NewReader(in), "in.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Containers) != 2 {
		t.Fatalf("%d containers", len(tr.Containers))
	}
	a := tr.Containers[0]
	if a.ID != "a" || len(a.Samples) != 2 || a.Samples[0].CPU < 0.299 || a.Samples[0].CPU > 0.301 || a.Samples[0].MemoryPeak != 150 {
		t.Fatalf("a = %+v", a)
	}
	w1 := time.Date(2026, 1, 5, 0, 5, 0, 0, time.UTC)
	if r := a.ResourcesAt(w1); r != (Resources{CPURequest: 1, CPULimit: 2, MemoryRequest: 300}) {
		t.Errorf("resources after the change: %+v", r)
	}
	if r := a.ResourcesAt(w1.Add(-time.Second)); r != (Resources{CPURequest: 0.5, MemoryRequest: 200, MemoryLimit: 400}) {
		t.Errorf("resources before the change: %+v", r)
	}
	if b := tr.Containers[1]; !b.Samples[0].Start.Equal(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("unix timestamp: %v", b.Samples[0].Start)
	}
}

func TestReadTraceErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "t.csv: bad trace: empty file"},
		{"missing column", "container_id,timestamp\n", "t.csv:1: bad trace: missing column \"cpu_cores\""},
		{"duplicate column", strings.TrimSuffix(header, "\n") + ",cpu_cores\n", "column \"cpu_cores\" appears twice"},
		{"no rows", header, "t.csv: bad trace: no rows"},
		{"bad number", header + "a,2026-01-05T00:00:00Z,x,1,1,,1,\n", "t.csv:2: bad trace: column cpu_cores: value \"x\": not a number"},
		{"negative", header + "a,2026-01-05T00:00:00Z,1,-5,1,,1,\n", "t.csv:2: bad trace: column memory_bytes: value \"-5\": negative"},
		{"fractional bytes", header + "a,2026-01-05T00:00:00Z,1,1.5,1,,1,\n", "column memory_bytes: value \"1.5\": not a whole number of bytes"},
		{"nan", header + "a,2026-01-05T00:00:00Z,NaN,1,1,,1,\n", "value \"NaN\": not a finite number"},
		{"bad time", header + "a,yesterday,1,1,1,,1,\n", "t.csv:2: bad trace: column timestamp: value \"yesterday\": want RFC 3339"},
		{"empty id", header + ",2026-01-05T00:00:00Z,1,1,1,,1,\n", "column container_id: value \"\": empty"},
		{"limit below request", header + "a,2026-01-05T00:00:00Z,1,1,1,,10,5\n", "column memory_limit: value \"5\": below memory_request"},
		{"fields", header + "a,2026-01-05T00:00:00Z,1\n", "t.csv:2: bad trace: 3 fields, the header has 8"},
		{"duplicate row", header + "a,2026-01-05T00:00:00Z,1,1,1,,1,\nb,2026-01-05T00:00:00Z,1,1,1,,1,\na,2026-01-05T00:00:00Z,2,1,1,,1,\n",
			"t.csv:4: bad trace: container \"a\" has another row at 2026-01-05T00:00:00Z (line 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTrace(strings.NewReader(tt.in), "t.csv")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrBadTrace) {
				t.Fatalf("err = %v, want %q wrapping ErrBadTrace", err, tt.want)
			}
		})
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	tr := GenerateTrace(GenerateOptions{Seed: 7, Days: 2, PerPattern: 1})
	var buf bytes.Buffer
	if err := WriteTrace(&buf, tr); err != nil {
		t.Fatal(err)
	}
	back, err := ReadTrace(bytes.NewReader(buf.Bytes()), "gen.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Containers) != len(tr.Containers) {
		t.Fatalf("%d containers back, want %d", len(back.Containers), len(tr.Containers))
	}
	for i, c := range back.Containers {
		o := tr.Containers[i]
		if c.ID != o.ID || len(c.Samples) != len(o.Samples) || c.ResourcesAt(o.Samples[0].Start) != o.ResourcesAt(o.Samples[0].Start) {
			t.Fatalf("%s: %d samples, want %d", c.ID, len(c.Samples), len(o.Samples))
		}
		for j, s := range c.Samples {
			if d := s.CPU - o.Samples[j].CPU; d > 5e-5 || d < -5e-5 || s.MemoryPeak != o.Samples[j].MemoryPeak || !s.Start.Equal(o.Samples[j].Start) {
				t.Fatalf("%s[%d] = %+v, want %+v", c.ID, j, s, o.Samples[j])
			}
		}
	}
}

// TestBundledTraceIsGenerated checks testdata/traces.csv.gz is exactly what
// the committed generator writes (regenerate with make rightsizing-testdata).
func TestBundledTraceIsGenerated(t *testing.T) {
	got := bundledTrace(t)
	var want bytes.Buffer
	if err := WriteTrace(&want, GenerateTrace(GenerateOptions{Seed: 1})); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("testdata/traces.csv.gz differs from GenerateTrace(seed 1): run `make rightsizing-testdata`")
	}
}

func FuzzReadTrace(f *testing.F) {
	f.Add(header + "a,2026-01-05T00:00:00Z,0.2,100,0.5,,200,400\na,2026-01-05T00:01:00Z,0.4,150,0.5,,200,400\n")
	f.Add(header + "b,1767571200,1,10,2,4,20,0\n")
	f.Add(header + "\"x,y\",2026-01-05T00:00:00.5Z,1e-3,1e3,0,0,0,0\n")
	f.Add("timestamp,container_id,memory_bytes,cpu_cores,memory_limit,memory_request,cpu_limit,cpu_request\n1,a,1,1,,1,,1\n")
	f.Fuzz(func(t *testing.T, in string) {
		tr, err := ReadTrace(strings.NewReader(in), "fuzz.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv") && !strings.HasPrefix(err.Error(), "read fuzz.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, c := range tr.Containers {
			if c.ID == "" || len(c.Samples) == 0 || len(c.Specs) == 0 {
				t.Fatalf("container %+v", c)
			}
			for i, s := range c.Samples {
				if s.CPU < 0 || s.MemoryPeak < 0 || (i > 0 && !s.Start.After(c.Samples[i-1].Start)) {
					t.Fatalf("sample %d of %s: %+v", i, c.ID, s)
				}
			}
		}
		var buf bytes.Buffer
		if err := WriteTrace(&buf, tr); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadTrace(&buf, "again.csv"); err != nil {
			t.Fatalf("a trace read back fails: %v", err)
		}
	})
}

// bundledTrace returns the uncompressed bundled trace set.
func bundledTrace(t *testing.T) []byte {
	t.Helper()
	f, err := os.Open("testdata/traces.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
