package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestManifestVersionPinsTheTruthRules: tally demo reuses a generated
// directory of the same seed, days, end and ManifestVersion. The GCP CUD
// amortization changed the truth's rules and the generator but not the
// version, so a directory generated earlier the same day was reused and
// checked against its old truth (analytics-usc1/ml-batch: $1.48, truth $0,
// a 297% deviation). Each version is pinned to the digest of the rules it
// was written with: a change to them must bump ManifestVersion and add its
// digest here. A version that changed the generator but not the rules
// keeps the digest of the version before it (generatorOnly).
func TestManifestVersionPinsTheTruthRules(t *testing.T) {
	pinned := map[int]string{
		1: "05ba6ac194eec7295f221ef433949d4188282d85f381d56afdddd72321f28593",
		2: "e3611f2b52c6599b277814dfc55374e8c7f88a46d3d72324c5fd734b6466d206",
		3: "e3611f2b52c6599b277814dfc55374e8c7f88a46d3d72324c5fd734b6466d206",
		4: "e3611f2b52c6599b277814dfc55374e8c7f88a46d3d72324c5fd734b6466d206",
		5: "e3611f2b52c6599b277814dfc55374e8c7f88a46d3d72324c5fd734b6466d206",
		6: "e3611f2b52c6599b277814dfc55374e8c7f88a46d3d72324c5fd734b6466d206",
		7: "e3611f2b52c6599b277814dfc55374e8c7f88a46d3d72324c5fd734b6466d206",
	}
	// generatorOnly: version → the version whose rules it kept.
	generatorOnly := map[int]int{
		3: 2, // the agents send the pods' scheduling constraints
		4: 2, // the agents send the autoscaled Deployments' HPAs
		5: 2, // zone spreads kept, node groups balanced over zones
		6: 2, // size-flexible reservations, a smaller m5 EC2 Instance Savings Plan
		7: 2, // reservations shared with the linked account, three c5.2xlarge reserved
	}
	rules := func(v int) int {
		if r, ok := generatorOnly[v]; ok {
			return r
		}
		return v
	}
	sum := sha256.Sum256([]byte(strings.Join(allocationRules, "\n")))
	got := hex.EncodeToString(sum[:])
	want, ok := pinned[ManifestVersion]
	if !ok || want != got {
		t.Errorf("the truth's rules (digest %s) are not those of ManifestVersion %d (digest %q): bump ManifestVersion when the generator or its truth changes, and pin the new version's digest here", got, ManifestVersion, want)
	}
	for v, d := range pinned {
		if v != ManifestVersion && d == got && rules(v) != rules(ManifestVersion) {
			t.Errorf("ManifestVersion %d has the rules of version %d", ManifestVersion, v)
		}
	}
}
