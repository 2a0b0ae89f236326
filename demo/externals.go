package demo

import (
	"fmt"
	"math"
	"time"

	"github.com/tallyhq/tally"
)

// external is a billed resource outside Kubernetes nodes: a volume, bucket,
// database, NAT gateway, load balancer, data transfer, control plane.
type external struct {
	provider string
	acct     *awsAccount // AWS usage account
	kind     string
	id       string // resource id (vol-…, ARN, bucket, disk name)
	name     string
	tags     [][2]string // canonical keys
	cluster  tally.ClusterID
	sizeGiB  int
	zone     string
	scale    float64 // traffic scale of data-driven charges
}

// owner is who the truth model assigns the resource's cost to.
func (e *external) owner() string {
	if e.kind == "eks" || e.kind == "gke" {
		return "shared:" + string(e.cluster)
	}
	return ownerOf(e.tags)
}

// newExternals creates the organization's resources outside Kubernetes.
// PersistentVolumes follow the StatefulSets' volume claim templates.
func (o *org) newExternals() {
	r := newStream(o.seed, "externals")
	var es []*external
	for _, c := range o.clusters {
		if c.Provider == tally.ProviderAWS {
			es = append(es, &external{provider: tally.ProviderAWS, acct: c.AWS, kind: "eks", cluster: c.ID,
				id:   fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", c.Region, c.AWS.ID, c.ID),
				tags: [][2]string{{tagTeam, "platform"}}})
		} else {
			es = append(es, &external{provider: tally.ProviderGCP, kind: "gke", cluster: c.ID, id: string(c.ID),
				tags: [][2]string{{"goog-k8s-cluster-name", string(c.ID)}, {"goog-k8s-cluster-location", c.Region}}})
		}
		for _, w := range c.Loads {
			for i := 0; w.PVGiB > 0 && i < w.Replicas; i++ {
				pvc := fmt.Sprintf("data-%s-%d", w.Name, i)
				pv := "pvc-" + randUUID(r)
				zone := c.Zones[i%len(c.Zones)]
				if c.Provider == tally.ProviderAWS {
					es = append(es, &external{provider: tally.ProviderAWS, acct: c.AWS, kind: "ebs", id: "vol-0" + randHex(r, 16), name: pv,
						sizeGiB: w.PVGiB, zone: zone, tags: [][2]string{
							{"ebs.csi.aws.com/cluster", "true"},
							{"kubernetes.io/cluster/" + string(c.ID), "owned"},
							{"kubernetes.io/created-for/pv/name", pv},
							{"kubernetes.io/created-for/pvc/name", pvc},
							{tagPVCNS, w.Namespace},
						}})
				} else {
					es = append(es, &external{provider: tally.ProviderGCP, kind: "pd", id: pv, name: pv, sizeGiB: w.PVGiB, zone: zone,
						tags: [][2]string{
							{"goog-k8s-cluster-name", string(c.ID)},
							{"kubernetes-io-created-for-pv-name", pv},
							{"kubernetes-io-created-for-pvc-name", pvc},
							{labelPDNS, w.Namespace},
						}})
				}
			}
		}
	}
	awsEx := []*external{
		{kind: "rds", acct: o.payer, id: "arn:aws:rds:us-west-2:" + o.payer.ID + ":db:payments-db", name: "payments-db", sizeGiB: 200, zone: "us-west-2a",
			tags: [][2]string{{tagTeam, "commerce"}, {tagNamespace, "payments"}}},
		{kind: "s3", acct: o.payer, id: "acme-prod-assets", sizeGiB: 1800, scale: 1, tags: [][2]string{{tagTeam, "web"}, {tagNamespace, "frontend"}}},
		{kind: "s3", acct: o.payer, id: "acme-prod-logs", sizeGiB: 5200, scale: 0.4},
		{kind: "s3", acct: o.linked, id: "acme-data-lake", sizeGiB: 42000, scale: 2, tags: [][2]string{{tagTeam, "data"}, {tagNamespace, "data-pipeline"}}},
		{kind: "nat", acct: o.payer, id: "arn:aws:ec2:us-west-2:" + o.payer.ID + ":natgateway/nat-0" + randHex(r, 16), scale: 9, zone: "us-west-2a",
			tags: [][2]string{{tagTeam, "platform"}}},
		{kind: "nat", acct: o.linked, id: "arn:aws:ec2:us-west-2:" + o.linked.ID + ":natgateway/nat-0" + randHex(r, 16), scale: 22, zone: "us-west-2b",
			tags: [][2]string{{tagTeam, "data"}}},
		{kind: "alb", acct: o.payer, id: "arn:aws:elasticloadbalancing:us-west-2:" + o.payer.ID + ":loadbalancer/app/k8s-frontend-web-" + randHex(r, 10) + "/" + randHex(r, 16), scale: 5,
			tags: [][2]string{{"elbv2.k8s.aws/cluster", string(ClusterProd)}, {"ingress.k8s.aws/stack", "frontend/web"}, {tagTeam, "web"}, {tagNamespace, "frontend"}}},
		{kind: "nlb", acct: o.payer, id: "arn:aws:elasticloadbalancing:us-west-2:" + o.payer.ID + ":loadbalancer/net/k8s-ingressn-ingressn-" + randHex(r, 10) + "/" + randHex(r, 16), scale: 3,
			tags: [][2]string{{"elbv2.k8s.aws/cluster", string(ClusterProd)}, {"service.k8s.aws/stack", "ingress-nginx/ingress-nginx-controller"}, {tagTeam, "platform"}, {tagNamespace, "ingress-nginx"}}},
		{kind: "egress", acct: o.payer, scale: 14},
		{kind: "ebs", acct: o.payer, id: "vol-0" + randHex(r, 16), sizeGiB: 750, zone: "us-west-2b"}, // orphaned, untagged
	}
	for _, e := range awsEx {
		e.provider = tally.ProviderAWS
	}
	gcpEx := []*external{
		{kind: "gcs", id: "acme-ml-datasets", sizeGiB: 26000, tags: [][2]string{{tagTeam, "analytics"}, {tagNamespace, "ml-batch"}}},
		{kind: "gcs", id: "acme-analytics-scratch", sizeGiB: 3100},
		{kind: "cloudsql", id: "analytics-metastore", sizeGiB: 250, zone: "us-central1-a", tags: [][2]string{{tagTeam, "analytics"}, {tagNamespace, "analytics"}}},
		{kind: "gcp-egress", scale: 6},
	}
	for _, e := range gcpEx {
		e.provider = tally.ProviderGCP
	}
	o.externals = append(append(es, awsEx...), gcpEx...)
}

