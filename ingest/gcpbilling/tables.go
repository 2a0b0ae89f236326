package gcpbilling

import (
	"regexp"
	"slices"
	"strings"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
)

// exportTable finds, in a file's path, the BigQuery table it was extracted
// from: gcp_billing_export_v1_<account> (the standard export) or
// gcp_billing_export_resource_v1_<account> (the detailed one), the
// billing account's id written with "_" for "-".
var exportTable = regexp.MustCompile(`gcp_billing_export_(resource_v1|v1)_([0-9A-Fa-f]{6}_[0-9A-Fa-f]{6}_[0-9A-Fa-f]{6})`)

// CheckTables refuses files of both the standard and the detailed export
// table of one billing account, as their paths name them (see
// exportTable): the detailed table holds every charge of the standard
// one, split by resource, so ingesting both would store the bill twice.
// The error (EInvalid) names the two tables and a file of each.
func CheckTables(files []ingest.File) error {
	type tables struct{ standard, detailed string } // a file of each, "" if none
	byAccount := map[string]*tables{}
	var accounts []string
	for _, f := range files {
		m := exportTable.FindStringSubmatch(f.Name)
		if m == nil {
			continue
		}
		t := byAccount[m[2]]
		if t == nil {
			t = &tables{}
			byAccount[m[2]] = t
			accounts = append(accounts, m[2])
		}
		if m[1] == "v1" && t.standard == "" {
			t.standard = f.Name
		} else if m[1] == "resource_v1" && t.detailed == "" {
			t.detailed = f.Name
		}
	}
	slices.Sort(accounts)
	for _, a := range accounts {
		t := byAccount[a]
		if t.standard == "" || t.detailed == "" {
			continue
		}
		return tally.Errorf(tally.EInvalid, "billing account %s: the files hold both its standard export table "+
			"gcp_billing_export_v1_%s (%s) and its detailed one gcp_billing_export_resource_v1_%s (%s), "+
			"which holds the same charges split by resource: ingesting both would count the bill twice; "+
			"ingest one table (the detailed one has the resource names)",
			strings.ReplaceAll(a, "_", "-"), a, t.standard, a, t.detailed)
	}
	return nil
}
