package attribution

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestParseFilterOpenCostFields: the filter fields OpenCost's allocation
// filters take beyond Tally's dimensions read as they mean there: its
// alias fields (department, environment, owner, product, team: a label
// the organization names), nodeLabel[KEY] (the labels of the allocation's
// node) and provider (its node's provider ID). They were refused as
// unknown dimensions (400).
func TestParseFilterOpenCostFields(t *testing.T) {
	team, pool := Dimension{Field: "team"}, Dimension{Field: "nodeLabel", Key: "pool"}
	for _, tt := range []struct {
		in   string
		want []Filter
	}{
		{`team:"payments"`, []Filter{{Dim: team, Values: []string{"payments"}}}},
		{`team!:"payments","search"`, []Filter{{Dim: team, Values: []string{"payments", "search"}, Not: true}}},
		{`team:"__unallocated__"`, []Filter{{Dim: team, Values: []string{""}}}},
		{`department<~:"fin"`, []Filter{{Dim: Dimension{Field: "department"}, Values: []string{"fin"}, Op: FilterPrefix}}},
		{`environment~:"prod"`, []Filter{{Dim: Dimension{Field: "environment"}, Values: []string{"prod"}, Op: FilterContains}}},
		{`owner~>:"@example.com"`, []Filter{{Dim: Dimension{Field: "owner"}, Values: []string{"@example.com"}, Op: FilterSuffix}}},
		{`product:"shop"+namespace:"a"`, []Filter{{Dim: Dimension{Field: "product"}, Values: []string{"shop"}},
			{Dim: Dimension{Field: "namespace"}, Values: []string{"a"}}}},
		{`nodeLabel[pool]:"gpu"`, []Filter{{Dim: pool, Values: []string{"gpu"}}}},
		{`nodeLabel:pool:gpu`, []Filter{{Dim: pool, Values: []string{"gpu"}}}},
		{`nodeLabel[topology.kubernetes.io/zone]!:"a"`, []Filter{{Dim: Dimension{Field: "nodeLabel", Key: "topology.kubernetes.io/zone"}, Values: []string{"a"}, Not: true}}},
		{`nodeLabel:"pool"`, []Filter{{Dim: Dimension{Field: "nodeLabel"}, Values: []string{"pool"}}}}, // has a label pool
		{`provider:"i-0abc"`, []Filter{{Dim: Dimension{Field: "provider"}, Values: []string{"i-0abc"}}}},
		{`provider~:"i-"|team:"a"`, []Filter{{Any: [][]Filter{{{Dim: Dimension{Field: "provider"}, Values: []string{"i-"}, Op: FilterContains}},
			{{Dim: team, Values: []string{"a"}}}}}}},
	} {
		got, err := ParseFilter(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFilter(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			continue
		}
		if again, err := ParseFilter(formatFilters(got)); err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("ParseFilter(%q) written %s reads %+v, %v", tt.in, formatFilters(got), again, err)
		}
	}
}

// TestParseFilterOpenCostFieldErrors: namespaceLabel is refused saying
// why (Tally does not collect namespace labels), not as an unknown
// dimension; the aliases and provider take no key, nodeLabel one.
func TestParseFilterOpenCostFieldErrors(t *testing.T) {
	for in, want := range map[string]string{
		`namespaceLabel[team]:"payments"`: `position 1: "namespaceLabel[team]": Tally does not collect namespace labels`,
		`namespaceLabel:team:payments`:    `Tally does not collect namespace labels`,
		`namespaceLabel:"team"`:           `Tally does not collect namespace labels`,
		`team[squad]:"payments"`:          `label and annotation take a key (label:team), other fields none`,
		`provider[x]:"a"`:                 `provider takes no key`,
		`nodeLabel[]:"a"`:                 `nodeLabel takes a key`,
	} {
		_, err := ParseFilter(in)
		if tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "unknown dimension") {
			t.Errorf("ParseFilter(%q): %v\nwant an error containing %q", in, err, want)
		}
	}
	// Assets have no such fields.
	for _, in := range []string{`team:"a"`, `nodeLabel[pool]:"a"`} {
		if _, err := ParseAssetFilter(in); tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("ParseAssetFilter(%q): %v, want EInvalid", in, err)
		}
	}
}

