package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
)

// eligibleSQL selects the cost lines of usage commitments can cover: compute
// usage (EC2 instances, GCP cores and RAM, FOCUS ServiceCategory Compute,
// Fargate, Lambda duration), covered or not, except spot, Lambda's requests
// and Lambda@Edge, the SavingsPlanNegation lines that cancel covered
// usage's on-demand amounts, the EKS control plane's per-cluster fee
// (ServiceCategory Compute, but no Savings Plan or reservation covers it),
// and the rows of unused commitment (FOCUS writes them as Usage with status
// Unused: commitment lost, which the KPIs count as such, not usage).
const eligibleSQL = `(charge_category = 'Usage' AND pricing_category <> 'Dynamic'
	AND commitment_discount_status <> 'Unused' AND NOT ` + nonComputeSQL + `
	AND coalesce(extras->>'x_LineItemType', '') <> 'SavingsPlanNegation'
	AND coalesce(extras->>'x_UsageType', '') !~* 'AmazonEKS-Hours:perCluster'
	AND NOT (commitment_discount_id <> '' AND commitment_discount_status = '')
	AND charge_description !~* '^(spot|preemptible)'
	AND NOT (` + lambdaSQL + ` AND coalesce(extras->>'x_UsageType', '') <> '' AND NOT ` + lambdaComputeSQL + `)
	AND (commitment_discount_status = 'Used'
	     OR service_category IN ('Compute', 'Compute Instance')
	     OR (coalesce(extras->>'x_InstanceType', '') <> '' AND ` + ec2ProductSQL + `)
	     OR (` + lambdaSQL + ` AND ` + lambdaComputeSQL + `)
	     OR (provider = 'gcp' AND service_name = 'Compute Engine' AND charge_description ~* 'instance (core|ram)')))`

// ec2ProductSQL selects the lines of EC2 itself, or of no named product:
// other services bill fees per instance type that no Savings Plan or
// reservation covers (EMR's ElasticMapReduce fee on an m5.xlarge, under
// usage type BoxUsage:m5.xlarge), so an instance type alone does not make
// a line eligible.
const ec2ProductSQL = `(provider <> 'aws' OR coalesce(nullif(extras->>'x_ProductCode', ''), extras->>'x_ServiceCode', '') IN ('', 'AmazonEC2'))`

// lambdaSQL selects AWS Lambda's lines. A CUR gives them the product family
// Serverless (FOCUS the service category Compute).
const lambdaSQL = `(provider = 'aws' AND coalesce(nullif(extras->>'x_ProductCode', ''), extras->>'x_ServiceCode', '') = 'AWSLambda')`

// lambdaComputeSQL selects, of Lambda's lines, the usage Compute Savings
// Plans cover: duration and provisioned concurrency (x86 and Arm), not
// requests or Lambda@Edge. Having no instance type, it is a stream of
// Compute Savings Plans alone.
const lambdaComputeSQL = `(coalesce(extras->>'x_UsageType', '') ~* '(^|-)Lambda-(GB-Second|Provisioned-Concurrency|Provisioned-GB-Second)(-ARM)?$')`

// nonComputeSQL selects the AWS lines outside the compute commitments:
// those of services which neither Compute nor EC2 Instance
// Savings Plans nor EC2 reservations cover. Some have an instance type too
// ("db.r5.large") and reservations of their own (RDS, ElastiCache, …);
// others are what a Database Savings Plan covers (DynamoDB, Aurora DSQL,
// Timestream, Keyspaces (AmazonMCS), DMS: the service codes of the Savings
// Plans API's offering rates). Their usage is not eligible, and their
// commitments' used and unused parts are not the compute KPIs. So are the
// fee lines of the other Savings Plans: SageMaker's, which a CUR bills
// under MachineLearningSavingsPlans (a Compute Savings Plan's are
// ComputeSavingsPlans'), and any whose savings_plan_offering_type
// (x_SavingsPlanOfferingType) is neither ComputeSavingsPlans nor
// EC2InstanceSavingsPlans: a Database Savings Plan's, whose product code
// is not known here, and those of types to come.
const nonComputeSQL = `(provider = 'aws' AND (coalesce(nullif(extras->>'x_ProductCode', ''), extras->>'x_ServiceCode', '') IN
	('AmazonRDS', 'AmazonElastiCache', 'AmazonES', 'AmazonOpenSearchService', 'AmazonRedshift', 'AmazonMemoryDB',
	 'AmazonDocDB', 'AmazonNeptune', 'AmazonDAX', 'AmazonSageMaker', 'MachineLearningSavingsPlans',
	 'AmazonDynamoDB', 'AuroraDSQL', 'AmazonTimestream', 'AmazonMCS', 'AWSDatabaseMigrationSvc')
	OR coalesce(extras->>'x_SavingsPlanOfferingType', '') NOT IN ('', 'ComputeSavingsPlans', 'EC2InstanceSavingsPlans')))`

// gcpFeeSQL selects the GCP export's commitment fee lines. Those of a
// resource-based or Compute flexible commitment that the reader amortized
// have the status Unused: their effective cost is the unused part of the
// fee, the rest (billed − effective) went to the usage the commitment
// covered. So do those of spend-based commitments of the consumption model
// (extra x_CUDModel consumption, whatever their SKU's name): their net
// cost is the unused part, the used part their FEE_UTILIZATION_OFFSET
// credit (see gcpFeeUsedSQL). The others (legacy spend-based commitments
// of other products; bills ingested before the reader amortized) carry no
// status.
const gcpFeeSQL = `(source = 'gcp-billing' AND charge_category = 'Purchase' AND commitment_discount_status IN ('', 'Unused')
	AND (charge_description ILIKE 'Commitment%' OR coalesce(extras->>'x_CUDModel', '') = 'consumption'))`

