package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// UpsertCluster records a cluster, with the billing account it is given
// (which a bill does not change, as it does one its agents' registration
// guessed).
func (db *DB) UpsertCluster(ctx context.Context, c tally.Cluster) error {
	_, err := db.pool.Exec(ctx, `
		INSERT INTO clusters (cluster_id, name, provider, region, billing_account_id) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (cluster_id) DO UPDATE SET name = excluded.name, provider = excluded.provider,
			region = excluded.region, billing_account_id = excluded.billing_account_id, billing_account_from = ''`,
		c.ID, c.Name, c.Provider, c.Region, c.BillingAccountID)
	if err != nil {
		return fmt.Errorf("upsert cluster %s: %w", c.ID, err)
	}
	return nil
}

// Clusters lists the clusters.
func (db *DB) Clusters(ctx context.Context) ([]tally.Cluster, error) {
	rows, err := db.pool.Query(ctx, `SELECT cluster_id, name, provider, region, billing_account_id, billing_account_from FROM clusters ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("list clusters: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Cluster, error) {
		var c tally.Cluster
		return c, r.Scan(&c.ID, &c.Name, &c.Provider, &c.Region, &c.BillingAccountID, &c.BillingAccountFrom)
	})
}

// ReportedClusters lists, in order, the clusters whose agents have
// reported: those with nodes.
func (db *DB) ReportedClusters(ctx context.Context) ([]tally.ClusterID, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT cluster_id FROM nodes ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("list the clusters agents reported: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[tally.ClusterID])
	if err != nil {
		return nil, fmt.Errorf("list the clusters agents reported: %w", err)
	}
	return ids, nil
}

// ClusterReport is what a cluster's agents reported last.
type ClusterReport struct {
	// Nodes counts the nodes whose agents reported since the time asked.
	Nodes int
	// Last is the end of the latest interval any of its agents reported
	// (the zero time when none has).
	Last time.Time
}

// ClusterReports returns, by cluster, how many nodes' agents reported at
// or after since, and when the last report ended. It reads the nodes'
// lifetimes, which each agent batch extends to its last interval's end.
func (db *DB) ClusterReports(ctx context.Context, since time.Time) (map[tally.ClusterID]ClusterReport, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT cluster_id, count(DISTINCT node_uid) FILTER (WHERE valid_to >= $1), max(valid_to)
		FROM nodes GROUP BY 1`, since)
	if err != nil {
		return nil, fmt.Errorf("read the clusters' agent reports: %w", err)
	}
	out := map[tally.ClusterID]ClusterReport{}
	var id tally.ClusterID
	var r ClusterReport
	var last *time.Time
	_, err = pgx.ForEachRow(rows, []any{&id, &r.Nodes, &last}, func() error {
		r.Last = fromNullTime(last)
		out[id] = r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the clusters' agent reports: %w", err)
	}
	return out, nil
}

// SetClusterAccount gives cluster id the billing account its nodes are
// billed to, as configured: no bill changes it. When that is another
// account, the hours whose estimates it changes are stale
// (accountHoursSQL); it returns them clipped to the attributed hours
// (whole hours, sorted, disjoint). A cluster that does not exist is
// tally.EInvalid.
func (db *DB) SetClusterAccount(ctx context.Context, id tally.ClusterID, account string) (stale []tally.Window, err error) {
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var old string
		err := tx.QueryRow(ctx, `SELECT billing_account_id FROM clusters WHERE cluster_id = $1 FOR UPDATE`, id).Scan(&old)
		if errors.Is(err, pgx.ErrNoRows) {
			return noSuchCluster(ctx, tx, id)
		}
		if err != nil {
			return fmt.Errorf("read cluster %s: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE clusters SET billing_account_id = $2, billing_account_from = '' WHERE cluster_id = $1`, id, account); err != nil {
			return fmt.Errorf("set the billing account of cluster %s: %w", id, err)
		}
		if old == account {
			return nil
		}
		rows, err := tx.Query(ctx, accountHoursSQL, id, old, account)
		if err == nil {
			stale, err = pgx.CollectRows(rows, scanSpan)
		}
		if err != nil {
			return fmt.Errorf("mark the hours of cluster %s its account changes stale: %w", id, err)
		}
		return nil
	})
	return stale, err
}

