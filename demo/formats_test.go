package demo_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/parquet-go/parquet-go"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/demo"
)

// curLine is the subset of CUR 2.0 columns the checks read.
type curLine struct {
	Payer           *string            `parquet:"bill_payer_account_id,optional"`
	PeriodStart     *time.Time         `parquet:"bill_billing_period_start_date,optional,timestamp(millisecond)"`
	Type            *string            `parquet:"line_item_line_item_type,optional"`
	Start           *time.Time         `parquet:"line_item_usage_start_date,optional,timestamp(millisecond)"`
	End             *time.Time         `parquet:"line_item_usage_end_date,optional,timestamp(millisecond)"`
	Account         *string            `parquet:"line_item_usage_account_id,optional"`
	Product         *string            `parquet:"line_item_product_code,optional"`
	UsageType       *string            `parquet:"line_item_usage_type,optional"`
	Resource        *string            `parquet:"line_item_resource_id,optional"`
	Amount          *float64           `parquet:"line_item_usage_amount,optional"`
	Unblended       *float64           `parquet:"line_item_unblended_cost,optional"`
	Public          *float64           `parquet:"pricing_public_on_demand_cost,optional"`
	InstanceType    *string            `parquet:"product_instance_type,optional"`
	Region          *string            `parquet:"product_region_code,optional"`
	RIEffective     *float64           `parquet:"reservation_effective_cost,optional"`
	RIUnusedUpfront *float64           `parquet:"reservation_unused_amortized_upfront_fee_for_billing_period,optional"`
	RIUnusedRecur   *float64           `parquet:"reservation_unused_recurring_fee,optional"`
	RIARN           *string            `parquet:"reservation_reservation_a_r_n,optional"`
	SPEffective     *float64           `parquet:"savings_plan_savings_plan_effective_cost,optional"`
	SPTotal         *float64           `parquet:"savings_plan_total_commitment_to_date,optional"`
	SPUsed          *float64           `parquet:"savings_plan_used_commitment,optional"`
	SPARN           *string            `parquet:"savings_plan_savings_plan_a_r_n,optional"`
	Tags            map[string]string  `parquet:"resource_tags,optional"`
	ProductMap      map[string]string  `parquet:"product,optional"`
	CostCategory    map[string]string  `parquet:"cost_category,optional"`
	Discount        map[string]float64 `parquet:"discount,optional"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func usd(t testing.TB, p *float64) tally.Money {
	t.Helper()
	if p == nil {
		return tally.Zero("USD")
	}
	m, err := tally.FromFloat(*p, "USD")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// amortizedCUR is DESIGN.md's amortization rule, written independently of
// the generator.
func amortizedCUR(t testing.TB, l curLine) tally.Money {
	switch str(l.Type) {
	case "SavingsPlanCoveredUsage":
		return usd(t, l.SPEffective)
	case "SavingsPlanRecurringFee":
		v, _ := usd(t, l.SPTotal).Sub(usd(t, l.SPUsed))
		return v
	case "SavingsPlanNegation", "SavingsPlanUpfrontFee":
		return tally.Zero("USD")
	case "DiscountedUsage":
		return usd(t, l.RIEffective)
	case "RIFee":
		return mustAdd(usd(t, l.RIUnusedUpfront), usd(t, l.RIUnusedRecur))
	case "Fee":
		if str(l.RIARN) != "" {
			return tally.Zero("USD")
		}
	}
	return usd(t, l.Unblended)
}

func readCUR(t testing.TB) []curLine {
	t.Helper()
	var out []curLine
	for _, p := range fixtureMan.CUR2.Periods {
		for _, f := range p.DataFiles {
			b := readFile(t, f)
			r := parquet.NewGenericReader[curLine](bytes.NewReader(b))
			rows := make([]curLine, r.NumRows())
			n, err := r.Read(rows)
			if n != len(rows) {
				t.Fatalf("%s: read %d of %d rows: %v", f, n, len(rows), err)
			}
			if n != p.Rows {
				t.Errorf("%s: %d rows, manifest says %d", f, n, p.Rows)
			}
			out = append(out, rows...)
		}
	}
	return out
}

// TestCUR2Schema reads a CUR 2.0 file back and checks its schema against
// the published column list and types.
func TestCUR2Schema(t *testing.T) {
	f := fixtureMan.CUR2.Periods[0].DataFiles[0]
	b := readFile(t, f)
	pf, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	fields := pf.Schema().Fields()
	if len(fields) != len(demo.CUR2Columns) {
		t.Fatalf("%d columns, want %d", len(fields), len(demo.CUR2Columns))
	}
	for i, c := range demo.CUR2Columns {
		fl := fields[i]
		if fl.Name() != c.Name {
			t.Errorf("column %d is %s, want %s", i, fl.Name(), c.Name)
			continue
		}
		if !fl.Optional() {
			t.Errorf("%s: not nullable", c.Name)
		}
		lt := fl.Type().LogicalType()
		switch c.Type {
		case "string":
			if !fl.Leaf() || lt == nil || lt.String() != "STRING" {
				t.Errorf("%s: want a STRING column, have %v", c.Name, fl.Type())
			}
		case "double":
			if !fl.Leaf() || fl.Type().Kind() != parquet.Double {
				t.Errorf("%s: want DOUBLE, have %v", c.Name, fl.Type())
			}
		case "timestamp":
			if lt == nil || lt.String() != "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)" {
				t.Errorf("%s: want TIMESTAMP(MILLIS, UTC), have %v", c.Name, fl.Type())
			}
		case "map<string,string>", "map<string,double>":
			if lt == nil || lt.String() != "MAP" {
				t.Errorf("%s: want MAP, have %v", c.Name, fl.Type())
				continue
			}
			kv := fl.Fields()[0].Fields()
			wantValue := parquet.ByteArray
			if c.Type == "map<string,double>" {
				wantValue = parquet.Double
			}
			if kv[0].Name() != "key" || kv[0].Type().Kind() != parquet.ByteArray || kv[1].Name() != "value" || kv[1].Type().Kind() != wantValue {
				t.Errorf("%s: key/value are %v/%v", c.Name, kv[0].Type(), kv[1].Type())
			}
		}
	}
	have := map[string]bool{}
	for _, f := range fields {
		have[f.Name()] = true
	}
	for _, must := range []string{"bill_payer_account_id", "line_item_usage_account_id", "line_item_line_item_type", "line_item_usage_start_date",
		"line_item_resource_id", "line_item_usage_type", "product_instance_type", "product_region_code", "pricing_public_on_demand_cost",
		"savings_plan_savings_plan_effective_cost", "reservation_effective_cost", "product", "resource_tags", "cost_category", "discount"} {
		if !have[must] {
			t.Errorf("no column %s", must)
		}
	}
}

// TestCUR2Content: every line-item type of a bill with RIs and SPs, the
// usage-type and resource-id conventions, and the Data Exports manifest.
func TestCUR2Content(t *testing.T) {
	lines := readCUR(t)
	types := map[string]int{}
	instances := map[string]bool{}
	for _, l := range lines {
		types[str(l.Type)]++
		if str(l.Payer) != demo.PayerAccountID || str(l.Account) != demo.PayerAccountID {
			t.Fatalf("CUR line of %s/%s: the CUR export holds the payer's own usage account only", str(l.Payer), str(l.Account))
		}
		if l.Start == nil || l.End == nil || !l.End.After(*l.Start) {
			t.Fatalf("line without a usage period: %+v", l)
		}
		if r := str(l.Resource); strings.HasPrefix(r, "i-") {
			instances[r] = true
			ut := str(l.UsageType)
			if !strings.HasPrefix(ut, "USW2-BoxUsage:") && !strings.HasPrefix(ut, "USW2-SpotUsage:") {
				t.Errorf("instance line with usage type %q", ut)
			}
			if !strings.HasSuffix(ut, ":"+str(l.InstanceType)) || str(l.Region) != "us-west-2" {
				t.Errorf("instance line: usage type %q, instance type %q, region %q", ut, str(l.InstanceType), str(l.Region))
			}
		}
		if l.CostCategory["environment"] == "" || l.ProductMap["product_name"] == "" {
			t.Errorf("missing product/cost_category map entries: %v %v", l.ProductMap, l.CostCategory)
		}
	}
	for _, want := range []string{"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "SavingsPlanRecurringFee",
		"SavingsPlanUpfrontFee", "RIFee", "Fee", "Tax", "Credit"} {
		if types[want] == 0 {
			t.Errorf("no %s line (have %v)", want, types)
		}
	}
	// Every EKS node of the payer account is billed under its instance id.
	for _, n := range fixtureTr.Nodes {
		if n.Cluster == demo.ClusterProd && !instances[n.InstanceID] {
			t.Errorf("node %s (%s) has no CUR line", n.Name, n.InstanceID)
		}
		if id := tally.InstanceIDFromProviderID(n.ProviderID); id != n.InstanceID {
			t.Errorf("providerID %s → %q, instance id %s", n.ProviderID, id, n.InstanceID)
		}
	}
	// The Data Exports manifest lists the columns and the data file.
	var dm struct {
		ExportName string                        `json:"exportName"`
		Columns    []struct{ Name, Type string } `json:"columns"`
		DataFiles  []string                      `json:"dataFiles"`
	}
	p := fixtureMan.CUR2.Periods[0]
	if err := json.Unmarshal(readFile(t, p.Manifest), &dm); err != nil {
		t.Fatal(err)
	}
	if dm.ExportName != demo.CUR2ExportName || len(dm.Columns) != len(demo.CUR2Columns) || len(dm.DataFiles) != 1 ||
		!strings.HasSuffix(dm.DataFiles[0], strings.TrimPrefix(p.DataFiles[0], "aws/")) {
		t.Errorf("data export manifest: %s, %d columns, files %v", dm.ExportName, len(dm.Columns), dm.DataFiles)
	}
	if !strings.Contains(p.DataFiles[0], "/data/BILLING_PERIOD="+p.Period+"/") || !strings.Contains(p.Manifest, "/metadata/BILLING_PERIOD="+p.Period+"/") {
		t.Errorf("layout: %s, %s", p.DataFiles[0], p.Manifest)
	}
}

// readFOCUS returns the FOCUS rows as maps by column.
func readFOCUS(t testing.TB) []map[string]string {
	t.Helper()
	var out []map[string]string
	for _, p := range fixtureMan.FOCUS.Periods {
		for _, f := range p.DataFiles {
			r := csv.NewReader(bytes.NewReader(readFile(t, f)))
			recs, err := r.ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			header := recs[0]
			if strings.Join(header, ",") != strings.Join(demo.FOCUSColumns, ",") {
				t.Fatalf("%s: header %v", f, header)
			}
			for _, rec := range recs[1:] {
				m := make(map[string]string, len(header))
				for i, h := range header {
					m[h] = rec[i]
				}
				out = append(out, m)
			}
		}
	}
	return out
}

// TestFOCUS parses the FOCUS export against the FOCUS 1.0 columns.
func TestFOCUS(t *testing.T) {
	mandatory := []string{"BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
		"ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost",
		"EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
		"ServiceCategory", "ServiceName", "SubAccountId", "Tags", "ResourceId", "CommitmentDiscountId", "CommitmentDiscountStatus"}
	cols := map[string]bool{}
	for _, c := range demo.FOCUSColumns {
		cols[c] = true
	}
	for _, c := range mandatory {
		if !cols[c] {
			t.Errorf("FOCUS column %s missing", c)
		}
	}
	rows := readFOCUS(t)
	if len(rows) == 0 {
		t.Fatal("no FOCUS rows")
	}
	committed := 0
	for i, r := range rows {
		if _, err := tally.ParseChargeCategory(r["ChargeCategory"]); err != nil {
			t.Fatalf("row %d: %v", i+2, err)
		}
		for _, c := range []string{"BilledCost", "EffectiveCost", "ListCost", "ContractedCost"} {
			if _, err := tally.ParseMoney(r[c], "USD"); err != nil {
				t.Fatalf("row %d %s=%q: %v", i+2, c, r[c], err)
			}
		}
		for _, c := range []string{"ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"} {
			if _, err := time.Parse(time.RFC3339, r[c]); err != nil {
				t.Fatalf("row %d %s=%q: %v", i+2, c, r[c], err)
			}
		}
		var tags map[string]string
		if err := json.Unmarshal([]byte(r["Tags"]), &tags); err != nil {
			t.Fatalf("row %d Tags=%q: %v", i+2, r["Tags"], err)
		}
		if r["BillingAccountId"] != demo.PayerAccountID || r["SubAccountId"] != demo.LinkedAccountID || r["ProviderName"] != "AWS" {
			t.Fatalf("row %d: account %s/%s provider %s", i+2, r["BillingAccountId"], r["SubAccountId"], r["ProviderName"])
		}
		if r["PricingCategory"] == "Committed" {
			committed++
			if r["CommitmentDiscountId"] == "" || r["CommitmentDiscountStatus"] != "Used" || r["BilledCost"] != "0" {
				t.Errorf("row %d: committed usage %v", i+2, r)
			}
		}
	}
	if committed == 0 {
		t.Error("no usage covered by a commitment in the FOCUS export")
	}
}

// readGCP decodes a GCP export table.
func readGCP(t testing.TB, months []demo.MonthFiles) []demo.GCPExportRow {
	t.Helper()
	var out []demo.GCPExportRow
	for _, m := range months {
		for _, f := range m.Files {
			dec := json.NewDecoder(bytes.NewReader(readFile(t, f)))
			n := 0
			for dec.More() {
				var r demo.GCPExportRow
				if err := dec.Decode(&r); err != nil {
					t.Fatalf("%s row %d: %v", f, n+1, err)
				}
				out = append(out, r)
				n++
			}
			if n != m.Rows {
				t.Errorf("%s: %d rows, manifest says %d", f, n, m.Rows)
			}
		}
	}
	return out
}

func gcpNet(t testing.TB, r demo.GCPExportRow) tally.Money {
	net, err := tally.FromFloat(r.Cost, "USD")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Credits {
		net = mustAdd(net, usd(t, &c.Amount))
	}
	return net
}

// TestGCPExport checks the BigQuery export's shape and that the standard
// table holds the same money as the resource table.
func TestGCPExport(t *testing.T) {
	res := readGCP(t, fixtureMan.GCP.Resource)
	std := readGCP(t, fixtureMan.GCP.Standard)
	credits := map[string]bool{}
	names := map[string]bool{}
	var totRes, totStd tally.Money
	for _, r := range res {
		if r.BillingAccountID != demo.GCPBillingID || r.Project.ID != demo.GCPProjectID || r.Currency != "USD" || r.Resource == nil {
			t.Fatalf("row %+v", r)
		}
		for _, c := range r.Credits {
			credits[c.Type] = true
			if c.Amount > 0 {
				t.Errorf("positive credit %v", c)
			}
		}
		names[r.Resource.Name] = true
		totRes = mustAdd(totRes, gcpNet(t, r))
	}
	for _, r := range std {
		if r.Resource != nil {
			t.Fatal("the standard table has resource names")
		}
		totStd = mustAdd(totStd, gcpNet(t, r))
	}
	if !totRes.Equal(totStd) {
		t.Errorf("resource table %s, standard table %s", totRes, totStd)
	}
	for _, c := range []string{"COMMITTED_USAGE_DISCOUNT", "SUSTAINED_USAGE_DISCOUNT"} {
		if !credits[c] {
			t.Errorf("no %s credit", c)
		}
	}
	for _, n := range fixtureTr.Nodes {
		if n.Cluster == demo.ClusterAnalytics && !names[tally.InstanceIDFromProviderID(n.ProviderID)] {
			t.Errorf("GKE node %s has no billing row", n.Name)
		}
	}
	// BigQuery's JSON form: timestamps "YYYY-MM-DD hh:mm:ss UTC", labels as key/value records.
	first := readFile(t, fixtureMan.GCP.Resource[0].Files[0])
	line, _, _ := bytes.Cut(first, []byte("\n"))
	var raw map[string]any
	if err := json.Unmarshal(line, &raw); err != nil {
		t.Fatal(err)
	}
	if ts, _ := raw["usage_start_time"].(string); !strings.HasSuffix(ts, " UTC") {
		t.Errorf("usage_start_time %v", raw["usage_start_time"])
	}
	for _, k := range []string{"billing_account_id", "service", "sku", "project", "labels", "location", "cost", "currency", "usage", "credits", "invoice", "cost_type", "resource"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("no field %s", k)
		}
	}
}

// TestBillsMatchTruth recomputes each day's billed and amortized cost per
// billing account from the files (CUR 2.0 + FOCUS for AWS, the resource
// table for GCP) and compares them with the truth exactly.
func TestBillsMatchTruth(t *testing.T) {
	type key struct {
		day  int
		acct string
	}
	billed, amort := map[key]tally.Money{}, map[key]tally.Money{}
	addDay := func(m map[key]tally.Money, acct string) func(int, tally.Money) {
		return func(d int, v tally.Money) { m[key{d, acct}] = mustAdd(m[key{d, acct}], v) }
	}
	for _, l := range readCUR(t) {
		spread(*l.Start, *l.End, usd(t, l.Unblended), addDay(billed, str(l.Payer)))
		spread(*l.Start, *l.End, amortizedCUR(t, l), addDay(amort, str(l.Payer)))
	}
	for _, r := range readFOCUS(t) {
		s, _ := time.Parse(time.RFC3339, r["ChargePeriodStart"])
		e, _ := time.Parse(time.RFC3339, r["ChargePeriodEnd"])
		spread(s, e, money(t, r["BilledCost"]), addDay(billed, r["BillingAccountId"]))
		spread(s, e, money(t, r["EffectiveCost"]), addDay(amort, r["BillingAccountId"]))
	}
	for _, r := range readGCP(t, fixtureMan.GCP.Resource) {
		net := gcpNet(t, r)
		spread(time.Time(r.UsageStartTime), time.Time(r.UsageEndTime), net, addDay(billed, r.BillingAccountID))
		spread(time.Time(r.UsageStartTime), time.Time(r.UsageEndTime), net, addDay(amort, r.BillingAccountID))
	}
	for d := 0; d < fixtureCfg.Days; d++ {
		for _, acct := range []string{demo.PayerAccountID, demo.GCPBillingID} {
			td := truthDay(t, d, acct)
			if got := billed[key{d, acct}]; !got.Equal(money(t, td.Billed)) {
				t.Errorf("%s %s: billed %s from the files, truth %s", td.Day, acct, got, td.Billed)
			}
			if got := amort[key{d, acct}]; !got.Equal(money(t, td.Amortized)) {
				t.Errorf("%s %s: amortized %s from the files, truth %s", td.Day, acct, got, td.Amortized)
			}
		}
	}
}

// TestAgentBatches decodes every batch and its profiles.
func TestAgentBatches(t *testing.T) {
	nodes := map[string]demo.TruthNode{}
	for _, n := range fixtureTr.Nodes {
		nodes[n.Name] = n
	}
	profiles, xss := 0, false
	oom := 0
	all := agentBatches(t)
	for i, af := range fixtureMan.Agent {
		b := all[i]
		if b.Version != tally.AgentBatchVersion || b.Cluster != af.Cluster || b.Node.Name != af.Node || len(b.Intervals) != af.Intervals {
			t.Fatalf("%s: batch header %+v", af.Path, b.Node)
		}
		tn, ok := nodes[b.Node.Name]
		if !ok || tn.ProviderID != b.Node.ProviderID || tally.InstanceIDFromProviderID(b.Node.ProviderID) != tn.InstanceID {
			t.Fatalf("%s: node %s / %s not in the truth", af.Path, b.Node.Name, b.Node.ProviderID)
		}
		if b.Node.CPUAllocatable <= 0 || b.Node.CPUAllocatable > b.Node.CPUCapacity || b.Node.MemoryAllocatable >= b.Node.MemoryCapacity {
			t.Errorf("%s: allocatable %v/%d of %v/%d", af.Path, b.Node.CPUAllocatable, b.Node.MemoryAllocatable, b.Node.CPUCapacity, b.Node.MemoryCapacity)
		}
		pods := map[string]tally.AgentPod{}
		for _, p := range b.Pods {
			pods[p.UID] = p
			if p.Labels["campaign"] == demo.XSSLabelValue {
				xss = true
			}
		}
		for _, iv := range b.Intervals {
			if !iv.End.After(iv.Start) || iv.End.Sub(iv.Start) > time.Hour {
				t.Fatalf("%s: interval %s–%s", af.Path, iv.Start, iv.End)
			}
			var cpu float64
			for _, u := range iv.Containers {
				cpu += u.CPUCoreSeconds
				if u.PodUID != "" {
					p, ok := pods[u.PodUID]
					if !ok {
						t.Fatalf("%s: usage of pod %s not in the batch's pods", af.Path, u.PodUID)
					}
					if p.Namespace == "checkout" && p.OwnerName == "cart" {
						oom += u.OOMKills
					}
				}
				if u.MemoryWorkingMax < u.MemoryWorkingSet || u.CPUCoreSeconds < 0 {
					t.Fatalf("%s: usage %+v", af.Path, u)
				}
				if len(u.Profile) > 0 {
					profiles++
					checkProfile(t, af.Path, u, pods[u.PodUID], b.Node.Name)
				}
			}
			if cap := b.Node.CPUCapacity * iv.End.Sub(iv.Start).Seconds(); cpu > cap {
				t.Errorf("%s: %v core-seconds used of %v available", af.Path, cpu, cap)
			}
		}
	}
	if profiles == 0 || !xss {
		t.Errorf("%d profiles, hostile label seen %v", profiles, xss)
	}
	if oom != fixtureTr.OOM.Kills {
		t.Errorf("agent batches report %d OOM kills of the cart, truth %d", oom, fixtureTr.OOM.Kills)
	}
}

// checkProfile decodes a pprof profile and checks it against the counters.
func checkProfile(t *testing.T, file string, u tally.AgentUsage, p tally.AgentPod, node string) {
	t.Helper()
	prof, err := profile.ParseData(u.Profile)
	if err != nil {
		t.Fatalf("%s: profile of %s/%s: %v", file, p.Name, u.Container, err)
	}
	if err := prof.CheckValid(); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(prof.SampleType) != 2 || prof.SampleType[0].Type != "samples" || prof.SampleType[0].Unit != "count" ||
		prof.SampleType[1].Type != "cpu" || prof.SampleType[1].Unit != "nanoseconds" {
		t.Fatalf("%s: sample types %v", file, prof.SampleType)
	}
	var ns int64
	for _, s := range prof.Sample {
		ns += s.Value[1]
		if s.Label["namespace"][0] != p.Namespace || s.Label["pod"][0] != p.Name || s.Label["container"][0] != u.Container || s.Label["node"][0] != node {
			t.Fatalf("%s: sample labels %v", file, s.Label)
		}
	}
	// The samples split the counter's CPU time (to one sampling period).
	if d := float64(ns)/1e9 - u.CPUCoreSeconds; d > 0.06 || d < -0.06 {
		t.Errorf("%s: profile has %.3fs of CPU, counters %.3fs", file, float64(ns)/1e9, u.CPUCoreSeconds)
	}
}

// TestRegressionInProfiles measures the regressed function's share of the
// checkout service's CPU samples before and after the deploy.
func TestRegressionInProfiles(t *testing.T) {
	r := fixtureTr.Regression
	var before, after [2]int64 // function self samples, all samples
	all := agentBatches(t)
	for i, af := range fixtureMan.Agent {
		if af.Profiles == 0 || af.Cluster != r.Cluster {
			continue
		}
		b := all[i]
		pods := map[string]tally.AgentPod{}
		for _, p := range b.Pods {
			pods[p.UID] = p
		}
		for _, iv := range b.Intervals {
			for _, u := range iv.Containers {
				p := pods[u.PodUID]
				if len(u.Profile) == 0 || p.OwnerName != r.Workload || u.Container != r.Container {
					continue
				}
				prof, err := profile.ParseData(u.Profile)
				if err != nil {
					t.Fatal(err)
				}
				acc := &before
				if p.Containers[0].Image == r.ImageAfter {
					acc = &after
				}
				for _, s := range prof.Sample {
					acc[1] += s.Value[0]
					if leaf := s.Location[0]; len(leaf.Line) > 0 && leaf.Line[0].Function.Name == r.Function {
						acc[0] += s.Value[0]
					}
				}
			}
		}
	}
	if before[1] == 0 || after[1] == 0 {
		t.Fatalf("samples before %d, after %d: the profile window must contain the deploy", before[1], after[1])
	}
	b, a := float64(before[0])/float64(before[1]), float64(after[0])/float64(after[1])
	if d := b - r.SelfShareBefore; d > 0.01 || d < -0.01 {
		t.Errorf("self share before %.4f, truth %.4f", b, r.SelfShareBefore)
	}
	if d := a - r.SelfShareAfter; d > 0.01 || d < -0.01 {
		t.Errorf("self share after %.4f, truth %.4f", a, r.SelfShareAfter)
	}
}

// TestNoStrayFiles: the output holds only what the manifest lists.
func TestNoStrayFiles(t *testing.T) {
	listed := map[string]bool{demo.ManifestFile: true}
	for _, f := range fixtureMan.Files {
		listed[f.Path] = true
	}
	err := filepath.Walk(fixtureDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(fixtureDir, p)
		if !listed[filepath.ToSlash(rel)] {
			t.Errorf("unlisted file %s", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// FuzzBQTime: BigQuery JSON timestamps parse or fail cleanly, and what
// parses writes back the same.
func FuzzBQTime(f *testing.F) {
	f.Add([]byte(`"2026-02-19 13:00:00 UTC"`))
	f.Add([]byte(`"2026-02-19T13:00:00Z"`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var v demo.BQTime
		if err := v.UnmarshalJSON(b); err != nil {
			return
		}
		out, err := v.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var again demo.BQTime
		if err := again.UnmarshalJSON(out); err != nil || !time.Time(again).Equal(time.Time(v)) {
			t.Errorf("%s → %s → %v (%v)", b, out, time.Time(again), err)
		}
	})
}