// gcpFeeUsedSQL is the used part of a fee line of gcpFeeSQL with the
// status Unused: what the reader amortized into the usage (billed −
// effective cost) plus what its FEE_UTILIZATION_OFFSET credit took off
// (the consumption model's, in the line's extras as the reader summed it).
const gcpFeeUsedSQL = `(billed_cost - effective_cost - coalesce(nullif(extras->>'x_Credit_FEE_UTILIZATION_OFFSET', '')::numeric, 0))`

// gcpResourceFeeSQL selects, of gcpFeeSQL's lines, those of resource-based
// commitments ("Commitment v1: N2 Cpu in Americas for 1 Year"; spend-based
// ones are "Commitment - dollar based v1: …").
const gcpResourceFeeSQL = `(charge_description ILIKE 'Commitment v1:%')`

// instanceTypeSQL names a line's stream: the EC2 instance type (the line's
// x_InstanceType, its usage type's BoxUsage:…, else its price
// description's), or for GCP the machine series ("n2-compute").
const instanceTypeSQL = `CASE WHEN provider = 'gcp'
		THEN lower(split_part(regexp_replace(charge_description, '^((spot|preemptible) )+', '', 'i'), ' ', 1)) || '-compute'
	ELSE coalesce(nullif(extras->>'x_InstanceType', ''),
		nullif(substring(coalesce(extras->>'x_UsageType', '') from 'BoxUsage:(.+)$'), ''),
		(regexp_match(charge_description, '` + ec2DescriptionRE + `'))[2], 'other') END`

// ec2DescriptionRE matches the AWS price description of an hour of an EC2
// instance on demand, "$0.376 per On Demand Windows m5.xlarge Instance
// Hour": its first group is the platform's words, its second the instance
// type. A FOCUS file from AWS has no operation or instance type column,
// and describes its EC2 lines so, covered ones too.
const ec2DescriptionRE = `^\S+ per On Demand (.+) ([a-z][a-z0-9-]*\.[a-z0-9-]+) Instance Hour$`

// platformSQL names the platform of a line's EC2 usage from its operation
// (x_Operation, the CUR's lineItem/Operation) by tally.OperationPlatforms,
// and for a line without an operation (a FOCUS file's)
// from the words of its price description (ec2DescriptionRE) by
// tally.DescriptionPlatforms: "" for Linux/UNIX (plain RunInstances,
// "On Demand Linux"), for other operations (Fargate, Lambda) and for lines
// with neither (GCP); a RunInstances code or description words the tables
// do not list are a platform of their own, named by them.
var platformSQL = ec2PlatformSQL(tally.OperationPlatforms, tally.DescriptionPlatforms)

func ec2PlatformSQL(operations, descriptions map[string]string) string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	var b strings.Builder
	cases := func(m map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			fmt.Fprintf(&b, " WHEN %s THEN %s", quote(k), quote(m[k]))
		}
	}
	words := `(regexp_match(charge_description, '` + ec2DescriptionRE + `'))[1]`
	b.WriteString(`CASE WHEN provider <> 'aws' THEN '' ELSE CASE coalesce(extras->>'x_Operation', '')`)
	cases(operations)
	b.WriteString(` WHEN '' THEN coalesce(CASE ` + words)
	cases(descriptions)
	b.WriteString(` ELSE ` + words + ` END, '')`)
	b.WriteString(` ELSE CASE WHEN extras->>'x_Operation' LIKE 'RunInstances:%' THEN extras->>'x_Operation' ELSE '' END END END`)
	return b.String()
}

