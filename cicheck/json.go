package cicheck

import (
	"encoding/json"
	"io"
)

// RenderJSON writes r as indented JSON. Unbounded interval ends are null.
func RenderJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// num returns x, or nil when it is not finite (JSON has no infinities).
func num(x float64) *float64 {
	if !finite(x) {
		return nil
	}
	return &x
}

// MarshalJSON writes non-finite bounds as null.
func (e Estimate) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Median *float64 `json:"median"`
		Lo     *float64 `json:"lo"`
		Hi     *float64 `json:"hi"`
		N      int      `json:"n"`
	}{num(e.Median), num(e.Lo), num(e.Hi), e.N})
}

// MarshalJSON writes non-finite bounds as null.
func (c Change) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Base        Estimate `json:"base"`
		Head        Estimate `json:"head"`
		Delta       *float64 `json:"delta"`
		Lo          *float64 `json:"deltaLo"`
		Hi          *float64 `json:"deltaHi"`
		Rel         *float64 `json:"rel"`
		RelLo       *float64 `json:"relLo"`
		RelHi       *float64 `json:"relHi"`
		New         bool     `json:"new,omitempty"`
		P           float64  `json:"p"`
		Significant bool     `json:"significant"`
		Warnings    []string `json:"warnings,omitempty"`
	}{c.Base, c.Head, num(c.Delta), num(c.Lo), num(c.Hi), num(c.Rel), num(c.RelLo), num(c.RelHi), c.New, c.P, c.Significant, c.Warnings})
}
