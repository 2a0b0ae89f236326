package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tallyhq/tally"
)

// StoreAgentData stores what one agent batch carries, in one transaction:
// its node, pods and containers, usage intervals, new stacks and function
// samples (appended for CompactFunctionSamples to add to the hour ×
// container × stack cells, once per interval: an interval already stored
// updates its usage but adds no samples). Rows it updates are written in key
// order, so concurrent agents cannot deadlock on shared stacks; a missing
// partition is created and the transaction retried.
//
// The hours of its intervals are stale once it commits (claimIntervalsTx),
// and so are the other hours whose node or pods it changes
// (recordAgentLifetimesTx): those an outage its lifetimes now span, of a
// pod started before its intervals, of a lifetime whose spec changed.
//
// A batch with an interval before PrunedBefore is refused (tally.EConflict).
func (db *DB) StoreAgentData(ctx context.Context, in tally.AgentIngest) error {
	slices.SortFunc(in.Pods, func(a, b tally.Pod) int { return cmp.Compare(a.Ref.UID, b.Ref.UID) })
	slices.SortFunc(in.Stacks, func(a, b tally.Stack) int { return cmp.Compare(a.ID, b.ID) })
	var usage []tally.ContainerUsage
	var first time.Time // the earliest interval start
	for i, iv := range in.Intervals {
		usage = append(usage, iv.Usage...)
		if i == 0 || iv.Window.Start.Before(first) {
			first = iv.Window.Start
		}
	}
	slices.SortFunc(usage, func(a, b tally.ContainerUsage) int {
		return cmp.Or(cmp.Compare(a.PodUID, b.PodUID), cmp.Compare(a.Container, b.Container), a.Interval.Start.Compare(b.Interval.Start))
	})
	store := func() error {
		return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if len(in.Intervals) > 0 {
				if err := checkNotPruned(ctx, tx, first, "an agent interval starting then would never be attributed"); err != nil {
					return err
				}
			}
			if err := refuseOverlapsTx(ctx, tx, in.Cluster, in.Node.Name, in.Intervals); err != nil {
				return err
			}
			fresh, err := claimIntervalsTx(ctx, tx, in.Cluster, in.Node.Name, in.Intervals)
			if err != nil {
				return err
			}
			var samples []tally.FunctionSample
			for _, iv := range in.Intervals {
				if fresh[iv.Window.Start.Truncate(time.Microsecond).UnixNano()] {
					samples = append(samples, iv.Samples...)
				}
			}
			if err := claimInstanceTx(ctx, tx, in.Node); err != nil {
				return err
			}
			if err := registerClusterTx(ctx, tx, in.Cluster, in.Node); err != nil {
				return err
			}
			if err := recordAgentLifetimesTx(ctx, tx, in); err != nil {
				return err
			}
			if err := upsertNodesTx(ctx, tx, []tally.Node{in.Node}); err != nil {
				return err
			}
			if err := upsertPodsTx(ctx, tx, in.Pods); err != nil {
				return err
			}
			if err := upsertUsageTx(ctx, tx, usage); err != nil {
				return err
			}
			if err := insertStacksTx(ctx, tx, in.Stacks); err != nil {
				return err
			}
			return insertSamplesTx(ctx, tx, samples, false)
		})
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = store()
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) {
			return err
		}
		switch pgErr.Code {
		case "23514": // no partition of relation … found for row
			if err := db.ensureAgentPartitions(ctx, in.Intervals); err != nil {
				return err
			}
		case "40P01", "40001": // deadlock, serialization failure: retry
		default:
			return err
		}
	}
	return err
}

