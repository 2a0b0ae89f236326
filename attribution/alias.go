package attribution

import (
	"cmp"
	"slices"
	"strings"

	"github.com/tallyhq/tally"
)

// Aliases name the labels OpenCost's alias fields read: a filter or an
// aggregate on department, environment, owner, product or team is one on
// the label the organization gives that meaning. An empty name is
// OpenCost's default (DefaultAliases).
type Aliases struct {
	Department  string
	Environment string
	Owner       string
	Product     string
	Team        string
}

// DefaultAliases are OpenCost's default alias labels: department, env,
// owner, app and team.
func DefaultAliases() Aliases {
	return Aliases{Department: "department", Environment: "env", Owner: "owner", Product: "app", Team: "team"}
}

// aliasFields are OpenCost's alias fields, in the order of Aliases.
var aliasFields = []string{"department", "environment", "owner", "product", "team"}

// IsAlias reports whether field is one of OpenCost's alias fields
// (department, environment, owner, product, team).
func IsAlias(field string) bool { return slices.Contains(aliasFields, field) }

// Label returns the label the alias field reads: a's, or OpenCost's
// default where a leaves it empty; "" for a field that is no alias.
func (a Aliases) Label(field string) string {
	return cmp.Or(a.named(field), DefaultAliases().named(field))
}

// named returns the label a names for the alias field, "" when none.
func (a Aliases) named(field string) string {
	switch field {
	case "department":
		return a.Department
	case "environment":
		return a.Environment
	case "owner":
		return a.Owner
	case "product":
		return a.Product
	case "team":
		return a.Team
	}
	return ""
}

// Validate checks that each alias names one label: no spaces, commas or
// quotes (an empty name is the default).
func (a Aliases) Validate() error {
	for _, f := range aliasFields {
		if err := ValidateAliasLabel(f, a.named(f)); err != nil {
			return err
		}
	}
	return nil
}

// ValidateAliasLabel checks that name, the label alias field reads, is one
// label name: no spaces, commas or quotes (empty is the default).
func ValidateAliasLabel(field, name string) error {
	if strings.ContainsAny(name, " \t\r\n,\"") {
		return tally.Errorf(tally.EInvalid, "%s label %q: want one label name (such as %s), without spaces or commas", field, name, DefaultAliases().Label(field))
	}
	return nil
}
