package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/report"
	"github.com/tallyhq/tally/web"
)

type serveCmd struct {
	Addr            string          `env:"TALLY_ADDR" default:":8080" help:"Address to listen on."`
	TrustedProxies  []string        `name:"trusted-proxies" env:"TALLY_TRUSTED_PROXIES" sep:"," placeholder:"CIDR" help:"Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (CIDR prefixes or addresses). Empty: none; the client is the TCP peer."`
	PublicURL       string          `name:"public-url" env:"TALLY_PUBLIC_URL" placeholder:"URL" help:"URL people reach Tally at, when a proxy in front terminates TLS: https://… makes session cookies Secure and sends Strict-Transport-Security."`
	AgentRate       float64         `name:"agent-rate" env:"TALLY_AGENT_RATE" default:"200" placeholder:"N" help:"Agent batches a second each agent token (cluster) may send, and ten seconds of them at once; beyond, the agents are told to retry later. A cluster sends its nodes over the agents' --interval a second: give it twice that (the default suits 1,000 nodes at 10 s)."`
	PlansAt         plansAt         `name:"plans-at" env:"TALLY_PLANS_AT" default:"03:00" placeholder:"HH:MM" help:"Time of day (UTC, default 03:00) at which one replica refreshes the spend forecasts, right-sizing and commitment recommendations the dashboard and weekly report show, with the defaults of tally forecast run, tally rightsize and tally commitments recommend; also at start when the last refresh is older than the latest such time. off: never (run those commands from cron instead)."`
	Retention       retention       `name:"retention" env:"TALLY_RETENTION" default:"off" placeholder:"DAYS" help:"Days of hourly and raw data to keep, such as 400d (at least 93d), as tally prune --keep: each hour, one replica drops older partitions of usage, function samples, agent intervals, hourly allocations and stack costs by hour; the bill and the daily rollups are kept. off (the default): keep everything."`
	SampleRetention sampleRetention `name:"sample-retention" env:"TALLY_SAMPLE_RETENTION" default:"off" placeholder:"DAYS" help:"Days of function samples to keep, such as 35d (at least 32d), fewer than --retention, as tally prune --keep-samples: each hour, one replica drops older days of samples once every hour of them is attributed. off (the default): keep them as long as the rest."`
	DrainDelay      time.Duration   `name:"drain-delay" env:"TALLY_DRAIN_DELAY" default:"5s" placeholder:"DURATION" help:"On SIGTERM, how long to keep serving, /readyz answering 503, before closing the listener: the time load balancers and kube-proxy take to stop sending requests to a stopping pod (keep it under the pod's terminationGracePeriodSeconds less 10 s). 0: close at once."`
	QueryTimeout    time.Duration   `name:"query-timeout" env:"TALLY_QUERY_TIMEOUT" default:"30s" placeholder:"DURATION" help:"Longest an allocation or asset query may run before it is stopped (503, asking for a narrower window); 0: no limit."`
	reportFlags
	aliasFlags
}

func (c *serveCmd) Run(ctx context.Context, a *app) error {
	trusted, err := web.ParseTrustedProxies(c.TrustedProxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	if err := checkPublicURL(c.PublicURL); err != nil {
		return err
	}
	if !(c.AgentRate > 0) || math.IsInf(c.AgentRate, 0) {
		return tally.Errorf(tally.EInvalid, "--agent-rate %g: want a number of batches a second above 0", c.AgentRate)
	}
	if err := checkRetentions(c.Retention, c.SampleRetention, "--retention", "--sample-retention"); err != nil {
		return err
	}
	if c.QueryTimeout < 0 {
		return tally.Errorf(tally.EInvalid, "--query-timeout %s: want a duration of 0 (no limit) or more", c.QueryTimeout)
	}
	aliases, err := c.aliases()
	if err != nil {
		return err
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	db.SetQueryTimeout(c.QueryTimeout)
	reports, err := c.load(aliases)
	if err != nil {
		return err
	}
	cfg := a.webConfig(db, reports)
	cfg.TrustedProxies, cfg.PublicURL, cfg.Aliases = trusted, c.PublicURL, aliases
	cfg.AgentRate = c.AgentRate
	if us, err := db.Users(ctx); err != nil {
		return err
	} else if len(us) == 0 {
		a.log.Warn("no one can sign in yet: create the first admin with tally user create --admin EMAIL")
	}
	go a.maintainPartitions(ctx, db, c.Retention, c.SampleRetention)
	go a.scheduleAttribution(ctx, db)
	go a.compactFunctionSamples(ctx, db, time.Minute)
	go a.scheduleReports(ctx, db, &c.reportFlags, reports)
	if !c.PlansAt.Off {
		go a.schedulePlans(ctx, db, c.PlansAt)
	}
	return a.serveHTTP(ctx, c.Addr, web.NewServer(cfg), nil, c.DrainDelay)
}

// checkPublicURL accepts an empty --public-url or an absolute http(s) URL.
func checkPublicURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return tally.Errorf(tally.EInvalid, "--public-url %q: want an absolute URL such as https://tally.example.com", v)
	}
	return nil
}

// webConfig wires every store into the web server.
func (a *app) webConfig(db *postgres.DB, reports report.Config) web.Config {
	return web.Config{Logger: a.log, Readiness: db, Allocations: db, Assets: db, Functions: db, Metrics: db, Recommendations: db,
		Forecasts: db, Reports: &reportPreviewer{cfg: reports, db: db}, Auth: db, Tokens: db, Users: db, Settings: db, Status: db, Agents: db, Commitments: db}
}

