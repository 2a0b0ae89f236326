package web

// Test helpers for the package's external tests (web_test).
var (
	LoadCommitmentBill = loadCommitmentBill
	LoadEURBill        = loadEURBill
)
