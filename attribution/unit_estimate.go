package attribution

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// gkeAccelerator is the node label GKE names a node's GPU model by
// (nvidia-l4, nvidia-tesla-a100, nvidia-h100-mega-80gb).
const gkeAccelerator = "cloud.google.com/gke-accelerator"

// customMachineType is a GCE custom machine type's name: [FAMILY-]custom-
// VCPUS-MEMORY_MIB[-ext] (N1's have no family; -ext: extended memory).
var customMachineType = regexp.MustCompile(`^(?:([a-z][a-z0-9]*)-)?custom-([0-9]+)-([0-9]+)(-ext)?$`)

// extendedAbove is, per family, the memory per vCPU (MiB) above which a
// custom machine type's memory is extended memory, priced apart.
var extendedAbove = map[string]uint64{"n1": 6656, "n2": 8192, "n2d": 8192}

// predefinedMachineType is a GCE predefined machine type's name:
// FAMILY-CLASS-VCPUS (n2-standard-8, c4-highmem-16).
var predefinedMachineType = regexp.MustCompile(`^([a-z][a-z0-9]*)-(standard|highmem|highcpu)-([0-9]+)$`)

// memoryPerVCPU is the memory of a vCPU of a predefined machine type in
// GiB, as numerator and denominator, by family and class
// (https://cloud.google.com/compute/docs/general-purpose-machines and
// compute-optimized-machines): n1-standard-8 has 8 × 3.75 GiB. Types that
// differ are in irregularShapes.
var memoryPerVCPU = map[string][2]uint64{
	"n1-standard": {15, 4}, "n1-highmem": {13, 2}, "n1-highcpu": {9, 10},
	"n2-standard": {4, 1}, "n2-highmem": {8, 1}, "n2-highcpu": {1, 1},
	"n2d-standard": {4, 1}, "n2d-highmem": {8, 1}, "n2d-highcpu": {1, 1},
	"e2-standard": {4, 1}, "e2-highmem": {8, 1}, "e2-highcpu": {1, 1},
	"c2-standard": {4, 1}, "t2d-standard": {4, 1}, "t2a-standard": {4, 1},
	"c2d-standard": {4, 1}, "c2d-highmem": {8, 1}, "c2d-highcpu": {2, 1},
	"c3-standard": {4, 1}, "c3-highmem": {8, 1}, "c3-highcpu": {2, 1},
	"c3d-standard": {4, 1}, "c3d-highmem": {8, 1}, "c3d-highcpu": {2, 1},
	"n4-standard": {4, 1}, "n4-highmem": {8, 1}, "n4-highcpu": {2, 1},
	"c4-standard": {15, 4}, "c4-highmem": {31, 4}, "c4-highcpu": {2, 1},
}

// irregularShapes are the predefined machine types whose memory is not
// their class's per vCPU, in MiB: the 2-vCPU C4s.
var irregularShapes = map[string]uint64{"c4-standard-2": 7 << 10, "c4-highmem-2": 15 << 10}

// minCapacityOfVM is the least part of a VM's memory a node reports as
// its capacity (the kernel keeps a little): below it, the node is not the
// machine type its name says, and its capacity is priced.
const minCapacityOfVM = 0.85

// predefinedShape returns the vCPUs (thousandths) and memory (bytes) of
// predefined machine type t, when memoryPerVCPU knows its family and
// class.
func predefinedShape(t string) (milliCPU, memory uint64, ok bool) {
	m := predefinedMachineType.FindStringSubmatch(t)
	if m == nil {
		return 0, 0, false
	}
	r, ok := memoryPerVCPU[m[1]+"-"+m[2]]
	vcpus, err := strconv.ParseUint(m[3], 10, 16)
	if !ok || err != nil || vcpus == 0 {
		return 0, 0, false
	}
	mib := (vcpus*r[0]*1024 + r[1]/2) / r[1] // to the MiB, as GCE lists them
	if m, ok := irregularShapes[t]; ok {
		mib = m
	}
	return vcpus * 1000, mib << 20, true
}

