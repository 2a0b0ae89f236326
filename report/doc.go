// Package report builds the weekly cost report: what changed and why, what
// comes next, and what to do, rendered as an email-safe HTML page with PNG
// charts and as plain text. Subpackage smtp delivers it.
package report
