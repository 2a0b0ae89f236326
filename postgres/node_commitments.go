package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// NodeBillLine is what the bill charged for one instance's eligible usage
// (the usage commitments can cover) over a span: per commitment covering
// it, and for the part none covers (CommitmentID "").
type NodeBillLine struct {
	ResourceID         string
	BillingAccountID   string
	Provider           string
	Region             string
	CommitmentID       string
	CommitmentType     string // CommitmentDiscountType, e.g. "Reserved Instance"
	CommitmentCategory string // Spend or Usage
	ListCost           tally.Money
	EffectiveCost      tally.Money
	// Charged is, from NodeBillOver, the start of the first hour to the end
	// of the last hour its lines charge (a commitment's: the hours it
	// covered the instance, first to last), and InstanceListCost what all
	// the instance's eligible usage cost at list prices in those hours
	// (covered or not). Zero from NodeBill.
	Charged          tally.Window
	InstanceListCost tally.Money
}

// NodeBill returns the eligible usage of the instances ids (their
// CostLine.ResourceID) over the last 24 hours of their bill before until
// (the bill is looked for in the week before until: it arrives a day or
// two late), per instance and covering commitment, and that span. Lines
// longer than an hour (daily FOCUS lines) are left out. No line: an empty
// span.
func (db *DB) NodeBill(ctx context.Context, ids []string, until time.Time) ([]NodeBillLine, tally.Window, error) {
	var span tally.Window
	if len(ids) == 0 {
		return nil, span, nil
	}
	rows, err := db.pool.Query(ctx, `
		WITH l AS (`+nodeLinesSQL("charge_period_start >= $2::timestamptz - interval '7 days' AND charge_period_start < $2")+`), last AS (
			SELECT max(e) AS e FROM l
		)
		SELECT resource_id, billing_account_id, provider, region_id, cid, max(typ), max(cat), cur,
			sum(list_cost)::text, sum(effective_cost)::text, last.e
		FROM l, last
		WHERE l.s >= last.e - interval '24 hours'
		GROUP BY resource_id, billing_account_id, provider, region_id, cid, cur, last.e
		ORDER BY resource_id, cid`, ids, until)
	if err != nil {
		return nil, span, fmt.Errorf("query the bill of nodes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (NodeBillLine, error) {
		var l NodeBillLine
		var cur, list, eff string
		if err := r.Scan(&l.ResourceID, &l.BillingAccountID, &l.Provider, &l.Region, &l.CommitmentID, &l.CommitmentType, &l.CommitmentCategory,
			&cur, &list, &eff, &span.End); err != nil {
			return l, err
		}
		var err error
		if l.ListCost, err = parseMoney(list, cur); err != nil {
			return l, err
		}
		l.EffectiveCost, err = parseMoney(eff, cur)
		return l, err
	})
	if err != nil {
		return nil, span, fmt.Errorf("query the bill of nodes: %w", err)
	}
	if len(out) > 0 {
		span.End = span.End.UTC()
		span.Start = span.End.Add(-24 * time.Hour)
	}
	return out, span, nil
}

// NodeBillOver returns the eligible usage of the instances ids charged in
// w, per instance and covering commitment, as NodeBill does of the bill's
// last day: for nodes that come and go, most of which the last day does
// not show. Each line has the hours it charges (Charged) and the
// instance's list cost in them: a commitment that covered an instance for
// part of w covered that part of its list cost then.
func (db *DB) NodeBillOver(ctx context.Context, ids []string, w tally.Window) ([]NodeBillLine, error) {
	if len(ids) == 0 || !w.End.After(w.Start) {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `
		WITH l AS (`+nodeLinesSQL("charge_period_start >= $2 AND charge_period_start < $3")+`), g AS (
			SELECT resource_id, billing_account_id, provider, region_id, cid, max(typ) AS typ, max(cat) AS cat, cur,
				sum(list_cost) AS list, sum(effective_cost) AS eff, min(s) AS s, max(e) AS e
			FROM l
			GROUP BY resource_id, billing_account_id, provider, region_id, cid, cur
		), h AS (
			SELECT resource_id, cur, s, sum(list_cost) AS list
			FROM l
			GROUP BY resource_id, cur, s
		)
		SELECT g.resource_id, g.billing_account_id, g.provider, g.region_id, g.cid, g.typ, g.cat, g.cur,
			g.list::text, g.eff::text, g.s, g.e, sum(h.list)::text
		FROM g JOIN h ON h.resource_id = g.resource_id AND h.cur = g.cur AND h.s >= g.s AND h.s < g.e
		GROUP BY g.resource_id, g.billing_account_id, g.provider, g.region_id, g.cid, g.typ, g.cat, g.cur, g.list, g.eff, g.s, g.e
		ORDER BY g.resource_id, g.cid`, ids, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query the bill of nodes over %s: %w", w, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (NodeBillLine, error) {
		var l NodeBillLine
		var cur, list, eff, inst string
		if err := r.Scan(&l.ResourceID, &l.BillingAccountID, &l.Provider, &l.Region, &l.CommitmentID, &l.CommitmentType, &l.CommitmentCategory,
			&cur, &list, &eff, &l.Charged.Start, &l.Charged.End, &inst); err != nil {
			return l, err
		}
		l.Charged.Start, l.Charged.End = l.Charged.Start.UTC(), l.Charged.End.UTC()
		var err error
		if l.ListCost, err = parseMoney(list, cur); err != nil {
			return l, err
		}
		if l.EffectiveCost, err = parseMoney(eff, cur); err != nil {
			return l, err
		}
		l.InstanceListCost, err = parseMoney(inst, cur)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("query the bill of nodes over %s: %w", w, err)
	}
	return out, nil
}

