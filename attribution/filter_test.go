package attribution

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
)

func TestParseFilter(t *testing.T) {
	ns, cluster := Dimension{Field: "namespace"}, Dimension{Field: "cluster"}
	tests := []struct {
		in   string
		want []Filter
	}{
		{"", nil},
		{`namespace:"shop","search"`, []Filter{{Dim: Dimension{Field: "namespace"}, Values: []string{"shop", "search"}}}},
		{`namespace:shop+cluster:prod`, []Filter{{Dim: Dimension{Field: "namespace"}, Values: []string{"shop"}}, {Dim: Dimension{Field: "cluster"}, Values: []string{"prod"}}}},
		{`label[team]:"pay+ments"`, []Filter{{Dim: Dimension{Field: "label", Key: "team"}, Values: []string{"pay+ments"}}}},
		{`label:team:payments`, []Filter{{Dim: Dimension{Field: "label", Key: "team"}, Values: []string{"payments"}}}},
		{`label[app.kubernetes.io/name]:"a\"b"`, []Filter{{Dim: Dimension{Field: "label", Key: "app.kubernetes.io/name"}, Values: []string{`a"b`}}}},
		{`workload:"shop/api"`, []Filter{{Dim: Dimension{Field: "controller"}, Values: []string{"shop/api"}}}},
		{`namespace!:"a","b"`, []Filter{{Dim: ns, Values: []string{"a", "b"}, Not: true}}},
		{`namespace~:"a"`, []Filter{{Dim: ns, Values: []string{"a"}, Op: FilterContains}}},
		{`namespace !~: "a"`, []Filter{{Dim: ns, Values: []string{"a"}, Op: FilterContains, Not: true}}},
		{`namespace<~:"a"`, []Filter{{Dim: ns, Values: []string{"a"}, Op: FilterPrefix}}},
		{`namespace!<~:"a"`, []Filter{{Dim: ns, Values: []string{"a"}, Op: FilterPrefix, Not: true}}},
		{`namespace~>:"a"`, []Filter{{Dim: ns, Values: []string{"a"}, Op: FilterSuffix}}},
		{`namespace!~>:"a"`, []Filter{{Dim: ns, Values: []string{"a"}, Op: FilterSuffix, Not: true}}},
		{`label:team!:"a"`, []Filter{{Dim: Dimension{Field: "label", Key: "team"}, Values: []string{"a"}, Not: true}}},
		{`services~:"AmazonEC2"`, []Filter{{Dim: Dimension{Field: "service"}, Values: []string{"AmazonEC2"}}}},
		{`namespace:"a" | cluster:"b"`, []Filter{{Any: [][]Filter{{{Dim: ns, Values: []string{"a"}}}, {{Dim: cluster, Values: []string{"b"}}}}}}},
		{`namespace:"a" + (cluster:"b" | cluster:"c")`, []Filter{{Dim: ns, Values: []string{"a"}},
			{Any: [][]Filter{{{Dim: cluster, Values: []string{"b"}}}, {{Dim: cluster, Values: []string{"c"}}}}}}},
		{`(namespace:"a" + cluster:"b") | cluster:"c"`, []Filter{{Any: [][]Filter{{{Dim: ns, Values: []string{"a"}}, {Dim: cluster, Values: []string{"b"}}},
			{{Dim: cluster, Values: []string{"c"}}}}}}},
		{`namespace:"__unallocated__",""`, []Filter{{Dim: ns, Values: []string{"", ""}}}},
		{`((namespace:"a"))`, []Filter{{Dim: ns, Values: []string{"a"}}}},
		{`(namespace:"a")+(cluster:"b")`, []Filter{{Dim: ns, Values: []string{"a"}}, {Dim: cluster, Values: []string{"b"}}}},
	}
	for _, tt := range tests {
		got, err := ParseFilter(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFilter(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{`namespace`, `namespace:`, `namespace:"shop`, `bogus:x`, `namespace:"a" "b"`, `:x`, `namespace:a,,b`, `namespace:"a"|`, `(namespace:"a"`, `namespace:"a")`, `namespace:"a"+cluster:"b"|node:"c"`,
		`namespace>~:"a"`, `namespace~"a"`, `()`, `label[team:"a"`} {
		if _, err := ParseFilter(in); tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("ParseFilter(%q): err = %v, want EInvalid", in, err)
		}
	}
}

// FuzzParseFilter: ParseFilter fails only with EInvalid, its filters
// have values and known fields (groups at least two alternatives), and
// written back with formatFilters they read the same.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`namespace:"shop","search"+label[team]:"x"`, `label:team:payments`, `cluster:prod`, `a:"\"`,
		`namespace!:"a"|(pod~:"b"+controllerKind<~:"c")`, `label[app]!~>:"x",y`, `((cluster:"a"))`, `node:"a"+cluster:"b"|pod:"c"`,
		`team:"payments"+nodeLabel[pool]!:"gpu"`, `nodeLabel:pool:gpu|provider~:"i-"`, `namespaceLabel[team]:"a"`, `services~:"AmazonEC2"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs, err := ParseFilter(s)
		if err != nil {
			if tally.ErrorCode(err) != tally.EInvalid {
				t.Fatalf("ParseFilter(%q): error without EInvalid code: %v", s, err)
			}
			return
		}
		var check func([]Filter)
		check = func(fs []Filter) {
			for _, f := range fs {
				switch {
				case f.Any != nil && len(f.Any) < 2:
					t.Fatalf("ParseFilter(%q) = %+v: a group of %d", s, fs, len(f.Any))
				case f.Any != nil:
					for _, all := range f.Any {
						if len(all) == 0 {
							t.Fatalf("ParseFilter(%q) = %+v: an empty alternative", s, fs)
						}
						check(all)
					}
				case len(f.Values) == 0 || !isField(f.Dim.Field) && f.Dim.Field != "nodeLabel" && f.Dim.Field != "provider":
					t.Fatalf("ParseFilter(%q) = %+v: clause without values or with an unknown field", s, f)
				}
			}
		}
		check(fs)
		again, err := ParseFilter(formatFilters(fs))
		if err != nil || !reflect.DeepEqual(again, fs) {
			t.Fatalf("ParseFilter(%q) = %+v, written %s, reads %+v, %v", s, fs, formatFilters(fs), again, err)
		}
		oc, err := ParseOpenCostFilter(s)
		switch {
		case err != nil && tally.ErrorCode(err) != tally.EInvalid:
			t.Fatalf("ParseOpenCostFilter(%q): error without EInvalid code: %v", s, err)
		case err != nil && !strings.Contains(formatFilters(fs), "service"):
			t.Fatalf("ParseOpenCostFilter(%q): %v, of a filter without services", s, err)
		case err == nil && !reflect.DeepEqual(oc, fs):
			t.Fatalf("ParseOpenCostFilter(%q) = %+v, ParseFilter %+v", s, oc, fs)
		}
	})
}

// TestParseFilterErrors: a bad filter's error is about the filter, and
// names the position (in characters, from 1) and the text there. An
// unknown dimension or a label without a key had been reported as a bad
// aggregate (`aggregate "namespace!": want cluster, …`), naming a flag not
// given.
func TestParseFilterErrors(t *testing.T) {
	for in, want := range map[string]string{
		`namspace:"payments"`:                `filter "namspace:\"payments\"": position 1: unknown dimension "namspace": want cluster, node, namespace`,
		`label[]:"payments"`:                 `position 1: "label[]": label and annotation take a key`,
		`cluster:prod+label[tam:"x"`:         `position 19: "[" without "]"`,
		`namespace:"a"+cluster:"b"|node:"c"`: `position 26: "|" after "+": group clauses in parentheses`,
		`namespace:"a"|cluster:"b"+node:"c"`: `position 26: "+" after "|"`,
		`namespace:"a" cluster:"b"`:          `position 15: "cluster": want + (and) or | (or)`,
		`namespace=="a"`:                     `position 10: "=": want an operator`,
		`namespace!"a"`:                      `position 10: "!": want an operator`,
		`namespace:`:                         `at end: want a value`,
		`namespace:"a",`:                     `at end: want a value`,
		`namespace:"a",+`:                    `position 15: "+": want a value`,
		`(namespace:"a"`:                     `at end: want ")" closing the "(" at position 1`,
		`namespace:"a"))`:                    `position 14: ")" without "("`,
		`namespace:"a"+`:                     `at end: want a clause`,
		`"a"`:                                `position 1: "\"": want a clause`,
		`namespace:"é","b`:                   `position 15: unterminated quote`,
		strings.Repeat("(", 60) + `a:"b"`:    `more than 50 levels of parentheses`,
	} {
		_, err := ParseFilter(in)
		if tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "aggregate") {
			t.Errorf("ParseFilter(%q): %v\nwant an error containing %q", in, err, want)
		}
	}
}

