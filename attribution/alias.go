package attribution

import (
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
func IsAlias(field string) bool {
	for _, f := range aliasFields {
		if f == field {
			return true
		}
	}
	return false
}

// Label returns the label the alias field reads: a's, or OpenCost's
// default where a leaves it empty; "" for a field that is no alias.
func (a Aliases) Label(field string) string {
	def := DefaultAliases()
	pick := func(set, dflt string) string {
		if set != "" {
			return set
		}
		return dflt
	}
	switch field {
	case "department":
		return pick(a.Department, def.Department)
	case "environment":
		return pick(a.Environment, def.Environment)
	case "owner":
		return pick(a.Owner, def.Owner)
	case "product":
		return pick(a.Product, def.Product)
	case "team":
		return pick(a.Team, def.Team)
	}
	return ""
}

// Validate checks that each alias names one label: no spaces, commas or
// quotes (an empty name is the default).
func (a Aliases) Validate() error {
	for _, f := range aliasFields {
		name := map[string]string{"department": a.Department, "environment": a.Environment, "owner": a.Owner,
			"product": a.Product, "team": a.Team}[f]
		if strings.ContainsAny(name, " \t\r\n,\"") {
			return tally.Errorf(tally.EInvalid, "%s label %q: want one label name (such as %s), without spaces or commas", f, name, DefaultAliases().Label(f))
		}
	}
	return nil
}
