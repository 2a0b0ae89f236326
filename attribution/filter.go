package attribution

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tallyhq/tally"
)

// ParseFilter reads a filter in OpenCost's v2 language: clauses, each a
// dimension, an operator and one or more quoted or bare values separated by
// commas, joined by "+" (and) or "|" (or), grouped with parentheses (one
// kind of joiner in a group: a+(b|c), not a+b|c):
//
//	namespace:"shop","search"+label[team]!:"payments"+(cluster:prod|node<~:"gpu-")
//
// The operators are OpenCost's: ":" (equals), "~:" (contains), "<~:"
// (starts with), "~>:" (ends with), and their negations "!:", "!~:",
// "!<~:", "!~>:". A clause matches when the value matches any of its
// values, a negated one when it matches none of them (a missing label is
// "", as OpenCost has it). Dimensions are those of ParseDimension
// ("label:team" may be written "label[team]"; label:team:payments is
// label[team]:"payments"), OpenCost's alias fields (department,
// environment, owner, product, team: see Aliases), OpenCost's filter names
// controllerName and services, and the fields OpenCost filters by alone:
// nodeLabel[KEY], the labels of the allocation's node, and provider, its
// node's provider ID (the instance, i-0abc…, as OpenCost's allocations
// have it; not the cloud). namespaceLabel is refused: Tally does not
// collect namespace labels. A label, annotation or node label without a
// key filters on the keys, as
// OpenCost's (label:"team" keeps allocations with a label team). A controller, pod or container is named as Tally keys it
// (namespace/name, namespace/controller/container) or, as OpenCost does,
// by its own name alone, which matches it in every namespace (see Filter).
// Quoted values take backslash escapes (\" and \\). A value of "" or
// "__unallocated__" is no value: namespace:"__unallocated__" matches the
// costs of no namespace, label[team]!:"" those with a team. An empty
// string is no filter. A bad filter's error names the position (from 1) and the text
// there.
func ParseFilter(s string) ([]Filter, error) {
	return parseFilters(s, allocationDimension)
}

// ParseOpenCostFilter is ParseFilter for OpenCost's routes, which refuse
// a clause on services (or service): OpenCost's are Kubernetes Services,
// which Tally does not know, not the bill's services ParseFilter reads
// them as (KubernetesServicesUnknown).
func ParseOpenCostFilter(s string) ([]Filter, error) {
	return parseFilters(s, func(dimText string) (Dimension, string) {
		if field, _ := splitDimension(dimText); field == "services" || field == "service" {
			return Dimension{}, KubernetesServicesUnknown("services are", `filter=service:"NAME"`)
		}
		return allocationDimension(dimText)
	})
}

// KubernetesServicesUnknown says why OpenCost's routes refuse its
// Kubernetes Services (OpenCost's what, e.g. "service is"), and what
// answers for the bill's services on Tally's own API (param, e.g.
// aggregate=service).
func KubernetesServicesUnknown(what, param string) string {
	return "Tally does not know Kubernetes Services, which OpenCost's " + what +
		" (its agent does not report which Services select a pod); the bill's services are " + param + " of /api/v1/allocations"
}

// allocationDimension reads a filter clause's dimension of allocations, or
// says why it is none: those of parseDimension, OpenCost's filter names
// of them (openCostFilterFields), and the fields OpenCost filters
// allocations by that Tally cannot aggregate by: nodeLabel[KEY] (the
// labels of the allocation's node) and provider (its node's provider ID).
func allocationDimension(dimText string) (Dimension, string) {
	if name, ok := openCostFilterFields[dimText]; ok {
		dimText = name
	}
	switch field, key := splitDimension(dimText); field {
	case "nodeLabel":
		if key == "" {
			return Dimension{}, "nodeLabel takes a key (nodeLabel[KEY])"
		}
		return Dimension{Field: field, Key: key}, ""
	case "provider":
		if key != "" {
			return Dimension{}, "provider takes no key"
		}
		return Dimension{Field: field}, ""
	case "namespaceLabel":
		return Dimension{}, "Tally does not collect namespace labels (its agent reads the labels of pods and nodes only): " +
			"filter on pod labels (label[KEY]) or on namespaces (namespace:\"NAME\")"
	}
	dim, why := parseDimension(dimText)
	if why != "" {
		if !isField(dimText) && !strings.ContainsAny(dimText, "[:") {
			why = fmt.Sprintf("unknown dimension %q: %s", dimText, why)
		}
	}
	return dim, why
}

