package attribution

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
)

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in   string
		want []Filter
	}{
		{"", nil},
		{`namespace:"shop","search"`, []Filter{{Dimension{Field: "namespace"}, []string{"shop", "search"}}}},
		{`namespace:shop+cluster:prod`, []Filter{{Dimension{Field: "namespace"}, []string{"shop"}}, {Dimension{Field: "cluster"}, []string{"prod"}}}},
		{`label[team]:"pay+ments"`, []Filter{{Dimension{Field: "label", Key: "team"}, []string{"pay+ments"}}}},
		{`label:team:payments`, []Filter{{Dimension{Field: "label", Key: "team"}, []string{"payments"}}}},
		{`label[app.kubernetes.io/name]:"a\"b"`, []Filter{{Dimension{Field: "label", Key: "app.kubernetes.io/name"}, []string{`a"b`}}}},
		{`workload:"shop/api"`, []Filter{{Dimension{Field: "controller"}, []string{"shop/api"}}}},
	}
	for _, tt := range tests {
		got, err := ParseFilter(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFilter(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{`namespace`, `namespace:`, `namespace:"shop`, `bogus:x`, `namespace:"a" "b"`, `:x`, `namespace:a,,b`} {
		if _, err := ParseFilter(in); tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("ParseFilter(%q): err = %v, want EInvalid", in, err)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`namespace:"shop","search"+label[team]:"x"`, `label:team:payments`, `cluster:prod`, `a:"\"`} {
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
		for _, f := range fs {
			if len(f.Values) == 0 || !fields[f.Dim.Field] {
				t.Fatalf("ParseFilter(%q) = %+v: clause without values or with an unknown field", s, f)
			}
		}
	})
}

// TestParseFilterErrors: a bad filter's error is about the filter, the
// clause and what is wrong in it. An unknown dimension, a label without a
// key or one of OpenCost's other operators (namespace!:"kube-system", as a
// Kubecost user writes it) had been reported as a bad aggregate
// (`aggregate "namespace!": want cluster, …`), naming a flag not given.
func TestParseFilterErrors(t *testing.T) {
	for in, want := range map[string]string{
		`namspace:"payments"`:                     `filter clause "namspace:\"payments\"": unknown dimension "namspace": want cluster, node, namespace`,
		`label:"payments"`:                        `filter clause "label:\"payments\"": label and annotation take a key`,
		`namespace!:"kube-system"`:                `filter clause "namespace!:\"kube-system\"": operator "!:" is not supported`,
		`cluster:prod+label[team]~:"pay"`:         `filter clause "label[team]~:\"pay\"": operator "~:" is not supported`,
		`namespace<~:"pay"`:                       `operator "<~:" is not supported: a clause matches whole values (dimension:"value"`,
		`controllerKind:deployment+namespace!~:x`: `operator "!~:" is not supported`,
	} {
		_, err := ParseFilter(in)
		if tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "aggregate") {
			t.Errorf("ParseFilter(%q): %v\nwant an error containing %q", in, err, want)
		}
	}
}
