// Package forecast forecasts demand and spend with calibrated prediction
// intervals, and evaluates models the way the M4 competition does.
//
// Models: seasonal naive, Naive2, ETS with automatic selection by AICc,
// Theta, MSTL (several seasons, robust trend; additive or on logs; the
// seasonally adjusted series by ETS or ARIMA) and Croston–SBA. The "auto"
// model validates them on rolling origins and forecasts, per series, the
// median of the three with the smallest error. Prediction intervals come from the same rolling-origin
// errors (conformal quantiles of the standardized errors, scaled per step),
// not from model formulas. Level shifts are detected and the history before
// them rescaled; missing values are filled; short, intermittent, constant,
// zero and negative series get simpler models, and Result.Notes says so.
//
// Other packages call Forecast with a Series (hourly or daily) and get point
// forecasts, 80%/95% intervals, Quantile and SamplePaths (a forecast
// distribution, e.g. of future hourly usage for the commitments optimizer).
// Scopes name stored forecasts ("spend/account/<id>", "usage/vcpu-hours/
// <provider>/<region>/<family>", …); ForecastSpend forecasts daily spend per
// billing account and service from the bill through a SpendStore.
//
// The accuracy measures (SMAPE, MASE, MSIS, Coverage, OWA, SeasonalityTest)
// follow M4's definitions; Evaluate scores models on competition files read
// by ReadWide.
package forecast
