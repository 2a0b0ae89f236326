package demo

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// BQTime is a TIMESTAMP as BigQuery writes it in JSON exports
// ("2006-01-02 15:04:05 UTC").
type BQTime time.Time

// MarshalJSON writes the BigQuery JSON timestamp form.
func (t BQTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02 15:04:05 UTC") + `"`), nil
}

// UnmarshalJSON reads the BigQuery JSON timestamp form.
func (t *BQTime) UnmarshalJSON(b []byte) error {
	v, err := time.Parse(`"2006-01-02 15:04:05 UTC"`, string(b))
	if err != nil {
		return err
	}
	*t = BQTime(v)
	return nil
}

// GCPKeyValue is a label: BigQuery exports labels as repeated key/value records.
type GCPKeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// GCPExportRow is one row of the Cloud Billing export to BigQuery as a
// BigQuery JSON extract writes it: FLOAT64 as numbers, TIMESTAMP as
// "YYYY-MM-DD hh:mm:ss UTC", repeated fields as arrays. Resource and Price
// are present in the detailed (resource) table only.
type GCPExportRow struct {
	BillingAccountID string        `json:"billing_account_id"`
	Service          gcpSKU        `json:"service"`
	SKU              gcpSKU        `json:"sku"`
	UsageStartTime   BQTime        `json:"usage_start_time"`
	UsageEndTime     BQTime        `json:"usage_end_time"`
	Project          GCPProject    `json:"project"`
	Labels           []GCPKeyValue `json:"labels"`
	SystemLabels     []GCPKeyValue `json:"system_labels"`
	Location         GCPLocation   `json:"location"`
	Resource         *GCPResource  `json:"resource,omitempty"`
	Tags             []GCPKeyValue `json:"tags"`
	Price            *GCPPrice     `json:"price,omitempty"`
	TransactionType  string        `json:"transaction_type"`
	SellerName       string        `json:"seller_name"`
	ExportTime       BQTime        `json:"export_time"`
	Cost             float64       `json:"cost"`
	Currency         string        `json:"currency"`
	ConversionRate   float64       `json:"currency_conversion_rate"`
	Usage            GCPUsage      `json:"usage"`
	Credits          []GCPCredit   `json:"credits"`
	Invoice          GCPInvoice    `json:"invoice"`
	CostType         string        `json:"cost_type"`
	CostAtList       float64       `json:"cost_at_list"`
}

// GCPProject is the project a row is charged to.
type GCPProject struct {
	ID              string        `json:"id"`
	Number          string        `json:"number"`
	Name            string        `json:"name"`
	Labels          []GCPKeyValue `json:"labels"`
	AncestryNumbers string        `json:"ancestry_numbers"`
}

// GCPLocation is where the usage happened.
type GCPLocation struct {
	Location string `json:"location"`
	Country  string `json:"country"`
	Region   string `json:"region"`
	Zone     string `json:"zone,omitempty"`
}

// GCPResource names the resource (detailed export).
type GCPResource struct {
	Name       string `json:"name"`
	GlobalName string `json:"global_name"`
}

// GCPPrice is the effective price of the row (detailed export).
type GCPPrice struct {
	EffectivePrice      float64 `json:"effective_price"`
	TierStartAmount     float64 `json:"tier_start_amount"`
	Unit                string  `json:"unit"`
	PricingUnitQuantity float64 `json:"pricing_unit_quantity"`
}

// GCPUsage is the quantity used.
type GCPUsage struct {
	Amount               float64 `json:"amount"`
	Unit                 string  `json:"unit"`
	AmountInPricingUnits float64 `json:"amount_in_pricing_units"`
	PricingUnit          string  `json:"pricing_unit"`
}

// GCPCredit is a credit on a row; amounts are negative.
type GCPCredit struct {
	Name     string  `json:"name"`
	Amount   float64 `json:"amount"`
	FullName string  `json:"full_name"`
	ID       string  `json:"id"`
	Type     string  `json:"type"`
}

// GCPInvoice is the invoice month of the row.
type GCPInvoice struct {
	Month string `json:"month"`
}

// GCP export table names for the billing account.
func gcpTableNames(billingID string) (resource, standard string) {
	id := strings.ReplaceAll(billingID, "-", "_")
	return "gcp_billing_export_resource_v1_" + id, "gcp_billing_export_v1_" + id
}

func kvs(pairs [][2]string) []GCPKeyValue {
	out := make([]GCPKeyValue, 0, len(pairs))
	for _, p := range pairs {
		out = append(out, GCPKeyValue{p[0], p[1]})
	}
	return out
}

// exportRow converts a row; withResource selects the detailed table's form.
func (o *org) exportRow(r *gcpRow, withResource bool) GCPExportRow {
	e := GCPExportRow{
		BillingAccountID: o.gcp.BillingID, Service: r.svc, SKU: r.sku,
		UsageStartTime: BQTime(r.start), UsageEndTime: BQTime(r.end),
		Project: GCPProject{ID: o.gcp.ProjectID, Number: o.gcp.ProjectNumber, Name: o.gcp.ProjectName,
			Labels: []GCPKeyValue{{"env", "prod"}}, AncestryNumbers: "/" + o.gcp.Ancestry + "/"},
		Labels: kvs(r.labels), SystemLabels: kvs(r.sysLabels), Tags: []GCPKeyValue{},
		TransactionType: "GOOGLE", SellerName: "Google",
		ExportTime: BQTime(r.end.Add(time.Duration(70+hashKey(o.seed, uint64(r.seq))%170) * time.Minute)),
		Cost:       float(r.cost), Currency: "USD", ConversionRate: 1,
		Usage:    GCPUsage{Amount: r.usage, Unit: r.usageUnit, AmountInPricingUnits: roundTo(r.pricing, 10), PricingUnit: r.priceUnit},
		Credits:  []GCPCredit{},
		Invoice:  GCPInvoice{Month: r.start.Format("200601")},
		CostType: "regular", CostAtList: float(r.list),
	}
	loc := r.region
	e.Location = GCPLocation{Location: loc, Country: "US", Region: loc, Zone: r.zone}
	if r.zone != "" {
		e.Location.Location = r.zone
	}
	if loc == "us" {
		e.Location.Region = ""
	}
	for _, c := range r.credits {
		e.Credits = append(e.Credits, GCPCredit{Name: c.Name, Amount: float(c.Amount), FullName: c.FullName, ID: c.ID, Type: c.Type})
	}
	if withResource {
		if r.resName != "" {
			e.Resource = &GCPResource{Name: r.resName, GlobalName: r.resGlobal}
		} else {
			e.Resource = &GCPResource{}
		}
		e.Price = &GCPPrice{EffectivePrice: float(r.price), Unit: r.priceUnit, PricingUnitQuantity: 1}
	}
	return e
}

// writeGCP writes rows as newline-delimited JSON.
func (o *org) writeGCP(out io.Writer, rows []*gcpRow, withResource bool) error {
	bw := bufio.NewWriterSize(out, 1<<16)
	enc := json.NewEncoder(bw)
	if withResource {
		for _, r := range rows {
			if err := enc.Encode(o.exportRow(r, true)); err != nil {
				return fmt.Errorf("encode GCP row: %w", err)
			}
		}
		return bw.Flush()
	}
	for _, r := range standardRows(rows) {
		if err := enc.Encode(o.exportRow(r, false)); err != nil {
			return fmt.Errorf("encode GCP row: %w", err)
		}
	}
	return bw.Flush()
}

// standardRows aggregates resource-level rows the way the standard export
// does: one row per service, SKU, hour, labels and location.
func standardRows(rows []*gcpRow) []*gcpRow {
	type key struct {
		sku, labels, sys, zone string
		start                  time.Time
	}
	idx := map[key]*gcpRow{}
	var out []*gcpRow
	for _, r := range rows {
		k := key{r.sku.ID, fmt.Sprint(r.labels), fmt.Sprint(r.sysLabels), r.zone, r.start}
		a, ok := idx[k]
		if !ok {
			c := *r
			c.credits = append([]gcpCredit(nil), r.credits...)
			c.resName, c.resGlobal = "", ""
			idx[k] = &c
			out = append(out, &c)
			continue
		}
		a.cost = add(a.cost, r.cost)
		a.list = add(a.list, r.list)
		a.usage += r.usage
		a.pricing += r.pricing
	next:
		for _, c := range r.credits {
			for i := range a.credits {
				if a.credits[i].Type == c.Type && a.credits[i].Name == c.Name {
					a.credits[i].Amount = add(a.credits[i].Amount, c.Amount)
					continue next
				}
			}
			a.credits = append(a.credits, c)
		}
	}
	return out
}
