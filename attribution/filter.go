package attribution

import (
	"fmt"
	"strings"

	"github.com/tallyhq/tally"
)

// ParseFilter reads a filter in OpenCost's v2 syntax: clauses joined by "+",
// each a dimension, a colon and one or more quoted or bare values separated
// by commas, all of which match:
//
//	namespace:"shop","search"+label[team]:"payments"+cluster:prod
//
// Dimensions are those of ParseDimension ("label:team" may be written
// "label[team]"), and OpenCost's filter names controllerName and services.
// A controller, pod or container is named as Tally keys it
// (namespace/name, namespace/controller/container) or, as OpenCost does,
// by its own name alone, which matches it in every namespace (see Filter).
// An empty string is no filter.
func ParseFilter(s string) ([]Filter, error) {
	return parseFilters(s, allocationDimension)
}

// parseFilters reads clauses joined by "+", their dimensions by dim.
func parseFilters(s string, dim func(string) (Dimension, string)) ([]Filter, error) {
	var out []Filter
	rest := strings.TrimSpace(s)
	for rest != "" {
		clause, tail, err := cutClause(rest)
		if err != nil {
			return nil, err
		}
		f, err := parseClause(clause, dim)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		rest = strings.TrimSpace(tail)
	}
	return out, nil
}

// cutClause splits off the first clause at a "+" outside quotes.
func cutClause(s string) (clause, rest string, err error) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case c == '+' && !inQuote:
			return s[:i], s[i+1:], nil
		}
	}
	if inQuote {
		return "", "", tally.Errorf(tally.EInvalid, "filter %q: unterminated quote", s)
	}
	return s, "", nil
}

// allocationDimension reads a filter clause's dimension of allocations, or
// says why it is none.
func allocationDimension(dimText string) (Dimension, string) {
	if name, ok := openCostFilterFields[dimText]; ok {
		dimText = name
	}
	dim, why := parseDimension(dimText)
	if why != "" {
		if _, ok := fields[dimText]; !ok && !strings.ContainsAny(dimText, "[:") {
			why = fmt.Sprintf("unknown dimension %q: %s", dimText, why)
		}
	}
	return dim, why
}

// parseClause reads a clause whose dimension dimension reads.
func parseClause(c string, dimension func(string) (Dimension, string)) (Filter, error) {
	c = strings.TrimSpace(c)
	// The dimension ends at the first colon outside brackets.
	depth, colon := 0, -1
	for i := 0; i < len(c) && colon < 0; i++ {
		switch c[i] {
		case '[':
			depth++
		case ']':
			depth--
		case ':':
			if depth == 0 {
				colon = i
			}
		}
	}
	if colon <= 0 {
		return Filter{}, tally.Errorf(tally.EInvalid, "filter clause %q: want dimension:value (e.g. namespace:\"shop\")", c)
	}
	dimText, valText := c[:colon], c[colon+1:]
	// "label:team:payments" is label[team] = payments.
	if (dimText == "label" || dimText == "annotation") && !strings.HasPrefix(valText, "\"") {
		if k, v, ok := strings.Cut(valText, ":"); ok {
			dimText, valText = dimText+"["+k+"]", v
		}
	}
	// OpenCost's other operators (!: not equal, ~: contains, <~: prefix,
	// ~>: suffix, and their negations) end the dimension in !, ~, < or >.
	if op := dimText[len(strings.TrimRight(dimText, "!~<>")):]; op != "" {
		return Filter{}, tally.Errorf(tally.EInvalid, "filter clause %q: operator %q is not supported: a clause matches whole values (dimension:\"value\", or any of several: dimension:\"a\",\"b\")", c, op+":")
	}
	dim, why := dimension(dimText)
	if why != "" {
		return Filter{}, tally.Errorf(tally.EInvalid, "filter clause %q: %s", c, why)
	}
	values, err := parseValues(valText)
	if err != nil {
		return Filter{}, tally.Errorf(tally.EInvalid, "filter clause %q: %v", c, err)
	}
	return Filter{Dim: dim, Values: values}, nil
}

// openCostFilterFields are OpenCost's filter field names that differ from
// its aggregate names, which ParseDimension reads.
var openCostFilterFields = map[string]string{"controllerName": "controller", "services": "service"}

func parseValues(s string) ([]string, error) {
	var out []string
	for s = strings.TrimSpace(s); ; {
		var v string
		if strings.HasPrefix(s, "\"") {
			var b strings.Builder
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, tally.Errorf(tally.EInvalid, "unterminated quote")
			}
			v, s = b.String(), strings.TrimSpace(s[i+1:])
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			v, s = strings.TrimSpace(s[:end]), s[end:]
		}
		if v == "" {
			return nil, tally.Errorf(tally.EInvalid, "empty value")
		}
		out = append(out, v)
		if s == "" {
			return out, nil
		}
		if s[0] != ',' {
			return nil, tally.Errorf(tally.EInvalid, "want , between values, got %q", s)
		}
		s = strings.TrimSpace(s[1:])
	}
}