// UsageScope is the usage a commitment may cover: an account's bill's
// usage of a provider, in a region, of an instance family or type, each
// when not "".
type UsageScope struct {
	Account, Provider, Region, Family, InstanceType string
}

// UncoveredUsage returns the eligible usage in scope charged in span that
// no commitment covers, at on-demand (list) prices, per hour of span, in
// the bill's currency, the instances exclude left out. Zero without a
// currency when there is none.
func (db *DB) UncoveredUsage(ctx context.Context, scope UsageScope, exclude []string, span tally.Window) (tally.Money, error) {
	hours := int64(span.Duration() / time.Hour)
	if hours <= 0 {
		return tally.Money{}, nil
	}
	rows, err := db.pool.Query(ctx, `
		SELECT billing_currency, sum(list_cost)::text
		FROM cost_lines
		WHERE billing_account_id = $1 AND provider = $2 AND ($3 = '' OR region_id = $3) AND NOT (resource_id = ANY(coalesce($4::text[], '{}')))
			AND charge_period_start >= $5 AND charge_period_start < $6
			AND commitment_discount_id = '' AND commitment_discount_status = '' AND `+eligibleSQL+`
			AND ($7 = '' OR split_part(split_part(lower(`+instanceTypeSQL+`), '.', 1), '-', 1) = lower($7))
			AND ($8 = '' OR lower(`+instanceTypeSQL+`) = lower($8))
		GROUP BY 1`, scope.Account, scope.Provider, scope.Region, exclude, span.Start, span.End, scope.Family, scope.InstanceType)
	if err != nil {
		return tally.Money{}, fmt.Errorf("query uncovered usage: %w", err)
	}
	sums, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Money, error) {
		var cur, sum string
		if err := r.Scan(&cur, &sum); err != nil {
			return tally.Money{}, err
		}
		return parseMoney(sum, cur)
	})
	if err != nil {
		return tally.Money{}, fmt.Errorf("query uncovered usage: %w", err)
	}
	switch len(sums) {
	case 0:
		return tally.Money{}, nil
	case 1:
		return sums[0].MulRatio(1, uint64(hours))
	}
	return tally.Money{}, fmt.Errorf("uncovered usage of account %s in %s and %s: %w", scope.Account, sums[0].Currency(), sums[1].Currency(), tally.ErrCurrencyMismatch)
}

// nodeLinesSQL selects the eligible hourly usage lines of the instances $1
// charged when (a condition on charge_period_start), with the commitment
// each used (” for none) and their costs.
func nodeLinesSQL(when string) string {
	return `
			SELECT resource_id, billing_account_id, provider, region_id, billing_currency AS cur,
				CASE WHEN commitment_discount_status = 'Used' THEN commitment_discount_id ELSE '' END AS cid,
				commitment_discount_type AS typ, commitment_discount_category AS cat, list_cost, effective_cost,
				charge_period_start AS s, charge_period_end AS e
			FROM cost_lines
			WHERE resource_id = ANY($1) AND resource_id <> '' AND ` + when + `
				AND charge_period_end - charge_period_start <= interval '1 hour' AND ` + eligibleSQL + `
		`
}

// CoveredInstanceTypes returns, by commitment of ids, the instance types
// of the usage the bill shows it covering in w, each type once, sorted:
// what tells a Reserved Instance known only from the bill to be size
// flexible (it covered more than one size of its family).
func (db *DB) CoveredInstanceTypes(ctx context.Context, ids []string, w tally.Window) (map[string][]string, error) {
	out := map[string][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `
		SELECT commitment_discount_id, array_agg(DISTINCT lower(`+instanceTypeSQL+`) ORDER BY lower(`+instanceTypeSQL+`))
		FROM cost_lines
		WHERE commitment_discount_id = ANY($1) AND commitment_discount_status = 'Used'
			AND charge_period_start >= $2 AND charge_period_start < $3 AND `+eligibleSQL+`
		GROUP BY 1`, ids, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query the instance types commitments covered over %s: %w", w, err)
	}
	var id string
	var types []string
	if _, err := pgx.ForEachRow(rows, []any{&id, &types}, func() error {
		out[id] = slices.DeleteFunc(slices.Clone(types), func(t string) bool { return t == "other" })
		return nil
	}); err != nil {
		return nil, fmt.Errorf("query the instance types commitments covered over %s: %w", w, err)
	}
	return out, nil
}
