package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// OrgAudience is the name of the default audience: the whole organization.
const OrgAudience = "org"

// Config says who gets which report, when, and how it links back to the
// dashboard. It is read from a YAML file (see ParseConfig); the zero Config
// is the default: one "org" audience without recipients, Monday 08:00 UTC.
type Config struct {
	// DashboardURL is the base of every link in the report, e.g.
	// https://tally.example.com. Default http://localhost:8080.
	DashboardURL string
	// From is the sender, e.g. "Tally <tally@example.com>".
	From string
	// Schedule is a cron expression (minute hour day-of-month month
	// day-of-week) in Location. Default "0 8 * * 1": Mondays at 08:00.
	Schedule string
	// Location is the time zone of Schedule. Default UTC.
	Location *time.Location
	// TeamLabel is the pod label (or billing tag) whose values the
	// organization report lists spend by. Default "team".
	TeamLabel string
	// Aliases name the labels the OpenCost alias fields of audiences'
	// filters read (team:"payments"); empty names are OpenCost's defaults.
	// Set by the command line (tally serve's --team-label…), not the file.
	Aliases attribution.Aliases
	// Audiences are the reports to build, each with its recipients.
	Audiences []Audience
	// SMTP is how the reports are delivered.
	SMTP SMTPSettings
}

// Audience is one report's reader: the whole organization, or a team
// selected by a filter on allocations.
type Audience struct {
	Name       string               // short key, used in the idempotency key and URLs: [a-z0-9-]
	Title      string               // shown in the report, e.g. "Payments team"
	Filter     string               // attribution filter, e.g. label[team]:"payments" or namespace:"shop","web"; "" for everything
	Filters    []attribution.Filter // Filter, parsed
	Recipients []string             // addresses
	Budget     tally.Money          // monthly budget; zero: none
}

// Org reports whether the audience is the whole organization (no filter).
func (a *Audience) Org() bool { return len(a.Filters) == 0 }

// SMTPSettings are the outgoing mail server's. The password never lives in
// the file: cmd/tally reads it from the environment.
type SMTPSettings struct {
	Host     string
	Port     int
	TLS      string // starttls (default), tls (implicit, port 465) or none
	Username string
}

// Default values.
const (
	DefaultSchedule     = "0 8 * * 1"
	DefaultDashboardURL = "http://localhost:8080"
	DefaultTeamLabel    = "team"
)

// DefaultConfig returns the configuration used without a file.
func DefaultConfig() Config {
	c := Config{}
	_ = c.fill()
	return c
}

// Audience returns the audience named name.
func (c *Config) Audience(name string) (Audience, error) {
	for _, a := range c.Audiences {
		if a.Name == name {
			return a, nil
		}
	}
	names := make([]string, len(c.Audiences))
	for i, a := range c.Audiences {
		names[i] = a.Name
	}
	return Audience{}, tally.Errorf(tally.ENotFound, "audience %q: not configured (have %s)", name, strings.Join(names, ", "))
}