// CommitmentSums returns the sums the commitment KPIs are ratios of, per
// step (hour, day or month), provider and currency, for the bill of account
// ("" for all) charged in w, computed in SQL in numeric. A line longer than
// an hour (a monthly RI fee) is spread evenly over its hours.
func (db *DB) CommitmentSums(ctx context.Context, account string, w tally.Window, step string) ([]commitments.BillingSums, error) {
	switch step {
	case "hour", "day", "month":
	default:
		return nil, tally.Errorf(tally.EInvalid, "step %q: want hour, day or month", step)
	}
	rows, err := db.pool.Query(ctx, `
		WITH src AS (
			SELECT provider, billing_currency AS cur, source, commitment_discount_status AS st, list_cost, effective_cost,
				CASE WHEN commitment_discount_status = 'Unused' AND `+gcpFeeSQL+` THEN `+gcpFeeUsedSQL+` ELSE 0 END AS fu,
				charge_period_start AS s, charge_period_end AS e,
				`+eligibleSQL+` AS eligible, `+gcpFeeSQL+` AS fee, `+gcpResourceFeeSQL+` AS rfee, `+nonComputeSQL+` AS nc
			FROM cost_lines
			WHERE ($1 = '' OR billing_account_id = $1) AND (charge_period_end > $2 OR charge_period_start >= $2) AND charge_period_start < $3
		), kpi AS (
			SELECT row_number() OVER () AS id, * FROM src WHERE eligible OR (st = 'Unused' AND NOT nc) OR fee
		), long AS (
			-- Lines longer than an hour (monthly RI fees, daily lines) are
			-- spread over their hours; each bucket's share is a difference of
			-- rounded cumulative shares, so the shares sum to the line exactly.
			SELECT id, date_trunc($4, g) AS bucket, g >= $2 AND g < $3 AS inside, count(*) AS n
			FROM kpi, generate_series(s, e - interval '1 microsecond', interval '1 hour') AS g
			WHERE e - s > interval '1 hour'
			GROUP BY 1, 2, 3
		), share AS (
			SELECT id, bucket, inside, sum(n) OVER w AS c, sum(n) OVER w - n AS b, sum(n) OVER (PARTITION BY id) AS t
			FROM long WINDOW w AS (PARTITION BY id ORDER BY bucket, inside)
		), l AS (
			SELECT date_trunc($4, s) AS bucket, provider, cur, source, st, list_cost, effective_cost, fu, eligible, fee, rfee
			FROM kpi WHERE e - s <= interval '1 hour' AND s >= $2
			UNION ALL
			SELECT x.bucket, provider, cur, source, st,
				round(list_cost * x.c / x.t, 12) - round(list_cost * x.b / x.t, 12),
				round(effective_cost * x.c / x.t, 12) - round(effective_cost * x.b / x.t, 12),
				round(fu * x.c / x.t, 12) - round(fu * x.b / x.t, 12), eligible, fee, rfee
			FROM kpi JOIN share x USING (id)
			WHERE x.inside
		)
		SELECT bucket, provider, cur,
			coalesce(sum(list_cost) FILTER (WHERE eligible), 0)::text,
			coalesce(sum(list_cost) FILTER (WHERE eligible AND st = 'Used'), 0)::text,
			coalesce(sum(effective_cost) FILTER (WHERE eligible), 0)::text,
			(coalesce(sum(effective_cost) FILTER (WHERE eligible AND st = 'Used' AND source <> 'gcp-billing'), 0)
				+ coalesce(sum(fu) FILTER (WHERE fee AND st = 'Unused'), 0))::text,
			coalesce(sum(effective_cost) FILTER (WHERE st = 'Unused'), 0)::text,
			coalesce(sum(effective_cost) FILTER (WHERE fee AND st = ''), 0)::text,
			coalesce(sum(effective_cost) FILTER (WHERE fee AND st = '' AND rfee), 0)::text
		FROM l
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
		account, w.Start, w.End, step)
	if err != nil {
		return nil, fmt.Errorf("query commitment sums: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (commitments.BillingSums, error) {
		var s commitments.BillingSums
		var cur string
		var v [7]string
		if err := r.Scan(&s.Start, &s.Provider, &cur, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]); err != nil {
			return s, err
		}
		s.Start, s.Currency = s.Start.UTC(), tally.Currency(cur)
		for i, dst := range []*tally.Money{&s.EligibleOD, &s.CoveredOD, &s.UsageCost, &s.Used, &s.Unused, &s.Fees, &s.ResourceFees} {
			m, err := parseMoney(v[i], cur)
			if err != nil {
				return s, err
			}
			*dst = m
		}
		return s, nil
	})
}

// coveredSQL selects, among a commitment's lines in BillingCommitments, the
// usage it covered at a known list cost: Used lines other than purchases
// and other than the GCP export's, whose usage lines net other credits
// (sustained use discounts) with the commitment's and whose fee lines cover
// no usage line.
const coveredSQL = `st = 'Used' AND NOT purchase AND source <> 'gcp-billing' AND list_cost > 0`

// chargedSQL selects, among a commitment's lines in BillingCommitments, those
// that charge for its hours: its Used and Unused lines (a CUR's RIFee and
// SavingsPlanRecurringFee lines are Unused ones) and GCP fee lines, not a
// FOCUS file's purchase lines without a status (its upfront and recurring
// fees, whose amounts its Used and Unused lines amortize).
const chargedSQL = `(fee OR st IN ('Used', 'Unused'))`

// recurringSQL selects a commitment's recurring fee lines: what it bills
// every hour or month, at most its hourly commitment (none for All Upfront).
const recurringSQL = `(purchase AND freq = 'Recurring' AND NOT fee)`

// BillingCommitments returns what the bill of account ("" for all) charged
// in w says about each commitment: per CommitmentDiscountId its used and
// unused effective cost, its name (or its fee lines' description) and its
// instance type, and per GCP commitment fee SKU and region its fees: those
// the reader amortized as used (billed − effective) and unused (effective),
// the others as fees. A Reserved Instance's instance type is the one its
// RIFee lines name (a size-flexible one covers other sizes too), else the
// one it covers most, and its zone, for a zonal one, the one its lines name
// (x_ReservationAvailabilityZone). A commitment's platform is that of most
// of its Used lines (platformSQL). Its offering type, term and payment
// option are those its lines' CUR columns give (savings_plan_offering_type,
// savings_plan_purchase_term and savings_plan_payment_option; for a
// reservation pricing_lease_contract_length and pricing_purchase_option),
// "" where the bill has none, and its term's start and end those they date
// it with (savings_plan_start_time and _end_time, reservation_start_time
// and _end_time), zero where they do not. The list and effective cost of the usage it
// covered are those of its Used lines with a list cost (coveredSQL). Its
// hours and last charge are those of the lines that charge for its hours
// (chargedSQL), its first charge the first of them in the whole stored
// bill before w ends (firstCharges), so that a commitment whose bill does
// not date its term starts where it does whatever window is read. What
// they charged in the latest day those of a day or less charged in (a
// longer line its part of the day) and the hours of that day they cover
// are its Latest and LatestHours, its hourly commitment as it stands. Its
// recurring fees are the billed cost of its recurring purchase lines
// (recurringSQL) and the hours they cover, in w and in that latest day
// (LatestRecurring, LatestRecurringHours), and its upfront fees that of
// its one-time purchase lines. The usage it covered is
// also split by stream (region, instance type and platform, as
// EligibleUsage keys them: BillingCommitment.Covered). Lines of services with
// reservations of their own (nonComputeSQL: RDS, ElastiCache, …) are left
// out.
func (db *DB) BillingCommitments(ctx context.Context, account string, w tally.Window) ([]commitments.BillingCommitment, error) {
	bs, err := db.billingCommitments(ctx, account, w)
	if err != nil {
		return nil, err
	}
	covered, err := db.coveredStreams(ctx, account, w)
	if err != nil {
		return nil, err
	}
	first, err := db.firstCharges(ctx, account, w.End)
	if err != nil {
		return nil, err
	}
	for i, b := range bs {
		k := commitmentKey{b.BillingAccountID, b.Provider, b.Currency, b.ID}
		bs[i].Covered = covered[k]
		if f, ok := first[k]; ok && f.Before(b.First) {
			bs[i].First = f
		}
	}
	return bs, nil
}

// commitmentIDSQL is the id BillingCommitments knows a commitment's line
// by: a GCP fee line's SKU description in its region (gcpFeeSQL), else its
// CommitmentDiscountId.
const commitmentIDSQL = `CASE WHEN ` + gcpFeeSQL + ` THEN 'gcp-fee:' || region_id || ':' || charge_description ELSE commitment_discount_id END`

// firstCharges returns the start of the first line of each commitment of
// account ("" for all) in the whole stored bill charged before end that
// charges for its hours (chargedSQL): where a commitment whose bill does
// not date its term started by, whatever window of the bill is read.
func (db *DB) firstCharges(ctx context.Context, account string, end time.Time) (map[commitmentKey]time.Time, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT billing_account_id, provider, billing_currency, `+commitmentIDSQL+`, min(charge_period_start)
		FROM cost_lines
		WHERE ($1 = '' OR billing_account_id = $1) AND charge_period_start < $2 AND NOT `+nonComputeSQL+`
			AND (`+gcpFeeSQL+` OR (commitment_discount_id <> '' AND commitment_discount_status IN ('Used', 'Unused')))
		GROUP BY 1, 2, 3, 4`,
		account, end)
	if err != nil {
		return nil, fmt.Errorf("query first commitment charges: %w", err)
	}
	first := map[commitmentKey]time.Time{}
	for rows.Next() {
		var k commitmentKey
		var at time.Time
		if err := rows.Scan(&k.account, &k.provider, &k.currency, &k.id, &at); err != nil {
			return nil, fmt.Errorf("scan first commitment charge: %w", err)
		}
		first[k] = at.UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read first commitment charges: %w", err)
	}
	return first, nil
}

