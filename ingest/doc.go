// Package ingest turns bills into tally.CostLine values: FOCUS, AWS CUR 2.0
// and legacy CUR, the GCP billing export, and provider price catalogs, each
// in a subpackage (focus, awscur, gcpbilling, pricing). This package holds
// what they share: the normalization rules, the row-level error type that
// names file, line, column and value, and run totals.
package ingest