// accountHoursSQL records as input writes the hours of cluster $1's nodes
// whose attribution its billing account's change from $2 to $3 can change,
// widened to whole hours and merged, and returns them clipped to the
// attributed hours. The engine estimates a node-hour without a bill line
// after its cluster's account's bill ends, leaves it at 0 before, and
// estimates none in a cluster without an account: so the hours that can
// change are those after the earlier of the two accounts' bill ends, all
// of them when either has no bill.
const accountHoursSQL = `
	WITH through AS (` + billedThroughSQL + `),
	changed AS (
		SELECT min(CASE WHEN a.id = '' THEN 'infinity' ELSE coalesce(t.through, '-infinity') END) AS since
		FROM unnest(ARRAY[$2, $3]::text[]) AS a(id) LEFT JOIN through t ON t.billing_account_id = a.id
	),
	spans AS (
		SELECT tstzrange(date_trunc('hour', greatest(n.valid_from, c.since), 'UTC'),
			date_trunc('hour', coalesce(n.valid_to, 'infinity') - interval '1 microsecond', 'UTC') + interval '1 hour') AS s
		FROM nodes n, changed c
		WHERE n.cluster_id = $1 AND greatest(n.valid_from, c.since) < coalesce(n.valid_to, 'infinity')
` + repricedSpansSQL

// noSuchCluster is the tally.EInvalid error of a cluster id that is not
// registered, listing those that are.
func noSuchCluster(ctx context.Context, tx pgx.Tx, id tally.ClusterID) error {
	var known []string
	if rows, err := tx.Query(ctx, `SELECT cluster_id FROM clusters ORDER BY 1`); err == nil {
		known, _ = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if len(known) == 0 {
		return tally.Errorf(tally.EInvalid, "cluster %s: no such cluster: there are no clusters yet (one is registered when its first agent reports)", id)
	}
	return tally.Errorf(tally.EInvalid, "cluster %s: no such cluster (known: %s)", id, strings.Join(known, ", "))
}

// UpsertNodes records nodes; a known node's spec is updated and its
// lifetime only ever extended (the earliest start, the latest end). The
// hours of the nodes' lifetimes, before and after, are stale once it
// commits, and those of their UTC days when a node has an instance id: it
// takes its instance's bill lines in hours of its days that no node of
// the instance is alive in.
func (db *DB) UpsertNodes(ctx context.Context, nodes []tally.Node) error {
	clusters, uids, from, to := make([]string, len(nodes)), make([]string, len(nodes)), make([]time.Time, len(nodes)), make([]*time.Time, len(nodes))
	billed := make([]bool, len(nodes))
	for i, n := range nodes {
		clusters[i], uids[i], from[i], to[i], billed[i] = string(n.Cluster), n.UID, n.ValidFrom, nullTime(n.ValidTo), n.InstanceID != ""
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := lockInstancesTx(ctx, tx); err != nil {
			return err
		}
		if err := lockNodesTx(ctx, tx, nodes); err != nil {
			return err
		}
		if err := recordLifetimeWriteTx(ctx, tx, nodeLifetimes, clusters, uids, from, to, billed); err != nil {
			return err
		}
		return upsertNodesTx(ctx, tx, nodes)
	})
}

func lifecycle(s string) string {
	if s == "" {
		return tally.LifecycleOnDemand
	}
	return s
}