// traffic is a data-driven charge's diurnal shape in hour h.
func (o *org) traffic(e *external, h int) float64 {
	t := o.hourTime(h)
	phase := 2 * math.Pi * float64(t.Hour()-19) / 24
	d := 0.35 + 0.65*(0.5+0.5*math.Cos(phase))
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		d *= 0.7
	}
	growth := o.growth(0.2, t)
	return e.scale * d * growth * noise(0.12, o.seed, strHash(e.id+e.kind), uint64(h))
}

// gbMicros converts a float quantity to whole millionths.
func gbMicros(q float64) uint64 { return uint64(math.Round(q * 1e6)) }

func hoursInMonth(t time.Time) uint64 {
	ms, me := monthOf(t)
	return uint64(me.Sub(ms) / time.Hour)
}

// awsLines bills the resource over the window.
func (e *external) awsLines(o *org, b *awsBill) {
	owner := e.owner()
	line := func(h int, svc *awsService, usageType, op, desc string, amount float64, unit string, cost tally.Money, rate string) {
		t := o.hourTime(h)
		b.add(&awsLine{acct: e.acct, typ: ltUsage, start: t, end: t.Add(time.Hour), svc: svc, usageType: usageType, operation: op,
			az: e.zone, resourceID: e.id, desc: desc, amount: amount, unblended: cost, rate: rate, public: cost, publicRate: rate,
			term: "OnDemand", unit: unit, family: familyOf(e.kind), tags: e.tags, owner: owner})
	}
	for h := 0; h < o.hours; h++ {
		t := o.hourTime(h)
		switch e.kind {
		case "eks":
			line(h, svcEKS, regionPrefix+"AmazonEKS-Hours:perCluster", "CreateOperation", "Amazon EKS cluster usage in US West (Oregon)", 1, "Hours", dollars("0.10"), "0.1")
		case "ebs":
			hm := hoursInMonth(t)
			amt := math.Round(float64(e.sizeGiB)/float64(hm)*1e10) / 1e10
			cost := mulRatio(dollars("0.08"), uint64(e.sizeGiB), hm).Round(awsPlaces)
			line(h, svcEBS, regionPrefix+"EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "$0.08 per GB-month of General Purpose (gp3) provisioned storage - US West (Oregon)", amt, "GB-Mo", cost, "0.08")
		case "rds":
			line(h, svcRDS, regionPrefix+"Multi-AZUsage:db.r5.large", "CreateDBInstance:0014", "$0.50 per RDS db.r5.large Multi-AZ instance hour (or partial hour) running PostgreSQL", 1, "Hrs", dollars("0.50"), "0.5")
			hm := hoursInMonth(t)
			amt := math.Round(float64(e.sizeGiB)/float64(hm)*1e10) / 1e10
			line(h, svcRDS, regionPrefix+"RDS:Multi-AZ-GP2-Storage", "CreateDBInstance:0014", "$0.23 per GB-month of provisioned GP2 storage for Multi-AZ deployments running PostgreSQL", amt, "GB-Mo",
				mulRatio(dollars("0.23"), uint64(e.sizeGiB), hm).Round(awsPlaces), "0.23")
		case "nat":
			line(h, svcVPC, regionPrefix+"NatGateway-Hours", "NatGateway", "$0.045 per NAT Gateway Hour", 1, "Hrs", dollars("0.045"), "0.045")
			gb := gbMicros(o.traffic(e, h))
			line(h, svcVPC, regionPrefix+"NatGateway-Bytes", "NatGateway", "$0.045 per GB Data Processed by NAT Gateways", float64(gb)/1e6, "GB", mulQty(dollars("0.045"), gb, awsPlaces), "0.045")
		case "alb", "nlb":
			op, lcu, rate := "LoadBalancing:Application", regionPrefix+"LCUUsage", dollars("0.008")
			if e.kind == "nlb" {
				op, rate = "LoadBalancing:Network", dollars("0.006")
			}
			line(h, svcELB, regionPrefix+"LoadBalancerUsage", op, "$0.0225 per LoadBalancer-hour (or partial hour)", 1, "Hrs", dollars("0.0225"), "0.0225")
			u := gbMicros(o.traffic(e, h))
			line(h, svcELB, lcu, op, fmt.Sprintf("$%s per LCU-hour (or partial hour)", rate.Decimal()), float64(u)/1e6, "LCU-Hrs", mulQty(rate, u, awsPlaces), rate.Decimal())
		case "egress":
			gb := gbMicros(o.traffic(e, h))
			b.add(&awsLine{acct: e.acct, typ: ltUsage, start: t, end: t.Add(time.Hour), svc: svcXfer, usageType: regionPrefix + "DataTransfer-Out-Bytes",
				operation: "", desc: "$0.090 per GB - first 10 TB / month data transfer out beyond the global free tier", amount: float64(gb) / 1e6,
				unblended: mulQty(dollars("0.09"), gb, awsPlaces), rate: "0.09", public: mulQty(dollars("0.09"), gb, awsPlaces), publicRate: "0.09",
				term: "OnDemand", unit: "GB", family: "Data Transfer", fromRegion: "us-west-2", owner: owner})
		case "s3":
			if t.Hour() != 0 {
				continue
			}
			// S3 meters storage and requests daily.
			size := float64(e.sizeGiB) * o.growth(0.15, t)
			hm := hoursInMonth(t)
			gbmo := size * 24 / float64(hm)
			q := gbMicros(gbmo)
			d1 := t.Add(24 * time.Hour)
			b.add(&awsLine{acct: e.acct, typ: ltUsage, start: t, end: d1, svc: svcS3, usageType: regionPrefix + "TimedStorage-ByteHrs", operation: "StandardStorage",
				resourceID: e.id, desc: "$0.023 per GB - first 50 TB / month of storage used", amount: float64(q) / 1e6, unblended: mulQty(dollars("0.023"), q, awsPlaces),
				rate: "0.023", public: mulQty(dollars("0.023"), q, awsPlaces), publicRate: "0.023", term: "OnDemand", unit: "GB-Mo", family: "Storage", tags: e.tags, owner: owner})
			var reqs float64
			for k := 0; k < 24 && h+k < o.hours; k++ {
				reqs += o.traffic(e, h+k) * 9000
			}
			n := uint64(math.Round(reqs))
			cost := mulRatio(dollars("0.005"), n, 1000).Round(awsPlaces)
			b.add(&awsLine{acct: e.acct, typ: ltUsage, start: t, end: d1, svc: svcS3, usageType: regionPrefix + "Requests-Tier1", operation: "PutObject",
				resourceID: e.id, desc: "$0.005 per 1,000 PUT, COPY, POST, or LIST requests", amount: float64(n), unblended: cost,
				rate: "0.000005", public: cost, publicRate: "0.000005", term: "OnDemand", unit: "Requests", family: "API Request", tags: e.tags, owner: owner})
		}
	}
}

func familyOf(kind string) string {
	switch kind {
	case "ebs":
		return "Storage"
	case "rds":
		return "Database Instance"
	case "nat":
		return "NAT Gateway"
	case "alb", "nlb":
		return "Load Balancer"
	case "eks":
		return "Compute"
	}
	return ""
}
