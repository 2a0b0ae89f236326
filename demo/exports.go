package demo

import (
	"encoding/json"
	"io"
	"strings"
	"time"
)

// The S3 bucket and prefix the Data Exports are delivered to; the output
// directory's aws/ tree stands for s3://exportBucket/exportPrefix/.
const (
	exportBucket = "acme-billing-exports"
	exportPrefix = "exports"
)

// dataExportManifest is the Manifest.json Data Exports writes next to each
// billing period: the export's definition at the time it ran, its columns
// and its data files.
type dataExportManifest struct {
	ExportArn     string             `json:"exportArn"`
	ExportName    string             `json:"exportName"`
	ExecutionID   string             `json:"executionId"`
	BillingPeriod map[string]string  `json:"billingPeriod"`
	Query         dataExportQuery    `json:"query"`
	Format        string             `json:"format"`
	Compression   string             `json:"compression"`
	Columns       []dataExportColumn `json:"columns"`
	DataFiles     []string           `json:"dataFiles"`
	ExportTime    string             `json:"exportTime"`
}

type dataExportQuery struct {
	QueryStatement      string                       `json:"queryStatement"`
	TableConfigurations map[string]map[string]string `json:"tableConfigurations"`
}

type dataExportColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// period is one billing month of the window.
type period struct {
	start, end time.Time // the whole month
	closed     bool      // the month ended inside the window
}

func (p period) name() string { return p.start.Format("2006-01") }

func (o *org) periods() []period {
	var ps []period
	for t := o.start; t.Before(o.end); {
		ms, me := monthOf(t)
		ps = append(ps, period{ms, me, !me.After(o.end)})
		t = me
	}
	return ps
}