// billingCommitments is BillingCommitments without the streams.
func (db *DB) billingCommitments(ctx context.Context, account string, w tally.Window) ([]commitments.BillingCommitment, error) {
	rows, err := db.pool.Query(ctx, `
		WITH l AS (
			SELECT billing_account_id, provider, billing_currency AS cur, charge_period_start, charge_period_end,
				commitment_discount_id AS cid, commitment_discount_type AS typ, commitment_discount_category AS cat,
				commitment_discount_status AS st, region_id, charge_description, effective_cost, list_cost, billed_cost, source,
				CASE WHEN `+gcpFeeSQL+` THEN `+gcpFeeUsedSQL+` ELSE 0 END AS fu,
				coalesce(extras->>'CommitmentDiscountName', extras->>'x_CommitmentDiscountName') AS cname, `+gcpFeeSQL+` AS fee,
				charge_category = 'Purchase' AS purchase, charge_frequency AS freq, nullif(`+instanceTypeSQL+`, 'other') AS itype, `+platformSQL+` AS platform,
				`+commitmentIDSQL+` AS id, nullif(extras->>'x_ReservationAvailabilityZone', '') AS zone, nullif(extras->>'x_SavingsPlanOfferingType', '') AS offering,
				coalesce(nullif(extras->>'x_SavingsPlanPurchaseTerm', ''), nullif(extras->>'x_LeaseContractLength', '')) AS term,
				coalesce(nullif(extras->>'x_SavingsPlanPaymentOption', ''), nullif(extras->>'x_PurchaseOption', '')) AS payment,
				coalesce(nullif(extras->>'x_SavingsPlanStartTime', ''), nullif(extras->>'x_ReservationStartTime', '')) AS tstart,
				coalesce(nullif(extras->>'x_SavingsPlanEndTime', ''), nullif(extras->>'x_ReservationEndTime', '')) AS tend
			FROM cost_lines
			WHERE ($1 = '' OR billing_account_id = $1) AND charge_period_start >= $2 AND charge_period_start < $3 AND NOT `+nonComputeSQL+`
		), c AS (
			SELECT *, CASE WHEN st = 'Used' AND source <> 'gcp-billing' THEN effective_cost
				WHEN st = 'Unused' THEN effective_cost + fu WHEN fee AND st = '' THEN effective_cost ELSE 0 END AS charge
			FROM l WHERE fee OR (cid <> '' AND (st IN ('Used', 'Unused') OR purchase))
		), lc AS (
			-- The lines that charge for a commitment's hours and its
			-- recurring fee lines, with the latest day those of the first
			-- of a day or less charged in.
			SELECT billing_account_id, provider, cur, id, charge, billed_cost, charge_period_start AS s, charge_period_end AS e,
				`+chargedSQL+` AS charged, `+recurringSQL+` AS recurring,
				date_trunc('day', max(charge_period_start) FILTER (WHERE `+chargedSQL+` AND charge_period_end - charge_period_start <= interval '1 day')
					OVER (PARTITION BY billing_account_id, provider, cur, id)) AS day
			FROM c WHERE `+chargedSQL+` OR `+recurringSQL+`
		), ld AS (
			-- Their part of that day, pn of pd seconds: all of a line
			-- of the day, a longer line's share of its time.
			SELECT *, CASE WHEN e <= s THEN 1 ELSE extract(epoch FROM least(e, day + interval '1 day') - greatest(s, day)) END AS pn,
				CASE WHEN e <= s THEN 1 ELSE extract(epoch FROM e - s) END AS pd
			FROM lc WHERE s < day + interval '1 day' AND (e > day OR s >= day)
		), la AS (
			-- What they charged in that day, and the recurring fees billed.
			SELECT billing_account_id, provider, cur, id,
				round(coalesce(sum(charge * pn / pd) FILTER (WHERE charged), 0), 9) AS amount,
				round(coalesce(sum(billed_cost * pn / pd) FILTER (WHERE recurring), 0), 9) AS ramount
			FROM ld GROUP BY 1, 2, 3, 4
		), lh AS (
			SELECT billing_account_id, provider, cur, id, count(DISTINCT g) FILTER (WHERE charged) AS hours,
				count(DISTINCT g) FILTER (WHERE recurring) AS rhours
			FROM ld, generate_series(greatest(date_trunc('hour', s), day),
				least(greatest(e, s + interval '1 microsecond'), day + interval '1 day') - interval '1 microsecond', interval '1 hour') AS g
			GROUP BY 1, 2, 3, 4
		), h AS (
			-- The hours the charges cover: a monthly RI fee line covers
			-- every hour of its month, not only the one it starts in.
			SELECT billing_account_id, provider, cur, id, count(DISTINCT g) FILTER (WHERE `+chargedSQL+`) AS hours,
				count(DISTINCT g) FILTER (WHERE `+recurringSQL+`) AS rhours
			FROM c, generate_series(date_trunc('hour', charge_period_start),
				greatest(charge_period_end, charge_period_start + interval '1 microsecond') - interval '1 microsecond',
				interval '1 hour') AS g
			GROUP BY 1, 2, 3, 4
		)
		SELECT billing_account_id, provider, cur, id,
			max(typ), max(cat), CASE WHEN bool_or(fee) THEN max(charge_description)
				ELSE coalesce(max(cname), max(charge_description) FILTER (WHERE purchase AND `+chargedSQL+`), '') END, max(region_id),
			coalesce(mode() WITHIN GROUP (ORDER BY itype) FILTER (WHERE typ = 'Reserved Instance' AND st = 'Unused' AND purchase AND itype IS NOT NULL),
				mode() WITHIN GROUP (ORDER BY itype) FILTER (WHERE st = 'Used' AND NOT purchase AND itype IS NOT NULL), ''),
			coalesce(mode() WITHIN GROUP (ORDER BY platform) FILTER (WHERE st = 'Used' AND NOT purchase AND itype IS NOT NULL), ''),
			coalesce(max(zone) FILTER (WHERE typ = 'Reserved Instance' AND `+chargedSQL+`), ''),
			coalesce(max(offering), ''), coalesce(max(term), ''), coalesce(max(payment), ''), coalesce(min(tstart), ''), coalesce(max(tend), ''),
			coalesce(min(charge_period_start) FILTER (WHERE `+chargedSQL+`), min(charge_period_start)),
			coalesce(max(charge_period_end) FILTER (WHERE `+chargedSQL+`), max(charge_period_end)), max(h.hours), max(h.rhours),
			(coalesce(sum(effective_cost) FILTER (WHERE st = 'Used' AND source <> 'gcp-billing'), 0)
				+ coalesce(sum(fu) FILTER (WHERE fee AND st = 'Unused'), 0))::text,
			coalesce(sum(effective_cost) FILTER (WHERE st = 'Unused'), 0)::text,
			coalesce(sum(effective_cost) FILTER (WHERE fee AND st = ''), 0)::text,
			coalesce(sum(list_cost) FILTER (WHERE `+coveredSQL+`), 0)::text,
			coalesce(sum(effective_cost) FILTER (WHERE `+coveredSQL+`), 0)::text,
			coalesce(sum(billed_cost) FILTER (WHERE `+recurringSQL+`), 0)::text,
			coalesce(sum(billed_cost) FILTER (WHERE purchase AND freq = 'One-Time' AND NOT fee), 0)::text,
			coalesce(max(la.amount), 0)::text, coalesce(max(lh.hours), 0),
			coalesce(max(la.ramount), 0)::text, coalesce(max(lh.rhours), 0)
		FROM c JOIN h USING (billing_account_id, provider, cur, id)
			LEFT JOIN la USING (billing_account_id, provider, cur, id) LEFT JOIN lh USING (billing_account_id, provider, cur, id)
		GROUP BY 1, 2, 3, 4 ORDER BY 1, 4`,
		account, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query billing commitments: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (commitments.BillingCommitment, error) {
		var b commitments.BillingCommitment
		var cur string
		var sums [9]string
		var termStart, termEnd string
		if err := r.Scan(&b.BillingAccountID, &b.Provider, &cur, &b.ID, &b.Type, &b.Category, &b.Name, &b.Region, &b.InstanceType,
			&b.Platform, &b.Zone, &b.OfferingType, &b.PurchaseTerm, &b.PaymentOption, &termStart, &termEnd, &b.First, &b.Last, &b.Hours, &b.RecurringHours,
			&sums[0], &sums[1], &sums[2], &sums[3], &sums[4], &sums[5], &sums[6], &sums[7], &b.LatestHours,
			&sums[8], &b.LatestRecurringHours); err != nil {
			return b, err
		}
		b.First, b.Last, b.Currency = b.First.UTC(), b.Last.UTC(), tally.Currency(cur)
		b.TermStart, b.TermEnd = billTime(termStart), billTime(termEnd)
		for i, m := range []*tally.Money{&b.Used, &b.Unused, &b.Fees, &b.CoveredList, &b.CoveredEffective, &b.Recurring, &b.Upfront, &b.Latest, &b.LatestRecurring} {
			var err error
			if *m, err = parseMoney(sums[i], cur); err != nil {
				return b, err
			}
		}
		return b, nil
	})
}

