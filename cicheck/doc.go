// Package cicheck compares CPU profiles and benchmark results of a change
// with its base, tests the difference for significance, converts it to
// dollars per year, and renders a verdict for pull requests.
package cicheck
