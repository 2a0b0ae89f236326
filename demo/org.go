package demo

import (
	"time"

	"github.com/tallyhq/tally"
)

// org is the generated organization: accounts, clusters, workloads,
// resources outside Kubernetes and commitments, plus the simulation state.
type org struct {
	seed       uint64
	start, end time.Time
	hours      int
	profFrom   time.Time // CPU profiles are generated for intervals from here on

	payer, linked *awsAccount
	gcp           *gcpAccount
	clusters      []*cluster
	commitments   []*commitment
	externals     []*external
	teams         map[string]string // namespace → team

	regression regression
}

// awsAccount is an AWS account: the payer (management) account or a linked
// (member) account whose bill the payer pays.
type awsAccount struct {
	ID, Name string
	Payer    *awsAccount // itself for the payer
	Env      string      // cost category value
}

// gcpAccount is the GCP billing account and the project the demo runs in.
type gcpAccount struct {
	BillingID, BillingName                string
	ProjectID, ProjectName, ProjectNumber string
	Ancestry                              string
	Region                                string
}

// cluster is a Kubernetes cluster and its simulation state.
type cluster struct {
	ID       tally.ClusterID
	Provider string
	Region   string
	Zones    []string
	AWS      *awsAccount // usage account of its nodes (AWS)
	Pools    []*pool
	Loads    []*workload

	billingAccount string
	nodes          []*node // every node that ever ran, in launch order
	pods           []*pod  // every pod that ever ran, in creation order
}

// pool is a node group (EKS managed node group, GKE node pool).
type pool struct {
	cluster *cluster
	Name    string
	Types   []string // instance types; spot pools mix several
	Spot    bool
	Min     int
	Max     int
	Rollout bool // nodes are replaced by a monthly AMI/image rollout
}

// Workload kinds beyond the ones in package tally.
const kindDaemonSet = tally.KindDaemonSet

// workload is a controller and the pods it runs, with its load model.
type workload struct {
	cluster     *cluster
	Namespace   string
	Name        string
	Kind        string
	Pool        string // node pool; "" for DaemonSets (every node)
	Replicas    int
	HPA         *hpa
	Containers  []containerSpec
	Load        loadSpec
	Cron        *cronSpec
	PVGiB       int    // per replica (StatefulSets)
	PVClass     string // gp3, pd-ssd
	Image       string // registry/repository; the tag is the version
	Versions    []string
	Labels      map[string]string
	Annotations map[string]string
	Profile     *profileSpec
	OOMProne    bool // its memory limit is too low for its growing working set
	OverProv    bool // requests far above usage (a right-sizing target)
	// Scheduling are the constraints its pods declare on where its
	// replicas run (declareScheduling); the agents send them.
	Scheduling *tally.PodScheduling

	id        uint64
	pool      *pool
	deploys   []time.Time // rollouts of a new version
	regressAt int         // index in Versions from which the regression applies; 0 = none
}

// hpa scales a Deployment on CPU utilization of requests.
type hpa struct {
	Min, Max int
	Target   float64
}

// loadSpec is a workload's CPU demand over time.
type loadSpec struct {
	PeakCores float64 // total cores across replicas at the first weekday peak (per pod for DaemonSets and Jobs)
	Night     float64 // trough as a fraction of the peak
	Weekend   float64 // multiplier on Saturdays and Sundays
	Growth    float64 // relative growth over 90 days
	Noise     float64 // hourly relative noise (standard deviation)
	PeakHour  int     // UTC hour of the daily peak
}

// containerSpec is a container's requests, limits and usage model.
type containerSpec struct {
	Name          string
	CPUReq        float64 // cores
	CPULim        float64 // cores; 0 = no limit
	MemReq        int64   // bytes
	MemLim        int64   // bytes; 0 = no limit
	CPUShare      float64 // fraction of the pod's load-driven CPU
	CPUFixed      float64 // cores used regardless of load
	MemBase       int64   // working set at no load
	MemLoad       int64   // working set added at the reference load
	MemPeakFactor float64 // peak over average working set within an hour
}

