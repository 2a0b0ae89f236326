package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tallyhq/tally"
)

// costRateClient asks a Tally server for a workload's cost rate
// (tally.CostRatePath): its amortized price per core-hour and its CPU a year.
type costRateClient struct {
	HTTP   *http.Client
	Server string // base URL, e.g. https://tally.example.com
	Token  string // bearer token; empty sends none
}

// maxCostRateBody bounds what is read of an answer.
const maxCostRateBody = 1 << 20

// Get returns the cost rate of workload ("namespace/name" or
// "namespace/kind/name") in cluster (empty: all) over window (e.g. "30d").
func (c *costRateClient) Get(ctx context.Context, workload, cluster, window string) (*tally.CostRate, error) {
	parts := strings.Split(workload, "/")
	if (len(parts) != 2 && len(parts) != 3) || slices.Contains(parts, "") {
		return nil, tally.Errorf(tally.EInvalid, "--workload %q: want NAMESPACE/NAME", workload)
	}
	u, err := url.Parse(c.Server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, tally.Errorf(tally.EInvalid, "--server %q: want an http or https URL", redactURL(c.Server))
	}
	// Messages name the server without its password: they reach the CI
	// log and, through the report's price source, the pull request.
	server := u.Redacted()
	u = u.JoinPath(tally.CostRatePath)
	q := url.Values{"workload": {workload}}
	if cluster != "" {
		q.Set("cluster", cluster)
	}
	if window != "" {
		q.Set("window", window)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("cost rate request: %w", withoutURL(err))
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "tally/"+tally.Version)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		// net/http's errors hold the URL; the message names the server already.
		return nil, tally.Errorf(tally.EUnavailable, "ask %s for the cost rate of %s: %v", server, workload, withoutURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCostRateBody+1))
	if err != nil {
		return nil, tally.Errorf(tally.EUnavailable, "read the cost rate of %s from %s: %v", workload, server, withoutURL(err))
	}
	if len(body) > maxCostRateBody {
		return nil, tally.Errorf(tally.ETooLarge, "cost rate of %s from %s: answer over %d bytes", workload, server, maxCostRateBody)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, serverError(resp, body, server, workload)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return nil, tally.Errorf(tally.EUnavailable, "cost rate of %s from %s: answer is %q, not JSON", workload, server, ct)
	}
	return decodeCostRate(body, workload, server)
}

// decodeCostRate parses and checks a cost-rate answer to a question about workload.
func decodeCostRate(body []byte, workload, server string) (*tally.CostRate, error) {
	var rate tally.CostRate
	if err := json.Unmarshal(body, &rate); err != nil {
		return nil, tally.Errorf(tally.EUnavailable, "cost rate of %s from %s: %v", workload, server, err)
	}
	if rate.Workload != workload {
		return nil, tally.Errorf(tally.EUnavailable, "cost rate from %s: asked for workload %s, got %s", server, workload, rate.Workload)
	}
	if _, err := rate.Price(); err != nil {
		return nil, err
	}
	return &rate, nil
}

// serverError turns an error answer ({"code","message"}, as web writes
// them) into a coded error.
func serverError(resp *http.Response, body []byte, server, workload string) error {
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &e)
	code := e.Code
	if code == "" {
		switch resp.StatusCode {
		case http.StatusBadRequest:
			code = tally.EInvalid
		case http.StatusUnauthorized:
			code = tally.EUnauthorized
		case http.StatusForbidden:
			code = tally.EForbidden
		case http.StatusNotFound:
			code = tally.ENotFound
		default:
			code = tally.EUnavailable
		}
	}
	msg := e.Message
	if msg == "" {
		msg = resp.Status
	}
	hint := ""
	switch code {
	case tally.EUnauthorized:
		hint = " (give a valid token with --token, $TALLY_TOKEN or --token-file)"
	case tally.ENotFound:
		hint = " (is the workload name NAMESPACE/NAME as Tally shows it?)"
	}
	return &tally.Error{Code: code, Message: fmt.Sprintf("cost rate of %s from %s: %s%s", workload, server, msg, hint), Err: errors.New(resp.Status)}
}

// redactURL returns the URL s with its password replaced by "xxxxx", as
// url.URL.Redacted does; a string that does not parse loses everything up
// to its last '@'.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return "xxxxx@" + s[i+1:]
	}
	return s
}

// withoutURL returns the cause of a *url.Error, or err itself. net/http's
// errors name the URL: the client's hide its password, but others (a URL
// that does not parse) hold it verbatim, and the message names the server
// already.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}
