// Package awscur reads AWS Cost and Usage Reports: CUR 2.0 (Data Exports,
// Parquet or CSV, with map columns for product, resource_tags,
// cost_category and discount) and legacy CUR (gzipped CSV with
// "lineItem/…" headers, found through its manifest JSON). It computes each
// line's amortized cost by the standard CUR rules and maps it to the
// FOCUS-shaped tally.CostLine. Files come from local directories or S3
// (aws-sdk-go-v2, see s3.go).
package awscur