// refuseOverlapsTx refuses (EConflict) a batch whose interval overlaps one
// an earlier batch stored for the node with another start: its time would
// count twice. An interval with a stored one's start is that interval sent
// again (claimIntervalsTx), not an overlap. Batches of one node are
// serialized by a transaction advisory lock, taken before any other, so two
// overlapping ones cannot both pass the check.
//
// The stored intervals checked are those starting within the batch and the
// last one starting before it, within tally.MaxAgentInterval (no longer one
// is stored; the bound keeps the query to the day partitions it can touch):
// stored intervals do not overlap each other, so no earlier one reaches
// further.
func refuseOverlapsTx(ctx context.Context, tx pgx.Tx, cluster tally.ClusterID, node string, ivs []tally.AgentIngestInterval) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('agent node ' || $1 || '/' || $2))`, cluster, node); err != nil {
		return fmt.Errorf("lock node %s: %w", node, err)
	}
	if len(ivs) == 0 {
		return nil
	}
	starts, ends := make([]time.Time, len(ivs)), make([]time.Time, len(ivs))
	lo, hi := ivs[0].Window.Start, ivs[0].Window.End
	for i, iv := range ivs {
		starts[i], ends[i] = iv.Window.Start, iv.Window.End
		lo, hi = minTime(lo, iv.Window.Start), maxTime(hi, iv.Window.End)
	}
	var storedStart, storedEnd, start, end time.Time
	err := tx.QueryRow(ctx, `
		WITH stored AS (
			(SELECT interval_start, interval_end FROM agent_intervals
			WHERE cluster_id = $1 AND node_name = $2 AND interval_start < $5 AND interval_start >= $5 - $7::interval
			ORDER BY interval_start DESC LIMIT 1)
			UNION ALL
			SELECT interval_start, interval_end FROM agent_intervals
			WHERE cluster_id = $1 AND node_name = $2 AND interval_start >= $5 AND interval_start < $6
		)
		SELECT stored.interval_start, stored.interval_end, t.s, t.e
		FROM stored JOIN unnest($3::timestamptz[], $4::timestamptz[]) AS t(s, e)
			ON stored.interval_start < t.e AND stored.interval_end > t.s AND stored.interval_start <> t.s
		ORDER BY t.s, stored.interval_start LIMIT 1`, cluster, node, starts, ends, lo, hi, tally.MaxAgentInterval).Scan(&storedStart, &storedEnd, &start, &end)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check intervals of node %s: %w", node, err)
	}
	f := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	return tally.Errorf(tally.EConflict, "node %s: interval [%s, %s) overlaps [%s, %s), stored from an earlier batch: "+
		"its time would count twice (a batch sent again has the same interval starts; are two agents reporting this node, or did its clock step back?)",
		node, f(start), f(end), f(storedStart), f(storedEnd))
}

// claimIntervalsTx records the intervals and returns those not stored before
// (by start truncated to PostgreSQL's microseconds, in Unix nanoseconds).
// Each interval, new or sent again, records the transaction's id: an
// attributed hour that did not see this transaction is stale once it
// commits (StaleHours), whenever the hour was computed.
func claimIntervalsTx(ctx context.Context, tx pgx.Tx, cluster tally.ClusterID, node string, ivs []tally.AgentIngestInterval) (map[int64]bool, error) {
	fresh := map[int64]bool{}
	if len(ivs) == 0 {
		return fresh, nil
	}
	starts, ends := make([]time.Time, len(ivs)), make([]time.Time, len(ivs))
	for i, iv := range ivs {
		starts[i], ends[i] = iv.Window.Start, iv.Window.End
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO agent_intervals (cluster_id, node_name, interval_start, interval_end, xid)
		SELECT $1, $2, s, e, pg_current_xact_id() FROM unnest($3::timestamptz[], $4::timestamptz[]) AS t(s, e)
		ON CONFLICT DO NOTHING RETURNING interval_start`, cluster, node, starts, ends)
	if err != nil {
		return nil, fmt.Errorf("record intervals: %w", err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return nil, fmt.Errorf("record intervals: %w", err)
	}
	for _, t := range got {
		fresh[t.Truncate(time.Microsecond).UnixNano()] = true
	}
	if len(got) == len(ivs) {
		return fresh, nil
	}
	// Sent again: the batch rewrites their usage, over their end as sent
	// now and as stored (usage ending later reaches later hours; usage
	// ending earlier leaves them).
	var again, againEnds []time.Time
	for i, s := range starts {
		if !fresh[s.Truncate(time.Microsecond).UnixNano()] {
			again, againEnds = append(again, s), append(againEnds, ends[i])
		}
	}
	if _, err := tx.Exec(ctx, `
		UPDATE agent_intervals a SET received_at = now(), xid = pg_current_xact_id(), interval_end = greatest(a.interval_end, t.e)
		FROM unnest($3::timestamptz[], $4::timestamptz[]) AS t(s, e)
		WHERE a.cluster_id = $1 AND a.node_name = $2 AND a.interval_start = t.s`, cluster, node, again, againEnds); err != nil {
		return nil, fmt.Errorf("record intervals sent again: %w", err)
	}
	return fresh, nil
}

