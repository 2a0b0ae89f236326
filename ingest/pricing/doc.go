// Package pricing fetches compute prices: AWS through the Price List Query
// API (on-demand and Reserved Instance rates with instance shapes) and
// Savings Plans DescribeSavingsPlansOfferingRates, spot through the EC2
// spot price history (DescribeSpotPriceHistory), GCP through the Cloud
// Billing Catalog API (Compute Engine per-vCPU and per-GiB SKUs, priced
// onto machine types). It also ships an offline AWS snapshot (see
// snapshot/README.md) for the demo and air-gapped installs.
package pricing
