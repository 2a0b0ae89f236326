package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/web"
)

type userCmd struct {
	Create userCreateCmd `cmd:"" help:"Create a user who signs in to the dashboard (the first admin: tally user create --admin EMAIL)."`
	Passwd userPasswdCmd `cmd:"" help:"Set a user's password (and role); signs the user out everywhere."`
	Role   userRoleCmd   `cmd:"" help:"Change a user's role (it applies to their next request)."`
	Delete userDeleteCmd `cmd:"" help:"Delete a user; signs them out everywhere."`
	List   userListCmd   `cmd:"" help:"List users."`
}

// passwordSource reads a password from the flag's environment variable, or
// from standard input (one line; prompted without echo on a terminal).
type passwordSource struct {
	Password      string `env:"TALLY_PASSWORD" placeholder:"PASSWORD" help:"The password (prefer the environment variable or --password-stdin: flags show in ps)."`
	PasswordStdin bool   `name:"password-stdin" help:"Read the password from standard input."`
}

func (p *passwordSource) read(a *app) (string, error) {
	if p.Password != "" {
		return p.Password, nil
	}
	if !p.PasswordStdin && !term.IsTerminal(int(os.Stdin.Fd())) {
		return "", tally.Errorf(tally.EInvalid, "no password: set TALLY_PASSWORD or pass --password-stdin")
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		fmt.Fprint(a.stderr, "Password (8–72 characters): ")
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func roleOf(admin bool, role string) (string, error) {
	if admin {
		return tally.RoleAdmin, nil
	}
	if role != tally.RoleViewer && role != tally.RoleAdmin {
		return "", tally.Errorf(tally.EInvalid, "--role %s: want viewer or admin", role)
	}
	return role, nil
}

type userCreateCmd struct {
	Email string `arg:"" help:"The user's email (their sign-in name)."`
	Admin bool   `help:"Make the user an admin (same as --role admin)."`
	Role  string `default:"viewer" enum:"viewer,admin" help:"Role: viewer (reads everything) or admin (also tokens and settings)."`
	passwordSource
}

func (c *userCreateCmd) Run(ctx context.Context, a *app) error {
	role, err := roleOf(c.Admin, c.Role)
	if err != nil {
		return err
	}
	if err := tally.CheckEmail(c.Email); err != nil {
		return err
	}
	pw, err := c.read(a)
	if err != nil {
		return err
	}
	hash, err := web.HashPassword(pw)
	if err != nil {
		return err
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	u, err := db.CreateUser(ctx, tally.User{Email: c.Email, Role: role, PasswordHash: hash})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "created %s user %s\n", u.Role, u.Email)
	return nil
}

type userPasswdCmd struct {
	Email string `arg:"" help:"The user's email."`
	Role  string `placeholder:"ROLE" help:"Also change the role: viewer or admin (default: keep it)."`
	passwordSource
}

func (c *userPasswdCmd) Run(ctx context.Context, a *app) error {
	if c.Role != "" {
		if _, err := roleOf(false, c.Role); err != nil {
			return err
		}
	}
	pw, err := c.read(a)
	if err != nil {
		return err
	}
	hash, err := web.HashPassword(pw)
	if err != nil {
		return err
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	role := c.Role
	if role == "" {
		u, err := db.UserByEmail(ctx, c.Email)
		if err != nil {
			return notFound(err, "tally user list shows the users")
		}
		role = u.Role
	}
	if err := db.SetPassword(ctx, c.Email, hash, role); err != nil {
		return userRefused(err)
	}
	fmt.Fprintf(a.stdout, "password of %s set (%s); signed out everywhere\n", c.Email, role)
	return nil
}

// notFound makes a not-found error about a name given on the command line
// (a user's email, a token's id) bad input, exit 2, as an unknown cluster
// or --audience is; hint says where to look. It exited 1, as a failure of
// Tally's.
func notFound(err error, hint string) error {
	if tally.ErrorCode(err) == tally.ENotFound {
		return tally.Errorf(tally.EInvalid, "%w (%s)", err, hint)
	}
	return err
}

// userRefused makes a user command's refusal bad input, exit 2: a user
// who does not exist, or a request that would leave no admin (EConflict,
// which exited 1, as a failure of Tally's).
func userRefused(err error) error {
	if tally.ErrorCode(err) == tally.EConflict {
		return tally.Errorf(tally.EInvalid, "%w", err)
	}
	return notFound(err, "tally user list shows the users")
}

type userRoleCmd struct {
	Email string `arg:"" help:"The user's email."`
	Role  string `arg:"" enum:"viewer,admin" help:"The new role: viewer or admin."`
}

func (c *userRoleCmd) Run(ctx context.Context, a *app) error {
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := db.SetRole(ctx, c.Email, c.Role); err != nil {
		return userRefused(err)
	}
	fmt.Fprintf(a.stdout, "%s is now %s\n", c.Email, c.Role)
	return nil
}

type userDeleteCmd struct {
	Email string `arg:"" help:"The user's email."`
}

func (c *userDeleteCmd) Run(ctx context.Context, a *app) error {
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := db.DeleteUser(ctx, c.Email); err != nil {
		return userRefused(err)
	}
	fmt.Fprintf(a.stdout, "deleted user %s; signed out everywhere and the API tokens they made revoked; the agent tokens they made keep working (tally token list shows both)\n", c.Email)
	return nil
}

type userListCmd struct{}

func (c *userListCmd) Run(ctx context.Context, a *app) error {
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	us, err := db.Users(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tROLE\tCREATED")
	for _, u := range us {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Email, u.Role, u.CreatedAt.Format(time.DateOnly))
	}
	return tw.Flush()
}

type tokenCmd struct {
	Create tokenCreateCmd `cmd:"" help:"Create an API token (scripts, Prometheus) or an agent token (tally-agent); prints the secret once."`
	List   tokenListCmd   `cmd:"" help:"List tokens (never their secrets)."`
	Revoke tokenRevokeCmd `cmd:"" help:"Revoke a token by id."`
}

type tokenCreateCmd struct {
	Name    string `required:"" placeholder:"NAME" help:"What the token is for (e.g. prometheus, ci)."`
	Kind    string `default:"api" enum:"api,agent" help:"api (acts with --role) or agent (can only ingest for --cluster)."`
	Role    string `default:"viewer" enum:"viewer,admin" help:"Role of an API token: viewer (reads everything) or admin (also tokens and settings)."`
	Cluster string `placeholder:"NAME" help:"Cluster an agent token may write."`
	Expires int    `name:"expires-days" default:"0" help:"Days until it expires (0: never)."`
}

func (c *tokenCreateCmd) Run(ctx context.Context, a *app) error {
	if c.Expires < 0 {
		return tally.Errorf(tally.EInvalid, "--expires-days %d: want a number of days, or 0 for a token that never expires", c.Expires)
	}
	if c.Kind != tally.TokenAgent && c.Cluster != "" {
		return tally.Errorf(tally.EInvalid, "--cluster %s: only an agent token (--kind agent) is bound to a cluster; an API token reads every cluster", c.Cluster)
	}
	secret, t := web.NewToken()
	t.Name, t.Kind, t.Role = c.Name, c.Kind, c.Role
	if c.Kind == tally.TokenAgent {
		if c.Cluster == "" {
			return tally.Errorf(tally.EInvalid, "--cluster: an agent token is bound to one cluster")
		}
		t.Role, t.Cluster = tally.RoleAgent, tally.ClusterID(c.Cluster)
	}
	if c.Expires > 0 {
		t.ExpiresAt = time.Now().UTC().AddDate(0, 0, c.Expires)
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	var reported []tally.ClusterID
	if t.Kind == tally.TokenAgent {
		if reported, err = db.ReportedClusters(ctx); err != nil {
			return err
		}
	}
	if _, err := db.CreateToken(ctx, t); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, secret)
	if notice := web.AgentTokenNotice(t, reported); notice != "" {
		fmt.Fprintln(a.stderr, notice)
	}
	return nil
}

type tokenListCmd struct{}

func (c *tokenListCmd) Run(ctx context.Context, a *app) error {
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	ts, err := db.Tokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tROLE\tCLUSTER\tNAME\tCREATED BY\tCREATED\tEXPIRES\tLAST USED\tREVOKED")
	now := time.Now()
	for _, t := range ts {
		used := "never"
		if !t.LastUsedAt.IsZero() {
			used = t.LastUsedAt.Format(time.RFC3339)
		}
		expires := "never"
		if !t.ExpiresAt.IsZero() {
			expires = t.ExpiresAt.UTC().Format(time.RFC3339)
			if !t.ExpiresAt.After(now) {
				expires += " (expired)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Kind, t.Role, t.Cluster, t.Name, cmp.Or(t.CreatedBy, "-"),
			t.CreatedAt.Format(time.DateOnly), expires, used, revoked(t))
	}
	return tw.Flush()
}

// revoked says when and why t was revoked, or "" when it was not.
func revoked(t tally.Token) string {
	if t.RevokedAt.IsZero() {
		return ""
	}
	return t.RevokedAt.UTC().Format(time.RFC3339) + " (" + t.Revoked + ")"
}

type tokenRevokeCmd struct {
	ID string `arg:"" help:"The token's id (the part after tly_ and before the next _)."`
}

func (c *tokenRevokeCmd) Run(ctx context.Context, a *app) error {
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := db.DeleteToken(ctx, c.ID); err != nil {
		return notFound(err, "tally token list shows the ids")
	}
	fmt.Fprintf(a.stdout, "revoked %s\n", c.ID)
	return nil
}
