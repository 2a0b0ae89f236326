package gcpbilling

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDecodeRow: decodeRow accepts exactly the rows encoding/json accepts,
// with the same result, so that the faster decoder changes no ingest.
func FuzzDecodeRow(f *testing.F) {
	for _, file := range []string{"testdata/export.ndjson", "testdata/consumption.ndjson"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
			f.Add(l)
		}
	}
	for _, s := range []string{
		`{"cost": 1.}`, `{"cost": "1.5"}`, `{"cost": 01}`, `{"COST": 2, "Currency": "USD"}`, `{"labels": null}`,
		`{"cost": 1} x`, `{"sku": {"description": "\ud800"}}`, "{\"sku\": {\"description\": \"\xff\"}}", `{"credits": [{"amount": -1e-3}]}`,
		`{"cost": 1, "cost": 2}`, `{"usage": {"amount": true}}`, `[]`, `{"labels": [{"key": 1}]}`,
		`{"consumption_model": {"id": 1}}`, `{"consumption_model": null, "subscription": {"instance_id": "a"}}`,
		`{"cost": -.6}`, `{"credits": [{"amount": -01}]}`, `{"cost":-00}`, `{"cost": -0.6, "currency": "-.6"}`,
	} {
		f.Add([]byte(s))
	}
	for _, s := range decodeRowAgreements {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want, got Row
		wantErr := json.Unmarshal(b, &want)
		done := make(chan struct{})
		go func() {
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				panic(fmt.Sprintf("decodeRow(%q) hangs", b))
			}
		}()
		gotErr := decodeRow(b, &got)
		close(done)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("%q: encoding/json says %v, decodeRow %v", b, wantErr, gotErr)
		}
		if wantErr == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("%q: encoding/json decodes\n%+v\ndecodeRow\n%+v", b, want, got)
		}
	})
}

// decodeRowAgreements are valid rows on which json-iterator alone decodes
// otherwise than encoding/json: keys that match a field only by Unicode
// case folding (ſ is s, K is k), a lone surrogate escape before a pair,
// and a null after a value of the same field (it leaves the value).
var decodeRowAgreements = []string{
	`{"co\u017ft": 5}`, `{"coſt": 5, "currency": "USD"}`, `{"labels": [{"\u212aey": "team"}]}`, `{"labels": [{"Key": "team"}]}`,
	`{"sku": {"description": "\ud800\ud800\udc00"}}`, `{"sku": {"description": "\ud83d\ude00 \u00e9"}}`,
	`{"currency": "USD", "currency": null}`, `{"cost_type": "regular", "COST_TYPE": null}`, `{"labels": [{"key": "team", "key": null}]}`,
}

// TestDecodeRowAgrees: decodeRow decodes each of decodeRowAgreements as
// encoding/json does.
func TestDecodeRowAgrees(t *testing.T) {
	for _, s := range decodeRowAgreements {
		var want, got Row
		wantErr := json.Unmarshal([]byte(s), &want)
		gotErr := decodeRow([]byte(s), &got)
		if wantErr != nil || gotErr != nil {
			t.Errorf("%s: encoding/json says %v, decodeRow %v", s, wantErr, gotErr)
			continue
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: encoding/json decodes\n%+v\ndecodeRow\n%+v", s, want, got)
		}
	}
}

// FuzzPlain: plain agrees with a loop over the bytes.
func FuzzPlain(f *testing.F) {
	for _, s := range []string{"", "null", "xnull", "nul", "ull", `{"a": null}`, "billing_null", "\\u", "é", "\x1f", "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := plain(b), plainByBytes(b); got != want {
			t.Fatalf("plain(%q) = %v, a loop over the bytes says %v", b, got, want)
		}
	})
}

// TestPlain: plain finds a control character, a non-ASCII byte and "null"
// at every position of a word, across words and in the tail, and only them.
func TestPlain(t *testing.T) {
	for n := 0; n <= 20; n++ {
		for at := 0; at < n; at++ {
			b := bytes.Repeat([]byte{'a'}, n)
			for c := 0; c < 256; c++ {
				b[at] = byte(c)
				if got, want := plain(b), plainByBytes(b); got != want {
					t.Fatalf("plain(%q) = %v, want %v", b, got, want)
				}
			}
			for _, w := range []string{"null", "nul", "ull", "nnull", "lnull", "é"} {
				b := bytes.Repeat([]byte{'l'}, n+len(w))
				copy(b[at:], w)
				if got, want := plain(b), plainByBytes(b); got != want {
					t.Fatalf("plain(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
}

// plainByBytes is plain as a loop over the bytes.
func plainByBytes(b []byte) bool {
	ascii := true
	for i, c := range b {
		switch {
		case c < 0x20:
			return false
		case c >= utf8.RuneSelf:
			ascii = false
		case c == '\\' && i+1 < len(b) && b[i+1] == 'u':
			return false
		case c == 'n' && bytes.HasPrefix(b[i:], []byte("null")):
			return false
		}
	}
	return ascii || utf8.Valid(b) && !bytes.Contains(b, []byte("ſ")) && !bytes.Contains(b, []byte("\u212a"))
}

// BenchmarkDecodeRow decodes the test export's rows.
func BenchmarkDecodeRow(b *testing.B) {
	raw, err := os.ReadFile("testdata/export.ndjson")
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var row Row
		if err := decodeRow(lines[i%len(lines)], &row); err != nil {
			b.Fatal(err)
		}
	}
}
