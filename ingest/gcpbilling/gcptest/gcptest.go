// Package gcptest writes a synthetic GCP billing export (BigQuery JSON
// lines, the standard usage cost export's fields) for the ingest
// benchmark: a GKE fleet whose node-hours a resource-based committed use
// discount partly covers, so that an ingest reads the export twice (see
// ingest.AmortizingParser), with the commitment's fees, sustained use
// discounts and storage rows; optionally (WriteWith) a Compute flexible
// CUD of the consumption model GCP bills spend-based CUDs by since 2026.
package gcptest

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// Account is the billing account of the export.
const Account = "01A2B3-C4D5E6-F7A8B9"

// FileName is a name of the export's form.
const FileName = "gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9.json"

// Per node-hour, on-demand, in micro-dollars: an n2-standard-4's 4 vCPUs
// and 16 GiB (us-central1 list prices, $0.031611 a vCPU-hour, $0.004237
// a GiB-hour), and the 1-year commitment's price of the same (37% off).
const (
	coreMicros   = 126444 // 4 × 31,611
	ramMicros    = 67792  // 16 × 4,237
	feeCoreMicro = 19915  // a committed vCPU-hour
	feeRAMMicro  = 2669   // a committed GiB-hour
)

// Options choose what the export holds besides the resource-based CUD.
type Options struct {
	// FlexibleCUD adds a 1-year Compute flexible (spend-based) CUD of GCP's
	// consumption model, every billing account's since 2026-01-21. Of the
	// nodes the resource-based CUD does not cover, half (rounded down) are
	// priced by it, 28% off list, their rows naming its consumption model
	// (FlexModel), except in the month's first day, when they run on demand;
	// the others are billed at list price (no sustained use discount). It
	// commits to 10% more than those nodes spend, discounted: its fee row
	// (SKU FlexFeeSKU) bills the hourly commitment at $1 a unit, with a
	// FEE_UTILIZATION_OFFSET credit for what the usage used (none the first
	// day: the whole fee is unused).
	FlexibleCUD bool
}

// The flexible CUD's fee SKU (not one GCP's documentation lists, so a
// reader must know it by its offset credits) and consumption model.
const (
	FlexFeeSKU = "9F3A-0C1D-7E55"
	FlexModel  = "Compute Flexible CUD - 1 Year"
)

// A node-hour at the flexible CUD's price, in micro-dollars: 28% off list.
const (
	flexCoreMicros = coreMicros * 72 / 100
	flexRAMMicros  = ramMicros * 72 / 100
)

// Write writes at most n rows (about n when n is a multiple of the
// month's hours) for the month starting at month, and returns how many:
// each hour,
// the commitment's two fee rows, then two rows (cores, RAM) per node of a
// fleet sized to fill n, and a disk row per ten nodes. The commitment
// covers 60% of the fleet's nodes and commits to 10% more than it covers
// (at least one node more);
// the other nodes get a sustained use discount.
func Write(w io.Writer, n int, month time.Time) (int, error) {
	return WriteWith(w, n, month, Options{})
}

