// Package gcpbilling reads the Google Cloud Billing export to BigQuery —
// the standard (gcp_billing_export_v1_…) and detailed resource
// (gcp_billing_export_resource_v1_…) tables — as exported from BigQuery to
// newline-delimited JSON, CSV (nested fields flattened with "." or "_",
// credits and labels as JSON text) or Parquet. Each row becomes a
// tally.CostLine: BilledCost is the net cost (cost + Σ credits), ListCost
// is cost_at_list, ContractedCost the gross cost, and each credit type's
// sum is kept in Extras (x_Credit_<TYPE>). EffectiveCost is the net cost
// too, except where a run amortizes resource-based committed use discounts
// (Parser is an ingest.AmortizingParser, see Amortizer): the commitment's
// fee is then spread over the usage it covered, and its fee rows keep the
// unused part. Spend-based CUDs of the consumption model (since 2026) are
// not amortized: their fee rows' net cost is the unused commitment (status
// Unused) and the usage they priced is marked covered (status Used).
package gcpbilling