// cronSpec schedules a CronJob.
type cronSpec struct {
	Every       string // hourly, daily, weekly
	Weekday     time.Weekday
	Hour        int
	Minute      int
	Parallelism int
	MinDur      time.Duration
	MaxDur      time.Duration
	Util        float64 // CPU used as a fraction of the request
}

// regression is the deploy that made one function more expensive.
type regression struct {
	w         *workload
	at        time.Time
	Container string
	Function  string
	Factor    float64
}

const (
	mi = int64(1) << 20
	gi = int64(1) << 30
)

// The fixed identities of the demo organization. They do not depend on the
// seed, so documentation and tests can name them.
const (
	PayerAccountID  = "412345678901"
	LinkedAccountID = "587654321098"
	GCPBillingID    = "01A2B3-C4D5E6-F7A8B9"
	GCPProjectID    = "acme-analytics-prod"

	ClusterProd      tally.ClusterID = "prod-usw2"
	ClusterData      tally.ClusterID = "data-usw2"
	ClusterAnalytics tally.ClusterID = "analytics-usc1"

	// CUR2ExportName and FOCUSExportName name the two AWS Data Exports.
	CUR2ExportName  = "acme-cur2"
	FOCUSExportName = "acme-data-focus"
)

// XSSLabelValue is the hostile label value one workload carries, so the
// dashboard's escaping is exercised.
const XSSLabelValue = "<script>alert(1)</script>"

// newOrg builds the organization for a window. Identities are fixed;
// instance ids, pod names and all behaviour come from the seed.
func newOrg(seed uint64, start, end time.Time, profileDays int) *org {
	o := &org{seed: seed, start: start, end: end, hours: int(end.Sub(start) / time.Hour)}
	o.profFrom = end.AddDate(0, 0, -profileDays)
	if o.profFrom.Before(start) {
		o.profFrom = start
	}
	o.payer = &awsAccount{ID: PayerAccountID, Name: "acme-payer", Env: "production"}
	o.payer.Payer = o.payer
	o.linked = &awsAccount{ID: LinkedAccountID, Name: "acme-data", Payer: o.payer, Env: "data"}
	o.gcp = &gcpAccount{
		BillingID: GCPBillingID, BillingName: "Acme GCP billing",
		ProjectID: GCPProjectID, ProjectName: "Acme Analytics (prod)", ProjectNumber: "834591726354",
		Ancestry: "834591726354/folders/271828182845/organizations/314159265358", Region: "us-central1",
	}
	o.teams = map[string]string{
		"kube-system": "platform", "monitoring": "platform", "ingress-nginx": "platform",
		"frontend": "web", "checkout": "commerce", "payments": "commerce",
		"catalog": "catalog", "search": "catalog", "identity": "identity",
		"notifications": "growth", "data-pipeline": "data", "reporting": "data",
		"analytics": "analytics", "ml-batch": "analytics",
	}
	o.clusters = []*cluster{o.prodCluster(), o.dataCluster(), o.analyticsCluster()}
	for _, c := range o.clusters {
		for _, p := range c.Pools {
			p.cluster = c
		}
		for _, w := range c.Loads {
			w.cluster = c
			w.id = strHash(string(c.ID) + "/" + w.Namespace + "/" + w.Name)
			for _, p := range c.Pools {
				if p.Name == w.Pool {
					w.pool = p
				}
			}
		}
	}
	o.declareScheduling()
	o.commitments = o.portfolio()
	return o
}

func (o *org) workload(c tally.ClusterID, ns, name string) *workload {
	for _, cl := range o.clusters {
		if cl.ID != c {
			continue
		}
		for _, w := range cl.Loads {
			if w.Namespace == ns && w.Name == name {
				return w
			}
		}
	}
	return nil
}

// ctr is a shorthand for a container that takes the whole pod load.
func ctr(name string, cpuReq, cpuLim float64, memReq, memLim, memBase, memLoad int64) containerSpec {
	return containerSpec{Name: name, CPUReq: cpuReq, CPULim: cpuLim, MemReq: memReq, MemLim: memLim,
		CPUShare: 1, MemBase: memBase, MemLoad: memLoad, MemPeakFactor: 1.08}
}