// commitmentKey identifies a commitment among BillingCommitments'.
type commitmentKey struct {
	account, provider string
	currency          tally.Currency
	id                string
}

// coveredStreams returns the usage each commitment of account ("" for all)
// covered in w (coveredSQL) per stream, keyed as EligibleUsage keys streams.
// It is a query of its own rather than a join in billingCommitments: joined
// to that query's materialized lines, it took minutes on a freshly loaded
// demo database.
func (db *DB) coveredStreams(ctx context.Context, account string, w tally.Window) (map[commitmentKey][]commitments.CoveredStream, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT billing_account_id, provider, cur, cid, region_id, itype, platform, sum(list_cost)::text, sum(effective_cost)::text
		FROM (SELECT billing_account_id, provider, billing_currency AS cur, commitment_discount_id AS cid,
				commitment_discount_status AS st, charge_category = 'Purchase' AS purchase, source, list_cost, effective_cost,
				region_id, `+instanceTypeSQL+` AS itype, `+platformSQL+` AS platform
			FROM cost_lines
			WHERE ($1 = '' OR billing_account_id = $1) AND charge_period_start >= $2 AND charge_period_start < $3
				AND commitment_discount_id <> '' AND NOT `+nonComputeSQL+`) l
		WHERE `+coveredSQL+`
		GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 4, 5, 6, 7`,
		account, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query covered streams: %w", err)
	}
	defer rows.Close()
	covered := make(map[commitmentKey][]commitments.CoveredStream)
	for rows.Next() {
		var k commitmentKey
		var c commitments.CoveredStream
		var list, effective string
		if err := rows.Scan(&k.account, &k.provider, &k.currency, &k.id, &c.Region, &c.InstanceType, &c.Platform, &list, &effective); err != nil {
			return nil, fmt.Errorf("scan covered stream: %w", err)
		}
		if c.List, err = parseMoney(list, string(k.currency)); err != nil {
			return nil, fmt.Errorf("covered stream of %s: %w", k.id, err)
		}
		if c.Effective, err = parseMoney(effective, string(k.currency)); err != nil {
			return nil, fmt.Errorf("covered stream of %s: %w", k.id, err)
		}
		covered[k] = append(covered[k], c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read covered streams: %w", err)
	}
	return covered, nil
}

// EligibleUsage returns the eligible usage of account ("" for all) in w as
// hourly on-demand-equivalent cost (Σ ListCost in numeric) per stream, EC2
// usage's per platform (platformSQL), in the bill's currency (one: two is
// tally.ErrCurrencyMismatch). A line of an hour or less counts in the hour
// its charge period starts. A longer line (a daily FOCUS line) is spread
// evenly over the hours of [ChargePeriodStart, ChargePeriodEnd), as
// CommitmentSums spreads it, and only its hours inside
// w count: its k-th of n parts is round(c·k/n) − round(c·(k−1)/n) at the
// nano, Usage's unit, so the parts of a line sum to the line rounded to the
// nano. Each hour's sum is then rounded to the nano. Usage the simulator
// cannot sum exactly (Usage.CheckRange) is an error.
func (db *DB) EligibleUsage(ctx context.Context, account string, w tally.Window) (*commitments.Usage, error) {
	start := w.Start.UTC().Truncate(time.Hour)
	hours := int(w.End.Sub(start).Hours())
	if hours <= 0 {
		return nil, tally.Errorf(tally.EInvalid, "eligible usage: empty window")
	}
	rows, err := db.pool.Query(ctx, `
		WITH l AS (
			SELECT provider, region_id, `+instanceTypeSQL+` AS itype, `+platformSQL+` AS platform, billing_currency AS cur, list_cost,
				charge_period_start AS s, charge_period_end AS e
			FROM cost_lines
			WHERE ($1 = '' OR billing_account_id = $1) AND (charge_period_end > $2 OR charge_period_start >= $2) AND charge_period_start < $3 AND `+eligibleSQL+`
		), parts AS (
			SELECT date_trunc('hour', s) AS h, provider, region_id, itype, platform, cur, list_cost AS od
			FROM l WHERE e - s <= interval '1 hour' AND s >= $2
			UNION ALL
			-- g.k of n: the line's hours are generate_series' n points.
			SELECT date_trunc('hour', g.at), provider, region_id, itype, platform, cur,
				round(list_cost * g.k / n, 9) - round(list_cost * (g.k - 1) / n, 9)
			FROM l, ceil(extract(epoch FROM e - s) / 3600) AS n,
				generate_series(s, e - interval '1 microsecond', interval '1 hour') WITH ORDINALITY AS g(at, k)
			WHERE e - s > interval '1 hour' AND g.at >= $2 AND g.at < $3
		)
		SELECT h, provider, region_id, itype, platform, cur, sum(od)::text
		FROM parts
		GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1`,
		account, start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query eligible usage: %w", err)
	}
	defer rows.Close()
	u := &commitments.Usage{Name: account, Start: start}
	idx := map[commitments.Stream]int{}
	var cur tally.Currency
	for rows.Next() {
		var h time.Time
		var s commitments.Stream
		var c, od string
		if err := rows.Scan(&h, &s.Provider, &s.Region, &s.InstanceType, &s.Platform, &c, &od); err != nil {
			return nil, fmt.Errorf("scan eligible usage: %w", err)
		}
		if cur == "" {
			cur = tally.Currency(c)
		}
		if tally.Currency(c) != cur {
			return nil, fmt.Errorf("eligible usage in %s and %s: %w", cur, c, tally.ErrCurrencyMismatch)
		}
		m, err := parseMoney(od, c)
		if err != nil {
			return nil, err
		}
		i, ok := idx[s]
		if !ok {
			i = len(u.Streams)
			idx[s] = i
			u.Streams = append(u.Streams, s)
			u.OD = append(u.OD, make([]commitments.Nanos, hours))
		}
		k := int(h.Sub(start) / time.Hour)
		if k >= 0 && k < hours {
			n, err := commitments.NanosOfMoney(m)
			if err != nil {
				return nil, fmt.Errorf("eligible usage of %s at %s: %w", s, h.UTC().Format(time.RFC3339), err)
			}
			u.OD[i][k] += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query eligible usage: %w", err)
	}
	if err := u.CheckRange(); err != nil {
		return nil, fmt.Errorf("eligible usage: %w", err)
	}
	u.Currency = cur
	if u.SUD, err = db.sudShares(ctx, account, start, w.End); err != nil {
		return nil, err
	}
	return u, nil
}

// sudSQL is what sustained use discounts took off a line's list cost. The
// GCP export's reader sums each type of credit in the extra
// x_Credit_<type>: on a line with any, it is the SUSTAINED_USAGE_DISCOUNT
// credits alone (0 when that extra is not a decimal), so that promotions,
// the free tier, negotiated discounts, reseller margins and CUDs are not
// taken for SUDs. A line whose credits are not broken down by type (a FOCUS
// file's) has only its list cost less its effective cost to go by.
const sudSQL = `CASE
	WHEN NOT EXISTS (SELECT 1 FROM jsonb_object_keys(coalesce(extras, '{}')) k WHERE k LIKE 'x\_Credit\_%') THEN list_cost - effective_cost
	WHEN extras->>'x_Credit_SUSTAINED_USAGE_DISCOUNT' ~ '^-?[0-9]+(\.[0-9]+)?$' THEN -(extras->>'x_Credit_SUSTAINED_USAGE_DISCOUNT')::numeric
	ELSE 0 END`

// sudShares returns the share of the list cost of each GCP stream's
// eligible usage no commitment covered in [start, end) that sustained use
// discounts took off (Usage.SUD): Σ sudSQL / Σ ListCost, the
// SUSTAINED_USAGE_DISCOUNT credits where the bill breaks credits down by
// type, not what every credit took off: usage a CUD covers loses its
// SUDs, not its promotions or free tier. Streams whose
// share is not positive are left out.
func (db *DB) sudShares(ctx context.Context, account string, start, end time.Time) (map[commitments.Stream]float64, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT provider, region_id, `+instanceTypeSQL+`, `+platformSQL+`, sum(`+sudSQL+`)::float8 / sum(list_cost)::float8
		FROM cost_lines
		WHERE ($1 = '' OR billing_account_id = $1) AND charge_period_start >= $2 AND charge_period_start < $3
			AND provider = 'gcp' AND commitment_discount_status = '' AND list_cost > 0 AND `+eligibleSQL+`
		GROUP BY 1, 2, 3, 4`,
		account, start, end)
	if err != nil {
		return nil, fmt.Errorf("query sustained use discounts: %w", err)
	}
	defer rows.Close()
	shares := map[commitments.Stream]float64{}
	for rows.Next() {
		var s commitments.Stream
		var share float64
		if err := rows.Scan(&s.Provider, &s.Region, &s.InstanceType, &s.Platform, &share); err != nil {
			return nil, fmt.Errorf("scan sustained use discounts: %w", err)
		}
		if share > 0 {
			shares[s] = share
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sustained use discounts: %w", err)
	}
	return shares, nil
}