// ensureAgentPartitions creates the partitions of the rows a batch writes,
// by their own partition keys: the intervals' starts, the usage rows'
// starts (a pod that started within an interval has usage from its start,
// past midnight in an interval that crosses it) and the samples' hours.
func (db *DB) ensureAgentPartitions(ctx context.Context, ivs []tally.AgentIngestInterval) error {
	if len(ivs) == 0 {
		return nil
	}
	ilo, ihi := ivs[0].Window.Start, ivs[0].Window.Start
	var ulo, uhi time.Time
	var hlo, hhi tally.Hour
	usage, samples := false, false
	for _, iv := range ivs {
		ilo, ihi = minTime(ilo, iv.Window.Start), maxTime(ihi, iv.Window.Start)
		for _, u := range iv.Usage {
			if !usage {
				ulo, uhi, usage = u.Interval.Start, u.Interval.Start, true
			}
			ulo, uhi = minTime(ulo, u.Interval.Start), maxTime(uhi, u.Interval.Start)
		}
		for _, fs := range iv.Samples {
			if !samples {
				hlo, hhi, samples = fs.Hour, fs.Hour, true
			}
			hlo, hhi = min(hlo, fs.Hour), max(hhi, fs.Hour)
		}
	}
	// Each range ends after its last start: a microsecond, PostgreSQL's
	// resolution (a nanosecond more is the start itself there, and a
	// start at midnight got no partition for its day).
	if err := ensureTablePartitions(ctx, db.pool, "agent_intervals", ilo, ihi.Add(time.Microsecond)); err != nil {
		return err
	}
	if usage {
		if err := ensureTablePartitions(ctx, db.pool, "container_usage", ulo, uhi.Add(time.Microsecond)); err != nil {
			return err
		}
	}
	if samples {
		return ensureTablePartitions(ctx, db.pool, "function_samples", hlo.Start(), hhi.End())
	}
	return nil
}

// InstanceClaimGrace is how close in time two clusters' nodes with one
// instance id may be before an agent batch is refused (see
// claimInstanceTx). An agent's reports of a running node are seconds apart;
// an hour covers a backend or agent outage and the hour granularity of the
// bill, while letting a provider reuse an instance name (Azure VM scale
// sets, GCE) for a node of another cluster once the first is gone.
const InstanceClaimGrace = time.Hour