// web is the load shape of user-facing traffic (US business hours).
func web(peak, growth float64) loadSpec {
	return loadSpec{PeakCores: peak, Night: 0.28, Weekend: 0.62, Growth: growth, Noise: 0.05, PeakHour: 19}
}

// steady is the load shape of internal and background services.
func steady(peak float64) loadSpec {
	return loadSpec{PeakCores: peak, Night: 0.7, Weekend: 0.9, Growth: 0.05, Noise: 0.04, PeakHour: 17}
}

func (o *org) prodCluster() *cluster {
	c := &cluster{ID: ClusterProd, Provider: tally.ProviderAWS, Region: "us-west-2",
		Zones: []string{"us-west-2a", "us-west-2b", "us-west-2c"}, AWS: o.payer, billingAccount: o.payer.ID}
	c.Pools = []*pool{
		{Name: "general", Types: []string{"m5.xlarge"}, Min: 4, Max: 10, Rollout: true},
		{Name: "compute", Types: []string{"c5.2xlarge"}, Min: 2, Max: 6, Rollout: true},
		{Name: "memory", Types: []string{"r5.xlarge"}, Min: 3, Max: 3, Rollout: true},
		{Name: "arm", Types: []string{"m6g.xlarge"}, Min: 2, Max: 5, Rollout: true},
		{Name: "spot", Types: []string{"m5.large", "m5a.large"}, Spot: true, Min: 3, Max: 12},
	}
	ecr := "412345678901.dkr.ecr.us-west-2.amazonaws.com/"
	c.Loads = append(awsDaemonSets(ecr), []*workload{
		{Namespace: "kube-system", Name: "coredns", Kind: tally.KindDeployment, Pool: "general", Replicas: 2,
			Image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/coredns", Versions: []string{"v1.11.3-eksbuild.2"},
			Containers: []containerSpec{ctr("coredns", 0.1, 0, 70*mi, 170*mi, 28*mi, 12*mi)}, Load: steady(0.06)},
		{Namespace: "ingress-nginx", Name: "ingress-nginx-controller", Kind: tally.KindDeployment, Pool: "general",
			HPA: &hpa{Min: 3, Max: 8, Target: 0.65}, Image: "registry.k8s.io/ingress-nginx/controller", Versions: []string{"v1.11.2", "v1.11.3"},
			Containers: []containerSpec{ctr("controller", 0.5, 0, 512*mi, 1*gi, 180*mi, 140*mi)}, Load: web(1.9, 0.2)},
		{Namespace: "frontend", Name: "web", Kind: tally.KindDeployment, Pool: "arm",
			HPA: &hpa{Min: 3, Max: 12, Target: 0.6}, Image: ecr + "frontend/web", Versions: semver("3.42.", 0),
			Containers: []containerSpec{ctr("web", 0.5, 1, 512*mi, 1*gi, 210*mi, 120*mi)}, Load: web(2.6, 0.25),
			Labels: map[string]string{"tier": "edge"}},
		{Namespace: "frontend", Name: "bff", Kind: tally.KindDeployment, Pool: "arm",
			HPA: &hpa{Min: 2, Max: 8, Target: 0.6}, Image: ecr + "frontend/bff", Versions: semver("1.19.", 0),
			Containers: []containerSpec{ctr("bff", 0.4, 1, 384*mi, 768*mi, 150*mi, 90*mi)}, Load: web(1.2, 0.25),
			Profile: &profileSpec{Template: "bff"}},
		{Namespace: "checkout", Name: "checkout-api", Kind: tally.KindDeployment, Pool: "compute",
			HPA: &hpa{Min: 4, Max: 16, Target: 0.6}, Image: ecr + "checkout/checkout-api", Versions: semver("v2.13.", 1),
			Containers: []containerSpec{
				{Name: "app", CPUReq: 1, CPULim: 2, MemReq: 1 * gi, MemLim: 2 * gi, CPUShare: 0.93, MemBase: 380 * mi, MemLoad: 260 * mi, MemPeakFactor: 1.1},
				{Name: "envoy", CPUReq: 0.1, CPULim: 0.5, MemReq: 64 * mi, MemLim: 256 * mi, CPUShare: 0.07, CPUFixed: 0.004, MemBase: 42 * mi, MemLoad: 8 * mi, MemPeakFactor: 1.05},
			},
			Load: web(4.4, 0.2), Profile: &profileSpec{Template: "checkout", Container: "app"}},
		{Namespace: "checkout", Name: "cart", Kind: tally.KindDeployment, Pool: "general", Replicas: 3,
			Image: ecr + "checkout/cart", Versions: semver("1.7.", 0), OOMProne: true,
			Containers: []containerSpec{{Name: "cart", CPUReq: 0.25, CPULim: 0.5, MemReq: 256 * mi, MemLim: 512 * mi, CPUShare: 1,
				MemBase: 236 * mi, MemLoad: 172 * mi, MemPeakFactor: 1.1}},
			Load: web(0.42, 0.4)},
		{Namespace: "payments", Name: "payment-api", Kind: tally.KindDeployment, Pool: "general", Replicas: 4,
			Image: ecr + "payments/payment-api", Versions: semver("4.2.", 0),
			Containers: []containerSpec{ctr("payment-api", 0.5, 1, 768*mi, 1536*mi, 300*mi, 180*mi)}, Load: web(1.0, 0.15),
			Profile: &profileSpec{Template: "payments"}},
		{Namespace: "payments", Name: "fraud-scorer", Kind: tally.KindDeployment, Pool: "compute", Replicas: 2,
			Image: ecr + "payments/fraud-scorer", Versions: semver("0.31.", 0),
			Containers: []containerSpec{ctr("scorer", 2, 0, 4*gi, 6*gi, 2200*mi, 600*mi)}, Load: web(2.3, 0.15)},
		{Namespace: "catalog", Name: "catalog-api", Kind: tally.KindDeployment, Pool: "spot", Replicas: 6, OverProv: true,
			Image: ecr + "catalog/catalog-api", Versions: semver("2.8.", 0),
			Containers: []containerSpec{ctr("catalog-api", 1, 2, 2*gi, 2*gi, 420*mi, 160*mi)}, Load: web(0.8, 0.1),
			Profile: &profileSpec{Template: "catalog"}},
		{Namespace: "catalog", Name: "image-resizer", Kind: tally.KindDeployment, Pool: "spot",
			HPA: &hpa{Min: 1, Max: 6, Target: 0.7}, Image: ecr + "catalog/image-resizer", Versions: semver("0.9.", 0),
			Containers: []containerSpec{ctr("resizer", 1, 1.5, 1*gi, 2*gi, 300*mi, 400*mi)}, Load: loadSpec{PeakCores: 2.6, Night: 0.15, Weekend: 0.8, Growth: 0.1, Noise: 0.2, PeakHour: 17}},
		{Namespace: "search", Name: "search-api", Kind: tally.KindDeployment, Pool: "compute", Replicas: 3,
			Image: ecr + "search/search-api", Versions: semver("5.0.", 0),
			Containers: []containerSpec{ctr("search-api", 1, 2, 1536*mi, 3*gi, 600*mi, 300*mi)}, Load: web(1.8, 0.12),
			Profile: &profileSpec{Template: "search"}},
		{Namespace: "search", Name: "elasticsearch", Kind: tally.KindStatefulSet, Pool: "memory", Replicas: 3, OverProv: true,
			Image: "docker.elastic.co/elasticsearch/elasticsearch", Versions: []string{"8.15.2"}, PVGiB: 500, PVClass: "gp3",
			Containers: []containerSpec{ctr("elasticsearch", 1.5, 0, 16*gi, 16*gi, 8600*mi, 700*mi)}, Load: steady(2.1)},
		{Namespace: "identity", Name: "auth", Kind: tally.KindDeployment, Pool: "general", Replicas: 4,
			Image: ecr + "identity/auth", Versions: semver("6.3.", 0),
			Containers: []containerSpec{ctr("auth", 0.3, 1, 256*mi, 512*mi, 120*mi, 60*mi)}, Load: web(0.5, 0.2)},
		{Namespace: "identity", Name: "session-redis", Kind: tally.KindStatefulSet, Pool: "memory", Replicas: 1,
			Image: "docker.io/library/redis", Versions: []string{"7.2.5"}, PVGiB: 20, PVClass: "gp3",
			Containers: []containerSpec{ctr("redis", 0.5, 0, 4*gi, 4*gi, 2300*mi, 300*mi)}, Load: web(0.18, 0.2)},
		{Namespace: "notifications", Name: "email-worker", Kind: tally.KindDeployment, Pool: "spot", Replicas: 2,
			Image: ecr + "notifications/email-worker", Versions: semver("2.1.", 0),
			Containers: []containerSpec{ctr("worker", 0.25, 0.5, 256*mi, 512*mi, 110*mi, 50*mi)}, Load: web(0.16, 0.1),
			Labels:      map[string]string{"campaign": XSSLabelValue},
			Annotations: map[string]string{"acme.io/owner-note": XSSLabelValue}},
		{Namespace: "monitoring", Name: "prometheus", Kind: tally.KindStatefulSet, Pool: "memory", Replicas: 1,
			Image: "quay.io/prometheus/prometheus", Versions: []string{"v2.54.1"}, PVGiB: 200, PVClass: "gp3",
			Containers: []containerSpec{ctr("prometheus", 1, 0, 8*gi, 10*gi, 5200*mi, 900*mi)}, Load: steady(0.85)},
	}...)
	return c
}