// LogCommitmentAction appends an action to the log and returns its id.
func (db *DB) LogCommitmentAction(ctx context.Context, a commitments.Action) (int64, error) {
	at := a.At
	if at.IsZero() {
		at = time.Now()
	}
	var id int64
	err := db.pool.QueryRow(ctx, `
		INSERT INTO commitment_actions (at, billing_account_id, action, status, provider, item_id, operation, request, response, actor, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING action_id`,
		at, a.BillingAccountID, a.Action, a.Status, a.Provider, a.ItemID, a.Operation, rawJSON(a.Request), rawJSON(a.Response),
		a.Actor, a.Error).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("log commitment action: %w", err)
	}
	return id, nil
}

// SettleCommitmentAction records the answer to a purchase logged before it
// was sent (as commitments.StatusUnknown): its status, the provider's
// response and the error. Its error has code tally.ENotFound if no
// such action is waiting for its answer.
func (db *DB) SettleCommitmentAction(ctx context.Context, id int64, status string, resp json.RawMessage, errText string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE commitment_actions SET status = $2, response = $3, error = $4 WHERE action_id = $1 AND status = $5`,
		id, status, rawJSON(resp), errText, commitments.StatusUnknown)
	if err != nil {
		return fmt.Errorf("record the answer to commitment action %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return tally.Errorf(tally.ENotFound, "record the answer to commitment action %d: no such action waits for its answer", id)
	}
	return nil
}

// CommitmentActions returns the latest actions of account ("" for all),
// newest first.
func (db *DB) CommitmentActions(ctx context.Context, account string, limit int) ([]commitments.Action, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT action_id, at, billing_account_id, action, status, provider, item_id, operation, request, response, actor, error
		FROM commitment_actions WHERE $2 = '' OR billing_account_id = $2 ORDER BY action_id DESC LIMIT $1`, limit, account)
	if err != nil {
		return nil, fmt.Errorf("query commitment actions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (commitments.Action, error) {
		var a commitments.Action
		err := r.Scan(&a.ID, &a.At, &a.BillingAccountID, &a.Action, &a.Status, &a.Provider, &a.ItemID, &a.Operation,
			&a.Request, &a.Response, &a.Actor, &a.Error)
		a.At = a.At.UTC()
		return a, err
	})
}