// gcpShape is what a node's unit estimate prices: its machine family's
// unit prices (family), vCPUs in thousandths, memory and extended memory
// in bytes, and GPUs of a model (gpu, a gpuKey of the label gpuLabel).
type gcpShape struct {
	family         string
	milliCPU       uint64
	memory, extMem uint64
	gpus           uint64
	gpu, gpuLabel  string
}

// shapeOf reads the shape of GCP node n: a custom machine type's, and a
// predefined one's whose memory per vCPU memoryPerVCPU knows, from its
// name (the VM's exact vCPUs and memory), any other's from the capacity
// the node reports (its memory a little under the VM's: the kernel keeps
// some), GPUs from its capacity and their model from its GKE label. A
// node reporting less than minCapacityOfVM of its name's memory is priced
// by its capacity.
func shapeOf(n *tally.Node) gcpShape {
	var s gcpShape
	t := n.InstanceType
	if m := customMachineType.FindStringSubmatch(t); m != nil {
		base := m[1]
		if base == "" {
			base = "n1"
		}
		s.family = base + "-custom"
		vcpus, _ := strconv.ParseUint(m[2], 10, 32)
		mib, _ := strconv.ParseUint(m[3], 10, 32)
		s.milliCPU, s.memory = vcpus*1000, mib<<20
		if limit, ok := extendedAbove[base]; ok && m[4] != "" && mib > vcpus*limit {
			s.memory, s.extMem = vcpus*limit<<20, (mib-vcpus*limit)<<20
		}
	} else {
		if i := strings.Index(t, "-custom-"); i > 0 {
			s.family = t[:i] + "-custom" // e2-custom-medium-…: shared-core
		} else if strings.HasPrefix(t, "custom-") {
			s.family = "n1-custom"
		} else if i := strings.IndexByte(t, '-'); i > 0 {
			s.family = t[:i]
		}
		if n.CPUCores > 0 && !math.IsInf(n.CPUCores, 0) {
			s.milliCPU = uint64(math.Round(n.CPUCores * 1000))
		}
		s.memory = uint64(max(n.MemoryBytes, 0))
		if cpu, mem, ok := predefinedShape(t); ok && float64(s.memory) >= minCapacityOfVM*float64(mem) && s.memory <= mem {
			s.milliCPU, s.memory = cpu, mem
		}
	}
	if n.GPUs > 0 {
		s.gpus = uint64(n.GPUs)
		if m := n.Labels[gkeAccelerator]; m != "" {
			s.gpu, s.gpuLabel = gpuKey(m), m
		}
	}
	return s
}

// gpuKey normalizes a GPU model's name so GKE's label and the catalog's
// name match: lower case, without nvidia and tesla, its words sorted
// ("nvidia-h100-mega-80gb" and "h100-80gb-mega" → "80gb-h100-mega").
func gpuKey(model string) string {
	words := strings.FieldsFunc(strings.ToLower(model), func(r rune) bool { return r == '-' || r == ' ' || r == '_' })
	words = slices.DeleteFunc(words, func(w string) bool { return w == "nvidia" || w == "tesla" })
	slices.Sort(words)
	return strings.Join(words, "-")
}

// String describes the shape: "8 vCPUs, 30 GiB" (GiB to 2 decimals).
func (s gcpShape) String() string {
	out := fmt.Sprintf("%s vCPUs, %s GiB", strconv.FormatFloat(float64(s.milliCPU)/1000, 'f', -1, 64),
		strconv.FormatFloat(float64(s.memory)/(1<<30), 'f', 2, 64))
	if s.extMem > 0 {
		out += fmt.Sprintf(" + %s GiB extended", strconv.FormatFloat(float64(s.extMem)/(1<<30), 'f', 2, 64))
	}
	if s.gpus > 0 {
		out += fmt.Sprintf(", %d %s GPUs", s.gpus, s.gpuLabel)
	}
	return out
}

