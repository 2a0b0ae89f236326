package postgres_test

import (
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestUsersKeepAnAdmin: roles change and users are deleted, but never the
// last admin, who alone can manage users and tokens from the dashboard.
func TestUsersKeepAnAdmin(t *testing.T) {
	db := pgtest.New(t)
	for _, u := range []tally.User{{Email: "ada@example.com", Role: tally.RoleAdmin}, {Email: "bob@example.com", Role: tally.RoleViewer}} {
		u.PasswordHash = "x"
		if _, err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetRole(ctx, "ada@example.com", tally.RoleViewer); tally.ErrorCode(err) != tally.EConflict {
		t.Errorf("demote the last admin: %v, want EConflict", err)
	}
	if err := db.DeleteUser(ctx, "ada@example.com"); tally.ErrorCode(err) != tally.EConflict {
		t.Errorf("delete the last admin: %v, want EConflict", err)
	}
	if err := db.SetPassword(ctx, "ada@example.com", "y", tally.RoleViewer); tally.ErrorCode(err) != tally.EConflict {
		t.Errorf("set the last admin's password as a viewer: %v, want EConflict", err)
	}
	if err := db.SetRole(ctx, "nobody@example.com", tally.RoleAdmin); tally.ErrorCode(err) != tally.ENotFound {
		t.Errorf("unknown user: %v, want ENotFound", err)
	}
	if err := db.DeleteUser(ctx, "nobody@example.com"); tally.ErrorCode(err) != tally.ENotFound {
		t.Errorf("delete an unknown user: %v, want ENotFound", err)
	}
	if err := db.SetRole(ctx, "Bob@Example.com", tally.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := db.SetRole(ctx, "ada@example.com", tally.RoleViewer); err != nil {
		t.Errorf("demote an admin while another is left: %v", err)
	}
	sess := tally.Session{Hash: []byte("h"), CSRFToken: "c", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	sess.User, _ = db.UserByEmail(ctx, "ada@example.com")
	if err := db.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if s, err := db.Session(ctx, sess.Hash); err != nil || s.User.Role != tally.RoleViewer {
		t.Errorf("a session reads its user's role as it is now: %q, %v", s.User.Role, err)
	}
	if err := db.DeleteUser(ctx, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Session(ctx, sess.Hash); tally.ErrorCode(err) != tally.ENotFound {
		t.Errorf("a deleted user's session: %v, want ENotFound", err)
	}
	if us, _ := db.Users(ctx); len(us) != 1 || us[0].Email != "bob@example.com" {
		t.Errorf("users %v, want bob alone", us)
	}
}

// TestLastAdminRace: two admins demoting each other at once leave one.
func TestLastAdminRace(t *testing.T) {
	db := pgtest.New(t)
	emails := []string{"ada@example.com", "bob@example.com"}
	for _, e := range emails {
		if _, err := db.CreateUser(ctx, tally.User{Email: e, Role: tally.RoleAdmin, PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	for range 20 {
		var wg sync.WaitGroup
		for _, e := range emails {
			wg.Go(func() { _ = db.SetRole(ctx, e, tally.RoleViewer) })
		}
		wg.Wait()
		admins := 0
		us, err := db.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			if u.Role == tally.RoleAdmin {
				admins++
			}
		}
		if admins != 1 {
			t.Fatalf("%d admins after both were demoted at once, want 1", admins)
		}
		for _, e := range emails {
			if err := db.SetRole(ctx, e, tally.RoleAdmin); err != nil {
				t.Fatal(err)
			}
		}
	}
}