func (o *org) dataCluster() *cluster {
	c := &cluster{ID: ClusterData, Provider: tally.ProviderAWS, Region: "us-west-2",
		Zones: []string{"us-west-2a", "us-west-2b", "us-west-2c"}, AWS: o.linked, billingAccount: o.payer.ID}
	c.Pools = []*pool{
		{Name: "core", Types: []string{"m5.2xlarge"}, Min: 3, Max: 5, Rollout: true},
		{Name: "kafka", Types: []string{"r5.2xlarge"}, Min: 3, Max: 3, Rollout: true},
		{Name: "batch", Types: []string{"c5.2xlarge"}, Spot: true, Min: 0, Max: 4},
	}
	ecr := "587654321098.dkr.ecr.us-west-2.amazonaws.com/"
	c.Loads = append(awsDaemonSets(ecr), []*workload{
		{Namespace: "kube-system", Name: "coredns", Kind: tally.KindDeployment, Pool: "core", Replicas: 2,
			Image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/coredns", Versions: []string{"v1.11.3-eksbuild.2"},
			Containers: []containerSpec{ctr("coredns", 0.1, 0, 70*mi, 170*mi, 26*mi, 8*mi)}, Load: steady(0.03)},
		{Namespace: "data-pipeline", Name: "kafka", Kind: tally.KindStatefulSet, Pool: "kafka", Replicas: 3,
			Image: "docker.io/bitnami/kafka", Versions: []string{"3.8.0"}, PVGiB: 1000, PVClass: "gp3",
			Containers: []containerSpec{ctr("kafka", 4, 0, 24*gi, 32*gi, 15*gi, 3*gi)}, Load: loadSpec{PeakCores: 6.3, Night: 0.45, Weekend: 0.8, Growth: 0.3, Noise: 0.05, PeakHour: 18}},
		{Namespace: "data-pipeline", Name: "ingest-consumer", Kind: tally.KindDeployment, Pool: "core",
			HPA: &hpa{Min: 3, Max: 10, Target: 0.65}, Image: ecr + "pipeline/ingest-consumer", Versions: semver("1.4.", 0),
			Containers: []containerSpec{ctr("consumer", 1, 2, 2*gi, 3*gi, 900*mi, 500*mi)}, Load: loadSpec{PeakCores: 3.8, Night: 0.45, Weekend: 0.8, Growth: 0.3, Noise: 0.06, PeakHour: 18},
			Profile: &profileSpec{Template: "consumer"}},
		{Namespace: "data-pipeline", Name: "stream-enricher", Kind: tally.KindDeployment, Pool: "core", Replicas: 4,
			Image: ecr + "pipeline/stream-enricher", Versions: semver("0.12.", 0),
			Containers: []containerSpec{ctr("enricher", 1.5, 2, 3*gi, 4*gi, 1400*mi, 700*mi)}, Load: loadSpec{PeakCores: 4.0, Night: 0.45, Weekend: 0.8, Growth: 0.3, Noise: 0.05, PeakHour: 18}},
		{Namespace: "reporting", Name: "report-api", Kind: tally.KindDeployment, Pool: "core", Replicas: 2, OverProv: true,
			Image: ecr + "reporting/report-api", Versions: semver("3.0.", 0),
			Containers: []containerSpec{ctr("report-api", 2, 4, 4*gi, 4*gi, 500*mi, 200*mi)}, Load: web(0.25, 0.05)},
		{Namespace: "reporting", Name: "nightly-report", Kind: tally.KindCronJob, Pool: "batch",
			Image: ecr + "reporting/nightly-report", Versions: semver("3.0.", 0),
			Cron:       &cronSpec{Every: "daily", Hour: 2, Minute: 0, Parallelism: 4, MinDur: 32 * time.Minute, MaxDur: 55 * time.Minute, Util: 0.82},
			Containers: []containerSpec{ctr("report", 3.5, 3.5, 6*gi, 8*gi, 2600*mi, 2200*mi)}, Load: loadSpec{PeakCores: 3.5, Growth: 0.2, Noise: 0.05}},
	}...)
	return c
}

