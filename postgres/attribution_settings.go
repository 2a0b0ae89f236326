package postgres

import (
	"context"
	"fmt"

	"github.com/tallyhq/tally/attribution"
)

// settingAttribution is the settings key of the attribution policy.
const settingAttribution = "attribution"

// attributionSetting is the stored attribution policy: what changes the
// allocations attribution stores, so every run (tally serve's scheduler,
// tally attribute) must compute with the same one.
type attributionSetting struct {
	Share attribution.ShareBasis `json:"share"`
}

// ShareBasis returns the stored share basis of attribution, ShareMax when
// none is stored.
func (db *DB) ShareBasis(ctx context.Context) (attribution.ShareBasis, error) {
	var s attributionSetting
	if _, err := db.Setting(ctx, settingAttribution, &s); err != nil {
		return "", fmt.Errorf("read the attribution settings: %w", err)
	}
	if s.Share == "" {
		return attribution.ShareMax, nil
	}
	b, err := attribution.ParseShareBasis(string(s.Share))
	if err != nil {
		return "", fmt.Errorf("read the attribution settings: %w", err)
	}
	return b, nil
}

// SaveShareBasis stores the share basis of attribution. Hours attributed
// with another are stale from then on (StaleHours).
func (db *DB) SaveShareBasis(ctx context.Context, b attribution.ShareBasis, by string) error {
	if _, err := attribution.ParseShareBasis(string(b)); err != nil {
		return fmt.Errorf("save the attribution settings: %w", err)
	}
	if err := db.PutSetting(ctx, settingAttribution, attributionSetting{Share: b}, by); err != nil {
		return fmt.Errorf("save the attribution settings: %w", err)
	}
	return nil
}
