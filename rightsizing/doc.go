// Package rightsizing recommends container requests and limits from usage
// histograms and node instance types by bin packing, prices the savings with
// attributed costs, and backtests strategies on usage traces.
package rightsizing