// claimInstanceTx refuses a node whose instance a node of another cluster
// ran within InstanceClaimGrace of n's lifetime: an instance runs in one
// cluster at a time, and attribution matches bill lines to nodes by
// instance id, so an agent token of one cluster reporting another's
// instance would take that cluster's bill. Claims of one instance are
// serialized by a transaction advisory lock, so two batches cannot both
// pass the check.
//
// The lock is taken on the node's instance as written and as stored, and
// UpsertNodes excludes it (lockInstancesTx): what agentLifetimeChangesSQL
// reads of the other nodes of those instances stays as read until tx
// commits.
func claimInstanceTx(ctx context.Context, tx pgx.Tx, n tally.Node) error {
	lock := &pgx.Batch{}
	lock.Queue(`SELECT pg_advisory_xact_lock_shared(hashtext('instances'))`)
	lock.Queue(`
		SELECT pg_advisory_xact_lock(hashtext('instance ' || i))
		FROM (
			SELECT $1::text AS i
			UNION
			SELECT instance_id FROM nodes WHERE cluster_id = $2 AND node_uid = $3
			ORDER BY 1 OFFSET 0
		) s
		WHERE i <> ''`, n.InstanceID, n.Cluster, n.UID)
	if err := tx.SendBatch(ctx, lock).Close(); err != nil {
		return fmt.Errorf("lock instance %s: %w", n.InstanceID, err)
	}
	if n.InstanceID == "" {
		return nil
	}
	until := n.ValidTo
	if until.IsZero() {
		until = n.ValidFrom
	}
	// The lifetime checked is the one the node will have once stored:
	// upsertNodesTx widens a known node's lifetime and takes the batch's
	// instance id for all of it.
	var other tally.ClusterID
	err := tx.QueryRow(ctx, `
		WITH life AS (
			SELECT least(min(valid_from), $3::timestamptz) AS f, greatest(max(valid_to), $4::timestamptz) AS t
			FROM nodes WHERE cluster_id = $2 AND node_uid = $6
		)
		SELECT n.cluster_id FROM nodes n, life
		WHERE n.instance_id = $1 AND n.cluster_id <> $2
			AND n.valid_from < life.t + make_interval(secs => $5)
			AND coalesce(n.valid_to, 'infinity') > life.f - make_interval(secs => $5)
		LIMIT 1`, n.InstanceID, n.Cluster, n.ValidFrom, until, InstanceClaimGrace.Seconds(), n.UID).Scan(&other)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check instance %s: %w", n.InstanceID, err)
	}
	return tally.Errorf(tally.EConflict, "node %s: instance %s is a node of another cluster, %s, within an hour of this batch; "+
		"an agent token of cluster %s cannot report it (does this agent use its own cluster's token? If it does, "+
		"cluster %s's token reported an instance it does not run: revoke it with tally token revoke; "+
		"the bill's cluster tags keep the instance's cost with the cluster they name)",
		n.Name, n.InstanceID, other, n.Cluster, other)
}

// registerClusterTx records a cluster the first time one of its agents
// reports (its token names it), with the provider and region of that node,
// and the only billing account of that provider if there is one (the first
// bill of its nodes' instances gives it theirs: learnClusterAccountsTx);
// clusters registered otherwise are left as they are.
func registerClusterTx(ctx context.Context, tx pgx.Tx, cluster tally.ClusterID, n tally.Node) error {
	provider, _, _ := strings.Cut(n.ProviderID, "://")
	if provider == "gce" {
		provider = "gcp"
	}
	_, err := tx.Exec(ctx, `INSERT INTO clusters (cluster_id, name, provider, region, billing_account_id, billing_account_from)
		SELECT c.cluster_id, c.cluster_id, c.provider, c.region, a.id, CASE WHEN a.id <> '' THEN 'provider' ELSE '' END
		FROM (VALUES ($1::text, $2::text, $3::text)) AS c (cluster_id, provider, region), coalesce(`+onlyAccountSQL+`, '') AS a (id)
		ON CONFLICT (cluster_id) DO NOTHING`, cluster, provider, n.Region)
	if err != nil {
		return fmt.Errorf("register cluster %s: %w", cluster, err)
	}
	return nil
}

// nodeInsert inserts a node ($1 … $17: nodeArgs); the ON CONFLICT action
// follows.
const nodeInsert = `
	INSERT INTO nodes (cluster_id, node_uid, name, provider_id, instance_id, instance_type, region, zone, lifecycle,
		cpu_cores, memory_bytes, gpus, allocatable_cpu_cores, allocatable_memory_bytes, labels, valid_from, valid_to)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
	ON CONFLICT (cluster_id, node_uid) DO UPDATE SET `

func nodeArgs(n *tally.Node) []any {
	return []any{n.Cluster, n.UID, n.Name, n.ProviderID, n.InstanceID, n.InstanceType, n.Region, n.Zone, lifecycle(n.Lifecycle),
		n.CPUCores, n.MemoryBytes, n.GPUs, n.AllocatableCPU, n.AllocatableMemory, jsonMap(n.Labels, false), n.ValidFrom, nullTime(n.ValidTo)}
}

