package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/rightsizing"
	"github.com/tallyhq/tally/web"
)

// demoEmail is the demo organization's admin.
const demoEmail = "demo@tally.local"

// demoAdmin makes sure the demo admin exists with a fresh random password
// and returns the one-click sign-in link's settings and the password, so
// `tally demo` needs no manual sign-in setup: it prints both.
func demoAdmin(ctx context.Context, db *postgres.DB) (*web.DemoLogin, string, error) {
	pw := randomText(12)
	hash, err := web.HashPassword(pw)
	if err != nil {
		return nil, "", err
	}
	if _, err := db.CreateUser(ctx, tally.User{Email: demoEmail, Role: tally.RoleAdmin, PasswordHash: hash}); err != nil {
		if tally.ErrorCode(err) != tally.EConflict {
			return nil, "", err
		}
		if err := db.SetPassword(ctx, demoEmail, hash, tally.RoleAdmin); err != nil {
			return nil, "", err
		}
	}
	return &web.DemoLogin{Email: demoEmail, Code: randomText(24)}, pw, nil
}

// printDemoLogin tells the person running the demo how to get in, and
// how to reach its organization from the command line: with the data
// directory it runs on, unless the default, which another shell may not
// have in its environment.
func (a *app) printDemoLogin(url string, d *web.DemoLogin, password string) {
	cli := "tally"
	if a.globals.DataDir != "" {
		cli += " --data-dir " + rightsizing.ShellArg(a.globals.DataDir)
	}
	fmt.Fprintf(a.stdout, "\nTally demo is running.\n  open   %s/login/demo?code=%s   (signs you in as the demo admin)\n  or     %s  with  %s / %s\n"+
		"  CLI    %s --database %s commitments status   (any command, on this organization)\n\n",
		url, d.Code, url, d.Email, password, cli, demoDatabase)
}

func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}
