package gcpbilling

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"
)

// FuzzDecodeRow: decodeRow accepts exactly the rows encoding/json accepts,
// with the same result, so that the faster decoder changes no ingest.
func FuzzDecodeRow(f *testing.F) {
	raw, err := os.ReadFile("testdata/export.ndjson")
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		f.Add(l)
	}
	for _, s := range []string{
		`{"cost": 1.}`, `{"cost": "1.5"}`, `{"cost": 01}`, `{"COST": 2, "Currency": "USD"}`, `{"labels": null}`,
		`{"cost": 1} x`, `{"sku": {"description": "\ud800"}}`, "{\"sku\": {\"description\": \"\xff\"}}", `{"credits": [{"amount": -1e-3}]}`,
		`{"cost": 1, "cost": 2}`, `{"usage": {"amount": true}}`, `[]`, `{"labels": [{"key": 1}]}`,
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
