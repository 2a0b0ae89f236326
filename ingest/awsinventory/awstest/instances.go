package awstest

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Instance is an EC2 instance DescribeInstances lists: its id, region and
// the platform it is billed as.
type Instance struct {
	ID              string
	Region          string
	UsageOperation  string // RunInstances, RunInstances:0010, …
	PlatformDetails string // Linux/UNIX, Red Hat Enterprise Linux, …
}

// maxFilterValues is how many values AWS takes in one filter.
const maxFilterValues = 200

// AddInstances makes DescribeInstances list the instances in their regions.
func (s *Server) AddInstances(is ...Instance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.instances == nil {
		s.instances = map[string][]Instance{}
	}
	for _, i := range is {
		s.instances[i.Region] = append(s.instances[i.Region], i)
	}
}

// describeInstances answers DescribeInstances for region, as AWS does:
// an instance-id filter leaves out ids it does not know, while InstanceId.N
// parameters fail on one (InvalidInstanceID.NotFound); a filter takes at
// most 200 values; MaxResults (5–1000) pages with NextToken, an offset here.
func (s *Server) describeInstances(form url.Values, region string, write func(any), fail func(int, string, string)) {
	s.mu.Lock()
	all := append([]Instance(nil), s.instances[region]...)
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	known := map[string]bool{}
	for _, i := range all {
		known[i.ID] = true
	}
	for k, v := range form {
		if strings.HasPrefix(k, "InstanceId.") && !known[v[0]] {
			fail(http.StatusBadRequest, "InvalidInstanceID.NotFound", "The instance ID '"+v[0]+"' does not exist")
			return
		}
	}
	ids, filtered := map[string]bool{}, false
	for n := 1; form.Get("Filter."+strconv.Itoa(n)+".Name") != ""; n++ {
		f := "Filter." + strconv.Itoa(n)
		if form.Get(f+".Name") != "instance-id" {
			fail(http.StatusBadRequest, "InvalidParameterValue", "The filter '"+form.Get(f+".Name")+"' is invalid")
			return
		}
		filtered = true
		m := 1
		for ; form.Get(f+".Value."+strconv.Itoa(m)) != ""; m++ {
			ids[form.Get(f+".Value."+strconv.Itoa(m))] = true
		}
		if m-1 > maxFilterValues {
			fail(http.StatusBadRequest, "FilterLimitExceeded", "The maximum number of filter values specified on a single call is 200")
			return
		}
	}
	var match []Instance
	for _, i := range all {
		if !filtered || ids[i.ID] {
			match = append(match, i)
		}
	}
	from, _ := strconv.Atoi(form.Get("NextToken"))
	size := len(match)
	if m := form.Get("MaxResults"); m != "" {
		if size, _ = strconv.Atoi(m); size < 5 || size > 1000 {
			fail(http.StatusBadRequest, "InvalidParameterValue", "MaxResults must be between 5 and 1000")
			return
		}
	}
	to := min(from+size, len(match))
	type instance struct {
		InstanceID      string `xml:"instanceId"`
		PlatformDetails string `xml:"platformDetails"`
		UsageOperation  string `xml:"usageOperation"`
	}
	type reservation struct {
		ReservationID string     `xml:"reservationId"`
		Instances     []instance `xml:"instancesSet>item"`
	}
	var out []reservation
	for _, i := range match[min(from, to):to] {
		out = append(out, reservation{ReservationID: "r-" + strings.TrimPrefix(i.ID, "i-"),
			Instances: []instance{{InstanceID: i.ID, PlatformDetails: i.PlatformDetails, UsageOperation: i.UsageOperation}}})
	}
	next := ""
	if to < len(match) {
		next = strconv.Itoa(to)
	}
	write(struct {
		XMLName      xml.Name      `xml:"DescribeInstancesResponse"`
		XMLNS        string        `xml:"xmlns,attr"`
		RequestID    string        `xml:"requestId"`
		Reservations []reservation `xml:"reservationSet>item"`
		NextToken    string        `xml:"nextToken,omitempty"`
	}{XMLNS: "http://ec2.amazonaws.com/doc/2016-11-15/", RequestID: "req-instances", Reservations: out, NextToken: next})
}
