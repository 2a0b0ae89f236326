package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/forecast"
)

// ForecastStore reads stored forecasts.
type ForecastStore interface {
	// LatestForecast returns the newest forecast of scope, or an ENotFound error.
	LatestForecast(ctx context.Context, scope string) (tally.Forecast, error)
	// LatestForecasts returns the newest forecast of every scope starting with prefix.
	LatestForecasts(ctx context.Context, prefix string) ([]tally.Forecast, error)
}

// forecastsResponse is the body of GET /api/v1/forecasts.
type forecastsResponse struct {
	Forecasts []tally.Forecast `json:"forecasts"`
}

// forecasts answers GET /api/v1/forecasts?scope=S with the newest forecast of
// scope S (404 when there is none, 400 when S is no scope); a scope ending
// in "*" (e.g. "spend/account/*") or no scope at all lists the newest
// forecast of every matching scope. Names in S may be escaped as stored and as `tally forecast
// run` prints them (spend/service/Amazon%20EC2, which the query decodes) or
// plain (spend/service/Amazon EC2, %2520 in the URL).
func (s *Server) forecasts(w http.ResponseWriter, r *http.Request) {
	scope := r.URL.Query().Get("scope")
	if prefix, ok := strings.CutSuffix(scope, "*"); ok || scope == "" {
		fs, err := s.fcs.LatestForecasts(r.Context(), forecast.CanonicalScope(prefix))
		if err != nil {
			s.error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, forecastsResponse{Forecasts: list(fs)})
		return
	}
	scope = forecast.CanonicalScope(scope)
	if _, err := forecast.ParseScope(scope); err != nil {
		s.error(w, r, tally.Errorf(tally.EInvalid, "%v; a scope ending in * (spend/account/*) lists the newest forecast of each under it", err))
		return
	}
	f, err := s.fcs.LatestForecast(r.Context(), scope)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, forecastsResponse{Forecasts: []tally.Forecast{f}})
}