// openCostFilterFields are OpenCost's filter field names that differ from
// its aggregate names, which ParseDimension reads.
var openCostFilterFields = map[string]string{"controllerName": "controller", "services": "service"}

// isMapField reports whether a filter's field is a map (label,
// annotation, nodeLabel), which takes a key, or without one filters on
// its keys.
func isMapField(field string) bool {
	return field == "label" || field == "annotation" || field == "nodeLabel"
}

// parseFilters reads a filter, its dimensions by dim: the clauses (and
// groups) joined by "+" at its top level, each a Filter.
func parseFilters(s string, dim func(string) (Dimension, string)) ([]Filter, error) {
	p := &filterParser{s: s, dim: dim}
	if p.skipSpace(); p.atEnd() {
		return nil, nil
	}
	fs, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.skipSpace(); !p.atEnd() { // only a ")" stops expr early
		return nil, p.errorf(p.pos, `%q without "("`, p.s[p.pos:p.pos+1])
	}
	return fs, nil
}

// filterParser is a recursive descent parser of filters, reading s from
// pos (a byte offset).
type filterParser struct {
	s     string
	pos   int
	dim   func(string) (Dimension, string)
	depth int
}

// maxFilterDepth bounds the nesting of parentheses, so a hostile filter
// cannot exhaust the stack.
const maxFilterDepth = 50

func (p *filterParser) atEnd() bool { return p.pos >= len(p.s) }

func (p *filterParser) skipSpace() {
	for !p.atEnd() && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

// errorf is a bad filter's error at byte offset pos (at end past the
// last byte).
func (p *filterParser) errorf(pos int, format string, args ...any) error {
	return tally.Errorf(tally.EInvalid, "filter %q: %s: %s", p.s, p.where(pos), fmt.Sprintf(format, args...))
}

// where names byte offset pos: "position N", counting characters from 1,
// or "at end".
func (p *filterParser) where(pos int) string {
	if pos >= len(p.s) {
		return "at end"
	}
	return "position " + strconv.Itoa(utf8.RuneCountInString(p.s[:pos])+1)
}

// token is the text at pos for an error: a run of the characters that can
// form one token with the first.
func (p *filterParser) token(pos int) string {
	if pos >= len(p.s) {
		return ""
	}
	end := pos + 1
	switch c := p.s[pos]; {
	case strings.IndexByte(operatorChars, c) >= 0:
		for end < len(p.s) && strings.IndexByte(operatorChars, p.s[end]) >= 0 {
			end++
		}
	case isNameByte(c):
		for end < len(p.s) && isNameByte(p.s[end]) {
			end++
		}
	default:
		_, n := utf8.DecodeRuneInString(p.s[pos:])
		end = pos + n
	}
	return p.s[pos:end]
}

const operatorChars = ":!~<>"

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '/'
}

