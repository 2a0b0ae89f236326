package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/report"
	"github.com/tallyhq/tally/report/smtp"
)

type reportCmd struct {
	Weekly     reportWeeklyCmd     `cmd:"" help:"Build the weekly cost report: preview it, write it as .eml, or send it."`
	Deliveries reportDeliveriesCmd `cmd:"" help:"Show the weekly report delivery log."`
}

// reportFlags configure the weekly report, for both serve and report.
type reportFlags struct {
	Config       string        `name:"report-config" env:"TALLY_REPORT_CONFIG" placeholder:"FILE" help:"YAML file with audiences, recipients, budgets, schedule and SMTP server (see docs/report.md)."`
	DashboardURL string        `name:"dashboard-url" env:"TALLY_DASHBOARD_URL" placeholder:"URL" help:"Base URL of the dashboard the report links to (overrides the file's dashboard_url)."`
	SMTPHost     string        `name:"smtp-host" env:"TALLY_SMTP_HOST" placeholder:"HOST" help:"SMTP server (overrides the file's smtp.host)."`
	SMTPPort     int           `name:"smtp-port" env:"TALLY_SMTP_PORT" placeholder:"PORT" help:"SMTP port (default 587 for starttls, 465 for tls, 25 for none)."`
	SMTPTLS      string        `name:"smtp-tls" env:"TALLY_SMTP_TLS" placeholder:"starttls|tls|none" help:"SMTP encryption: starttls, tls (implicit) or none (default: the file's smtp.tls, else starttls)."`
	SMTPUsername string        `name:"smtp-username" env:"TALLY_SMTP_USERNAME" placeholder:"NAME" help:"SMTP user name (empty: no authentication)."`
	SMTPPassword string        `name:"smtp-password" env:"TALLY_SMTP_PASSWORD" placeholder:"PASSWORD" help:"SMTP password (prefer the environment variable)."`
	SMTPCAFile   string        `name:"smtp-ca-file" env:"TALLY_SMTP_CA_FILE" type:"existingfile" placeholder:"FILE" help:"PEM file of the CA that signed the SMTP server's certificate (default: the system's)."`
	ReportPoll   time.Duration `name:"report-poll" env:"TALLY_REPORT_POLL" default:"30s" hidden:"" help:"How often serve checks for due reports and deliveries."`
}

// load reads the configuration file (or the defaults) and applies the
// flags, and the labels of OpenCost's alias fields audiences filter by.
func (f *reportFlags) load(aliases attribution.Aliases) (report.Config, error) {
	cfg := report.DefaultConfig()
	if f.Config != "" {
		data, err := os.ReadFile(f.Config)
		if err != nil {
			return cfg, tally.Errorf(tally.EInvalid, "report config: %v", err)
		}
		if cfg, err = report.ParseConfig(f.Config, data); err != nil {
			return cfg, err
		}
	}
	cfg.Aliases = aliases
	if f.DashboardURL != "" {
		cfg.DashboardURL = strings.TrimRight(f.DashboardURL, "/")
	}
	if f.SMTPHost != "" {
		cfg.SMTP.Host = f.SMTPHost
	}
	if err := f.checkSMTP(); err != nil {
		return cfg, err
	}
	if f.SMTPTLS != "" {
		cfg.SMTP.TLS = f.SMTPTLS
		cfg.SMTP.Port = 0
	}
	if f.SMTPPort != 0 {
		cfg.SMTP.Port = f.SMTPPort
	}
	if f.SMTPUsername != "" {
		cfg.SMTP.Username = f.SMTPUsername
	}
	return cfg, nil
}

// checkSMTP refuses --smtp-tls and --smtp-port out of range, as the
// configuration file's smtp.tls and smtp.port are.
func (f *reportFlags) checkSMTP() error {
	switch f.SMTPTLS {
	case "", "starttls", "tls", "none":
	default:
		return tally.Errorf(tally.EInvalid, "--smtp-tls %q: want starttls, tls or none", f.SMTPTLS)
	}
	if f.SMTPPort < 0 || f.SMTPPort > 65535 {
		return tally.Errorf(tally.EInvalid, "--smtp-port %d: want 1–65535 (or leave it out for the encryption's default)", f.SMTPPort)
	}
	return nil
}

