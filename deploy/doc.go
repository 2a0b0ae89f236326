// Package deploy holds Tally's Kubernetes manifests and Dockerfiles; its
// test validates the manifests by strict decoding into client-go's typed
// objects and checks the agent's least-privilege settings.
package deploy
