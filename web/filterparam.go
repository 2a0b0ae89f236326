package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tallyhq/tally/attribution"
)

// filterQuery returns r's query parameters with its filter as the client
// meant it. A filter's "+" (and) is written %2B in a URL, where a bare +
// is a space, so a filter whose + were left bare arrives as clauses
// separated by spaces, which do not parse (namespace:"a" cluster:"b").
// When the decoded filter does not parse (by parse) and the raw one, its
// bare + kept as +, does, the raw one is the filter. A filter that parses
// as decoded is kept, so a + meaning a space inside a quoted value
// (label[team]:"a+b" for "a b") still means one.
func filterQuery(r *http.Request, parse func(string) ([]attribution.Filter, error)) url.Values {
	v := r.URL.Query()
	decoded := v.Get("filter")
	if !strings.Contains(r.URL.RawQuery, "+") || decoded == "" {
		return v
	}
	if _, err := parse(decoded); err == nil {
		return v
	}
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		k, raw, ok := strings.Cut(kv, "=")
		if !ok || k != "filter" || !strings.Contains(raw, "+") {
			continue
		}
		plus, err := url.PathUnescape(raw) // + stays +
		if err != nil {
			return v
		}
		if _, err := parse(plus); err == nil {
			v.Set("filter", plus)
		}
		return v
	}
	return v
}
