package forecast

import "testing"

// TestScopeName: a scope's name is its keys as the bill spells them, and
// --scope (CanonicalScope) reads it back to the stored scope; a '/' or '%'
// in a key stays escaped, so the key stays one segment.
func TestScopeName(t *testing.T) {
	for _, tc := range []struct{ scope, name string }{
		{"spend/service/AWS%20Data%20Transfer", "spend/service/AWS Data Transfer"},
		{"spend/account/123456789012", "spend/account/123456789012"},
		{"spend/namespace/prod/kube-system", "spend/namespace/prod/kube-system"},
		{"spend/service/a%2Fb%25c%20d", "spend/service/a%2Fb%25c d"},
		{"bogus/x%20y", "bogus/x%20y"}, // no scope: as it is
	} {
		if got := ScopeName(tc.scope); got != tc.name {
			t.Errorf("ScopeName(%q) = %q, want %q", tc.scope, got, tc.name)
		}
		if got := CanonicalScope(tc.name); got != tc.scope {
			t.Errorf("CanonicalScope(%q) = %q, want %q back", tc.name, got, tc.scope)
		}
	}
}
