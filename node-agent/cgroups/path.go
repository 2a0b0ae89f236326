package cgroups

import (
	"regexp"
	"strings"
)

// Location is what a cgroup path says about a pod and container.
type Location struct {
	PodUID      string // with dashes
	ContainerID string // 64 hex digits, "" for the pod's own cgroup
	Runtime     string // containerd, cri-o, docker, or "" (cgroupfs driver)
	QoS         string // guaranteed, burstable, besteffort
}

var (
	// systemd driver: kubepods-burstable-pod<uid_with_underscores>.slice
	podSlice = regexp.MustCompile(`^kubepods(?:-(besteffort|burstable))?-pod([0-9a-fA-F_]{36})\.slice$`)
	// cgroupfs driver: pod<uid>
	podDir = regexp.MustCompile(`^pod([0-9a-fA-F-]{36})$`)
	// systemd driver container scopes.
	scope = regexp.MustCompile(`^(cri-containerd|crio|docker|cri-dockerd)-([0-9a-f]{64})\.scope$`)
	// cgroupfs driver container directory.
	bareID = regexp.MustCompile(`^([0-9a-f]{64})$`)
	// crio-conmon-<id>.scope: the monitor process of a CRI-O container.
	conmon = regexp.MustCompile(`^crio-conmon-([0-9a-f]{64})\.scope$`)
)

var runtimes = map[string]string{"cri-containerd": "containerd", "crio": "cri-o", "docker": "docker", "cri-dockerd": "docker"}

// ParsePath finds the pod (and container) in a cgroup path such as
// /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope
// or /kubepods/besteffort/pod<uid>/<id>. ok is false outside pods.
func ParsePath(path string) (loc Location, ok bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range parts {
		if m := podSlice.FindStringSubmatch(p); m != nil {
			loc = Location{PodUID: strings.ToLower(strings.ReplaceAll(m[2], "_", "-")), QoS: qos(m[1])}
		} else if m := podDir.FindStringSubmatch(p); m != nil && inKubepods(parts[:i]) {
			loc = Location{PodUID: strings.ToLower(m[1]), QoS: qos(parentQoS(parts[:i]))}
		} else {
			continue
		}
		if loc.PodUID != "" && !validUID(loc.PodUID) {
			return Location{}, false
		}
		if i+1 < len(parts) {
			next := parts[i+1]
			if m := scope.FindStringSubmatch(next); m != nil {
				loc.ContainerID, loc.Runtime = m[2], runtimes[m[1]]
			} else if m := bareID.FindStringSubmatch(next); m != nil {
				loc.ContainerID = m[1]
			} else if m := conmon.FindStringSubmatch(next); m != nil {
				loc.Runtime = "cri-o" // the monitor counts for the pod, not a container
			}
		}
		return loc, true
	}
	return Location{}, false
}

func inKubepods(parts []string) bool {
	for _, p := range parts {
		if strings.HasPrefix(p, "kubepods") || strings.HasSuffix(p, "kubepods.slice") {
			return true
		}
	}
	return false
}

func parentQoS(parts []string) string {
	if n := len(parts); n > 0 {
		switch parts[n-1] {
		case "besteffort", "burstable":
			return parts[n-1]
		}
	}
	return ""
}

func qos(s string) string {
	if s == "" {
		return "guaranteed"
	}
	return s
}

// validUID checks the 8-4-4-4-12 shape of a pod UID.
func validUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}