func (o *org) analyticsCluster() *cluster {
	c := &cluster{ID: ClusterAnalytics, Provider: tally.ProviderGCP, Region: "us-central1",
		Zones: []string{"us-central1-a", "us-central1-b", "us-central1-f"}, billingAccount: o.gcp.BillingID}
	c.Pools = []*pool{
		{Name: "default-pool", Types: []string{"n2-standard-4"}, Min: 4, Max: 7, Rollout: true},
		{Name: "highmem-pool", Types: []string{"n2-highmem-4"}, Min: 3, Max: 3, Rollout: true},
		{Name: "spot-pool", Types: []string{"e2-standard-4"}, Spot: true, Min: 1, Max: 5},
	}
	ar := "us-docker.pkg.dev/acme-analytics-prod/apps/"
	c.Loads = []*workload{
		{Namespace: "kube-system", Name: "fluentbit-gke", Kind: kindDaemonSet, Image: "gke.gcr.io/fluent-bit", Versions: []string{"v1.8.12-gke.37"},
			Containers: []containerSpec{ctr("fluentbit", 0.1, 0, 200*mi, 500*mi, 60*mi, 20*mi)}, Load: steady(0.03)},
		{Namespace: "kube-system", Name: "gke-metrics-agent", Kind: kindDaemonSet, Image: "gke.gcr.io/gke-metrics-agent", Versions: []string{"1.12.3-gke.0"},
			Containers: []containerSpec{ctr("gke-metrics-agent", 0.01, 0, 60*mi, 100*mi, 38*mi, 6*mi)}, Load: steady(0.006)},
		{Namespace: "kube-system", Name: "kube-proxy", Kind: kindDaemonSet, Image: "gke.gcr.io/kube-proxy-amd64", Versions: []string{"v1.30.5-gke.1014001"},
			Containers: []containerSpec{ctr("kube-proxy", 0.1, 0, 0, 0, 24*mi, 6*mi)}, Load: steady(0.004)},
		{Namespace: "kube-system", Name: "kube-dns", Kind: tally.KindDeployment, Pool: "default-pool", Replicas: 2,
			Image: "gke.gcr.io/k8s-dns-kube-dns", Versions: []string{"1.23.0-gke.9"},
			Containers: []containerSpec{ctr("kubedns", 0.26, 0, 110*mi, 210*mi, 30*mi, 10*mi)}, Load: steady(0.02)},
		{Namespace: "analytics", Name: "clickhouse", Kind: tally.KindStatefulSet, Pool: "highmem-pool", Replicas: 3,
			Image: "docker.io/clickhouse/clickhouse-server", Versions: []string{"24.8.4"}, PVGiB: 300, PVClass: "pd-ssd",
			Containers: []containerSpec{ctr("clickhouse", 3, 0, 20*gi, 24*gi, 12*gi, 4*gi)}, Load: loadSpec{PeakCores: 3.9, Night: 0.35, Weekend: 0.5, Growth: 0.15, Noise: 0.08, PeakHour: 16}},
		{Namespace: "analytics", Name: "query-api", Kind: tally.KindDeployment, Pool: "default-pool",
			HPA: &hpa{Min: 2, Max: 8, Target: 0.6}, Image: ar + "query-api", Versions: semver("1.8.", 0),
			Containers: []containerSpec{ctr("query-api", 1, 2, 2*gi, 3*gi, 700*mi, 400*mi)}, Load: loadSpec{PeakCores: 3.0, Night: 0.25, Weekend: 0.45, Growth: 0.2, Noise: 0.07, PeakHour: 16},
			Profile: &profileSpec{Template: "query"}},
		{Namespace: "analytics", Name: "hourly-rollup", Kind: tally.KindCronJob, Pool: "spot-pool",
			Image: ar + "hourly-rollup", Versions: semver("0.6.", 0),
			Cron:       &cronSpec{Every: "hourly", Minute: 5, Parallelism: 1, MinDur: 7 * time.Minute, MaxDur: 14 * time.Minute, Util: 0.9},
			Containers: []containerSpec{ctr("rollup", 1.5, 2, 3*gi, 4*gi, 900*mi, 1400*mi)}, Load: loadSpec{PeakCores: 1.5, Growth: 0.2, Noise: 0.05}},
		{Namespace: "ml-batch", Name: "trainer", Kind: tally.KindCronJob, Pool: "spot-pool",
			Image: ar + "trainer", Versions: semver("2.2.", 0),
			Cron:       &cronSpec{Every: "weekly", Weekday: time.Sunday, Hour: 1, Minute: 0, Parallelism: 3, MinDur: 3*time.Hour + 40*time.Minute, MaxDur: 5 * time.Hour, Util: 0.95},
			Containers: []containerSpec{ctr("trainer", 3.5, 3.8, 10*gi, 12*gi, 6*gi, 3*gi)}, Load: loadSpec{PeakCores: 3.5, Growth: 0.1, Noise: 0.03}},
		{Namespace: "ml-batch", Name: "feature-store", Kind: tally.KindDeployment, Pool: "default-pool", Replicas: 2,
			Image: ar + "feature-store", Versions: semver("0.20.", 0),
			Containers: []containerSpec{ctr("feature-store", 1, 2, 4*gi, 6*gi, 2400*mi, 600*mi)}, Load: steady(0.7)},
		{Namespace: "monitoring", Name: "grafana", Kind: tally.KindDeployment, Pool: "default-pool", Replicas: 1,
			Image: "docker.io/grafana/grafana", Versions: []string{"11.2.2"},
			Containers: []containerSpec{ctr("grafana", 0.25, 0.5, 512*mi, 1*gi, 180*mi, 40*mi)}, Load: web(0.05, 0.05)},
	}
	return c
}