// Nodes returns the nodes of cluster (all clusters for "") alive at some time in w.
func (db *DB) Nodes(ctx context.Context, cluster tally.ClusterID, w tally.Window) ([]tally.Node, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT n.cluster_id, n.node_uid, n.name, n.provider_id, n.instance_id, n.instance_type, n.region, n.zone, n.lifecycle,
			n.cpu_cores::float8, n.memory_bytes, n.gpus, n.allocatable_cpu_cores::float8, n.allocatable_memory_bytes, n.labels,
			n.valid_from, n.valid_to, coalesce(p.usage_operation, '')
		FROM nodes n
		LEFT JOIN instance_platforms p ON p.provider = 'aws' AND n.instance_id <> '' AND p.instance_id = n.instance_id
		WHERE ($1 = '' OR n.cluster_id = $1) AND n.valid_from < $3 AND (n.valid_to IS NULL OR n.valid_to > $2)
		ORDER BY n.cluster_id, n.name, n.valid_from`, cluster, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query nodes: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Node, error) {
		var n tally.Node
		var to *time.Time
		err := r.Scan(&n.Cluster, &n.UID, &n.Name, &n.ProviderID, &n.InstanceID, &n.InstanceType, &n.Region, &n.Zone, &n.Lifecycle,
			&n.CPUCores, &n.MemoryBytes, &n.GPUs, &n.AllocatableCPU, &n.AllocatableMemory, &n.Labels, &n.ValidFrom, &to,
			&n.UsageOperation)
		n.ValidFrom, n.ValidTo = n.ValidFrom.UTC(), fromNullTime(to)
		return n, err
	})
}

// podInsert inserts a pod ($1 … $13: podArgs); the ON CONFLICT action
// follows.
const podInsert = `
	INSERT INTO pods (cluster_id, pod_uid, namespace, name, node_name, owner_kind, owner_name, labels, annotations, valid_from, valid_to,
		scheduling, autoscaling)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb)
	ON CONFLICT (cluster_id, pod_uid) DO UPDATE SET `

func podArgs(p *tally.Pod) []any {
	return []any{p.Ref.Cluster, p.Ref.UID, p.Ref.Namespace, p.Ref.Name, p.NodeName, p.OwnerKind, p.OwnerName,
		jsonMap(p.Labels, false), jsonMap(p.Annotations, false), p.ValidFrom, nullTime(p.ValidTo), optionalJSON(p.Scheduling),
		optionalJSON(p.Autoscaling)}
}

// UpsertPods records pods and their containers. The hours of the pods'
// lifetimes, before and after, are stale once it commits.
func (db *DB) UpsertPods(ctx context.Context, pods []tally.Pod) error {
	clusters, uids, from, to := make([]string, len(pods)), make([]string, len(pods)), make([]time.Time, len(pods)), make([]*time.Time, len(pods))
	// Lock every pod's row first, in key order (concurrent writers of the
	// same pods take them in the same order): a pod stored is locked as
	// it is, one not stored yet inserted as the write below leaves it.
	// Only then is the span of the write computed (recordLifetimeWriteTx),
	// from lifetimes no other writer changes before this one commits.
	lock := &pgx.Batch{}
	for _, i := range keyOrder(len(pods), func(i int) (tally.ClusterID, string) { return pods[i].Ref.Cluster, pods[i].Ref.UID }) {
		lock.Queue(podInsert+`valid_from = pods.valid_from WHERE false`, podArgs(&pods[i])...)
	}
	b := &pgx.Batch{}
	for i := range pods {
		p := &pods[i]
		clusters[i], uids[i], from[i], to[i] = string(p.Ref.Cluster), p.Ref.UID, p.ValidFrom, nullTime(p.ValidTo)
		b.Queue(podInsert+`node_name = excluded.node_name, owner_kind = excluded.owner_kind,
				owner_name = excluded.owner_name, labels = excluded.labels, annotations = excluded.annotations,
				scheduling = coalesce(excluded.scheduling, pods.scheduling),
				autoscaling = coalesce(excluded.autoscaling, pods.autoscaling),
				valid_from = least(pods.valid_from, excluded.valid_from), valid_to = excluded.valid_to`,
			podArgs(p)...)
		for _, c := range p.Containers {
			b.Queue(`
				INSERT INTO containers (cluster_id, pod_uid, name, container_id, image, cpu_request_cores, cpu_limit_cores,
					memory_request_bytes, memory_limit_bytes, gpu_request, kind, position)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
				ON CONFLICT (cluster_id, pod_uid, name) DO UPDATE SET container_id = excluded.container_id, image = excluded.image,
					cpu_request_cores = excluded.cpu_request_cores, cpu_limit_cores = excluded.cpu_limit_cores,
					memory_request_bytes = excluded.memory_request_bytes, memory_limit_bytes = excluded.memory_limit_bytes,
					gpu_request = excluded.gpu_request, kind = excluded.kind, position = coalesce(excluded.position, containers.position)`,
				p.Ref.Cluster, p.Ref.UID, c.Name, c.ContainerID, c.Image, c.CPURequest, c.CPULimit, c.MemoryRequest, c.MemoryLimit, c.GPURequest, c.Kind,
				knownPosition(c.Position))
		}
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := tx.SendBatch(ctx, lock).Close(); err != nil {
			return fmt.Errorf("lock their rows: %w", err)
		}
		if err := recordLifetimeWriteTx(ctx, tx, podLifetimes, clusters, uids, from, to, nil); err != nil {
			return err
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("upsert %d pods: %w", len(pods), err)
	}
	return nil
}

// Pods returns the pods of cluster (all for "") alive at some time in w, with their containers.
func (db *DB) Pods(ctx context.Context, cluster tally.ClusterID, w tally.Window) ([]tally.Pod, error) {
	const alive = `($1 = '' OR p.cluster_id = $1) AND p.valid_from < $3 AND (p.valid_to IS NULL OR p.valid_to > $2)`
	rows, err := db.pool.Query(ctx, `
		SELECT p.cluster_id, p.pod_uid, p.namespace, p.name, p.node_name, p.owner_kind, p.owner_name, p.labels, p.annotations,
			p.valid_from, p.valid_to, p.scheduling, p.autoscaling
		FROM pods p WHERE `+alive+`
		ORDER BY p.cluster_id, p.namespace, p.name, p.valid_from`, cluster, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query pods: %w", err)
	}
	pods, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Pod, error) {
		var p tally.Pod
		var to *time.Time
		err := r.Scan(&p.Ref.Cluster, &p.Ref.UID, &p.Ref.Namespace, &p.Ref.Name, &p.NodeName, &p.OwnerKind, &p.OwnerName,
			&p.Labels, &p.Annotations, &p.ValidFrom, &to, &p.Scheduling, &p.Autoscaling)
		p.ValidFrom, p.ValidTo = p.ValidFrom.UTC(), fromNullTime(to)
		p.Containers = []tally.Container{}
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("query pods: %w", err)
	}
	index := make(map[[2]string]int, len(pods))
	for i := range pods {
		index[[2]string{string(pods[i].Ref.Cluster), pods[i].Ref.UID}] = i
	}
	rows, err = db.pool.Query(ctx, `
		SELECT c.cluster_id, c.pod_uid, c.name, c.container_id, c.image, c.cpu_request_cores::float8, c.cpu_limit_cores::float8,
			c.memory_request_bytes, c.memory_limit_bytes, c.gpu_request, c.kind, coalesce(c.position, 0)
		FROM containers c JOIN pods p USING (cluster_id, pod_uid)
		WHERE `+alive+`
		ORDER BY c.cluster_id, c.pod_uid, c.name`, cluster, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query containers: %w", err)
	}
	var clusterID, podUID string
	var c tally.Container
	_, err = pgx.ForEachRow(rows, []any{&clusterID, &podUID, &c.Name, &c.ContainerID, &c.Image, &c.CPURequest, &c.CPULimit,
		&c.MemoryRequest, &c.MemoryLimit, &c.GPURequest, &c.Kind, &c.Position}, func() error {
		if i, ok := index[[2]string{clusterID, podUID}]; ok {
			pods[i].Containers = append(pods[i].Containers, c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("query containers: %w", err)
	}
	return pods, nil
}

// knownPosition is a container's position as stored: nil (NULL) when it
// is not known (0).
func knownPosition(p int) *int32 {
	if p <= 0 {
		return nil
	}
	v := int32(p)
	return &v
}

// keyOrder returns the indexes 0 … n−1 ordered by the (cluster, key) of
// each: the order in which writers lock rows of pods or nodes.
func keyOrder(n int, key func(i int) (tally.ClusterID, string)) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ca, ka := key(a)
		cb, kb := key(b)
		return cmp.Or(cmp.Compare(ca, cb), cmp.Compare(ka, kb))
	})
	return order
}

// learnClusterAccountsTx gives each cluster without a billing account, or
// with the one it took as its provider's only one when it registered
// (registerClusterTx), the account of the bill ingest run runID wrote that
// bills one of its nodes' instances; a cluster left without any then takes
// its provider's only account, if there is one. The hours its nodes ran
// unbilled are then stale: to be estimated, in that account.
//
// The nodes (by cluster) and the bill (by account) are read apart, never
// joined in SQL (migrations/README.md: Citus-ready).
func learnClusterAccountsTx(ctx context.Context, tx pgx.Tx, runID int64) error {
	type unsure struct {
		id        tally.ClusterID
		account   string
		instances []string
	}
	rows, err := tx.Query(ctx, `
		SELECT c.cluster_id, c.billing_account_id, coalesce(array_agg(DISTINCT n.instance_id) FILTER (WHERE n.instance_id <> ''), '{}')
		FROM clusters c LEFT JOIN nodes n ON n.cluster_id = c.cluster_id
		WHERE c.billing_account_id = '' OR c.billing_account_from = 'provider'
		GROUP BY 1, 2`)
	if err != nil {
		return fmt.Errorf("list the clusters without a billing account: %w", err)
	}
	clusters, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (unsure, error) {
		var c unsure
		return c, r.Scan(&c.id, &c.account, &c.instances)
	})
	if err != nil {
		return fmt.Errorf("list the clusters without a billing account: %w", err)
	}
	if len(clusters) == 0 {
		return nil
	}
	var instances []string
	for _, c := range clusters {
		instances = append(instances, c.instances...)
	}
	billedBy, err := instanceAccounts(ctx, tx, instances, runID)
	if err != nil {
		return err
	}
	var changed []string // the instances of the clusters given an account
	for _, c := range clusters {
		account, from := "", ""
		for _, i := range c.instances {
			if a := billedBy[i]; a != "" && (account == "" || a < account) {
				account, from = a, tally.AccountFromBill
			}
		}
		if account == "" && c.account == "" {
			if err := tx.QueryRow(ctx, `SELECT coalesce(`+onlyAccountSQL+`, '') FROM clusters c WHERE c.cluster_id = $1`, c.id).Scan(&account); err != nil {
				return fmt.Errorf("the only billing account of cluster %s's provider: %w", c.id, err)
			}
			from = tally.AccountFromProvider
		}
		if account == "" || (account == c.account && from == tally.AccountFromProvider) {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE clusters SET billing_account_id = $2, billing_account_from = $3 WHERE cluster_id = $1`, c.id, account, from); err != nil {
			return fmt.Errorf("set the billing account of cluster %s: %w", c.id, err)
		}
		if account != c.account {
			changed = append(changed, c.instances...)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, unbilledHoursSQL, changed); err != nil {
		return fmt.Errorf("mark the hours of clusters given a billing account stale: %w", err)
	}
	return nil
}

// instanceAccounts returns the billing account of each of instances that
// ingest run runID billed (the one of its latest line).
func instanceAccounts(ctx context.Context, tx pgx.Tx, instances []string, runID int64) (map[string]string, error) {
	out := map[string]string{}
	if len(instances) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, `
		SELECT DISTINCT ON (resource_id) resource_id, billing_account_id FROM cost_lines
		WHERE resource_id = ANY($1) AND resource_id <> '' AND run_id = $2
		ORDER BY resource_id, charge_period_start DESC`, instances, runID)
	if err != nil {
		return nil, fmt.Errorf("read the accounts billing the clusters' instances: %w", err)
	}
	var instance, account string
	_, err = pgx.ForEachRow(rows, []any{&instance, &account}, func() error {
		out[instance] = account
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the accounts billing the clusters' instances: %w", err)
	}
	return out, nil
}

// onlyAccountSQL is the only billing account of provider c.provider, or
// NULL when there are none or several.
const onlyAccountSQL = `(SELECT min(a.billing_account_id) FROM billing_accounts a WHERE a.provider = c.provider HAVING count(*) = 1)`
