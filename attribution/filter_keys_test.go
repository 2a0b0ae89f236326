package attribution

import "testing"

// TestAssetKeylessLabelContains: a label filter without a key is on
// the keys, and ~: asks whether there is a label of that key (as the doc
// of Filter.keyed, the allocations' SQL (keysSQL) and OpenCost's
// StringMapMatcher have it), not whether some key contains the text, as
// it did on /assets: label~:"app" kept an asset labelled myapp.
func TestAssetKeylessLabelContains(t *testing.T) {
	a := Asset{Type: AssetNode, Labels: map[string]string{"myapp": "x", "application": "y"}}
	for _, tc := range []struct {
		filter string
		want   bool
	}{
		{`label~:"app"`, false}, // no label app
		{`label!~:"app"`, true}, // so its negation keeps it
		{`label:"app"`, false},  // as : does
	} {
		fs, err := ParseAssetFilter(tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Matches(fs); got != tc.want {
			t.Errorf("asset with labels myapp, application: %s keeps it: %v, want %v", tc.filter, got, tc.want)
		}
	}
}

// TestAssetKeylessLabelPrefixPrometheusName: /assets keeps an asset
// with the label app.kubernetes.io/name for label<~:"app_" (its
// Prometheus name), as /allocation does
// (web.TestOpenCostKeylessLabelPrefixPrometheusName).
func TestAssetKeylessLabelPrefixPrometheusName(t *testing.T) {
	a := Asset{Type: AssetNode, Labels: map[string]string{"app.kubernetes.io/name": "api"}}
	fs, err := ParseAssetFilter(`label<~:"app_"`)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Matches(fs) {
		t.Error(`/assets: label<~:"app_" does not keep an asset with label app.kubernetes.io/name`)
	}
}