// How long a connection may take to send a whole request (headers and
// body), and stay open idle between requests. Without them, anyone who can
// reach the port holds a connection (a file descriptor and a goroutine)
// for ever by sending a body slowly or not at all, or by never closing a
// keep-alive connection, until the process runs out of descriptors. Two
// minutes carry the largest agent batch (16 MiB) at 1.2 Mbit/s. Writing a
// response has httpWriteTimeout (writeProgressDeadline).
var (
	httpReadTimeout = 2 * time.Minute
	httpIdleTimeout = 2 * time.Minute
)

// serveHTTP serves h on addr until ctx ends; then it keeps serving for
// drain, h's Drain (if it has one) making it say it is shutting down,
// before it closes its listener and waits up to 10 s for the requests in
// flight. ready, if set, is called once the server answers; an error from
// it stops the server and is returned.
func (a *app) serveHTTP(ctx context.Context, addr string, h http.Handler, ready func(url string) error, drain time.Duration) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: writeProgressDeadline(h, httpWriteTimeout), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: httpReadTimeout, IdleTimeout: httpIdleTimeout,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	url := "http://" + displayAddr(ln.Addr())
	a.log.Info("serving", "url", url)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		go func() {
			if err := ready(url); err != nil {
				errc <- err
			}
		}()
	}
	var runErr error
	select {
	case runErr = <-errc:
	case <-ctx.Done():
		a.drain(h, drain)
	}
	a.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) && runErr == nil {
		runErr = err
	}
	if errors.Is(runErr, http.ErrServerClosed) || ctx.Err() != nil && errors.Is(runErr, context.Canceled) {
		runErr = nil
	}
	return runErr
}

// drain tells h it is draining (/readyz 503) and keeps serving for d, the
// time load balancers and kube-proxy take to stop sending requests to a
// process that is stopping.
func (a *app) drain(h http.Handler, d time.Duration) {
	if d <= 0 {
		return
	}
	if dr, ok := h.(interface{ Drain() }); ok {
		dr.Drain()
	}
	a.log.Info("draining: still serving, /readyz answers 503", "for", d)
	time.Sleep(d)
}

// displayAddr turns ":8080" or "[::]:8080" into "localhost:8080".
func displayAddr(addr net.Addr) string { return displayHostPort(addr.String()) }

// displayHostPort is displayAddr for an address written as host:port.
func displayHostPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// maintainPartitions keeps partitions created a week ahead (so a monthly
// partition exists before its month starts) and, with a retention, drops
// those older than it on one replica at a time, checking hourly.
func (a *app) maintainPartitions(ctx context.Context, db *postgres.DB, keep retention, keepSamples sampleRetention) {
	for {
		now := time.Now().UTC()
		if n, err := db.EnsurePartitions(ctx, now.AddDate(0, 0, -1), now.AddDate(0, 0, 7)); err != nil {
			a.jobFailed(ctx, "create partitions ahead", err)
		} else if n > 0 {
			a.log.Info("created partitions ahead", "count", n)
		}
		if keep.Days > 0 || keepSamples.Days > 0 {
			a.prune(ctx, db, pruned{hourly: keep.Days > 0, samples: keepSamples.Days > 0,
				hourlyBefore: keep.before(now), samplesBefore: keepSamples.before(now)})
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}

// prune drops what p asks for, unless another replica is at it, and logs
// what it dropped; an error is logged, and the next check tries again.
func (a *app) prune(ctx context.Context, db *postgres.DB, p pruned) {
	_, err := db.TryLock(ctx, pruneLock, func(ctx context.Context) error { return p.prune(ctx, db) })
	if err != nil {
		a.jobFailed(ctx, "drop data past the retention", err)
	}
	if parts := p.hourlyParts; len(parts) > 0 {
		a.log.Info("dropped hourly and raw data past the retention", "before", tally.FormatDay(p.hourlyBefore),
			"partitions", len(parts), "size", formatSize(sizeOf(parts)))
	}
	if parts := p.samplePlan.Partitions; len(parts) > 0 {
		a.log.Info("dropped function samples past their retention", "before", tally.FormatDay(parts[len(parts)-1].Window.End),
			"partitions", len(parts), "size", formatSize(sizeOf(parts)))
	}
	if p.samplePlan.HasUnread {
		a.log.Warn("kept function samples past their retention: an hour of them was not attributed since they were stored",
			"hour", p.samplePlan.Unread.Start().Format(time.RFC3339))
	}
}

// compactFunctionSamples compacts the function samples agents appended
// every period, on one replica at a time.
func (a *app) compactFunctionSamples(ctx context.Context, db *postgres.DB, period time.Duration) {
	for {
		var c postgres.Compaction
		_, err := db.TryLock(ctx, "tally-function-sample-compaction", func(ctx context.Context) (err error) {
			c, err = db.CompactFunctionSamples(ctx)
			return err
		})
		switch {
		case err != nil:
			a.jobFailed(ctx, "compact function samples", err)
		case c.Appended > 0:
			a.log.Debug("compacted function samples", "hours", c.Hours, "appended", c.Appended, "merged", c.Merged)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(period):
		}
	}
}
