package web

import (
	"net/url"
	"slices"
	"strings"

	"github.com/tallyhq/tally"
)

// openCostV1Filters are the v1 filter parameters of OpenCost's allocation
// API that name one dimension, each a comma list of values any of which
// matches, as filter's values do.
var openCostV1Filters = []struct{ param, dim string }{
	{"filterClusters", "cluster"}, {"filterNodes", "node"}, {"filterNamespaces", "namespace"},
	{"filterControllerKinds", "controllerKind"}, {"filterPods", "pod"}, {"filterContainers", "container"},
	{"filterDepartments", "department"}, {"filterEnvironments", "environment"}, {"filterOwners", "owner"},
	{"filterProducts", "product"}, {"filterTeams", "team"},
}

// openCostV1Unanswered are v1 filter parameters Tally has no dimension
// for (OpenCost's services are Kubernetes Services, Tally's the billed
// services): refused rather than ignored, which would answer for
// everything.
var openCostV1Unanswered = []string{"filterServices", "filterAnnotations"}

// openCostV1Filter translates the v1 filter parameters of in (older
// OpenCost and Kubecost clients send them) into clauses of filter's
// syntax, joined by "+": filterControllers takes kind:name or a name alone
// (of any kind), filterLabels key:value of one key.
func openCostV1Filter(in url.Values) (string, error) {
	for _, p := range openCostV1Unanswered {
		if in.Get(p) != "" {
			return "", tally.Errorf(tally.EInvalid, "%s is not supported: use filter (OpenCost's v2 syntax, e.g. namespace:\"shop\")", p)
		}
	}
	var clauses []string
	clause := func(dim string, values []string) {
		q := make([]string, len(values))
		for i, v := range values {
			q[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
		}
		clauses = append(clauses, dim+":"+strings.Join(q, ","))
	}
	for _, f := range openCostV1Filters {
		if values := splitList(in.Get(f.param)); len(values) > 0 {
			clause(f.dim, values)
		}
	}
	if values := splitList(in.Get("filterControllers")); len(values) > 0 {
		var kinds, names []string
		bare := false
		for _, v := range values {
			kind, name, ok := strings.Cut(v, ":")
			if !ok {
				name, bare = v, true
			} else if !slices.Contains(kinds, kind) {
				kinds = append(kinds, kind)
			}
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
		// A kind clause and a name clause match every pair of them.
		if len(kinds) > 0 && (bare || len(kinds) > 1 && len(names) > 1) {
			return "", tally.Errorf(tally.EInvalid, "filterControllers %q: give controllers of one kind (deployment:a,deployment:b), of one name (deployment:a,statefulset:a), or names alone, "+
				"or use filter", in.Get("filterControllers"))
		}
		clause("controller", names)
		if len(kinds) > 0 {
			clause("controllerKind", kinds)
		}
	}
	if values := splitList(in.Get("filterLabels")); len(values) > 0 {
		key := ""
		var labels []string
		for _, l := range values {
			k, v, ok := strings.Cut(l, ":")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !ok || k == "" || v == "" || key != "" && k != key {
				return "", tally.Errorf(tally.EInvalid, "filterLabels %q: want key:value, comma separated, of one key (or use filter)", l)
			}
			key = k
			labels = append(labels, v)
		}
		clause("label["+key+"]", labels)
	}
	return strings.Join(clauses, "+"), nil
}
