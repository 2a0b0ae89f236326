// Package forecast forecasts demand and spend with calibrated prediction
// intervals (seasonal naive, ETS, Theta, multi-seasonal decomposition, and
// their per-series combination), and evaluates models the way the M4
// competition does (sMAPE, MASE, OWA, interval coverage, MSIS).
package forecast
