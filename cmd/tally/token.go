package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tallyhq/tally"
)

type tokenCmd struct {
	Create tokenCreateCmd `cmd:"" help:"Create a bearer token and print it (only once: Tally keeps only its hash)."`
}

type tokenCreateCmd struct {
	Agent   bool          `help:"An agent token: bound to --cluster, it can only ingest agent data."`
	Cluster string        `help:"The cluster an agent token writes to (created if new)." placeholder:"ID"`
	Role    string        `enum:"viewer,admin" default:"viewer" help:"Role of an API token: ${enum}."`
	Name    string        `help:"A note saying what the token is for."`
	Expires time.Duration `help:"Lifetime (e.g. 8760h); 0: no expiry."`
}

func (c *tokenCreateCmd) Run(ctx context.Context, a *app) error {
	kind, role := tally.TokenKindAPI, c.Role
	cluster := tally.ClusterID(c.Cluster)
	if c.Agent {
		if c.Cluster == "" {
			return tally.Errorf(tally.EInvalid, "an agent token needs --cluster")
		}
		kind, role = tally.TokenKindAgent, tally.RoleAgent
	} else if c.Cluster != "" {
		return tally.Errorf(tally.EInvalid, "--cluster applies to agent tokens (--agent)")
	}
	if c.Expires < 0 {
		return errors.New("--expires must not be negative")
	}
	now := time.Now()
	tok, bearer, err := tally.NewToken(kind, role, cluster, c.Name, now)
	if err != nil {
		return fmt.Errorf("generate token: %w", err)
	}
	if c.Expires > 0 {
		tok.ExpiresAt = now.Add(c.Expires).UTC()
	}
	db, closeDB, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := a.migrate(ctx, db); err != nil {
		return err
	}
	if err := db.CreateToken(ctx, tok); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, bearer)
	if c.Agent {
		fmt.Fprintf(a.stderr, "agent token %s for cluster %s; store it in the agent's Secret:\n  kubectl -n tally create secret generic tally-agent-token --from-literal=token=<the token above>\n", tok.ID, cluster)
	} else {
		fmt.Fprintf(a.stderr, "API token %s (%s)\n", tok.ID, role)
	}
	return nil
}
