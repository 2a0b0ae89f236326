// Package demo generates a realistic organization deterministically from a
// seed, and writes the inputs Tally ingests in their real formats, plus the
// ground truth used to check Tally's answers.
//
// The organization: an AWS payer account (412345678901) with a linked
// account (587654321098), a GCP billing account with one project; two EKS
// clusters in us-west-2 and one GKE cluster in us-central1, ~35–40 nodes of
// several families (m5, m5a, c5, r5, m6g, n2, e2), on-demand and spot, with
// cluster-autoscaler churn, spot interruptions and monthly node-image
// rollouts; ~35 workloads in 14 namespaces (Deployments with HPAs,
// StatefulSets with volumes, DaemonSets, CronJobs) whose load follows a
// daily and weekly cycle and grows, and whose pods declare scheduling
// constraints as real teams write them (declareScheduling);
// over-provisioned workloads, one whose memory limit is too small (OOM
// kills that start mid-window and grow), a deploy that makes checkout-api
// 30% more CPU-expensive in one function;
// costs outside Kubernetes (S3/GCS, RDS/Cloud SQL, NAT gateways, data
// transfer, EBS/PD volumes, load balancers, control planes), tagged to
// namespaces or teams or untagged; and a commitment portfolio (Compute and
// EC2 Instance Savings Plans, Reserved Instances, a resource-based CUD) with
// expiries over the coming months and realistic utilization.
//
// Generate writes, under one directory:
//
//   - aws/acme-cur2: the payer's CUR 2.0 Data Export (parquet, hourly, with
//     resource ids), laid out as delivered to S3 (data/ and metadata/ per
//     BILLING_PERIOD=YYYY-MM), restricted to the payer's own usage account;
//   - aws/acme-data-focus: the linked account's FOCUS 1.0 Data Export
//     (gzip CSV), so every AWS dollar is in exactly one of the two;
//   - gcp/gcp_billing_export_resource_v1_<account>: the detailed BigQuery
//     export as extracted to JSON (gzip NDJSON, one file per invoice month),
//     and gcp/gcp_billing_export_v1_<account>, the standard export of the
//     same charges, which is not in the ingest list;
//   - agent/<cluster>/<node>/<day>.json.gz: one tally.AgentBatch per node and
//     day with hourly intervals of per-container usage, each pod's scheduling
//     constraints and the HPA scaling its workload, if any (neither ever
//     unknown), and gzipped pprof CPU
//     profiles for the profiled workloads in the last Config.ProfileDays;
//   - truth.json (Truth) and manifest.json (Manifest).
//
// Determinism: all randomness derives from the seed, either from a named
// stream per component or from a hash of the seed and a key, so files are
// written in parallel and still come out byte-identical for the same
// Config. Money is exact (tally.Money) throughout and rounded to the
// decimals the real bill uses before it is written as a float, so readers
// recover exactly the amounts the truth sums.
//
// The truth states the rules it used (Truth.Model): package attribution's,
// so Tally's attribution engine, fed the files as the ingest paths store
// them, reproduces the truth exactly (TestAttributionEngine). Container
// lifetimes within an interval come from tally.AgentUsage.Seconds.
package demo