// sender returns the SMTP sender of cfg.
func (f *reportFlags) sender(cfg report.Config) (*smtp.Sender, error) {
	sc := smtp.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, TLS: cfg.SMTP.TLS, Username: cfg.SMTP.Username, Password: f.SMTPPassword}
	if f.SMTPCAFile != "" {
		pem, err := os.ReadFile(f.SMTPCAFile)
		if err != nil {
			return nil, tally.Errorf(tally.EInvalid, "--smtp-ca-file: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, tally.Errorf(tally.EInvalid, "--smtp-ca-file %s: no PEM certificate in it", f.SMTPCAFile)
		}
		sc.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return smtp.New(sc)
}

func (a *app) dispatcher(db *postgres.DB, cfg report.Config, sender report.Sender) (*report.Dispatcher, error) {
	sched, err := report.ParseSchedule(cfg.Schedule, cfg.Location)
	if err != nil {
		return nil, tally.Errorf(tally.EInvalid, "report schedule %q: %v", cfg.Schedule, err)
	}
	return &report.Dispatcher{Config: cfg, Schedule: sched, Builder: &report.Builder{Store: db, Config: cfg}, Store: db,
		Sender: sender, Locker: db, Log: a.log}, nil
}

type reportWeeklyCmd struct {
	reportFlags
	aliasFlags
	Audience string `placeholder:"NAME" help:"Audience to build the report for (default: the first configured, \"org\" without a file)."`
	Week     string `placeholder:"WEEK" help:"Week to report on: an ISO week (2026-W42) or a date in it. Default: the last complete week."`
	Preview  string `placeholder:"FILE" help:"Write the report as one self-contained HTML page (charts inline)."`
	Text     string `placeholder:"FILE" help:"Write the plain-text version (\"-\": standard output)."`
	EML      string `name:"eml" placeholder:"FILE" help:"Write the email as an .eml file (multipart MIME, as it would be sent)."`
	To       string `placeholder:"ADDRESS" help:"With --eml: the recipient written into the .eml (default: the audience's first recipient). --send sends to the audience's recipients, never to --to."`
	Send     bool   `help:"Send the report to the audience's recipients now, through the delivery log (a recipient who already got this week's report is skipped), after a typed confirmation."`
	Yes      bool   `help:"With --send: send without asking (required when standard input is not a terminal)."`
}

func (c *reportWeeklyCmd) Run(ctx context.Context, a *app) error {
	aliases, err := c.aliases()
	if err != nil {
		return err
	}
	cfg, err := c.load(aliases)
	if err != nil {
		return err
	}
	name := c.Audience
	if name == "" {
		name = cfg.Audiences[0].Name
	}
	aud, err := cfg.Audience(name)
	if err != nil {
		// A name on the command line that the configuration lacks is bad
		// input (exit 2), like any other flag value.
		return tally.Errorf(tally.EInvalid, "--audience: %s", tally.ErrorMessage(err))
	}
	wk, err := reportWeek(c.Week, time.Now())
	if err != nil {
		return err
	}
	if err := c.checkUnused(aud); err != nil {
		return err
	}
	if c.Send && len(aud.Recipients) == 0 {
		return tally.Errorf(tally.EInvalid, "audience %s has no recipients: add them to --report-config", aud.Name)
	}
	if c.Send && !c.Yes && !stdinIsTerminal() {
		return tally.Errorf(tally.EInvalid, "--send asks for a typed confirmation on a terminal: add --yes to send without one")
	}
	if c.Preview == "" && c.Text == "" && c.EML == "" && !c.Send {
		c.Text = "-"
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	if c.Week != "" {
		// A week named before the bill starts is bad input, not a
		// report of $0.00.
		if err := checkCosted(ctx, db, c.Week, wk); tally.ErrorCode(err) == tally.ENotFound {
			return tally.Errorf(tally.EInvalid, "%s", tally.ErrorMessage(err))
		} else if err != nil {
			return err
		}
	}
	b := &report.Builder{Store: db, Config: cfg}
	start := time.Now()
	r, err := b.Build(ctx, aud, wk)
	if err != nil {
		return err
	}
	a.log.Info("built weekly report", "audience", aud.Name, "week", wk.Label(), "took", time.Since(start).Round(time.Millisecond))
	if !r.HasCost() {
		if c.Send {
			return tally.Errorf(tally.EInvalid, "report of %s: %w: ingest the bill first; nothing sent", wk.Label(), report.ErrNoCost)
		}
		a.log.Warn("the bill does not cover the report week yet, and serve would not send it", "week", wk.Label(),
			"daysWithCost", r.CostDays)
	}
	rendered, err := report.Render(r)
	if err != nil {
		return err
	}
	if c.Preview != "" {
		page, err := report.PreviewHTML(r)
		if err != nil {
			return err
		}
		if err := writeOutput(c.Preview, page); err != nil {
			return fmt.Errorf("write preview: %w", err)
		}
		fmt.Fprintf(a.stderr, "wrote %s\n", c.Preview)
	}
	if c.Text == "-" {
		fmt.Fprint(a.stdout, rendered.Text)
	} else if c.Text != "" {
		if err := writeOutput(c.Text, []byte(rendered.Text)); err != nil {
			return fmt.Errorf("write text: %w", err)
		}
	}
	if c.EML != "" {
		to := c.To
		if to == "" && len(aud.Recipients) > 0 {
			to = aud.Recipients[0]
		}
		if to == "" {
			to = "recipient@example.com"
		}
		key := report.DeliveryKey(wk, aud.Name, to)
		e := report.NewEmail(rendered, cfg.From, to, key, wk, aud.Name, time.Now().In(cfg.Location))
		f, err := createOutput(c.EML)
		if err != nil {
			return fmt.Errorf("write eml: %w", err)
		}
		if err := smtp.WriteEML(f, e); err != nil {
			f.Close()
			return fmt.Errorf("write eml: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write eml: %w", err)
		}
		fmt.Fprintf(a.stderr, "wrote %s (to %s)\n", c.EML, to)
	}
	if c.Send {
		what := fmt.Sprintf("About to email the %s report of %s (%s) to %d recipient(s) (any who already got it are skipped):\n  %s",
			aud.Name, wk.Label(), wk.Span(), len(aud.Recipients), strings.Join(aud.Recipients, "\n  "))
		if c.Yes {
			fmt.Fprintln(a.stderr, what)
		} else if !confirm(a, what, "send") {
			return errors.New("not confirmed: nothing sent")
		}
		return c.send(ctx, a, db, cfg, aud, wk)
	}
	return nil
}

// checkUnused refuses --to and --yes where they do nothing: --to names
// the recipient written into --eml, and --send sends to the audience's
// recipients whatever it says; --yes confirms --send.
func (c *reportWeeklyCmd) checkUnused(aud report.Audience) error {
	switch {
	case c.Yes && !c.Send:
		return tally.Errorf(tally.EInvalid, "--yes: confirms --send, which is not given")
	case c.To == "":
		return nil
	case c.Send:
		return tally.Errorf(tally.EInvalid, "--to %s: --send sends to the audience's recipients (%s), not to --to, which names the recipient of --eml only: to send to one address, give it an audience of its own",
			c.To, strings.Join(aud.Recipients, ", "))
	case c.EML == "":
		return tally.Errorf(tally.EInvalid, "--to %s: names the recipient of --eml, which is not given", c.To)
	}
	return nil
}

// reportWeek is the week to report on: the one named (which must have
// ended), or the last complete week at now.
func reportWeek(name string, now time.Time) (report.Week, error) {
	if name == "" {
		return report.LastCompleteWeek(now), nil
	}
	wk, err := report.ParseWeek(name)
	if err != nil {
		return wk, err
	}
	return wk, wk.CheckEnded(now)
}

// send prepares the audience's deliveries of wk (unless they exist) and
// sends those of them that are due, under the same lock and log as the
// scheduler.
func (c *reportWeeklyCmd) send(ctx context.Context, a *app, db *postgres.DB, cfg report.Config, aud report.Audience, wk report.Week) error {
	sender, err := c.sender(cfg)
	if err != nil {
		return err
	}
	d, err := a.dispatcher(db, cfg, sender)
	if err != nil {
		return err
	}
	var sum report.SendSummary
	ran, err := db.TryLock(ctx, report.LockName, func(ctx context.Context) error {
		if _, _, err := db.RecoverOrphans(ctx, time.Now()); err != nil {
			return err
		}
		if _, err := d.Prepare(ctx, aud, wk); errors.Is(err, report.ErrNoCost) {
			return tally.Errorf(tally.EInvalid, "report of %s: %w: ingest the bill first; nothing sent", wk.Label(), err)
		} else if err != nil {
			return err
		}
		// Only what the operator was shown and confirmed: this week's
		// report of this audience to its recipients, not the log's other
		// due deliveries (the schedule sends those).
		sum, err = d.SendDue(ctx, report.DueFilter{Week: wk, Audience: aud.Name, Recipients: aud.Recipients})
		return err
	})
	if err != nil {
		return err
	}
	if !ran {
		return tally.Errorf(tally.EConflict, "another tally process is sending reports right now; try again in a minute")
	}
	unknown := ""
	if sum.Unknown > 0 {
		unknown = fmt.Sprintf(", unknown %d (the mail server may have accepted them: not resent)", sum.Unknown)
	}
	fmt.Fprintf(a.stderr, "sent %d, failed %d%s (see tally report deliveries)\n", sum.Sent, sum.Failed, unknown)
	switch {
	case sum.Failed > 0 && sum.Unknown > 0:
		return fmt.Errorf("%d deliveries failed, %d may have been sent", sum.Failed, sum.Unknown)
	case sum.Failed > 0:
		return fmt.Errorf("%d deliveries failed", sum.Failed)
	case sum.Unknown > 0:
		return fmt.Errorf("%d deliveries may have been sent: the mail server's reply was lost", sum.Unknown)
	}
	return nil
}

type reportDeliveriesCmd struct {
	Weeks int    `default:"4" help:"How many weeks back to show (at least 1)."`
	Key   string `placeholder:"KEY" help:"Show the log of one delivery (its idempotency key)."`
}

func (c *reportDeliveriesCmd) Run(ctx context.Context, a *app) error {
	if c.Weeks < 1 { // 0 printed an empty table
		return tally.Errorf(tally.EInvalid, "--weeks %d: want at least 1", c.Weeks)
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	if c.Key != "" {
		evs, err := db.DeliveryEvents(ctx, c.Key)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "AT\tSTATUS\tATTEMPT\tDETAIL")
		for _, e := range evs {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", e.At.Format(time.RFC3339), e.Status, e.Attempt, e.Detail)
		}
		return tw.Flush()
	}
	ds, err := db.Deliveries(ctx, report.WeekOf(time.Now()).Start.AddDate(0, 0, -7*c.Weeks))
	if err != nil {
		return err
	}
	fmt.Fprintln(tw, "WEEK\tAUDIENCE\tRECIPIENT\tSTATUS\tATTEMPTS\tSENT\tLAST ERROR")
	for _, d := range ds {
		sent := ""
		if !d.SentAt.IsZero() {
			sent = d.SentAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", d.Week.Label(), d.Audience, d.Recipient, d.Status, d.Attempts, sent, d.LastError)
	}
	return tw.Flush()
}

// reportPreviewer renders previews for the dashboard.
type reportPreviewer struct {
	cfg report.Config
	db  *postgres.DB
}

func (p *reportPreviewer) WeeklyPreview(ctx context.Context, audience, week string, text bool) ([]byte, error) {
	r, err := p.build(ctx, audience, week)
	if err != nil {
		return nil, err
	}
	if text {
		s, err := report.Text(r)
		return []byte(s), err
	}
	return report.PreviewHTML(r)
}

// WeeklySubject builds only what the subject line needs (report.Builder.Spend).
func (p *reportPreviewer) WeeklySubject(ctx context.Context, audience, week string) (monday, subject string, err error) {
	aud, wk, err := p.resolve(ctx, audience, week)
	if err != nil {
		return "", "", err
	}
	r, err := (&report.Builder{Store: p.db, Config: p.cfg}).Spend(ctx, aud, wk)
	if err != nil {
		return "", "", err
	}
	return r.Week.Start.Format(time.DateOnly), report.Subject(r), nil
}

// build builds the report of audience ("" for the first) for week ("" for
// the last complete one).
func (p *reportPreviewer) build(ctx context.Context, audience, week string) (*report.Report, error) {
	aud, wk, err := p.resolve(ctx, audience, week)
	if err != nil {
		return nil, err
	}
	return (&report.Builder{Store: p.db, Config: p.cfg}).Build(ctx, aud, wk)
}

// resolve returns the audience named audience ("" for the first) and the
// week named week ("" for the last complete one). A week named that ends
// before the organization's first costs is an ENotFound error
// (checkCosted): its report would be an empty one, of $0.00.
func (p *reportPreviewer) resolve(ctx context.Context, audience, week string) (report.Audience, report.Week, error) {
	if audience == "" {
		audience = p.cfg.Audiences[0].Name
	}
	aud, err := p.cfg.Audience(audience)
	if err != nil {
		return report.Audience{}, report.Week{}, err
	}
	wk, err := reportWeek(week, time.Now())
	if err != nil || week == "" {
		return aud, wk, err
	}
	return aud, wk, checkCosted(ctx, p.db, week, wk)
}

// checkCosted returns an ENotFound error naming week (wk) and the first
// week with costs when wk ends before the first attributed hour with
// costs. With no costs at all it returns nil: a new installation's reports
// are empty until its bill arrives, and say so.
func checkCosted(ctx context.Context, db *postgres.DB, week string, wk report.Week) error {
	st, err := db.DataStatus(ctx)
	if err != nil {
		return err
	}
	if st.FirstCosted.IsZero() || wk.End().After(st.FirstCosted) {
		return nil
	}
	named := strconv.Quote(strings.TrimSpace(week))
	if strings.TrimSpace(week) != wk.Label() { // a date in it
		named += " (" + wk.Label() + ")"
	}
	return tally.Errorf(tally.ENotFound, "week %s: no costs that week: the first week with costs is %s",
		named, report.WeekOf(st.FirstCosted).Label())
}

// scheduleReports runs the weekly report schedule until ctx ends, when an
// SMTP server and recipients are configured.
func (a *app) scheduleReports(ctx context.Context, db *postgres.DB, f *reportFlags, cfg report.Config) {
	recipients := 0
	for _, aud := range cfg.Audiences {
		recipients += len(aud.Recipients)
	}
	if cfg.SMTP.Host == "" || recipients == 0 {
		a.log.Info("weekly report email is off: configure an SMTP server and recipients (--report-config, --smtp-host)")
		return
	}
	sender, err := f.sender(cfg)
	if err != nil {
		a.log.Error("weekly report email is off", "err", err)
		return
	}
	d, err := a.dispatcher(db, cfg, sender)
	if err != nil {
		a.log.Error("weekly report email is off", "err", err)
		return
	}
	a.log.Info("weekly report email scheduled", "schedule", d.Schedule.String(), "next", d.Schedule.Next(time.Now()), "smtp", sender.Addr(),
		"recipients", recipients)
	d.Run(ctx, f.ReportPoll)
}