// unitHourly prices shape s for an hour at its family's unit prices in
// region under option, in effect at the start of h: vCPUs × the per-vCPU
// price + GiB × the per-GiB price (+ extended GiB × its price) + GPUs ×
// the model's per-GPU price, exactly. It names what is missing when it
// cannot.
func (ix *index) unitHourly(s gcpShape, region, option string, h tally.Hour) (tally.Money, string) {
	if s.family == "" {
		return tally.Money{}, "a machine family"
	}
	if s.milliCPU == 0 {
		return tally.Money{}, "its vCPUs (the node reports no CPU capacity)"
	}
	type part struct {
		family, unit string
		num, den     uint64
	}
	parts := []part{{s.family, tally.UnitVCPU, s.milliCPU, 1000}, {s.family, tally.UnitMemoryGiB, s.memory, 1 << 30}}
	if s.extMem > 0 {
		parts = append(parts, part{s.family, tally.UnitExtendedMemoryGiB, s.extMem, 1 << 30})
	}
	if s.gpus > 0 {
		if s.gpu == "" {
			return tally.Money{}, "its GPUs' model (no " + gkeAccelerator + " label)"
		}
		parts = append(parts, part{s.gpu, tally.UnitGPU, s.gpus, 1})
	}
	var total tally.Money
	for i, p := range parts {
		u := ix.unit(unitKey{tally.ProviderGCP, region, p.family, p.unit, option}, h)
		if u == nil {
			return tally.Money{}, fmt.Sprintf("the %s %s %s price", option, p.family, p.unit)
		}
		c, err := u.Price.MulRatio(p.num, p.den)
		if err == nil && i > 0 {
			c, err = total.Add(c)
		}
		if err != nil {
			return tally.Money{}, fmt.Sprintf("a sum in one currency (%v)", err)
		}
		total = c
	}
	return total, ""
}

// estimateFromUnits estimates a node-hour of a GCP node whose machine type
// has no catalog price from its family's unit prices times its own shape
// (shapeOf), at the spot ones for a spot node (the on-demand ones, with a
// warning, when the catalog has no spot ones), and says so in a warning.
func (e *Engine) estimateFromUnits(ix *index, cl *tally.Cluster, n *tally.Node, h tally.Hour, option string, sum *Summary,
	warn func(string, ...any)) (*nodeCost, bool) {
	s := shapeOf(n)
	price, missing := ix.unitHourly(s, n.Region, option, h)
	od, odMissing := price, missing
	if option != tally.PurchaseOnDemand {
		od, odMissing = ix.unitHourly(s, n.Region, tally.PurchaseOnDemand, h)
		if missing != "" && odMissing == "" {
			price, missing = od, ""
			warn("no %s unit prices of gcp %s in %s: unbilled hours of %s node %s are estimated at the on-demand ones", option, s.family,
				n.Region, option, n.Name)
		}
	}
	if missing != "" {
		sum.UnpricedNodeHours++
		warn("no catalog price for gcp %s in %s, nor %s to estimate it by its shape: unbilled hours of node %s cost 0 "+
			"(run `tally pricing sync gcp --region %s`)", n.InstanceType, n.Region, missing, n.Name, n.Region)
		return nil, false
	}
	if cur, ok := ix.currency[cl.BillingAccountID]; ok && price.Currency() != cur {
		sum.UnpricedNodeHours++
		warn("catalog unit prices of gcp %s in %s are in %s, but account %s is billed in %s: unbilled hours of node %s are not estimated "+
			"(cost 0 until the bill lands); %s", s.family, n.Region, price.Currency(), cl.BillingAccountID, cur, n.Name, syncIn(tally.ProviderGCP, cur))
		return nil, false
	}
	ms := uint64(h.Window().Overlap(n.Lifetime(h.End())) / time.Millisecond)
	cost, err := price.MulRatio(ms, uint64(time.Hour/time.Millisecond))
	if err != nil {
		return nil, false
	}
	list := cost
	if odMissing == "" {
		list, _ = od.MulRatio(ms, uint64(time.Hour/time.Millisecond))
	}
	warn("no catalog price for gcp %s in %s: unbilled hours of node %s are estimated from the %s %s unit prices by its shape (%s): %s an hour",
		n.InstanceType, n.Region, n.Name, option, s.family, s, price.Decimal())
	sum.EstimatedNodeHrs++
	return &nodeCost{account: cl.BillingAccountID, effective: cost, billed: cost, list: list, estimated: true}, true
}