// TestParseDimensionAliases: aggregate takes the alias fields, as
// OpenCost's does; nodeLabel and provider, which OpenCost aggregates
// by neither, are filters only.
func TestParseDimensionAliases(t *testing.T) {
	for _, f := range []string{"department", "environment", "owner", "product", "team"} {
		if d, err := ParseDimension(f); err != nil || d != (Dimension{Field: f}) {
			t.Errorf("ParseDimension(%q) = %+v, %v", f, d, err)
		}
	}
	for _, s := range []string{"nodeLabel:pool", "provider", "team:squad", "namespaceLabel:team"} {
		if _, err := ParseDimension(s); tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("ParseDimension(%q): %v, want EInvalid", s, err)
		}
	}
}

// TestAliasesLabel: each alias reads OpenCost's default label (env for
// environment, app for product) unless the organization names another.
func TestAliasesLabel(t *testing.T) {
	set := Aliases{Team: "squad", Product: "app.kubernetes.io/part-of"}
	for _, tt := range []struct {
		a           Aliases
		field, want string
	}{
		{Aliases{}, "department", "department"},
		{Aliases{}, "environment", "env"},
		{Aliases{}, "owner", "owner"},
		{Aliases{}, "product", "app"},
		{Aliases{}, "team", "team"},
		{set, "team", "squad"},
		{set, "product", "app.kubernetes.io/part-of"},
		{set, "environment", "env"},
		{set, "namespace", ""},
	} {
		if got := tt.a.Label(tt.field); got != tt.want {
			t.Errorf("%+v.Label(%q) = %q, want %q", tt.a, tt.field, got, tt.want)
		}
	}
	if err := (Aliases{Team: "a,b"}).Validate(); tally.ErrorCode(err) != tally.EInvalid {
		t.Errorf("a team label of a,b: %v, want EInvalid", err)
	}
	if err := set.Validate(); err != nil {
		t.Error(err)
	}
}

// TestOpenCostFieldsHourlyAndScoped: an alias falls back to the pod's
// annotation, and node labels and provider IDs are the node's at the
// hour: all are read from the hourly allocations. Node labels and provider
// IDs compare nodes, so filters on them keep or drop whole nodes (their
// idle too), as node filters do; an alias is within nodes.
func TestOpenCostFieldsHourlyAndScoped(t *testing.T) {
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		filter         string
		hourly, scoped bool
	}{
		{`namespace:"a"`, false, false},
		{`label[team]:"a"`, false, false},
		{`cluster:"a"`, false, true},
		{`team:"a"`, true, false},
		{`product!:"a"`, true, false},
		{`nodeLabel[pool]:"gpu"`, true, true},
		{`nodeLabel:"pool"`, true, true},
		{`provider:"i-1"`, true, true},
		{`provider:"i-1"|cluster:"b"`, true, true},
		{`provider:"i-1"|team:"b"`, true, false},
	} {
		fs, err := ParseFilter(tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		q := Query{Window: tally.Window{Start: day, End: day.Add(24 * time.Hour)}, Filters: fs}
		if got := q.NeedsHourly(); got != tt.hourly {
			t.Errorf("%s: NeedsHourly %v, want %v", tt.filter, got, tt.hourly)
		}
		if got := fs[0].Scoped(); got != tt.scoped {
			t.Errorf("%s: Scoped %v, want %v", tt.filter, got, tt.scoped)
		}
	}
	q := Query{Window: tally.Window{Start: day, End: day.Add(24 * time.Hour)}, Aggregate: []Dimension{{Field: "team"}}}
	if !q.NeedsHourly() {
		t.Error("aggregate by team: NeedsHourly false, want true (the annotation fallback is in the hourly allocations)")
	}
	q.Aliases = Aliases{Team: "two words"}
	if err := q.Validate(); tally.ErrorCode(err) != tally.EInvalid {
		t.Errorf("a team label of two words: %v, want EInvalid", err)
	}
}

// TestHourlyWindowErrorNamesAliases: a filter on team (an alias, which
// falls back to annotations), nodeLabel or provider reads the hourly
// allocations, so it is refused over more than 92 days. The error listed
// what makes a query hourly without naming them: a user filtering by
// team:"payments" over 120 whole days was told about pods and annotations.
func TestHourlyWindowErrorNamesAliases(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fs, err := ParseFilter(`team:"payments"`)
	if err != nil {
		t.Fatal(err)
	}
	q := Query{Window: tally.Window{Start: day, End: day.AddDate(0, 0, 120)}, Filters: fs}
	err = q.Validate()
	if err == nil || !strings.Contains(err.Error(), "team") {
		t.Errorf("Validate() = %v; want an error saying the team filter (an alias) reads hourly allocations", err)
	}
}
