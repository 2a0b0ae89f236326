package web

import (
	"bytes"
	"fmt"
	"math"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

func FuzzDecodeAgentBatch(f *testing.F) {
	f.Add([]byte(`{"version":1,"node":{"name":"n"},"intervals":[{"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:10Z","containers":[{"podUID":"u","container":"c","cpuCoreSeconds":1,"profile":"H4sIAAAAAAAA/wEAAP//AAAAAAAAAAA="}]}]}`))
	f.Add([]byte(`{"version":1,"node":{"name":"n"},"intervals":[{"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:10Z","containers":[]}],` +
		`"pods":[{"uid":"u","namespace":"ns","name":"p","containers":[],"scheduling":{"antiAffinity":["kubernetes.io/hostname","x"],` +
		`"spread":[{"topologyKey":"topology.kubernetes.io/zone","maxSkew":-1,"minDomains":3}]}}]}`))
	f.Add([]byte(`{"version":1,"node":{"name":"n"},"intervals":[{"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:10Z","containers":[]}],` +
		`"pods":[{"uid":"u","namespace":"ns","name":"p","containers":[],"autoscaling":{"hpa":{"name":"p","minReplicas":3,"maxReplicas":2,` +
		`"cpuUtilization":70,"memoryUtilization":0,"otherMetrics":true}}}]}`))
	f.Add([]byte(`{"version":1,"node":{"name":"n"},"intervals":[{"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:10Z","containers":[]}],` +
		`"pods":[{"uid":"u","namespace":"ns","name":"p","containers":[{"name":"envoy","position":1},{"name":"app","position":2},` +
		`{"name":"proxy","kind":"sidecar","position":1}]}]}`))
	f.Add([]byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff})
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/ingest/agent", bytes.NewReader(body))
		in, _, err := decodeAgentBatch(r, "prod", now, DefaultAgentMaxAge)
		// A bad body is the agent's fault (4xx), never the server's.
		switch tally.ErrorCode(err) {
		case "", tally.EInvalid, tally.ETooLarge, tally.EForbidden:
		default:
			t.Fatalf("error code %s: %v", tally.ErrorCode(err), err)
		}
		if err != nil {
			return
		}
		if err == nil && (in.Cluster != "prod" || len(in.Intervals) == 0) {
			t.Fatalf("accepted a batch without intervals: %+v", in)
		}
		// Scheduling constraints are kept only when usable.
		for _, p := range in.Pods {
			// Positions are places in a list (or unknown), each one
			// container's.
			places := map[string]bool{}
			for _, c := range p.Containers {
				place := fmt.Sprintf("%s/%d", specList(c.Kind), c.Position)
				if c.Position < 0 || c.Position > math.MaxInt32 || (c.Position > 0 && places[place]) {
					t.Fatalf("pod %s kept container %s at %s", p.Ref.Name, c.Name, place)
				}
				places[place] = true
			}
			// So are an HPA's replica bounds and targets.
			if a := p.Autoscaling; a != nil && a.HPA != nil {
				h := a.HPA
				if h.MinReplicas < 0 || h.MinReplicas > h.MaxReplicas || h.MaxReplicas > tally.MaxHPAReplicas || (h.MaxReplicas > 0 && h.MinReplicas < 1) ||
					h.CPUUtilization < 0 || h.CPUUtilization > tally.MaxHPAUtilization || h.MemoryUtilization < 0 || h.MemoryUtilization > tally.MaxHPAUtilization {
					t.Fatalf("pod %s kept an HPA out of range: %+v", p.Ref.Name, h)
				}
			}
			if s := p.Scheduling; s != nil {
				for _, c := range s.Spread {
					if why := c.Check(); why != "" {
						t.Fatalf("pod %s kept an unusable spread %+v: %s", p.Ref.Name, c, why)
					}
				}
				for _, k := range s.AntiAffinity {
					if k != tally.TopologyHostname && k != tally.TopologyZone {
						t.Fatalf("pod %s kept anti-affinity on %q", p.Ref.Name, k)
					}
				}
			}
		}
	})
}
