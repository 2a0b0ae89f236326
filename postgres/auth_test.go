package postgres_test

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestTouchTokenRecordsLastUse: the web server touches a token on every
// bearer request; `tally token list` and the dashboard show the last use.
// A touch within a minute of the recorded one is skipped.
func TestTouchTokenRecordsLastUse(t *testing.T) {
	db := pgtest.New(t)
	if _, err := db.CreateToken(ctx, tally.Token{ID: "abc123", Kind: tally.TokenAPI, Role: tally.RoleViewer, Name: "ci",
		SecretHash: []byte{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, tt := range []struct {
		at, want time.Time
	}{
		{now, now},                       // first use
		{now.Add(30 * time.Second), now}, // within a minute: not written
		{now.Add(2 * time.Minute), now.Add(2 * time.Minute)},
	} {
		if err := db.TouchToken(ctx, "abc123", tt.at); err != nil {
			t.Fatalf("TouchToken(%v): %v", tt.at, err)
		}
		tok, err := db.Token(ctx, "abc123")
		if err != nil {
			t.Fatal(err)
		}
		if !tok.LastUsedAt.Equal(tt.want) {
			t.Errorf("last used at %v after TouchToken(%v), want %v", tok.LastUsedAt, tt.at, tt.want)
		}
	}
}
