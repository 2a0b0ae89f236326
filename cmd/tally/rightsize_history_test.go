package main

import (
	"reflect"
	"strings"
	"testing"
)

// --history takes days, as --window and KRR's history do: 3d is 72h (it
// was refused: "time: unknown unit "d" in duration "3d""); a bad value is a
// usage error naming the flag.
func TestRightsizeHistoryInDays(t *testing.T) {
	url, _, until := seededRightsizingDB(t)
	days, code, errOut := rightsizeJSON(t, url, until, "--history", "3d")
	if code != 0 {
		t.Fatalf("--history 3d: exit %d: %s", code, errOut)
	}
	hours, code, errOut := rightsizeJSON(t, url, until, "--history", "72h")
	if code != 0 {
		t.Fatalf("--history 72h: exit %d: %s", code, errOut)
	}
	if len(days) == 0 || !reflect.DeepEqual(days, hours) {
		t.Errorf("--history 3d recommends %+v, --history 72h %+v: want the same", days, hours)
	}
	for _, h := range []string{"3x", "d", "NaNd"} {
		if code, _, errOut := runTally("--database-url", url, "rightsize", "--history", h); code != exitUsage || !strings.Contains(errOut, "--history") {
			t.Errorf("--history %s: exit %d, %q: want exit %d naming the flag", h, code, errOut, exitUsage)
		}
	}
}
