// Package focus reads FinOps FOCUS 1.0, 1.1 and 1.2 cost and usage data
// (CSV, gzipped CSV, Parquet) into tally.CostLine values. The version is
// detected from the columns; the literal NULL, quoted numbers, JSON Tags
// and provider x_ columns (kept in Extras) are handled as the published
// sample data has them.
package focus