// WriteWith is Write with o's additions (each hour's fee row of the
// flexible CUD counts in n).
func WriteWith(w io.Writer, n int, month time.Time, o Options) (int, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	hours := int(month.AddDate(0, 1, 0).Sub(month).Hours())
	perHour := max(n/hours, 4)
	nodes := max((perHour-2)*10/21, 1) // 2 rows a node, one more per ten nodes
	covered := nodes * 6 / 10
	written := 0
	for h := 0; h < hours && written+2 <= n; h++ {
		start := month.Add(time.Duration(h) * time.Hour)
		at := start.Format(time.RFC3339) + `","usage_end_time":"` + start.Add(time.Hour).Format(time.RFC3339)
		committed := covered + max(covered/10, 1)
		fee(bw, at, "A1CF-3D27-9C0B", "Commitment v1: N2 Cpu in Americas for 1 Year", committed*4, int64(committed)*4*feeCoreMicro)
		fee(bw, at, "6BD5-1B46-3B2E", "Commitment v1: N2 Ram in Americas for 1 Year", committed*16, int64(committed)*16*feeRAMMicro)
		written += 2
		flex := 0 // nodes the flexible CUD covers this hour
		if half := (nodes - covered) / 2; o.FlexibleCUD && half > 0 && written < n {
			if h >= 24 {
				flex = half
			}
			commit := int64(half) * (flexCoreMicros + flexRAMMicros) * 11 / 10
			flexFee(bw, at, commit, int64(flex)*(flexCoreMicros+flexRAMMicros))
			written++
		}
		for i := 0; i < nodes && written+2 <= n; i++ {
			name := fmt.Sprintf("gke-bench-pool-%05d", (i+h/168*7)%100000) // nodes are replaced weekly
			ns := fmt.Sprintf("team-%02d", i%40)
			credit := `{"name":"Committed use discount: CPU","amount":-%s,"full_name":"Committed use discount: CPU","id":"commitments/1","type":"COMMITTED_USAGE_DISCOUNT"}`
			switch {
			case i >= covered && o.FlexibleCUD:
				flexUsage(bw, at, "CF4E-A0C7-E3BF", "N2 Instance Core running in Americas", name, ns, coreMicros, flexCoreMicros, 4, i < covered+flex)
				flexUsage(bw, at, "F449-33EC-A5EF", "N2 Instance Ram running in Americas", name, ns, ramMicros, flexRAMMicros, 16, i < covered+flex)
			default:
				if i >= covered {
					credit = `{"name":"Sustained usage discount","amount":-%s,"full_name":"","id":"","type":"SUSTAINED_USAGE_DISCOUNT"}`
				}
				usage(bw, at, "CF4E-A0C7-E3BF", "N2 Instance Core running in Americas", name, ns, coreMicros, 4, credit, i >= covered)
				usage(bw, at, "F449-33EC-A5EF", "N2 Instance Ram running in Americas", name, ns, ramMicros, 16, credit, i >= covered)
			}
			written += 2
			if i%10 == 0 && written < n {
				disk(bw, at, name, ns)
				written++
			}
		}
	}
	return written, bw.Flush()
}

const head = `{"billing_account_id":"` + Account + `","service":{"id":"6F81-5844-456A","description":"Compute Engine"},"sku":{"id":"`

func fee(w *bufio.Writer, at, sku, desc string, qty int, micros int64) {
	fmt.Fprintf(w, head+`%s","description":"%s"},"usage_start_time":"%s","project":{"id":"bench-prod","number":"123456789012","name":"Bench Prod"},`+
		`"labels":[],"location":{"location":"us-central1","country":"US","region":"us-central1"},"resource":{"name":"commitment-1"},`+
		`"cost":%s,"currency":"USD","usage":{"amount":%d,"unit":"seconds","amount_in_pricing_units":%d,"pricing_unit":"hour"},"credits":[],`+
		`"invoice":{"month":"%s"},"cost_type":"regular","cost_at_list":%s}`+"\n",
		sku, desc, at, dec(micros), qty*3600, qty, invoiceMonth(at), dec(micros))
}

func usage(w *bufio.Writer, at, sku, desc, name, ns string, micros int64, qty int, credit string, sud bool) {
	amount := micros
	if sud {
		amount = micros / 5 // 20% off
	}
	fmt.Fprintf(w, head+`%s","description":"%s"},"usage_start_time":"%s","project":{"id":"bench-prod","number":"123456789012","name":"Bench Prod"},`+
		`"labels":[{"key":"goog-k8s-cluster-name","value":"bench"},{"key":"k8s-namespace","value":"%s"},{"key":"team","value":"platform"}],`+
		`"location":{"location":"us-central1-a","country":"US","region":"us-central1","zone":"us-central1-a"},`+
		`"resource":{"name":"%s","global_name":"//compute.googleapis.com/projects/bench-prod/zones/us-central1-a/instances/%s"},`+
		`"cost":%s,"currency":"USD","usage":{"amount":%d,"unit":"seconds","amount_in_pricing_units":%d,"pricing_unit":"hour"},"credits":[`+credit+`],`+
		`"invoice":{"month":"%s"},"cost_type":"regular","cost_at_list":%s}`+"\n",
		sku, desc, at, ns, name, name, dec(micros), qty*3600, qty, dec(amount), invoiceMonth(at), dec(micros))
}