// lockInstancesTx waits for the agent batches storing nodes of any
// instance and keeps others from starting until tx ends (claimInstanceTx):
// they read the other nodes of their instances.
func lockInstancesTx(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('instances'))`); err != nil {
		return fmt.Errorf("lock instances: %w", err)
	}
	return nil
}

// lockNodesTx locks the row of every node, in key order (concurrent
// writers of the same nodes take them in the same order): a node stored
// is locked as it is, one not stored yet inserted as upsertNodesTx leaves
// it. A span computed after it (recordLifetimeWriteTx) is of lifetimes no
// other writer changes before tx commits.
func lockNodesTx(ctx context.Context, tx pgx.Tx, nodes []tally.Node) error {
	for _, i := range keyOrder(len(nodes), func(i int) (tally.ClusterID, string) { return nodes[i].Cluster, nodes[i].UID }) {
		n := &nodes[i]
		if _, err := tx.Exec(ctx, nodeInsert+`valid_from = nodes.valid_from WHERE false`, nodeArgs(n)...); err != nil {
			return fmt.Errorf("lock node %s: %w", n.Name, err)
		}
	}
	return nil
}

func upsertNodesTx(ctx context.Context, tx pgx.Tx, nodes []tally.Node) error {
	for i := range nodes {
		n := &nodes[i]
		_, err := tx.Exec(ctx, nodeInsert+`name = excluded.name, provider_id = excluded.provider_id,
				instance_id = excluded.instance_id, instance_type = excluded.instance_type, region = excluded.region,
				zone = excluded.zone, lifecycle = excluded.lifecycle, cpu_cores = excluded.cpu_cores,
				memory_bytes = excluded.memory_bytes, gpus = excluded.gpus,
				allocatable_cpu_cores = excluded.allocatable_cpu_cores,
				allocatable_memory_bytes = excluded.allocatable_memory_bytes, labels = excluded.labels,
				valid_from = least(nodes.valid_from, excluded.valid_from),
				valid_to = greatest(nodes.valid_to, excluded.valid_to)
			WHERE (nodes.name, nodes.provider_id, nodes.instance_id, nodes.instance_type, nodes.region, nodes.zone, nodes.lifecycle,
				nodes.cpu_cores, nodes.memory_bytes, nodes.gpus, nodes.allocatable_cpu_cores, nodes.allocatable_memory_bytes, nodes.labels)
				IS DISTINCT FROM (excluded.name, excluded.provider_id, excluded.instance_id, excluded.instance_type, excluded.region,
				excluded.zone, excluded.lifecycle, excluded.cpu_cores, excluded.memory_bytes, excluded.gpus, excluded.allocatable_cpu_cores,
				excluded.allocatable_memory_bytes, excluded.labels)
				OR excluded.valid_from < nodes.valid_from OR excluded.valid_to > nodes.valid_to
				OR (nodes.valid_to IS NULL AND excluded.valid_to IS NOT NULL)`,
			nodeArgs(n)...)
		if err != nil {
			return fmt.Errorf("upsert node %s: %w", n.Name, err)
		}
	}
	return nil
}

// podColumns holds an agent batch's pods and containers column by column,
// as the statements that write them take them.
type podColumns struct {
	cluster, uid, ns, name, node, kind, owner, labels, annotations []string
	from                                                           []time.Time
	to                                                             []*time.Time
	scheduling, autoscaling                                        []*string // nil: unknown
	// The containers.
	cc, cuid, cname, cid, cimage, ckind []string
	creq, clim                          []float64
	mreq, mlim                          []int64
	gpu                                 []int32
	cpos                                []*int32 // nil: not known
}

func podColumnsOf(pods []tally.Pod) *podColumns {
	n := len(pods)
	c := &podColumns{
		cluster: make([]string, n), uid: make([]string, n), ns: make([]string, n), name: make([]string, n), node: make([]string, n),
		kind: make([]string, n), owner: make([]string, n), labels: make([]string, n), annotations: make([]string, n),
		from: make([]time.Time, n), to: make([]*time.Time, n), scheduling: make([]*string, n), autoscaling: make([]*string, n),
	}
	for i, p := range pods {
		c.cluster[i], c.uid[i], c.ns[i], c.name[i], c.node[i] = string(p.Ref.Cluster), p.Ref.UID, p.Ref.Namespace, p.Ref.Name, p.NodeName
		c.kind[i], c.owner[i], c.from[i], c.to[i] = p.OwnerKind, p.OwnerName, p.ValidFrom, nullTime(p.ValidTo)
		c.labels[i], c.annotations[i], c.scheduling[i] = jsonText(p.Labels), jsonText(p.Annotations), optionalJSON(p.Scheduling)
		c.autoscaling[i] = optionalJSON(p.Autoscaling)
		for _, k := range p.Containers {
			c.cc, c.cuid, c.cname, c.cid, c.cimage = append(c.cc, string(p.Ref.Cluster)), append(c.cuid, p.Ref.UID), append(c.cname, k.Name), append(c.cid, k.ContainerID), append(c.cimage, k.Image)
			c.ckind, c.cpos = append(c.ckind, k.Kind), append(c.cpos, knownPosition(k.Position))
			c.creq, c.clim, c.mreq, c.mlim, c.gpu = append(c.creq, k.CPURequest), append(c.clim, k.CPULimit), append(c.mreq, k.MemoryRequest), append(c.mlim, k.MemoryLimit), append(c.gpu, int32(k.GPURequest))
		}
	}
	return c
}

// podsInsert inserts the pods of podColumns.args(); the ON CONFLICT
// action follows.
const podsInsert = `
	INSERT INTO pods (cluster_id, pod_uid, namespace, name, node_name, owner_kind, owner_name, labels, annotations, valid_from, valid_to,
		scheduling, autoscaling)
	SELECT c, u, ns, n, node, k, o, l::jsonb, a::jsonb, f, e, s::jsonb, h::jsonb
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
		$10::timestamptz[], $11::timestamptz[], $12::text[], $13::text[])
		AS t(c, u, ns, n, node, k, o, l, a, f, e, s, h)
	ON CONFLICT (cluster_id, pod_uid) DO UPDATE SET `

func (c *podColumns) args() []any {
	return []any{c.cluster, c.uid, c.ns, c.name, c.node, c.kind, c.owner, c.labels, c.annotations, c.from, c.to, c.scheduling, c.autoscaling}
}

func upsertPodsTx(ctx context.Context, tx pgx.Tx, pods []tally.Pod) error {
	if len(pods) == 0 {
		return nil
	}
	c := podColumnsOf(pods)
	_, err := tx.Exec(ctx, podsInsert+`node_name = excluded.node_name, owner_kind = excluded.owner_kind,
			owner_name = excluded.owner_name, labels = excluded.labels, annotations = excluded.annotations,
			scheduling = coalesce(excluded.scheduling, pods.scheduling),
			autoscaling = coalesce(excluded.autoscaling, pods.autoscaling),
			valid_from = least(pods.valid_from, excluded.valid_from), valid_to = greatest(pods.valid_to, excluded.valid_to)
		WHERE (pods.node_name, pods.owner_kind, pods.owner_name, pods.labels, pods.annotations, pods.scheduling, pods.autoscaling)
			IS DISTINCT FROM (excluded.node_name, excluded.owner_kind, excluded.owner_name, excluded.labels, excluded.annotations,
				coalesce(excluded.scheduling, pods.scheduling), coalesce(excluded.autoscaling, pods.autoscaling))
			OR excluded.valid_from < pods.valid_from OR excluded.valid_to > pods.valid_to
			OR (pods.valid_to IS NULL AND excluded.valid_to IS NOT NULL)`,
		c.args()...)
	if err != nil {
		return fmt.Errorf("upsert %d pods: %w", len(pods), err)
	}
	if len(c.cc) == 0 {
		return nil
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO containers (cluster_id, pod_uid, name, container_id, image, cpu_request_cores, cpu_limit_cores,
			memory_request_bytes, memory_limit_bytes, gpu_request, kind, position)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::int8[], $9::int8[], $10::int4[], $11::text[],
			$12::int4[])
		ON CONFLICT (cluster_id, pod_uid, name) DO UPDATE SET container_id = excluded.container_id, image = excluded.image,
			cpu_request_cores = excluded.cpu_request_cores, cpu_limit_cores = excluded.cpu_limit_cores,
			memory_request_bytes = excluded.memory_request_bytes, memory_limit_bytes = excluded.memory_limit_bytes,
			gpu_request = excluded.gpu_request, kind = excluded.kind, position = coalesce(excluded.position, containers.position)
		WHERE (containers.container_id, containers.image, containers.cpu_request_cores, containers.cpu_limit_cores,
			containers.memory_request_bytes, containers.memory_limit_bytes, containers.gpu_request, containers.kind, containers.position)
			IS DISTINCT FROM (excluded.container_id, excluded.image, excluded.cpu_request_cores, excluded.cpu_limit_cores,
			excluded.memory_request_bytes, excluded.memory_limit_bytes, excluded.gpu_request, excluded.kind,
			coalesce(excluded.position, containers.position))`,
		c.cc, c.cuid, c.cname, c.cid, c.cimage, c.creq, c.clim, c.mreq, c.mlim, c.gpu, c.ckind, c.cpos)
	if err != nil {
		return fmt.Errorf("upsert %d containers: %w", len(c.cc), err)
	}
	return nil
}

