package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// AllocationRows sums stored allocations per step and per the query's
// dimensions. It reads the daily rollup unless the query needs pods, nodes,
// hours or a window that does not start and end at midnight; such a query
// of a window that starts before PrunedBefore is refused. The query is
// validated first (Query.Validate), and one taking longer than the query
// timeout (SetQueryTimeout) is cancelled and reported as tally.EUnavailable.
func (db *DB) AllocationRows(ctx context.Context, q attribution.Query) ([]attribution.Row, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if q.NeedsHourly() {
		if err := db.checkHourlyKept(ctx, "allocations", q.Window); err != nil {
			return nil, err
		}
	}
	sql, args, err := allocationSQL(&q)
	if err != nil {
		return nil, err
	}
	var out []attribution.Row
	err = pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := db.setQueryTimeout(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanAllocationRow(&q))
		return err
	})
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return out, nil
	case errors.As(err, &pgErr) && pgErr.Code == "57014" && ctx.Err() == nil: // query_canceled, not by ctx: the timeout
		return nil, tally.Errorf(tally.EUnavailable, "allocations for %v took longer than %v, the limit of one query: narrow the window, or filter, or aggregate by what the daily rollups keep (cluster, namespace, controller, container, label) over whole days",
			q.Window, db.queryTimeout)
	default:
		return nil, fmt.Errorf("query allocations (%v): %w", q.String(), err)
	}
}

// scanAllocationRow reads a row of allocationSQL's result.
func scanAllocationRow(q *attribution.Query) pgx.RowToFunc[attribution.Row] {
	return func(r pgx.CollectableRow) (attribution.Row, error) {
		var row attribution.Row
		var cur, cost string
		keys := make([]string, len(q.Aggregate))
		dst := []any{&row.Start}
		for i := range keys {
			dst = append(dst, &keys[i])
		}
		dst = append(dst, &row.Cluster, &row.Node, &row.Namespace, &row.Class, &row.CostKind, &cur, &row.Outside, &cost, &row.Estimated,
			&row.CPUCoreHours, &row.CPURequestCoreHours, &row.CPUUsageCoreHours,
			&row.RAMByteHours, &row.RAMRequestByteHours, &row.RAMUsageByteHours, &row.GPUHours, &row.Ran.Start, &row.Ran.End, &row.FromAnnotation)
		if err := r.Scan(dst...); err != nil {
			return row, err
		}
		row.Start, row.Ran.Start, row.Ran.End = row.Start.UTC(), row.Ran.Start.UTC(), row.Ran.End.UTC()
		row.Keys = keys
		var err error
		row.Cost, err = parseMoney(cost, cur)
		return row, err
	}
}