// billTasks plans the bill files, fills the manifest's entries for them and
// returns the tasks that write them.
func (g *generator) billTasks(aws *awsBill, gcp *gcpBill, m *Manifest) []func() error {
	o := g.o
	var tasks []func() error
	byPeriod := func(acct *awsAccount) map[string][]*awsLine {
		out := map[string][]*awsLine{}
		for _, l := range aws.lines {
			if l.acct == acct {
				k := l.start.Format("2006-01")
				out[k] = append(out[k], l)
			}
		}
		return out
	}

	curRoot := join("aws", CUR2ExportName)
	m.CUR2 = DataExport{Name: CUR2ExportName, Table: "COST_AND_USAGE_REPORT", Format: "parquet", Root: curRoot, Account: o.payer.ID,
		BillingAccountID: o.payer.ID, SubAccounts: []string{o.payer.ID}}
	curLines := byPeriod(o.payer)
	focusRoot := join("aws", FOCUSExportName)
	m.FOCUS = DataExport{Name: FOCUSExportName, Table: "FOCUS_1_0_AWS", Format: "csv.gz", Root: focusRoot, Account: o.linked.ID,
		BillingAccountID: o.payer.ID, SubAccounts: []string{o.linked.ID}}
	focusByPeriod := byPeriod(o.linked)
	for _, p := range o.periods() {
		p := p
		// CUR 2.0 from the payer account, filtered to its own usage account.
		lines := curLines[p.name()]
		data := join(curRoot, "data", "BILLING_PERIOD="+p.name(), CUR2ExportName+"-00001.snappy.parquet")
		meta := join(curRoot, "metadata", "BILLING_PERIOD="+p.name(), CUR2ExportName+"-Manifest.json")
		m.CUR2.Periods = append(m.CUR2.Periods, ExportPeriod{Period: p.name(), Manifest: meta, DataFiles: []string{data}, Rows: len(lines), Closed: p.closed})
		tasks = append(tasks,
			func() error {
				return g.out.create(data, KindCUR2, false, func(w io.Writer) error { return o.writeCUR2(w, lines, p.start, p.end, p.closed) })
			},
			func() error {
				return g.out.create(meta, KindCUR2Manifest, false, func(w io.Writer) error {
					return writeJSON(w, o.exportManifest(CUR2ExportName, o.payer, p, "COST_AND_USAGE_REPORT", "PARQUET", "PARQUET", curColumns(), data))
				})
			})

		// FOCUS 1.0 from the linked account (member accounts export their own charges).
		flines := focusLines(focusByPeriod[p.name()])
		fdata := join(focusRoot, "data", "BILLING_PERIOD="+p.name(), FOCUSExportName+"-00001.csv.gz")
		fmeta := join(focusRoot, "metadata", "BILLING_PERIOD="+p.name(), FOCUSExportName+"-Manifest.json")
		m.FOCUS.Periods = append(m.FOCUS.Periods, ExportPeriod{Period: p.name(), Manifest: fmeta, DataFiles: []string{fdata}, Rows: len(flines), Closed: p.closed})
		tasks = append(tasks,
			func() error {
				return g.out.create(fdata, KindFOCUS, true, func(w io.Writer) error { return o.writeFOCUS(w, flines, p.start, p.end) })
			},
			func() error {
				return g.out.create(fmeta, KindFOCUSManifest, false, func(w io.Writer) error {
					return writeJSON(w, o.exportManifest(FOCUSExportName, o.linked, p, "FOCUS_1_0_AWS", "TEXT_OR_CSV", "GZIP", focusColumns(), fdata))
				})
			})
	}

	resTable, stdTable := gcpTableNames(o.gcp.BillingID)
	m.GCP = GCPExport{BillingAccountID: o.gcp.BillingID, ProjectID: o.gcp.ProjectID, ResourceTable: resTable, StandardTable: stdTable}
	gcpByMonth := map[string][]*gcpRow{}
	for _, r := range gcp.rows {
		k := r.start.Format("2006-01")
		gcpByMonth[k] = append(gcpByMonth[k], r)
	}
	for _, p := range o.periods() {
		rows := gcpByMonth[p.name()]
		month := strings.ReplaceAll(p.name(), "-", "")
		res := join("gcp", resTable, "invoice_month="+month, "000000000000.json.gz")
		std := join("gcp", stdTable, "invoice_month="+month, "000000000000.json.gz")
		m.GCP.Resource = append(m.GCP.Resource, MonthFiles{Month: p.name(), Files: []string{res}, Rows: len(rows)})
		m.GCP.Standard = append(m.GCP.Standard, MonthFiles{Month: p.name(), Files: []string{std}, Rows: len(standardRows(rows))})
		tasks = append(tasks,
			func() error {
				return g.out.create(res, KindGCPResource, true, func(w io.Writer) error { return o.writeGCP(w, rows, true) })
			},
			func() error {
				return g.out.create(std, KindGCPStandard, true, func(w io.Writer) error { return o.writeGCP(w, rows, false) })
			})
	}
	return tasks
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func curColumns() []dataExportColumn {
	out := make([]dataExportColumn, len(CUR2Columns))
	for i, c := range CUR2Columns {
		out[i] = dataExportColumn{c.Name, c.Type}
	}
	return out
}

// focusColumnTypes are the AWS FOCUS 1.0 table's column types.
func focusColumns() []dataExportColumn {
	out := make([]dataExportColumn, len(FOCUSColumns))
	for i, c := range FOCUSColumns {
		t := "string"
		switch {
		case strings.HasSuffix(c, "Cost") || strings.HasSuffix(c, "Quantity") || strings.HasSuffix(c, "UnitPrice"):
			t = "double"
		case strings.HasSuffix(c, "Start") || strings.HasSuffix(c, "End"):
			t = "timestamp_milliseconds"
		case c == "Tags" || c == "x_CostCategories" || c == "x_Discounts":
			t = "map<string,string>"
		}
		out[i] = dataExportColumn{c, t}
	}
	return out
}

// exportManifest describes one billing period's delivery of an export.
func (o *org) exportManifest(name string, acct *awsAccount, p period, table, format, compression string, cols []dataExportColumn, data string) dataExportManifest {
	r := newStream(o.seed, "export/"+name+"/"+p.name())
	arn := "arn:aws:bcm-data-exports:us-east-1:" + acct.ID + ":export/" + name + "-" + randUUID(r)
	var sel []string
	for _, c := range cols {
		sel = append(sel, c.Name)
	}
	stmt := "SELECT " + strings.Join(sel, ", ") + " FROM " + table
	conf := map[string]string{"TIME_GRANULARITY": "HOURLY"}
	if table == "COST_AND_USAGE_REPORT" {
		stmt += " WHERE line_item_usage_account_id = '" + acct.ID + "'"
		conf = map[string]string{"TIME_GRANULARITY": "HOURLY", "INCLUDE_RESOURCES": "TRUE",
			"INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY": "FALSE", "INCLUDE_SPLIT_COST_ALLOCATION_DATA": "FALSE"}
	}
	exported := earliest(p.end, o.end).Add(6 * time.Hour)
	return dataExportManifest{
		ExportArn: arn, ExportName: name, ExecutionID: randUUID(r),
		BillingPeriod: map[string]string{"start": p.start.Format("2006-01-02T15:04:05.000Z"), "end": p.end.Format("2006-01-02T15:04:05.000Z")},
		Query:         dataExportQuery{QueryStatement: stmt, TableConfigurations: map[string]map[string]string{table: conf}},
		Format:        format, Compression: compression, Columns: cols,
		DataFiles:  []string{"s3://" + exportBucket + "/" + exportPrefix + "/" + strings.TrimPrefix(data, "aws/")},
		ExportTime: exported.Format("2006-01-02T15:04:05.000Z"),
	}
}