// awsDaemonSets are the DaemonSets every EKS node runs.
func awsDaemonSets(ecr string) []*workload {
	return []*workload{
		{Namespace: "kube-system", Name: "aws-node", Kind: kindDaemonSet, Image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni", Versions: []string{"v1.18.3-eksbuild.3"},
			Containers: []containerSpec{ctr("aws-node", 0.025, 0, 0, 0, 48*mi, 8*mi)}, Load: steady(0.006)},
		{Namespace: "kube-system", Name: "kube-proxy", Kind: kindDaemonSet, Image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy", Versions: []string{"v1.30.3-minimal-eksbuild.5"},
			Containers: []containerSpec{ctr("kube-proxy", 0.1, 0, 0, 0, 22*mi, 6*mi)}, Load: steady(0.004)},
		{Namespace: "monitoring", Name: "node-exporter", Kind: kindDaemonSet, Image: "quay.io/prometheus/node-exporter", Versions: []string{"v1.8.2"},
			Containers: []containerSpec{ctr("node-exporter", 0.05, 0.2, 64*mi, 128*mi, 20*mi, 6*mi)}, Load: steady(0.012)},
	}
}

// semver returns a few patch versions of a release line, from patch first.
func semver(prefix string, first int) []string {
	v := make([]string, 0, 24)
	for i := range 24 {
		v = append(v, prefix+itoa(first+i))
	}
	return v
}