// flexFee writes the flexible CUD's fee row: the hourly commitment, in
// micro-dollars at $1 a unit, less the used part by its offset credit.
func flexFee(w *bufio.Writer, at string, commit, used int64) {
	credits := ""
	if used > 0 {
		credits = `{"name":"Fee utilization offset","amount":-` + dec(used) + `,"full_name":"","id":"","type":"FEE_UTILIZATION_OFFSET"}`
	}
	fmt.Fprintf(w, head+`%s","description":"Compute Flexible CUD fee for 1 year"},"usage_start_time":"%s","project":{"id":"bench-billing","number":"123456789013","name":"Bench Billing"},`+
		`"labels":[],"location":{"location":"global"},"resource":{"name":""},`+
		`"cost":%s,"currency":"USD","usage":{"amount":%s,"unit":"","amount_in_pricing_units":%s,"pricing_unit":""},"credits":[%s],`+
		`"invoice":{"month":"%s"},"cost_type":"regular","cost_at_list":%s,"subscription":{"instance_id":"4c1d2a6e-0b7f-4e55-9a3c-2f8e61d0b9a1"}}`+"\n",
		FlexFeeSKU, at, dec(commit), dec(commit), dec(commit), credits, invoiceMonth(at), dec(commit))
}

// flexUsage writes a usage row of a node the resource-based CUD does not
// cover: at the flexible CUD's price (discounted micro-dollars), naming
// its consumption model, when covered, else at list price.
func flexUsage(w *bufio.Writer, at, sku, desc, name, ns string, micros, discounted int64, qty int, covered bool) {
	cost, model := micros, ""
	if covered {
		cost, model = discounted, `,"consumption_model":{"id":"4A9E-0C2B-7D11","description":"`+FlexModel+`"}`
	}
	fmt.Fprintf(w, head+`%s","description":"%s"},"usage_start_time":"%s","project":{"id":"bench-prod","number":"123456789012","name":"Bench Prod"},`+
		`"labels":[{"key":"goog-k8s-cluster-name","value":"bench"},{"key":"k8s-namespace","value":"%s"},{"key":"team","value":"platform"}],`+
		`"location":{"location":"us-central1-a","country":"US","region":"us-central1","zone":"us-central1-a"},`+
		`"resource":{"name":"%s","global_name":"//compute.googleapis.com/projects/bench-prod/zones/us-central1-a/instances/%s"},`+
		`"cost":%s,"currency":"USD","usage":{"amount":%d,"unit":"seconds","amount_in_pricing_units":%d,"pricing_unit":"hour"},"credits":[],`+
		`"invoice":{"month":"%s"},"cost_type":"regular","cost_at_list":%s%s}`+"\n",
		sku, desc, at, ns, name, name, dec(cost), qty*3600, qty, invoiceMonth(at), dec(micros), model)
}

func disk(w *bufio.Writer, at, name, ns string) {
	fmt.Fprintf(w, head+`D973-5D65-BAB2","description":"Storage PD Capacity"},"usage_start_time":"%s","project":{"id":"bench-prod","number":"123456789012","name":"Bench Prod"},`+
		`"labels":[{"key":"goog-k8s-cluster-name","value":"bench"},{"key":"k8s-namespace","value":"%s"}],`+
		`"location":{"location":"us-central1-a","country":"US","region":"us-central1","zone":"us-central1-a"},`+
		`"resource":{"name":"pvc-%s","global_name":"//compute.googleapis.com/projects/bench-prod/zones/us-central1-a/disks/pvc-%s"},`+
		`"cost":0.005479,"currency":"USD","usage":{"amount":360000000000,"unit":"byte-seconds","amount_in_pricing_units":0.136986,"pricing_unit":"gibibyte month"},"credits":[],`+
		`"invoice":{"month":"%s"},"cost_type":"regular","cost_at_list":0.005479}`+"\n",
		at, ns, name, name, invoiceMonth(at))
}

// invoiceMonth is the invoice month of a row starting at at ("2025-03-04T…" → 202503).
func invoiceMonth(at string) string { return at[0:4] + at[5:7] }

// dec formats micro-dollars as an exact decimal.
func dec(micros int64) string { return fmt.Sprintf("%d.%06d", micros/1e6, micros%1e6) }