func (c *Config) fill() error {
	if c.DashboardURL == "" {
		c.DashboardURL = DefaultDashboardURL
	}
	c.DashboardURL = strings.TrimRight(c.DashboardURL, "/")
	if c.Schedule == "" {
		c.Schedule = DefaultSchedule
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.TeamLabel == "" {
		c.TeamLabel = DefaultTeamLabel
	}
	if c.From == "" {
		c.From = "Tally <tally@localhost>"
	}
	if c.SMTP.TLS == "" {
		c.SMTP.TLS = "starttls"
	}
	if c.SMTP.Port == 0 {
		c.SMTP.Port = map[string]int{"tls": 465, "starttls": 587, "none": 25}[c.SMTP.TLS]
	}
	if len(c.Audiences) == 0 {
		c.Audiences = []Audience{{Name: OrgAudience, Title: "Organization"}}
	}
	return nil
}

// rawConfig is the file's shape.
type rawConfig struct {
	DashboardURL string        `yaml:"dashboard_url"`
	From         string        `yaml:"from"`
	Schedule     string        `yaml:"schedule"`
	TimeZone     string        `yaml:"timezone"`
	TeamLabel    string        `yaml:"team_label"`
	Audiences    []rawAudience `yaml:"audiences"`
	SMTP         struct {
		Host     string `yaml:"host"`
		Port     int    `yaml:"port"`
		TLS      string `yaml:"tls"`
		Username string `yaml:"username"`
	} `yaml:"smtp"`
}

type rawAudience struct {
	Name       string   `yaml:"name"`
	Title      string   `yaml:"title"`
	Filter     string   `yaml:"filter"`
	Recipients []string `yaml:"recipients"`
	Budget     string   `yaml:"budget"`
}

var audienceName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ParseConfig reads a YAML configuration; name is the file's name for
// errors, which say file:line, the field, the value and what is wrong:
//
//	dashboard_url: https://tally.example.com
//	from: Tally <tally@example.com>
//	schedule: "0 8 * * 1"          # cron, in timezone
//	timezone: Europe/Berlin
//	team_label: team
//	smtp: {host: smtp.example.com, port: 587, tls: starttls, username: tally}
//	audiences:
//	  - name: org
//	    title: Example Corp
//	    recipients: [finops@example.com]
//	    budget: 60000 USD            # a month
//	  - name: payments
//	    title: Payments team
//	    filter: label[team]:"payments"
//	    recipients: [payments@example.com]
func ParseConfig(name string, data []byte) (Config, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, yamlError(name, err)
	}
	var raw rawConfig
	if root.Kind != 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, yamlError(name, err)
		}
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	bad := func(n *yaml.Node, field, value, why string) error {
		return tally.Errorf(tally.EInvalid, "%s:%d: %s %q: %s", name, lineOf(n), field, value, why)
	}
	c := Config{DashboardURL: raw.DashboardURL, From: raw.From, Schedule: raw.Schedule, TeamLabel: raw.TeamLabel,
		SMTP: SMTPSettings{Host: raw.SMTP.Host, Port: raw.SMTP.Port, TLS: raw.SMTP.TLS, Username: raw.SMTP.Username}}
	if raw.DashboardURL != "" {
		u, err := url.Parse(raw.DashboardURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Config{}, bad(valueNode(doc, "dashboard_url"), "dashboard_url", raw.DashboardURL, "want an http or https URL")
		}
	}
	if raw.From != "" {
		if _, err := mail.ParseAddress(raw.From); err != nil {
			return Config{}, bad(valueNode(doc, "from"), "from", raw.From, "want an address like Tally <tally@example.com>")
		}
	}
	if raw.TimeZone != "" {
		loc, err := time.LoadLocation(raw.TimeZone)
		if err != nil {
			return Config{}, bad(valueNode(doc, "timezone"), "timezone", raw.TimeZone, "want an IANA time zone such as Europe/Berlin")
		}
		c.Location = loc
	}
	if raw.Schedule != "" {
		if _, err := ParseSchedule(raw.Schedule, time.UTC); err != nil {
			return Config{}, bad(valueNode(doc, "schedule"), "schedule", raw.Schedule, err.Error())
		}
	}
	smtpNode := valueNode(doc, "smtp")
	switch raw.SMTP.TLS {
	case "", "starttls", "tls", "none":
	default:
		return Config{}, bad(valueNode(smtpNode, "tls"), "smtp.tls", raw.SMTP.TLS, "want starttls, tls or none")
	}
	if raw.SMTP.Port < 0 || raw.SMTP.Port > 65535 {
		return Config{}, bad(valueNode(smtpNode, "port"), "smtp.port", fmt.Sprint(raw.SMTP.Port), "want 1–65535")
	}
	audNodes := valueNode(doc, "audiences")
	seen := map[string]bool{}
	for i, ra := range raw.Audiences {
		var an *yaml.Node
		if audNodes != nil && i < len(audNodes.Content) {
			an = audNodes.Content[i]
		}
		field := func(f string) string { return fmt.Sprintf("audiences[%d].%s", i, f) }
		if !audienceName.MatchString(ra.Name) {
			return Config{}, bad(orNode(valueNode(an, "name"), an), field("name"), ra.Name, "want lower-case letters, digits and dashes (at most 63)")
		}
		if seen[ra.Name] {
			return Config{}, bad(valueNode(an, "name"), field("name"), ra.Name, "appears twice")
		}
		seen[ra.Name] = true
		a := Audience{Name: ra.Name, Title: ra.Title, Filter: ra.Filter}
		if a.Title == "" {
			a.Title = ra.Name
		}
		fs, err := attribution.ParseFilter(ra.Filter)
		if err != nil {
			return Config{}, bad(valueNode(an, "filter"), field("filter"), ra.Filter, tally.ErrorMessage(err))
		}
		a.Filters = fs
		for j, r := range ra.Recipients {
			addr, err := mail.ParseAddress(r)
			if err != nil {
				rn := valueNode(an, "recipients")
				if rn != nil && j < len(rn.Content) {
					rn = rn.Content[j]
				}
				return Config{}, bad(rn, fmt.Sprintf("audiences[%d].recipients[%d]", i, j), r, "not an email address")
			}
			a.Recipients = append(a.Recipients, addr.Address)
		}
		if ra.Budget != "" {
			m, err := parseBudget(ra.Budget)
			if err != nil {
				return Config{}, bad(valueNode(an, "budget"), field("budget"), ra.Budget, err.Error())
			}
			a.Budget = m
		}
		c.Audiences = append(c.Audiences, a)
	}
	if err := c.fill(); err != nil {
		return Config{}, err
	}
	return c, nil
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns a yaml.v3 error into "file:line: what".
func yamlError(name string, err error) error {
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msgs = te.Errors
	}
	msg := strings.TrimPrefix(msgs[0], "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		what := m[2]
		if i := strings.Index(what, " in type report.raw"); i >= 0 {
			what = what[:i] + ": not a known setting"
		}
		return tally.Errorf(tally.EInvalid, "%s:%s: %s", name, m[1], what)
	}
	return tally.Errorf(tally.EInvalid, "%s: %s", name, msg)
}

// parseBudget reads "60000 USD" (a month's amount and its currency).
func parseBudget(s string) (tally.Money, error) {
	f := strings.Fields(strings.ReplaceAll(s, ",", ""))
	if len(f) != 2 {
		return tally.Money{}, errors.New("want an amount and a currency, e.g. 60000 USD")
	}
	cur, err := tally.ParseCurrency(f[1])
	if err != nil {
		return tally.Money{}, err
	}
	m, err := tally.ParseMoney(f[0], cur)
	if err != nil {
		return tally.Money{}, err
	}
	if m.Sign() <= 0 {
		return tally.Money{}, errors.New("must be positive")
	}
	return m, nil
}

// valueNode returns the value of key in mapping n, or nil.
func valueNode(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func orNode(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}

func lineOf(n *yaml.Node) int {
	if n == nil {
		return 1
	}
	return n.Line
}