// expr reads terms joined by one kind of joiner, up to the end or a ")":
// an and of them (their filters together), or an or (one Filter of Any).
func (p *filterParser) expr() ([]Filter, error) {
	first, err := p.term()
	if err != nil {
		return nil, err
	}
	terms := [][]Filter{first}
	var joiner byte
	for {
		p.skipSpace()
		if p.atEnd() || p.s[p.pos] == ')' {
			break
		}
		c := p.s[p.pos]
		if c != '+' && c != '|' {
			return nil, p.errorf(p.pos, `%q: want + (and) or | (or) between clauses (in a URL, + is a space: write %%2B)`, p.token(p.pos))
		}
		if joiner != 0 && c != joiner {
			return nil, p.errorf(p.pos, `%q after %q: group clauses in parentheses to mix + and | (a+(b|c))`, string(c), string(joiner))
		}
		joiner = c
		p.pos++
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	if joiner == '|' {
		return []Filter{{Any: terms}}, nil
	}
	var out []Filter
	for _, t := range terms {
		out = append(out, t...)
	}
	return out, nil
}

// term reads a clause or a parenthesized group.
func (p *filterParser) term() ([]Filter, error) {
	p.skipSpace()
	if p.atEnd() {
		return nil, p.errorf(p.pos, `want a clause (dimension:"value") or "("`)
	}
	if p.s[p.pos] != '(' {
		f, err := p.clause()
		if err != nil {
			return nil, err
		}
		return []Filter{f}, nil
	}
	open := p.pos
	if p.depth++; p.depth > maxFilterDepth {
		return nil, p.errorf(open, `"(": more than %d levels of parentheses`, maxFilterDepth)
	}
	p.pos++
	fs, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.skipSpace(); p.atEnd() {
		return nil, p.errorf(p.pos, `want ")" closing the "(" at %s`, p.where(open))
	}
	p.pos++ // ")"
	p.depth--
	return fs, nil
}

// clause reads a dimension, an operator and its values.
func (p *filterParser) clause() (Filter, error) {
	start := p.pos
	for !p.atEnd() && isFieldByte(p.s[p.pos]) {
		p.pos++
	}
	name := p.s[start:p.pos]
	if name == "" {
		return Filter{}, p.errorf(start, `%q: want a clause (dimension:"value") or "("`, p.token(start))
	}
	dimText, key, bracket := name, "", false
	if !p.atEnd() && p.s[p.pos] == '[' {
		bracket = true
		end := strings.IndexByte(p.s[p.pos:], ']')
		if end < 0 {
			return Filter{}, p.errorf(p.pos, `"[" without "]"`)
		}
		key = p.s[p.pos+1 : p.pos+end]
		dimText = name + "[" + key + "]"
		p.pos += end + 1
	}
	p.skipSpace()
	op, not, err := p.operator()
	if err != nil {
		return Filter{}, err
	}
	// label:team:payments is label[team]:"payments".
	if isMapField(name) && !bracket && op == FilterEqual && !not {
		save := p.pos
		p.skipSpace()
		k := p.pos
		for !p.atEnd() && strings.IndexByte(operatorChars+valueStops+"[]", p.s[p.pos]) < 0 {
			p.pos++
		}
		if k < p.pos && !p.atEnd() && strings.IndexByte(operatorChars, p.s[p.pos]) >= 0 {
			key = p.s[k:p.pos]
			dimText = name + "[" + key + "]"
			if op, not, err = p.operator(); err != nil {
				return Filter{}, err
			}
		} else {
			p.pos = save
		}
	}
	dim, why := p.dim(dimText)
	if isMapField(name) && key == "" && !bracket {
		// A map without a key: its filters are on its keys (label:"app"
		// has a label app), if the map is a dimension.
		if dim, why = p.dim(name + "[key]"); why == "" {
			dim.Key = ""
		}
	}
	if why != "" {
		if !strings.Contains(why, strconv.Quote(dimText)) {
			why = strconv.Quote(dimText) + ": " + why
		}
		return Filter{}, p.errorf(start, "%s", why)
	}
	values, err := p.values()
	if err != nil {
		return Filter{}, err
	}
	// OpenCost's services are a list, which ~: asks to hold a value:
	// Tally's service is one.
	if name == "services" && op == FilterContains {
		op = FilterEqual
	}
	return Filter{Dim: dim, Values: values, Op: op, Not: not}, nil
}

func isFieldByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// operator reads one of OpenCost's operators: ":", "~:", "<~:", "~>:",
// each negated by a leading "!".
func (p *filterParser) operator() (op FilterOp, not bool, err error) {
	start := p.pos
	rest := p.s[p.pos:]
	if strings.HasPrefix(rest, "!") {
		not, rest = true, rest[1:]
	}
	for _, o := range []struct {
		text string
		op   FilterOp
	}{{":", FilterEqual}, {"~:", FilterContains}, {"<~:", FilterPrefix}, {"~>:", FilterSuffix}} {
		if strings.HasPrefix(rest, o.text) {
			p.pos = len(p.s) - len(rest) + len(o.text)
			return o.op, not, nil
		}
	}
	if p.atEnd() {
		return "", false, p.errorf(start, `want an operator (:, !:, ~:, !~:, <~:, !<~:, ~>: or !~>:)`)
	}
	return "", false, p.errorf(start, `%q: want an operator (:, !:, ~:, !~:, <~:, !<~:, ~>: or !~>:)`, p.token(start))
}

// valueStops end a bare value.
const valueStops = " \t\r\n,+|()\""

// values reads one or more values separated by commas, each quoted (with
// backslash escapes) or bare.
func (p *filterParser) values() ([]string, error) {
	var out []string
	for {
		p.skipSpace()
		start := p.pos
		var v string
		if !p.atEnd() && p.s[p.pos] == '"' {
			var b strings.Builder
			i := p.pos + 1
			for ; i < len(p.s) && p.s[i] != '"'; i++ {
				if p.s[i] == '\\' && i+1 < len(p.s) {
					i++
				}
				b.WriteByte(p.s[i])
			}
			if i >= len(p.s) {
				return nil, p.errorf(start, "unterminated quote")
			}
			v, p.pos = b.String(), i+1
		} else {
			for !p.atEnd() && strings.IndexByte(valueStops, p.s[p.pos]) < 0 {
				p.pos++
			}
			v = p.s[start:p.pos]
		}
		switch {
		case v == "" && start == p.pos && p.atEnd():
			return nil, p.errorf(start, `want a value ("value")`)
		case v == "" && start == p.pos:
			return nil, p.errorf(start, `%q: want a value ("value")`, p.token(start))
		case v == tally.UnallocatedName:
			v = "" // OpenCost's name of no value
		}
		out = append(out, v)
		if p.skipSpace(); p.atEnd() || p.s[p.pos] != ',' {
			return out, nil
		}
		p.pos++
	}
}

// filtered is what filters match: an allocation's or asset's value of a
// dimension, and the keys of a map (label, annotation) a filter without a
// key matches.
type filtered interface {
	Value(Dimension) string
	keys(field string) []string
}

// keeps reports whether f keeps r. fold says whether a dimension's values
// compare without regard to case.
func (f *Filter) keeps(r filtered, fold func(Dimension) bool) bool {
	if f.Any != nil {
		for _, all := range f.Any {
			if keepsAll(all, r, fold) {
				return true
			}
		}
		return false
	}
	values, op := []string{r.Value(f.Dim)}, f.Op
	if f.keyed() {
		values = r.keys(f.Dim.Field)
		if op == FilterContains { // of a map: is there that key
			op = FilterEqual
		}
	}
	folded := fold(f.Dim)
	for _, want := range f.Values {
		for _, v := range values {
			if op.match(v, want, folded) {
				return !f.Not
			}
		}
	}
	return f.Not
}

// keyed reports whether f matches the keys of a map (label, annotation),
// as OpenCost's filters on one without a key do: label:"app" (and
// label~:"app") is there a label app, label<~:"app." one whose key starts
// with app.
func (f *Filter) keyed() bool {
	return isMapField(f.Dim.Field) && f.Dim.Key == ""
}

// keepsAll reports whether every filter of fs keeps r.
func keepsAll(fs []Filter, r filtered, fold func(Dimension) bool) bool {
	for i := range fs {
		if !fs[i].keeps(r, fold) {
			return false
		}
	}
	return true
}

// match reports whether v matches want by op, without regard to case if
// fold.
func (op FilterOp) match(v, want string, fold bool) bool {
	if fold {
		v, want = strings.ToLower(v), strings.ToLower(want)
	}
	switch op {
	case FilterContains:
		return strings.Contains(v, want)
	case FilterPrefix:
		return strings.HasPrefix(v, want)
	case FilterSuffix:
		return strings.HasSuffix(v, want)
	}
	return v == want
}

// Dimensions returns the dimensions f compares, in order, its groups'
// too.
func (f *Filter) Dimensions() []Dimension {
	if f.Any == nil {
		return []Dimension{f.Dim}
	}
	var out []Dimension
	for _, all := range f.Any {
		for i := range all {
			out = append(out, all[i].Dimensions()...)
		}
	}
	return out
}

// String writes f in the syntax ParseFilter reads.
func (f Filter) String() string {
	if f.Any != nil {
		alts := make([]string, len(f.Any))
		for i, all := range f.Any {
			alts[i] = formatFilters(all)
			if len(all) > 1 {
				alts[i] = "(" + alts[i] + ")"
			}
		}
		return "(" + strings.Join(alts, "|") + ")"
	}
	var b strings.Builder
	b.WriteString(f.Dim.Field)
	if f.Dim.Key != "" {
		b.WriteString("[" + f.Dim.Key + "]")
	}
	if f.Not {
		b.WriteByte('!')
	}
	b.WriteString(map[FilterOp]string{FilterEqual: ":", FilterContains: "~:", FilterPrefix: "<~:", FilterSuffix: "~>:"}[f.Op])
	for i, v := range f.Values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`)
	}
	return b.String()
}

// formatFilters writes filters (all of which keep what they keep) in the
// syntax ParseFilter reads.
func formatFilters(fs []Filter) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.String()
	}
	return strings.Join(parts, "+")
}