// TestFilterKeeps: Keeps matches values by each operator, negated
// filters keep values that match none of theirs, and groups any of their
// alternatives.
func TestFilterKeeps(t *testing.T) {
	values := map[string]string{"namespace": "shop", "cluster": "prod", "type": "Node"}
	r := testFiltered{values: values, labels: []string{"app.kubernetes.io/name", "team"}}
	fold := func(d Dimension) bool { return d.Field == "type" }
	for in, want := range map[string]bool{
		`namespace:"shop"`: true, `namespace:"sho"`: false, `namespace!:"shop"`: false, `namespace!:"a","b"`: true,
		`namespace~:"ho"`: true, `namespace!~:"ho"`: false, `namespace<~:"sh"`: true, `namespace<~:"ho"`: false,
		`namespace~>:"op"`: true, `namespace!~>:"op"`: false, `namespace~>:"sh"`: false, `namespace!<~:"x","y"`: true,
		`namespace:"a"|cluster:"prod"`: true, `namespace:"a"|cluster:"b"`: false, `namespace:"shop"+cluster:"b"`: false,
		`namespace:"shop"+(cluster:"b"|cluster:"prod")`: true, `(namespace:"a"+cluster:"prod")|namespace:"shop"`: true,
		`label:"team"`: true, `label:"tea"`: false, `label!:"team"`: false, `label~:"team"`: true, `label<~:"app."`: true,
		`label~>:"/name"`: true, `label!<~:"x"`: true, `label:team`: true, `annotation:"team"`: false,
		`node:"__unallocated__"`: true, `node!:""`: false, `namespace!:"__unallocated__"`: true,
	} {
		fs, err := ParseFilter(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := keepsAll(fs, r, fold); got != want {
			t.Errorf("%s keeps %v: %v, want %v", in, values, got, want)
		}
	}
	fs, err := ParseAssetFilter(`type<~:"no"`)
	if err != nil || !keepsAll(fs, r, fold) {
		t.Errorf(`type<~:"no" (folded) does not keep type Node: %v`, err)
	}
}

// testFiltered is an allocation of TestFilterKeeps: values by field, and
// label keys.
type testFiltered struct {
	values map[string]string
	labels []string
}

func (r testFiltered) Value(d Dimension) string { return r.values[d.Field] }

func (r testFiltered) keys(field string) []string {
	if field == "label" {
		return r.labels
	}
	return nil
}
