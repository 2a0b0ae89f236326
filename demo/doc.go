// Package demo generates a realistic organization deterministically from a
// seed: accounts, clusters, nodes and workloads with daily and weekly
// patterns, and the inputs Tally ingests, in their real formats (AWS CUR 2.0
// parquet, FOCUS CSV, GCP billing export, the agent's wire format), plus the
// ground truth used to check Tally's answers.
package demo