// allocationSQL builds the query. Dimension expressions are fixed SQL
// fragments; label keys, filter values and times are parameters.
func allocationSQL(q *attribution.Query) (string, []any, error) {
	hourly := q.NeedsHourly()
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	table, timeCol, unit := "allocations a", "hour", "1 hour"
	where := []string{"hour >= " + arg(q.Window.Start), "hour < " + arg(q.Window.End)}
	if !hourly {
		table, timeCol, unit = "allocations_daily", "day::timestamp AT TIME ZONE 'UTC'", "1 day"
		if ownerLevel(q) {
			table = "allocations_owner_daily"
		}
		where = []string{"day >= (" + "$1::timestamptz AT TIME ZONE 'UTC')::date", "day < ($2::timestamptz AT TIME ZONE 'UTC')::date"}
	}
	var bucket string
	if q.Step > 0 {
		bucket = fmt.Sprintf("date_bin(%s::interval, %s, %s::timestamptz)", arg(q.Step), timeCol, arg(q.Window.Start))
	} else {
		bucket = arg(q.Window.Start) + "::timestamptz"
	}
	basis, err := costColumn(q.Basis)
	if err != nil {
		return "", nil, err
	}

	dim := func(d attribution.Dimension) (string, error) { return dimensionSQL(d, hourly, q.Aliases, arg) }
	// Filters read a bare pod as without a controller where the query says
	// so (OpenCost's names do the same for groups: web).
	filterDim := func(d attribution.Dimension) (string, error) {
		if q.BarePodsUnowned {
			switch d.Field {
			case "controller":
				return "CASE WHEN workload = '' OR workload_kind = " + arg(tally.KindPod) + " THEN '' ELSE namespace || '/' || workload END", nil
			case "controllerKind":
				return "CASE WHEN workload_kind = " + arg(tally.KindPod) + " THEN '' ELSE workload_kind END", nil
			}
		}
		return dimensionSQL(d, hourly, q.Aliases, arg)
	}
	var keys []string
	for _, d := range q.Aggregate {
		e, err := dim(d)
		if err != nil {
			return "", nil, err
		}
		keys = append(keys, e)
	}
	// Filters on cluster and node apply to every row; the others only to
	// containers and namespaces (idle and shared rows have none of them).
	var scoped, match []string
	for i := range q.Filters {
		f := &q.Filters[i]
		cond, err := filterSQL(f, filterDim, arg)
		if err != nil {
			return "", nil, err
		}
		if f.Scoped() {
			scoped = append(scoped, cond)
		} else {
			match = append(match, cond)
		}
	}
	where = append(where, scoped...)
	class := `CASE container WHEN '__idle__' THEN 'idle' WHEN '__shared__' THEN 'shared' WHEN '__unallocated__' THEN 'unallocated' ELSE '' END`
	matches, outside := "true", "false"
	if len(match) > 0 {
		outside = "NOT coalesce((" + strings.Join(match, " AND ") + "), false)" // idle and shared rows by their own values
		// A row without the label or annotation filtered on has NULL for
		// it: outside the filter, not unknown.
		matches = "coalesce(container IN ('__idle__', '__shared__') OR (" + strings.Join(match, " AND ") + "), false)"
		// Unowned costs have no namespace, label or pod: a filter on those drops them.
		where = append(where, "(container <> '__unallocated__' OR "+strings.Join(match, " AND ")+")")
	}
	estimated := "bool_or(estimated)"
	if !hourly {
		estimated = "sum(estimated_rows) > 0"
	}
	// When the rows ran: from the first start to the last end, in the
	// hourly allocations to the second as attribution recorded them (a
	// row without ran_start ran its whole hour), in the daily rollups whole
	// days.
	ranStart, ranEnd := "min("+timeCol+")", "max("+timeCol+") + interval '"+unit+"'"
	if hourly {
		ranStart, ranEnd = "min(coalesce(ran_start, hour))", "max(coalesce(ran_end, hour + interval '1 hour'))"
	}
	sel := []string{bucket + " AS bucket"}
	for i, k := range keys {
		sel = append(sel, fmt.Sprintf("CASE WHEN %s THEN coalesce(%s, '') ELSE '' END AS k%d", matches, k, i))
	}
	node := "''::text" // rows are per node only for idle by node
	if q.IdleByNode {
		node = "node_name"
	}
	sel = append(sel, "cluster_id", node+" AS node", "namespace", class+" AS class", "cost_kind", "currency", outside+" AS outside",
		"sum("+basis+")::text", estimated,
		"sum(cpu_core_hours)", "sum(cpu_request_core_hours)", "sum(cpu_usage_core_hours)",
		"sum(ram_byte_hours)", "sum(ram_request_byte_hours)", "sum(ram_usage_byte_hours)", "sum(gpu_hours)",
		ranStart, ranEnd)
	fromAnnotation, err := fromAnnotationSQL(q, arg)
	if err != nil {
		return "", nil, err
	}
	sel = append(sel, fromAnnotation)
	groupBy := make([]string, 0, len(keys)+8)
	for i := 0; i < len(keys)+8; i++ {
		groupBy = append(groupBy, strconv.Itoa(i+1))
	}
	sql := "SELECT " + strings.Join(sel, ", ") + "\nFROM " + table + "\nWHERE " + strings.Join(where, " AND ") +
		"\nGROUP BY " + strings.Join(groupBy, ", ")
	return sql, args, nil
}

// bareName is the column holding a controller's, pod's or container's own
// name, which a filter value without a slash matches (OpenCost's
// pod:"api-1"); a value with one matches the namespace-qualified key.
var bareName = map[string]string{"controller": "workload", "pod": "pod", "container": "container"}

