package curtest

import (
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Granularity is a report's time granularity: the interval its lines bill.
type Granularity int

// The granularities of legacy CUR and CUR 2.0 (TIME_GRANULARITY).
const (
	Hourly Granularity = iota
	Daily
	Monthly
)

// Hours returns rows with each one-hour row repeated for n consecutive
// hours from its start, as an hourly report bills a charge running n hours;
// the other rows are kept as they are.
func Hours(rows []Row, n int) []Row {
	var out []Row
	for _, r := range rows {
		if !r.LineItemUsageEndDate.Equal(r.LineItemUsageStartDate.Add(time.Hour)) {
			out = append(out, r)
			continue
		}
		for h := range n {
			c := r
			c.LineItemUsageStartDate = r.LineItemUsageStartDate.Add(time.Duration(h) * time.Hour)
			c.LineItemUsageEndDate = c.LineItemUsageStartDate.Add(time.Hour)
			out = append(out, c)
		}
	}
	return out
}

// Rollup returns hourly rows as a report of granularity g bills them: the
// rows of one charge (usage account, line item type, product, usage type,
// operation, resource, commitment, description) in one day (Daily) or
// billing period (Monthly) are one row over that interval, with their usage
// and costs summed. Rows keep the order of each charge's first row.
func Rollup(rows []Row, g Granularity) []Row {
	if g == Hourly {
		return append([]Row(nil), rows...)
	}
	type key struct {
		account, typ, product, usage, op, resource, ri, sp, desc string
		start                                                    time.Time
	}
	var out []Row
	at := map[key]int{}
	for _, r := range rows {
		start, end := r.BillBillingPeriodStartDate, r.BillBillingPeriodEndDate
		if g == Daily {
			start = r.LineItemUsageStartDate.UTC().Truncate(24 * time.Hour)
			end = start.Add(24 * time.Hour)
		}
		k := key{r.LineItemUsageAccountID, r.LineItemLineItemType, r.LineItemProductCode, r.LineItemUsageType, r.LineItemOperation,
			r.LineItemResourceID, r.ReservationReservationARN, r.SavingsPlanARN, r.LineItemLineItemDescription, start}
		i, ok := at[k]
		if !ok {
			at[k] = len(out)
			r.LineItemUsageStartDate, r.LineItemUsageEndDate = start, end
			r.IdentityTimeInterval = start.Format("2006-01-02T15:04:05Z") + "/" + end.Format("2006-01-02T15:04:05Z")
			out = append(out, r)
			continue
		}
		s := &out[i]
		for _, f := range []struct{ dst, v *float64 }{
			{&s.LineItemUsageAmount, &r.LineItemUsageAmount}, {&s.LineItemUnblendedCost, &r.LineItemUnblendedCost},
			{&s.LineItemBlendedCost, &r.LineItemBlendedCost}, {&s.LineItemNetUnblendedCost, &r.LineItemNetUnblendedCost},
			{&s.PricingPublicOnDemandCost, &r.PricingPublicOnDemandCost}, {&s.ReservationEffectiveCost, &r.ReservationEffectiveCost},
			{&s.ReservationUnusedAmortized, &r.ReservationUnusedAmortized}, {&s.ReservationUnusedRecurring, &r.ReservationUnusedRecurring},
			{&s.SavingsPlanEffectiveCost, &r.SavingsPlanEffectiveCost}, {&s.SavingsPlanTotalCommitment, &r.SavingsPlanTotalCommitment},
			{&s.SavingsPlanUsedCommitment, &r.SavingsPlanUsedCommitment},
		} {
			*f.dst += *f.v
		}
	}
	return out
}

// WriteLegacyReport writes rows as a legacy CUR report's billing period
// starting at period: root/<prefix>/<name>/YYYYMMDD-YYYYMMDD/ with the
// period's manifest and one csv.gz assembly. It returns the report folder.
func WriteLegacyReport(root, prefix, name string, period time.Time, rows []Row) (string, error) {
	dir := period.Format("20060102") + "-" + period.AddDate(0, 1, 0).Format("20060102")
	key := fmt.Sprintf("%s/%s/%s/asm-1/%s-00001.csv.gz", prefix, name, dir, name)
	err := writeFile(root, key, func(f *os.File) error {
		z := gzip.NewWriter(f)
		if err := WriteLegacyCSV(z, rows); err != nil {
			return err
		}
		return z.Close()
	})
	if err == nil {
		err = writeFile(root, fmt.Sprintf("%s/%s/%s/%s-Manifest.json", prefix, name, dir, name), func(f *os.File) error {
			_, err := fmt.Fprintf(f, `{"assemblyId":"asm-1","reportKeys":[%q]}`, key)
			return err
		})
	}
	return filepath.Join(root, filepath.FromSlash(prefix), name), err
}

// WriteExport writes rows as a CUR 2.0 Data Export's billing period
// starting at period: root/<prefix>/<name>/data/BILLING_PERIOD=YYYY-MM/ with
// one Parquet file, and its manifest under metadata/. It returns the export
// folder.
func WriteExport(root, prefix, name string, period time.Time, rows []Row) (string, error) {
	bp := "BILLING_PERIOD=" + period.Format("2006-01")
	key := fmt.Sprintf("%s/%s/data/%s/%s-00001.snappy.parquet", prefix, name, bp, name)
	err := writeFile(root, key, func(f *os.File) error { return WriteParquet(f, rows) })
	if err == nil {
		err = writeFile(root, fmt.Sprintf("%s/%s/metadata/%s/%s-Manifest.json", prefix, name, bp, name), func(f *os.File) error {
			_, err := fmt.Fprintf(f, `{"dataFiles":[%q]}`, "s3://billing/"+key)
			return err
		})
	}
	return filepath.Join(root, filepath.FromSlash(prefix), name), err
}

// writeFile creates root/name (a "/"-separated key) with its folders.
func writeFile(root, name string, write func(f *os.File) error) error {
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
