package web_test

import (
	"encoding/json"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/fixture"
)

// openCostRefusal is the status and message of GET u.
func openCostRefusal(t *testing.T, u string) (int, string) {
	t.Helper()
	resp := get(t, u, nil)
	raw, _ := io.ReadAll(resp.Body)
	var body struct{ Message string }
	_ = json.Unmarshal(raw, &body)
	return resp.StatusCode, body.Message
}

// TestOpenCostAggregateFieldsListed: a wrong aggregate on OpenCost's routes
// is a 400 listing exactly the fields those routes aggregate by, OpenCost's
// deployment, statefulset, daemonset and job included, and every field it
// lists is one they answer. It listed Tally's fields only: the kinds were
// missing and service, which they refuse, was listed.
func TestOpenCostAggregateFieldsListed(t *testing.T) {
	srv := filterServer(t)
	day := url.QueryEscape(fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339))
	want := `aggregate "deploymnt": want cluster, node, namespace, controllerKind, controller (workload), deployment, statefulset, ` +
		`daemonset, job, pod, container, label:KEY, annotation:KEY or an alias of a label (department, environment, owner, product, team)`
	for _, path := range []string{"/allocation/compute", "/allocation", "/model/allocation"} {
		status, msg := openCostRefusal(t, srv.URL+path+"?window="+day+"&aggregate=namespace,deploymnt")
		if status != 400 || msg != want {
			t.Errorf("%s: status %d, %q; want 400, %q", path, status, msg, want)
		}
	}
	list := regexp.MustCompile(`want (.*) or an alias of a label \((.*)\)$`).FindStringSubmatch(want)
	fields := append(strings.Split(list[1], ", "), strings.Split(list[2], ", ")...)
	for _, f := range fields {
		f = strings.NewReplacer(" (workload)", "", ":KEY", ":team").Replace(f)
		if status, msg := openCostRefusal(t, srv.URL+"/allocation/compute?window="+day+"&aggregate="+f); status != 200 {
			t.Errorf("aggregate=%s, which the refusal lists: status %d, %q", f, status, msg)
		}
	}
}

// TestOpenCostAggregateService: OpenCost's aggregate=service groups by
// Kubernetes Services, of which Tally knows nothing (its agent does not
// report which Services select a pod): OpenCost's routes refuse it with a
// 400 that says so and names what groups billed services. They answered
// the bill's services (AmazonEC2, AmazonS3…) under OpenCost's name.
func TestOpenCostAggregateService(t *testing.T) {
	srv := filterServer(t)
	day := url.QueryEscape(fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339))
	want := `aggregate "service": Tally does not know Kubernetes Services, which OpenCost's service is (its agent does not report ` +
		`which Services select a pod); the bill's services are aggregate=service of /api/v1/allocations`
	for _, agg := range []string{"service", "namespace,service"} {
		if status, msg := openCostRefusal(t, srv.URL+"/allocation/compute?window="+day+"&aggregate="+agg); status != 400 || msg != want {
			t.Errorf("aggregate=%s: status %d, %q; want 400, %q", agg, status, msg, want)
		}
	}
	if resp := get(t, srv.URL+"/api/v1/allocations?window="+day+"&aggregate=service", nil); resp.StatusCode != 200 {
		t.Errorf("/api/v1/allocations?aggregate=service: status %d, want 200", resp.StatusCode)
	}
}

// TestOpenCostFilterServices: OpenCost's filter on services (and service)
// is on Kubernetes Services, as its aggregate=service: OpenCost's routes
// refuse it with a 400 that says so, where the clause is, and how to
// filter the bill's services on Tally's own API, which still does. They
// filtered by the bill's services (AmazonEC2…) under OpenCost's name.
func TestOpenCostFilterServices(t *testing.T) {
	srv := filterServer(t)
	day := url.QueryEscape(fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339))
	why := `Tally does not know Kubernetes Services, which OpenCost's services are (its agent does not report which Services select a pod); ` +
		`the bill's services are filter=service:"NAME" of /api/v1/allocations`
	for _, tt := range []struct{ filter, want string }{
		{`services:"AmazonEC2"`, `filter "services:\"AmazonEC2\"": position 1: "services": ` + why},
		{`services~:"AmazonEC2"`, `filter "services~:\"AmazonEC2\"": position 1: "services": ` + why},
		{`namespace:"shop"+service!:"AmazonEC2"`, `filter "namespace:\"shop\"+service!:\"AmazonEC2\"": position 18: "service": ` + why},
	} {
		for _, path := range []string{"/allocation/compute", "/model/allocation"} {
			u := srv.URL + path + "?window=" + day + "&aggregate=namespace&filter=" + url.QueryEscape(tt.filter)
			if status, msg := openCostRefusal(t, u); status != 400 || msg != tt.want {
				t.Errorf("%s filter=%s: status %d, %q; want 400, %q", path, tt.filter, status, msg, tt.want)
			}
		}
	}
	u := srv.URL + "/api/v1/allocations?window=" + day + "&aggregate=namespace&filter=" + url.QueryEscape(`services:"AmazonEC2"`)
	if resp := get(t, u, nil); resp.StatusCode != 200 {
		t.Errorf("/api/v1/allocations?filter=services:…: status %d, want 200", resp.StatusCode)
	}
}
