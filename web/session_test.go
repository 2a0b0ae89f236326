package web

import "testing"

// TestSafeNext: a post-sign-in redirect stays on this site however a
// browser reads it (browsers drop tabs and newlines and read "\" as "/").
func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/allocations?window=7d":  "/allocations?window=7d",
		"/functions#flame":        "/functions#flame",
		"":                        "/",
		"allocations":             "/",
		"//evil.example":          "/",
		"/\\evil.example":         "/",
		"/\t/evil.example":        "/",
		"/\t\\evil.example":       "/",
		"/\n/evil.example":        "/",
		"/\r\n/evil.example":      "/",
		"https://evil.example/":   "/",
		"/%2F/evil.example":       "/", // on this site, but refused with the rest
		"/ok?next=//evil.example": "/ok?next=//evil.example",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
