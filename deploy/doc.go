// Package deploy holds Tally's Kubernetes manifests and Dockerfiles: the
// agent's DaemonSet (agent.yaml) and the backend's Deployment, Service and
// CronJobs (backend.yaml). Its tests decode the manifests strictly into
// client-go's typed objects, check each pod's least-privilege settings,
// and check that the commands, flags and variables the pods use exist in
// the binaries they run.
package deploy
