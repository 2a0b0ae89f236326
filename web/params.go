package web

import (
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// takes is the middleware of a route of Tally's own API (/api/v1/…) that
// declares the query parameters it takes, each at most once: a request with
// another parameter, or with one of them twice, is refused with an EInvalid
// error naming it. A misspelled parameter (windw=1d) was ignored and a
// repeated one (window=1d&window=7d) read as its first value: the answer
// was to another question than the one asked.
//
// OpenCost's routes do not use it: OpenCost ignores the parameters it does
// not know and reads a repeated one's first value, and its clients send
// parameters Tally has no use for (resolution, includeProportionalAssetResourceCosts, …),
// so they do as OpenCost does and its clients work unchanged.
func (s *Server) takes(names ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := checkParams(r.URL.Path, r.URL.Query(), names); err != nil {
				s.error(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// checkParams returns an EInvalid error for the first parameter of v (in
// name order) that is not one of names or is given more than once.
func checkParams(path string, v url.Values, names []string) error {
	for _, k := range slices.Sorted(maps.Keys(v)) {
		if !slices.Contains(names, k) {
			return tally.Errorf(tally.EInvalid, "unknown parameter %s: %s takes %s", k, path, paramList(names))
		}
		if n := len(v[k]); n > 1 {
			return tally.Errorf(tally.EInvalid, "parameter %s given %d times (%q): give it once", k, n, v[k])
		}
	}
	return nil
}

// paramList lists names in order, case aside, for an error message.
func paramList(names []string) string {
	if len(names) == 0 {
		return "no parameters"
	}
	sorted := slices.Clone(names)
	slices.SortFunc(sorted, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return strings.Join(sorted, ", ")
}

// notFuture refuses w, the window given as parameter name, when it starts
// at or after now: nothing has been billed or measured in it yet, and an
// empty answer would read as nothing having run then.
func notFuture(name string, w tally.Window, now time.Time) error {
	if w.Start.Before(now) {
		return nil
	}
	return tally.Errorf(tally.EInvalid, "%s %s starts after now (%s): it has no costs yet", name, w, now.UTC().Format(time.RFC3339))
}

// queryWindow reads a window given in a query string, as tally.ParseWindow
// does. A "+" sent unencoded as an RFC 3339 bound's offset sign
// (window=2026-11-01T00:00:00+01:00,…) arrives decoded as a space, which
// RFC 3339 never has: queryWindow reads a space between a bound's time and
// its offset as the "+" it was. A space anywhere else is still refused.
func queryWindow(s string, now time.Time) (tally.Window, error) {
	if a, b, ok := strings.Cut(s, ","); ok {
		s = offsetPlus(a) + "," + offsetPlus(b)
	}
	return tally.ParseWindow(s, now)
}

// decodedOffsetPlus matches an RFC 3339 bound whose offset's "+" was
// decoded to a space: a date, a time, the space and hh:mm, nothing else.
var decodedOffsetPlus = regexp.MustCompile(`^(\s*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?) (\d{2}:\d{2}\s*)$`)

// offsetPlus restores the "+" of bound's offset if the query decoded it to
// a space, and returns any other bound as it is.
func offsetPlus(bound string) string {
	return decodedOffsetPlus.ReplaceAllString(bound, "${1}+${2}")
}
