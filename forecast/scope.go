package forecast

import (
	"fmt"
	"net/url"
	"strings"
	"time"
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

// scopeKinds lists each kind with its number of key segments and its step.
var scopeKinds = []struct {
	kind string
	keys int
	step time.Duration
}{
	{KindSpendAccount, 1, 24 * time.Hour},
	{KindSpendService, 1, 24 * time.Hour},
	{KindSpendNamespace, 2, 24 * time.Hour},
	{KindVCPUHours, 3, time.Hour},
	{KindODEquivalent, 3, time.Hour},
	{KindCPU, 3, time.Hour},
	{KindMemory, 3, time.Hour},
}

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
	var b strings.Builder
	b.WriteString(s.Kind)
	for _, k := range s.Keys {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(k))
	}
	return b.String()
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