// filterSQL returns the condition of filter f, whose dimensions' SQL
// expressions dim gives: a group's alternatives ORed, each of their
// filters ANDed; a negated filter holds where its values' conditions do
// not.
func filterSQL(f *attribution.Filter, dim func(attribution.Dimension) (string, error), arg func(any) string) (string, error) {
	if f.Any != nil {
		alts := make([]string, len(f.Any))
		for i, all := range f.Any {
			conds := make([]string, len(all))
			for j := range all {
				c, err := filterSQL(&all[j], dim, arg)
				if err != nil {
					return "", err
				}
				conds[j] = c
			}
			alts[i] = "(" + strings.Join(conds, " AND ") + ")"
		}
		return "(" + strings.Join(alts, " OR ") + ")", nil
	}
	if isMap(f.Dim.Field) && f.Dim.Key == "" {
		cond, err := keysSQL(f, dim, arg)
		if err == nil && f.Not {
			cond = "NOT " + cond
		}
		return cond, err
	}
	e, err := dim(f.Dim)
	if err != nil {
		return "", err
	}
	if isMap(f.Dim.Field) || attribution.IsAlias(f.Dim.Field) || f.Dim.Field == "provider" {
		// A missing label is NULL (as is the node of a row without one):
		// "" to its filters, as OpenCost has it, so a negated filter keeps
		// it.
		e = "coalesce(" + e + ", '')"
	}
	cond := valuesSQL(f, e, arg)
	if f.Not {
		cond = "NOT " + cond
	}
	return cond, nil
}

// keysSQL returns the condition that a label (annotation) whose key
// matches one of f's values by f.Op is there, as OpenCost's filters on a
// map without a key: label:"app" (or label~:"app") is there a label app
// (found as dimensionSQL finds it: under its bill's tag keys or its
// Prometheus name too), label<~:"app." one whose key starts with app.
func keysSQL(f *attribution.Filter, dim func(attribution.Dimension) (string, error), arg func(any) string) (string, error) {
	conds := make([]string, len(f.Values))
	for i, v := range f.Values {
		if f.Op == attribution.FilterEqual || f.Op == attribution.FilterContains {
			e, err := dim(attribution.Dimension{Field: f.Dim.Field, Key: v})
			if err != nil {
				return "", err
			}
			conds[i] = "(" + e + ") IS NOT NULL"
			continue
		}
		// Annotations and nodes are in the hourly allocations (a), which a
		// query filtering by them reads (attribution.Query.NeedsHourly).
		keys := "jsonb_object_keys(labels) k"
		switch f.Dim.Field {
		case "annotation":
			keys = "pods p, jsonb_object_keys(p.annotations) k"
		case "nodeLabel":
			keys = "(SELECT n.labels " + nodeAtSQL + ") n, jsonb_object_keys(n.labels) k"
		}
		// A key by its stored name or by its Prometheus name, as OpenCost's
		// clients name labels (see prometheusLabelPath).
		where := "(" + opSQL(f.Op, "k", []string{v}, arg) + " OR " + opSQL(f.Op, `regexp_replace(k, '[^a-zA-Z0-9_]', '_', 'g')`, []string{v}, arg) + ")"
		if f.Dim.Field == "annotation" {
			where = "p.cluster_id = a.cluster_id AND p.pod_uid = a.pod_uid AND " + where
		}
		conds[i] = "EXISTS (SELECT 1 FROM " + keys + " WHERE " + where + ")"
	}
	return "(" + strings.Join(conds, " OR ") + ")", nil
}