// optionalJSON is v as jsonb text, or nil (NULL) when v is nil (unknown):
// a pod's scheduling constraints, or what scales its workload ('{}' for
// no HPA).
func optionalJSON[T any](v *T) *string {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	t := string(b)
	return &t
}

func jsonText(m map[string]string) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func upsertUsageTx(ctx context.Context, tx pgx.Tx, usage []tally.ContainerUsage) error {
	if len(usage) == 0 {
		return nil
	}
	n := len(usage)
	cluster, start, end := make([]string, n), make([]time.Time, n), make([]time.Time, n)
	pod, container, node := make([]string, n), make([]string, n), make([]string, n)
	cpu, throttled := make([]float64, n), make([]float64, n)
	memAvg, memMax, rss, ooms := make([]int64, n), make([]int64, n), make([]int64, n), make([]int32, n)
	for i, u := range usage {
		cluster[i], start[i], end[i] = string(u.Cluster), u.Interval.Start, u.Interval.End
		pod[i], container[i], node[i] = u.PodUID, u.Container, u.NodeName
		cpu[i], throttled[i] = u.CPUCoreSeconds, u.CPUThrottledSeconds
		memAvg[i], memMax[i], rss[i], ooms[i] = u.MemoryWorkingSetAvg, u.MemoryWorkingSetMax, u.MemoryRSSMax, int32(u.OOMKills)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO container_usage (cluster_id, interval_start, interval_end, pod_uid, container, node_name,
			cpu_core_seconds, memory_working_set_avg_bytes, memory_working_set_max_bytes, memory_rss_max_bytes,
			oom_kills, cpu_throttled_seconds)
		SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
			$7::float8[], $8::int8[], $9::int8[], $10::int8[], $11::int4[], $12::float8[])
		ON CONFLICT (cluster_id, pod_uid, container, interval_start) DO UPDATE SET
			interval_end = excluded.interval_end, node_name = excluded.node_name,
			cpu_core_seconds = excluded.cpu_core_seconds,
			memory_working_set_avg_bytes = excluded.memory_working_set_avg_bytes,
			memory_working_set_max_bytes = excluded.memory_working_set_max_bytes,
			memory_rss_max_bytes = excluded.memory_rss_max_bytes, oom_kills = excluded.oom_kills,
			cpu_throttled_seconds = excluded.cpu_throttled_seconds`,
		cluster, start, end, pod, container, node, cpu, memAvg, memMax, rss, ooms, throttled)
	if err != nil {
		return fmt.Errorf("upsert %d usage rows: %w", n, err)
	}
	return nil
}

func insertStacksTx(ctx context.Context, tx pgx.Tx, stacks []tally.Stack) error {
	if len(stacks) == 0 {
		return nil
	}
	cluster, ids, frames := make([]string, len(stacks)), make([]int64, len(stacks)), make([]string, len(stacks))
	for i, s := range stacks {
		b, err := json.Marshal(s.Frames)
		if err != nil {
			return fmt.Errorf("encode stack %d: %w", s.ID, err)
		}
		cluster[i], ids[i], frames[i] = string(s.Cluster), s.ID, string(b)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO stacks (cluster_id, stack_id, frames)
		SELECT c, i, f::jsonb FROM unnest($1::text[], $2::int8[], $3::text[]) AS t(c, i, f)
		ON CONFLICT DO NOTHING`, cluster, ids, frames)
	if err != nil {
		return fmt.Errorf("insert %d stacks: %w", len(stacks), err)
	}
	return nil
}
