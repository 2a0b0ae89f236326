package main

import (
	"fmt"
	"strings"

	"github.com/tallyhq/tally/attribution"
)

// aliasFlags name the labels OpenCost's alias fields (department,
// environment, owner, product, team) read in allocation filters and
// aggregates: serve's APIs and dashboard, the weekly report's audiences,
// tally costs. The defaults are OpenCost's.
type aliasFlags struct {
	DepartmentLabel  string `name:"department-label" env:"TALLY_DEPARTMENT_LABEL" default:"department" placeholder:"LABEL" help:"Label the department filter and aggregate read (department:\"finance\"), else the pod annotation of that name, as OpenCost's."`
	EnvironmentLabel string `name:"environment-label" env:"TALLY_ENVIRONMENT_LABEL" default:"env" placeholder:"LABEL" help:"Label the environment filter and aggregate read, as OpenCost's."`
	OwnerLabel       string `name:"owner-label" env:"TALLY_OWNER_LABEL" default:"owner" placeholder:"LABEL" help:"Label the owner filter and aggregate read, as OpenCost's."`
	ProductLabel     string `name:"product-label" env:"TALLY_PRODUCT_LABEL" default:"app" placeholder:"LABEL" help:"Label the product filter and aggregate read, as OpenCost's."`
	TeamLabel        string `name:"team-label" env:"TALLY_TEAM_LABEL" default:"team" placeholder:"LABEL" help:"Label the team filter and aggregate read (team:\"payments\"), as OpenCost's."`
}

// aliases returns the labels the flags name, checked: an error names the
// flag and the variable that may have set it.
func (f *aliasFlags) aliases() (attribution.Aliases, error) {
	for _, c := range []struct{ field, value string }{
		{"department", f.DepartmentLabel}, {"environment", f.EnvironmentLabel}, {"owner", f.OwnerLabel},
		{"product", f.ProductLabel}, {"team", f.TeamLabel},
	} {
		if err := attribution.ValidateAliasLabel(c.field, c.value); err != nil {
			return attribution.Aliases{}, fmt.Errorf("--%s-label (or TALLY_%s_LABEL): %w", c.field, strings.ToUpper(c.field), err)
		}
	}
	return attribution.Aliases{Department: f.DepartmentLabel, Environment: f.EnvironmentLabel, Owner: f.OwnerLabel,
		Product: f.ProductLabel, Team: f.TeamLabel}, nil
}
