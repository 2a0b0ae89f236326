// Package migrations holds Tally's schema as numbered SQL files
// (NNN_name.sql), embedded in the binary and applied in order by
// postgres.Migrate with jackc/tern under an advisory lock. See README.md for
// the partitioning and distribution rules every migration follows.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
