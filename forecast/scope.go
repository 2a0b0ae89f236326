package forecast

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// Scope kinds: what a forecast is of. A scope string is the kind followed by
// its path-escaped key segments, e.g. "spend/account/123456789012" or
// "usage/vcpu-hours/aws/us-east-1/m5". Segments are escaped with
// url.PathEscape, so names containing "/" stay one segment.
const (
	KindSpendAccount   = "spend/account"    // daily amortized spend of a billing account: <account id>
	KindSpendService   = "spend/service"    // daily amortized spend of a service: <service name>
	KindSpendNamespace = "spend/namespace"  // daily allocated spend of a namespace: <cluster>/<namespace>
	KindVCPUHours      = "usage/vcpu-hours" // hourly vCPU-hours of an instance family: <provider>/<region>/<family>
	KindODEquivalent   = "usage/od-spend"   // hourly on-demand-equivalent eligible compute spend: <provider>/<region>/<family>
	KindCPU            = "cpu"              // hourly CPU cores used by a workload: <cluster>/<namespace>/<workload>
	KindMemory         = "memory"           // hourly memory bytes of a workload: <cluster>/<namespace>/<workload>
)

// scopeKinds lists each kind with its number of key segments, its step and
// the unit of its values.
var scopeKinds = []struct {
	kind string
	keys int
	step time.Duration
	unit unit
}{
	{KindSpendAccount, 1, 24 * time.Hour, money},
	{KindSpendService, 1, 24 * time.Hour, money},
	{KindSpendNamespace, 2, 24 * time.Hour, money},
	{KindVCPUHours, 3, time.Hour, unit{name: "vCPU-hours", per: 1}},
	{KindODEquivalent, 3, time.Hour, money},
	{KindCPU, 3, time.Hour, unit{name: "cores", per: 1}},
	{KindMemory, 3, time.Hour, unit{name: "GiB", per: 1 << 30}},
}

// unit is what a kind's values count: money in the bill's currency
// (name ""), or per values to one of name ("GiB" of bytes: 1<<30).
type unit struct {
	name string
	per  float64
}

// money is the unit of spend: amounts in the bill's currency.
var money = unit{}

// Scope names one forecast series.
type Scope struct {
	Kind string   // one of the Kind constants
	Keys []string // the kind's key segments, unescaped
}

// NewScope returns the scope of kind with keys; it panics when the number of
// keys does not fit the kind (a programming error).
func NewScope(kind string, keys ...string) Scope {
	for _, k := range scopeKinds {
		if k.kind == kind {
			if len(keys) != k.keys {
				panic(fmt.Sprintf("forecast scope %s takes %d keys, got %d", kind, k.keys, len(keys)))
			}
			return Scope{Kind: kind, Keys: keys}
		}
	}
	panic("unknown forecast scope kind " + kind)
}

// String returns the scope as stored and queried, e.g. "spend/service/Amazon%20EC2".
func (s Scope) String() string {
	return s.join(url.PathEscape)
}

// Name returns the scope as people read it, its keys as the bill spells
// them: "spend/service/AWS Data Transfer" where String gives
// "spend/service/AWS%20Data%20Transfer". A '/' or '%' in a key stays
// escaped, so that CanonicalScope reads the name back to String.
func (s Scope) Name() string {
	return s.join(strings.NewReplacer("%", "%25", "/", "%2F").Replace)
}

// join writes the kind and the keys, each escaped, separated by '/'.
func (s Scope) join(escape func(string) string) string {
	var b strings.Builder
	b.WriteString(s.Kind)
	for _, k := range s.Keys {
		b.WriteByte('/')
		b.WriteString(escape(k))
	}
	return b.String()
}

// ScopeName returns the Name of the stored scope str, or str when it is no
// scope.
func ScopeName(str string) string {
	s, err := ParseScope(str)
	if err != nil {
		return str
	}
	return s.Name()
}

// Step returns the scope's granularity: a day for spend, an hour otherwise.
func (s Scope) Step() time.Duration {
	for _, k := range scopeKinds {
		if k.kind == s.Kind {
			return k.step
		}
	}
	return time.Hour
}

// Amount returns how a value of the scope's series is written in notes
// (Options.Amount), in the unit its kind counts: "$142.71" in cur for
// spend, "2.5 cores", "1.5 GiB" of memory bytes, "38 vCPU-hours".
func (s Scope) Amount(cur tally.Currency) func(v float64) string {
	u := money
	for _, k := range scopeKinds {
		if k.kind == s.Kind {
			u = k.unit
		}
	}
	if u == money {
		return func(v float64) string { return label(v, cur) }
	}
	return func(v float64) string { return significant(v/u.per, 3) + " " + u.name }
}

// significant writes v to n significant digits (more in its whole part),
// without trailing zeros: 2.5, 0.0123, 1235.
func significant(v float64, n int) string {
	places := 0
	if v != 0 {
		places = max(0, n-1-int(math.Floor(math.Log10(math.Abs(v)))))
	}
	s := strconv.FormatFloat(v, 'f', places, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// ParseScope parses a scope string.
func ParseScope(str string) (Scope, error) {
	for _, k := range scopeKinds {
		rest, ok := strings.CutPrefix(str, k.kind+"/")
		if !ok {
			continue
		}
		parts := strings.Split(rest, "/")
		if len(parts) != k.keys {
			return Scope{}, fmt.Errorf("scope %q: %s takes %d key segments, got %d", str, k.kind, k.keys, len(parts))
		}
		s := Scope{Kind: k.kind}
		for _, p := range parts {
			v, err := url.PathUnescape(p)
			if err != nil || v == "" {
				return Scope{}, fmt.Errorf("scope %q: segment %q: want a non-empty path-escaped name", str, p)
			}
			s.Keys = append(s.Keys, v)
		}
		return s, nil
	}
	kinds := make([]string, len(scopeKinds))
	for i, k := range scopeKinds {
		kinds[i] = k.kind + strings.Repeat("/…", k.keys)
	}
	return Scope{}, fmt.Errorf("scope %q: want one of %s", str, strings.Join(kinds, ", "))
}

// CanonicalScope returns the scope, or scope prefix, str as stored: its key
// segments path-escaped once whether str has them escaped
// ("spend/service/Amazon%20EC2", as String and `tally forecast run` write
// them) or plain ("spend/service/Amazon EC2", what a URL query holding the
// former decodes to). A segment that does not unescape (a plain name with a
// '%') is taken as plain. A str of no known kind is returned as it is.
func CanonicalScope(str string) string {
	for _, k := range scopeKinds {
		rest, ok := strings.CutPrefix(str, k.kind+"/")
		if !ok {
			continue
		}
		parts := strings.Split(rest, "/")
		for i, p := range parts {
			if v, err := url.PathUnescape(p); err == nil {
				p = v
			}
			parts[i] = url.PathEscape(p)
		}
		return k.kind + "/" + strings.Join(parts, "/")
	}
	return str
}
