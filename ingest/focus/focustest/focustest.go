// Package focustest writes synthetic FOCUS 1.0 CSV with the sample's columns,
// for the crash test and the ingest benchmark.
package focustest

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Header is the FOCUS 1.0 sample's header.
const Header = `"AvailabilityZone","BilledCost","BillingAccountId","BillingAccountName","BillingCurrency","BillingPeriodEnd","BillingPeriodStart","ChargeCategory","ChargeClass","ChargeDescription","ChargeFrequency","ChargePeriodEnd","ChargePeriodStart","CommitmentDiscountCategory","CommitmentDiscountId","CommitmentDiscountName","CommitmentDiscountStatus","CommitmentDiscountType","ConsumedQuantity","ConsumedUnit","ContractedCost","ContractedUnitPrice","EffectiveCost","InvoiceIssuerName","ListCost","ListUnitPrice","PricingCategory","PricingQuantity","PricingUnit","ProviderName","PublisherName","RegionId","RegionName","ResourceId","ResourceName","ResourceType","ServiceCategory","Id","ServiceName","SkuId","SkuPriceId","SubAccountId","SubAccountName","Tags"`

// Write writes n rows for account in the month starting at month. Costs
// are exact decimals; every third row is tagged.
func Write(w io.Writer, n int, account string, month time.Time, seed int64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.WriteString(Header + "\n"); err != nil {
		return err
	}
	end := month.AddDate(0, 1, 0).Format(time.DateTime)
	start := month.Format(time.DateTime)
	hours := int(month.AddDate(0, 1, 0).Sub(month).Hours())
	buf := make([]byte, 0, 1024)
	for i := 0; i < n; i++ {
		h := month.Add(time.Duration(i%hours) * time.Hour)
		inst := (i/hours + int(seed)) % 5000
		cents := int64((i*7919+int(seed))%100000) + 1
		buf = buf[:0]
		buf = append(buf, `"us-east-1a",`...)
		buf = appendDec(buf, cents)
		buf = append(buf, `,"`...)
		buf = append(buf, account...)
		buf = append(buf, `","Bench","USD","`...)
		buf = append(buf, end...)
		buf = append(buf, `","`...)
		buf = append(buf, start...)
		buf = append(buf, `","Usage",NULL,"m5.large Linux instance-hour","Usage-Based","`...)
		buf = append(buf, h.Add(time.Hour).Format(time.DateTime)...)
		buf = append(buf, `","`...)
		buf = append(buf, h.Format(time.DateTime)...)
		buf = append(buf, `",NULL,NULL,NULL,NULL,NULL,1.000000000000000,"Hrs",`...)
		buf = appendDec(buf, cents)
		buf = append(buf, `,0.096,`...)
		buf = appendDec(buf, cents*2/3)
		buf = append(buf, `,"Amazon Web Services, Inc.",`...)
		buf = appendDec(buf, cents)
		buf = append(buf, `,"0.096","Standard",1.00000000000,"Hrs","AWS","Amazon Web Services, Inc.","us-east-1","US East (N. Virginia)","`...)
		buf = append(buf, fmt.Sprintf("i-%017x", inst)...)
		buf = append(buf, `",NULL,"Instance","Compute",`...)
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, `,"Amazon Elastic Compute Cloud","SKU123","SKU123.JRTCKXETXF","222222222222","prod",`...)
		if i%3 == 0 {
			buf = append(buf, `"{""team"": ""payments"", ""env"": ""prod""}"`...)
		} else {
			buf = append(buf, `NULL`...)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// appendDec appends units/100000 as a decimal with five places.
func appendDec(b []byte, units int64) []byte {
	b = strconv.AppendInt(b, units/100000, 10)
	b = append(b, '.')
	frac := strconv.FormatInt(units%100000, 10)
	for i := len(frac); i < 5; i++ {
		b = append(b, '0')
	}
	return append(b, frac...)
}