// PurchasedPlanItems returns the purchases of plan items of a billing
// account the action log records as bought (sent with status ok), or as
// perhaps bought (unknown: the answer was lost), with the offering each
// request was sent for.
func (db *DB) PurchasedPlanItems(ctx context.Context, account string) ([]commitments.LoggedPurchase, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT DISTINCT item_id, coalesce(request->>'offeringId', '') FROM commitment_actions
		WHERE billing_account_id = $1 AND action = $2 AND status IN ($3, $4) AND item_id <> ''
		ORDER BY 1, 2`,
		account, commitments.ActionPurchase, commitments.StatusOK, commitments.StatusUnknown)
	if err != nil {
		return nil, fmt.Errorf("query purchased plan items: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (commitments.LoggedPurchase, error) {
		var l commitments.LoggedPurchase
		err := r.Scan(&l.ItemID, &l.OfferingID)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("query purchased plan items: %w", err)
	}
	return out, nil
}

// CommitmentRates returns the commitment rates of the stored price catalog,
// with the on-demand prices the bills list (BilledOnDemandPrices) where
// the catalog has none.
func (db *DB) CommitmentRates(ctx context.Context) (commitments.Rates, error) {
	prices, err := db.Prices(ctx, PriceFilter{})
	if err != nil {
		return commitments.Rates{}, err
	}
	billed, err := db.BilledOnDemandPrices(ctx)
	if err != nil {
		return commitments.Rates{}, err
	}
	return commitments.NewRates(prices).WithOnDemand(billed), nil
}

// BilledOnDemandPrices returns the on-demand price of an hour of each EC2
// instance stream (region, instance type, platform) the AWS bills of their
// last three billing periods list: their eligible usage lines' list cost over
// their pricing quantity in hours. Only lines whose operation is an EC2
// RunInstances one count, or, without an operation, whose description is
// an EC2 instance's on-demand price (ec2DescriptionRE), so that a line
// whose platform is unknown prices no platform; and only lines billed in
// USD, the price catalog's currency, whose prices they are set beside.
func (db *DB) BilledOnDemandPrices(ctx context.Context) ([]commitments.OnDemandPrice, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT region_id, `+instanceTypeSQL+` AS itype, `+platformSQL+` AS platform,
			(sum(list_cost) / sum(pricing_quantity))::float8
		FROM cost_lines
		WHERE provider = 'aws' AND billing_currency = 'USD'
			AND billing_period_start >= (SELECT max(p.billing_period_start) FROM billing_periods p
				JOIN billing_accounts a USING (billing_account_id) WHERE a.provider = 'aws') - interval '2 months'
			AND (coalesce(extras->>'x_Operation', '') LIKE 'RunInstances%'
				OR (coalesce(extras->>'x_Operation', '') = '' AND charge_description ~ '`+ec2DescriptionRE+`'))
			AND lower(pricing_unit) IN ('hrs', 'hours', 'hour') AND pricing_quantity > 0 AND list_cost > 0
			AND `+eligibleSQL+`
		GROUP BY 1, 2, 3`)
	if err != nil {
		return nil, fmt.Errorf("query billed on-demand prices: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (commitments.OnDemandPrice, error) {
		p := commitments.OnDemandPrice{Stream: commitments.Stream{Provider: tally.ProviderAWS}}
		err := r.Scan(&p.Stream.Region, &p.Stream.InstanceType, &p.Stream.Platform, &p.Hourly)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("query billed on-demand prices: %w", err)
	}
	return out, nil
}

// billTime reads a time a bill's column gives as text (RFC 3339, with or
// without fractions of a second: "2026-02-28T09:00:00.000Z"); zero when it
// is empty or not one.
func billTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