// valuesSQL returns the condition that the dimension expression e
// matches one of f's values by f.Op. A controller kind matches without
// regard to case.
func valuesSQL(f *attribution.Filter, e string, arg func(any) string) string {
	col := bareName[f.Dim.Field]
	if f.Dim.Field == "controllerKind" {
		// Kubernetes writes kinds Deployment, OpenCost deployment.
		lower := make([]string, len(f.Values))
		for i, v := range f.Values {
			lower[i] = strings.ToLower(v)
		}
		return opSQL(f.Op, "lower("+e+")", lower, arg)
	}
	if col == "" {
		return opSQL(f.Op, e, f.Values, arg)
	}
	var qualified, bare []string
	for _, v := range f.Values {
		if strings.Contains(v, "/") || v == "" { // "": no controller, pod or container
			qualified = append(qualified, v)
		} else {
			bare = append(bare, v)
		}
	}
	var conds []string
	if len(qualified) > 0 {
		conds = append(conds, opSQL(f.Op, e, qualified, arg))
	}
	if len(bare) > 0 {
		// e is '' for rows without one (idle, shared, unowned costs).
		conds = append(conds, "("+e+" <> '' AND "+opSQL(f.Op, col, bare, arg)+")")
	}
	if len(conds) == 1 {
		return conds[0]
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// opSQL returns the condition that e matches one of values by op.
func opSQL(op attribution.FilterOp, e string, values []string, arg func(any) string) string {
	if op == attribution.FilterEqual {
		return "(" + e + " = ANY(" + arg(values) + "::text[]))"
	}
	conds := make([]string, len(values))
	for i, v := range values {
		switch {
		case v == "": // every value contains, starts and ends with ""
			conds[i] = "true"
		case op == attribution.FilterContains:
			conds[i] = "strpos(" + e + ", " + arg(v) + "::text) > 0"
		case op == attribution.FilterPrefix:
			conds[i] = "starts_with(" + e + ", " + arg(v) + "::text)"
		default: // suffix
			conds[i] = "right(" + e + ", " + arg(utf8.RuneCountInString(v)) + "::int) = " + arg(v) + "::text"
		}
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// ownerLevel reports whether q needs nothing finer than cluster and
// namespace, so allocations_owner_daily answers it.
func ownerLevel(q *attribution.Query) bool {
	coarse := func(d attribution.Dimension) bool { return d.Field == "cluster" || d.Field == "namespace" }
	for _, d := range q.Aggregate {
		if !coarse(d) {
			return false
		}
	}
	for i := range q.Filters {
		for _, d := range q.Filters[i].Dimensions() {
			if !coarse(d) {
				return false
			}
		}
	}
	return true
}

// isMap reports whether field is a map of keys and values: label,
// annotation, nodeLabel.
func isMap(field string) bool {
	return field == "label" || field == "annotation" || field == "nodeLabel"
}

// nodeAtSQL ends a subquery of the node an hourly allocation (a) ran on:
// its cluster's node of its name alive in its hour, the one started last
// where a node of that name was replaced within the hour. Rows of no node
// (costs billed outside the clusters) have none.
const nodeAtSQL = `FROM nodes n WHERE n.cluster_id = a.cluster_id AND n.name = a.node_name AND a.node_name <> ''
	AND n.valid_from < a.hour + interval '1 hour' AND (n.valid_to IS NULL OR n.valid_to > a.hour)
	ORDER BY n.valid_from DESC LIMIT 1`

// dimensionSQL returns the SQL expression of a dimension's value; aliases
// name the labels of OpenCost's alias fields.
func dimensionSQL(d attribution.Dimension, hourly bool, aliases attribution.Aliases, arg func(any) string) (string, error) {
	if attribution.IsAlias(d.Field) && hourly {
		// The label, else the pod's annotation of that name, as OpenCost's
		// aliases (which read namespace labels too: Tally has none).
		label, annotation, err := aliasSQL(d, aliases, arg)
		if err != nil {
			return "", err
		}
		return "coalesce(" + label + ", " + annotation + ")", nil
	}
	switch d.Field {
	case "cluster":
		return "cluster_id", nil
	case "node":
		return "node_name", nil
	case "namespace":
		return "namespace", nil
	case "controllerKind":
		return "workload_kind", nil
	case "controller":
		return "CASE WHEN workload = '' THEN '' ELSE namespace || '/' || workload END", nil
	case "container":
		return "CASE WHEN workload = '' OR container LIKE '\\_\\_%' THEN '' ELSE namespace || '/' || workload || '/' || container END", nil
	case "service":
		return "service", nil
	case "label":
		// A cost billed outside the cluster carries its bill's tag keys:
		// FOCUS and GCP say team, CUR 2.0 user_team, legacy CUR user:team.
		// The label's own key wins where a row has several.
		e := "labels ->> " + arg(d.Key) + "::text, labels ->> " + arg(curTagKey(d.Key)) + "::text, labels ->> " + arg("user:"+d.Key) + "::text"
		if path, ok := prometheusLabelPath(d.Key); ok {
			e += ", jsonb_path_query_first(labels, " + arg(path) + "::jsonpath) #>> '{}'"
		}
		return "coalesce(" + e + ")", nil
	case "pod":
		if hourly {
			return "CASE WHEN pod = '' THEN '' ELSE namespace || '/' || pod END", nil
		}
	case "annotation":
		if hourly {
			return "(SELECT p.annotations ->> " + arg(d.Key) + "::text FROM pods p WHERE p.cluster_id = a.cluster_id AND p.pod_uid = a.pod_uid)", nil
		}
	case "nodeLabel":
		if hourly {
			e := "n.labels ->> " + arg(d.Key) + "::text"
			if path, ok := prometheusLabelPath(d.Key); ok {
				e = "coalesce(" + e + ", jsonb_path_query_first(n.labels, " + arg(path) + "::jsonpath) #>> '{}')"
			}
			return "(SELECT " + e + " " + nodeAtSQL + ")", nil
		}
	case "provider":
		if hourly {
			// The node's instance, as /assets names it (its providerID)
			// and OpenCost's allocations carry it.
			return "(SELECT coalesce(nullif(n.instance_id, ''), n.provider_id) " + nodeAtSQL + ")", nil
		}
	}
	return "", tally.Errorf(tally.EInvalid, "cannot aggregate or filter by %s", d)
}

// aliasSQL returns the SQL expressions of the label and of the pod's
// annotation an alias field (team…) of the hourly allocations reads.
func aliasSQL(d attribution.Dimension, aliases attribution.Aliases, arg func(any) string) (label, annotation string, err error) {
	label, err = aliasLabelSQL(d, aliases, arg)
	if err != nil {
		return "", "", err
	}
	annotation, err = dimensionSQL(attribution.Dimension{Field: "annotation", Key: aliases.Label(d.Field)}, true, aliases, arg)
	return label, annotation, err
}

// aliasLabelSQL returns the SQL expression of the label an alias field
// (team…) of the hourly allocations reads first.
func aliasLabelSQL(d attribution.Dimension, aliases attribution.Aliases, arg func(any) string) (string, error) {
	return dimensionSQL(attribution.Dimension{Field: "label", Key: aliases.Label(d.Field)}, true, aliases, arg)
}

// fromAnnotationSQL returns the SQL array of a result row's
// attribution.Row.FromAnnotation: per dimension, whether it is an alias
// field none of the row's allocations has the label of, so that its value,
// if it has one, is their pods' annotation. It is NULL when no dimension is
// an alias read from the hourly allocations (the daily rollups keep labels
// only).
func fromAnnotationSQL(q *attribution.Query, arg func(any) string) (string, error) {
	if !q.NeedsHourly() || !slices.ContainsFunc(q.Aggregate, isAlias) {
		return "NULL::bool[]", nil
	}
	cols := make([]string, len(q.Aggregate))
	for i, d := range q.Aggregate {
		cols[i] = "false"
		if !isAlias(d) {
			continue
		}
		label, err := aliasLabelSQL(d, q.Aliases, arg)
		if err != nil {
			return "", err
		}
		cols[i] = "coalesce(bool_and(" + label + " IS NULL), false)"
	}
	return "ARRAY[" + strings.Join(cols, ", ") + "]", nil
}

// isAlias reports whether d is one of OpenCost's alias fields (team…).
func isAlias(d attribution.Dimension) bool { return attribution.IsAlias(d.Field) }

// prometheusLabelPath returns the JSON path of the value of the labels
// whose Prometheus name is k, when k can be one that is not its own key:
// OpenCost's clients name labels as Prometheus does, every character
// outside [a-zA-Z0-9_] an underscore (app_kubernetes_io_name for
// app.kubernetes.io/name). The path is read only where the key itself is
// not there, and matches the first such label.
func prometheusLabelPath(k string) (string, bool) {
	if !strings.Contains(k, "_") {
		return "", false
	}
	var re strings.Builder
	re.WriteByte('^')
	for _, r := range k {
		switch {
		case r == '_':
			re.WriteString("[^a-zA-Z0-9]")
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			re.WriteRune(r)
		default:
			return "", false // not a Prometheus name
		}
	}
	re.WriteByte('$')
	return `$.keyvalue() ? (@.key like_regex "` + re.String() + `").value`, true
}

// curTagKey is the key CUR 2.0 gives the user-defined tag k in its
// resource_tags map: the user_ prefix, lower case, and every character
// outside [a-z0-9] an underscore ("cost-center" is user_cost_center).
func curTagKey(k string) string {
	var b strings.Builder
	b.WriteString("user_")
	for _, r := range strings.ToLower(k) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
