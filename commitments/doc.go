// Package commitments models Savings Plans, Reserved Instances and Committed
// Use Discounts: their utilization, coverage and effective savings rate, a
// forecast-driven, risk-bounded and laddered purchase optimizer, and a
// walk-forward backtest against simple strategies and hindsight.
package commitments
