package demo

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"path"
	"time"

	"github.com/tallyhq/tally"
)

// AgentFile is one agent batch: what tally-agent on one node sends for one
// day, gzip-compressed JSON of a tally.AgentBatch, ready to POST to
// /api/v1/ingest/agent with Content-Encoding: gzip.
type AgentFile struct {
	Cluster   tally.ClusterID `json:"cluster"`
	Node      string          `json:"node"`
	Day       string          `json:"day"` // YYYY-MM-DD (UTC)
	Path      string          `json:"path"`
	Intervals int             `json:"intervals"`
	Profiles  int             `json:"profiles"`
}

// agentBatches builds the node's batches, one per UTC day it ran, and
// returns their encoded bodies.
func (o *org) agentBatches(n *node, ivs []interval, write func(rel string, body []byte) error) ([]AgentFile, error) {
	var files []AgentFile
	for i := 0; i < len(ivs); {
		day := ivs[i].start.Truncate(24 * time.Hour)
		j := i
		for j < len(ivs) && ivs[j].start.Truncate(24*time.Hour).Equal(day) {
			j++
		}
		b, profiles, err := o.agentBatch(n, ivs[i:j])
		i = j
		if err != nil {
			return nil, err
		}
		if len(b.Intervals) == 0 {
			continue
		}
		var raw bytes.Buffer
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(&raw)
		enc := json.NewEncoder(zw)
		enc.SetEscapeHTML(false)
		err = enc.Encode(b)
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		gzipPool.Put(zw)
		if err != nil {
			return nil, fmt.Errorf("encode agent batch of %s: %w", n.Name, err)
		}
		rel := path.Join("agent", string(n.c.ID), n.Name, day.Format(time.DateOnly)+".json.gz")
		if err := write(rel, raw.Bytes()); err != nil {
			return nil, err
		}
		files = append(files, AgentFile{Cluster: n.c.ID, Node: n.Name, Day: day.Format(time.DateOnly), Path: rel,
			Intervals: len(b.Intervals), Profiles: profiles})
	}
	return files, nil
}

func (o *org) agentBatch(n *node, ivs []interval) (*tally.AgentBatch, int, error) {
	b := &tally.AgentBatch{Version: tally.AgentBatchVersion, Cluster: n.c.ID, Node: o.agentNode(n)}
	seen := map[*pod]bool{}
	var pods []*pod
	profiles := 0
	profs := map[*pod]*podProfile{}
	for _, iv := range ivs {
		if !iv.end.After(iv.start) {
			continue
		}
		ai := tally.AgentInterval{Start: iv.start, End: iv.end, Containers: make([]tally.AgentUsage, 0, len(iv.entries))}
		for _, e := range iv.entries {
			u := tally.AgentUsage{Container: e.host, CPUCoreSeconds: e.u.cpuSec, Seconds: float64(e.secs), MemoryWorkingSet: e.u.wsAvg, MemoryWorkingMax: e.u.wsMax,
				MemoryRSSMax: e.u.rssMax, OOMKills: e.u.oomKills, Throttled: e.u.throttled}
			if e.p != nil {
				c := &e.p.w.Containers[e.ci]
				u.PodUID, u.Container = e.p.UID, c.Name
				if !seen[e.p] {
					seen[e.p] = true
					pods = append(pods, e.p)
				}
				if ps := e.p.w.Profile; ps != nil && !iv.start.Before(o.profFrom) && (ps.Container == c.Name || ps.Container == "" && e.ci == 0) {
					pp := profs[e.p]
					if pp == nil {
						pp = o.newPodProfile(e.p, c.Name, n)
						profs[e.p] = pp
					}
					prof, err := o.cpuProfile(pp, e.p, iv.start, iv.end, e.u.cpuSec)
					if err != nil {
						return nil, 0, fmt.Errorf("profile %s/%s: %w", e.p.Name, c.Name, err)
					}
					if prof != nil {
						u.Profile = prof
						profiles++
					}
				}
			}
			ai.Containers = append(ai.Containers, u)
		}
		b.Intervals = append(b.Intervals, ai)
	}
	for _, p := range pods {
		b.Pods = append(b.Pods, o.agentPod(p))
	}
	// A few samples lost to full BPF maps now and then.
	if k := hashKey(o.seed, n.hash, uint64(ivs[0].h)); k%7 == 0 {
		b.Dropped.Samples = k % 40
	}
	return b, profiles, nil
}

func (o *org) agentNode(n *node) tally.AgentNode {
	lifecycle := tally.LifecycleOnDemand
	if n.pool.Spot {
		lifecycle = tally.LifecycleSpot
	}
	labels := map[string]string{
		"kubernetes.io/arch":               n.typ.Arch,
		"kubernetes.io/os":                 "linux",
		"kubernetes.io/hostname":           n.Name,
		"node.kubernetes.io/instance-type": n.typ.Name,
		"topology.kubernetes.io/region":    n.c.Region,
		"topology.kubernetes.io/zone":      n.Zone,
	}
	if n.c.Provider == tally.ProviderAWS {
		labels["eks.amazonaws.com/nodegroup"] = n.pool.Name
		labels["eks.amazonaws.com/capacityType"] = map[bool]string{true: "SPOT", false: "ON_DEMAND"}[n.pool.Spot]
	} else {
		labels["cloud.google.com/gke-nodepool"] = n.pool.Name
		labels["cloud.google.com/machine-family"] = n.typ.Family
		if n.pool.Spot {
			labels["cloud.google.com/gke-spot"] = "true"
		}
	}
	return tally.AgentNode{Name: n.Name, UID: n.UID, ProviderID: n.ProviderID, InstanceType: n.typ.Name, Region: n.c.Region, Zone: n.Zone,
		Lifecycle: lifecycle, CPUCapacity: float64(n.typ.VCPU), MemoryCapacity: n.typ.memoryCapacity(),
		CPUAllocatable: float64(n.allocCPU) / 1000, MemoryAllocatable: n.allocMem, Labels: labels}
}

func (o *org) agentPod(p *pod) tally.AgentPod {
	w := p.w
	labels := map[string]string{"app.kubernetes.io/name": w.Name, "team": o.teams[w.Namespace]}
	for k, v := range w.Labels {
		labels[k] = v
	}
	owner := w.Kind
	switch w.Kind {
	case tally.KindDeployment:
		labels["pod-template-hash"] = rsHash(w, p.Version)
	case tally.KindStatefulSet:
		labels["statefulset.kubernetes.io/pod-name"] = p.Name
		labels["controller-revision-hash"] = w.Name + "-" + rsHash(w, p.Version)
	case kindDaemonSet:
		labels["controller-revision-hash"] = rsHash(w, p.Version)[:8]
	case tally.KindCronJob:
		labels["batch.kubernetes.io/job-name"] = p.Name[:len(p.Name)-6]
	}
	ap := tally.AgentPod{UID: p.UID, Namespace: w.Namespace, Name: p.Name, OwnerKind: owner, OwnerName: w.Name,
		Labels: labels, Annotations: w.Annotations, StartedAt: p.Start, Scheduling: w.podScheduling(),
		Autoscaling: w.podAutoscaling()}
	for i, c := range w.Containers {
		ap.Containers = append(ap.Containers, tally.AgentContainer{Name: c.Name, Position: i + 1, ID: p.ctrIDs[i], Image: w.Image + ":" + w.Versions[min(p.Version, len(w.Versions)-1)],
			CPURequest: c.CPUReq, CPULimit: c.CPULim, MemoryRequest: c.MemReq, MemoryLimit: c.MemLim})
	}
	return ap
}
