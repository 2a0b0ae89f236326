package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// recordAgentLifetimesTx records, as input writes of tx, the spans of time
// whose attribution the batch's node and pods change and whose hours its
// intervals do not make stale already (claimIntervalsTx): the hours an
// outage its lifetimes now span, those of a pod that started before the
// batch's intervals, a lifetime ended (one stored as running), and the
// whole lifetime of a row new or whose spec attribution reads changed
// (a node's name, provider, instance, type, region, lifecycle, capacity;
// a pod's node, owner, labels, its containers' image and requests).
//
// It first locks the rows, pods in key order, inserting those not stored
// yet as the batch writes them, as UpsertNodes and UpsertPods do: the
// lifetimes it compares the batch with are those no other writer changes
// before tx commits (see recordLifetimeWriteTx). A batch that only
// extends its lifetimes over its own intervals, as an agent's batches do
// one after the other, records nothing.
func recordAgentLifetimesTx(ctx context.Context, tx pgx.Tx, in tally.AgentIngest) error {
	n := &in.Node
	pods := podColumnsOf(in.Pods) // in.Pods is in key order (StoreAgentData)
	lock := &pgx.Batch{}
	var newNode bool
	newPods := []string{}
	lock.Queue(nodeInsert+`valid_from = nodes.valid_from WHERE false RETURNING true`, nodeArgs(n)...).QueryRow(func(r pgx.Row) error {
		return ignoreNoRows(r.Scan(&newNode))
	})
	if len(in.Pods) > 0 {
		lock.Queue(podsInsert+`valid_from = pods.valid_from WHERE false RETURNING pod_uid`, pods.args()...).Query(func(rows pgx.Rows) error {
			var err error
			newPods, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
	}
	if err := tx.SendBatch(ctx, lock).Close(); err != nil {
		return fmt.Errorf("lock node %s and %d pods: %w", n.Name, len(in.Pods), err)
	}
	rows, err := tx.Query(ctx, agentLifetimeChangesSQL, n.Cluster, n.UID, n.Name, n.ProviderID, n.InstanceID, n.InstanceType,
		n.Region, lifecycle(n.Lifecycle), n.CPUCores, n.MemoryBytes, n.GPUs, n.AllocatableCPU, n.AllocatableMemory,
		jsonMap(n.Labels, false), n.ValidFrom, nullTime(n.ValidTo), newNode,
		pods.uid, pods.node, pods.kind, pods.owner, pods.labels, pods.from, pods.to, newPods,
		pods.cuid, pods.cname, pods.cimage, pods.creq, pods.mreq, pods.gpu, pods.ckind)
	if err != nil {
		return fmt.Errorf("compare node %s and %d pods with the stored: %w", n.Name, len(in.Pods), err)
	}
	var spans []tally.Window // End zero: infinity
	var from time.Time
	var to *time.Time
	if _, err := pgx.ForEachRow(rows, []any{&from, &to}, func() error {
		spans = append(spans, tally.Window{Start: from, End: fromNullTime(to)})
		return nil
	}); err != nil {
		return fmt.Errorf("compare node %s and %d pods with the stored: %w", n.Name, len(in.Pods), err)
	}
	spans = uncoveredSpans(spans, staleIntervalHours(in.Intervals))
	if len(spans) == 0 {
		return nil
	}
	starts, ends := make([]time.Time, len(spans)), make([]*time.Time, len(spans))
	for i, s := range spans {
		starts[i], ends[i] = s.Start, nullTime(s.End)
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO input_writes (xid, span_start, span_end)
		SELECT pg_current_xact_id(), s, coalesce(e, 'infinity') FROM unnest($1::timestamptz[], $2::timestamptz[]) AS t(s, e)`,
		starts, ends); err != nil {
		return fmt.Errorf("record the lifetimes node %s and %d pods change: %w", n.Name, len(in.Pods), err)
	}
	return nil
}

func ignoreNoRows(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	return err
}

// agentLifetimeChangesSQL returns the spans [from, to) (to NULL:
// infinity) whose attribution writing the node ($1 … $16 as nodeArgs,
// $17 inserted by the lock) and the pods ($18 … $24: uid, node, owner
// kind and name, labels, lifetime; $25 those inserted by the lock; $26 …
// $32: their containers' pod, name, image, CPU, memory and GPU requests
// and kind)
// changes, from their stored rows, which upsertNodesTx and upsertPodsTx
// then update: a new row, or one whose spec attribution reads changes, for
// its whole lifetime before and after; a lifetime started earlier, from
// the new start to the old; one ended later, from the old end to the new;
// one stored as running and ended, from its end on. A change attribution
// does not read (a node's zone, allocatable, labels; a pod's annotations;
// a container's id and limits) changes no span.
//
// A node with an instance id also takes its instance's bill lines in the
// hours of its UTC days (attribution runs day by day) that no node of the
// instance is alive in, when it is the instance's nearest node that day
// (see attribution's nodeFor). So a node's span reaches to whole days:
// when the node is new or its spec changed (its instance id included: the
// stored row's instance counts too); when its lifetime moves into a day it
// did not touch; and when it moves towards another node of the instance
// in those days (a start moved earlier, with a node starting before it
// or with it; an end moved later, with one ending after it or with it),
// which the hours between them may go to instead (a tie goes to the node
// first in the day's order). Those nodes are read after claimInstanceTx
// locked their instances, which other writers of nodes wait for.
const agentLifetimeChangesSQL = `
	WITH node_rivals AS (
		-- The other nodes of its instances (as written and as stored) in
		-- its days, before and after.
		SELECT o.valid_from, coalesce(o.valid_to, 'infinity') AS valid_to
		FROM nodes n JOIN nodes o ON o.instance_id IN ($5, n.instance_id) AND o.instance_id <> ''
			AND (o.cluster_id, o.node_uid) <> (n.cluster_id, n.node_uid)
		WHERE n.cluster_id = $1 AND n.node_uid = $2
		  AND o.valid_from < tally_day_end(greatest(coalesce(n.valid_to, 'infinity'), $16))
		  AND coalesce(o.valid_to, 'infinity') > tally_day_start(least(n.valid_from, $15))
	),
	node_change AS (
		SELECT n.valid_from AS old_from, n.valid_to AS old_to, $15::timestamptz AS new_from, $16::timestamptz AS new_to,
			$17::bool OR ((n.name, n.provider_id, n.instance_id, n.instance_type, n.region, n.lifecycle, n.cpu_cores, n.memory_bytes, n.gpus)
				IS DISTINCT FROM ($3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::float8::numeric, $10::int8, $11::int4)
			  -- upsertNodesTx's condition to update the row
			  AND ((n.name, n.provider_id, n.instance_type, n.lifecycle, n.cpu_cores, n.memory_bytes,
					n.allocatable_cpu_cores, n.allocatable_memory_bytes, n.labels)
					IS DISTINCT FROM ($3, $4, $6, $8, $9::float8::numeric, $10, $12::float8::numeric, $13::int8, $14::jsonb)
				OR $15 < n.valid_from OR $16 > n.valid_to OR (n.valid_to IS NULL AND $16 IS NOT NULL))) AS whole,
			$5 <> '' OR n.instance_id <> '' AS days,
			EXISTS (SELECT 1 FROM node_rivals r WHERE r.valid_from <= n.valid_from) AS rival_before,
			EXISTS (SELECT 1 FROM node_rivals r WHERE r.valid_to >= coalesce(n.valid_to, 'infinity')) AS rival_after
		FROM nodes n WHERE n.cluster_id = $1 AND n.node_uid = $2
	),
	pod_change AS (
		SELECT p.valid_from AS old_from, p.valid_to AS old_to, i.f AS new_from, i.e AS new_to,
			p.pod_uid = ANY($25::text[])
			  OR (p.node_name, p.owner_kind, p.owner_name, p.labels) IS DISTINCT FROM (i.node, i.k, i.o, i.l::jsonb)
			  OR EXISTS (
				SELECT 1 FROM unnest($26::text[], $27::text[], $28::text[], $29::float8[], $30::int8[], $31::int4[], $32::text[])
					AS ci(u, name, image, cpu, mem, gpu, kind)
				LEFT JOIN containers c ON c.cluster_id = $1 AND c.pod_uid = ci.u AND c.name = ci.name
				WHERE ci.u = p.pod_uid
				  AND (c.name IS NULL OR (c.image, c.cpu_request_cores, c.memory_request_bytes, c.gpu_request, c.kind)
					IS DISTINCT FROM (ci.image, ci.cpu::numeric, ci.mem, ci.gpu, ci.kind))) AS whole,
			false AS days, false AS rival_before, false AS rival_after
		FROM unnest($18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::timestamptz[], $24::timestamptz[])
			AS i(u, node, k, o, l, f, e)
		JOIN pods p ON p.cluster_id = $1 AND p.pod_uid = i.u
	),
	change AS (
		SELECT *, coalesce(old_to, 'infinity') AS old_end,
			coalesce(greatest(old_to, new_to), 'infinity') AS new_end -- NULL: running
		FROM (SELECT * FROM node_change UNION ALL SELECT * FROM pod_change) c
	)
	SELECT CASE WHEN to_days_start THEN tally_day_start(s) ELSE s END,
		nullif(CASE WHEN to_days_end THEN tally_day_end(e) ELSE e END, 'infinity')
	FROM change, LATERAL (VALUES
		(CASE WHEN whole THEN least(old_from, new_from) END, greatest(old_end, new_end), days, days),
		(CASE WHEN new_from < old_from THEN new_from END, old_from,
			days AND (rival_before OR tally_day_start(new_from) < tally_day_start(old_from)), false),
		(CASE WHEN new_end <> old_end THEN least(old_end, new_end) END, greatest(old_end, new_end),
			false, days AND (rival_after OR tally_day_end(new_end) <> tally_day_end(old_end)))
	) AS span(s, e, to_days_start, to_days_end)
	WHERE s IS NOT NULL AND e > s`

// staleIntervalHours returns the hours StaleHours takes for stale once
// the intervals' batch commits: that of each interval's start, and the
// next one when the interval ends in it.
func staleIntervalHours(ivs []tally.AgentIngestInterval) map[tally.Hour]bool {
	hours := make(map[tally.Hour]bool, len(ivs))
	for _, iv := range ivs {
		h := tally.HourOf(iv.Window.Start)
		hours[h] = true
		if iv.Window.End.After(h.End()) {
			hours[h+1] = true
		}
	}
	return hours
}

// uncoveredSpans returns the spans (End zero: infinity) with an hour not
// in stale, sorted and merged where they overlap or touch.
func uncoveredSpans(spans []tally.Window, stale map[tally.Hour]bool) []tally.Window {
	covered := func(s tally.Window) bool {
		if s.End.IsZero() {
			return false
		}
		last := tally.HourOf(s.End.Add(-time.Nanosecond))
		if int(last-tally.HourOf(s.Start)) >= len(stale) {
			return false
		}
		for h := tally.HourOf(s.Start); h <= last; h++ {
			if !stale[h] {
				return false
			}
		}
		return true
	}
	spans = slices.DeleteFunc(spans, covered)
	slices.SortFunc(spans, func(a, b tally.Window) int { return cmp.Compare(a.Start.UnixNano(), b.Start.UnixNano()) })
	var out []tally.Window
	for _, s := range spans {
		if k := len(out) - 1; k >= 0 && (out[k].End.IsZero() || !s.Start.After(out[k].End)) {
			if !out[k].End.IsZero() && (s.End.IsZero() || s.End.After(out[k].End)) {
				out[k].End = s.End
			}
			continue
		}
		out = append(out, s)
	}
	return out
}
