package commitments

import (
	"fmt"
	"testing"
	"time"
)

func TestDbg2(t *testing.T) {
	u := &Usage{Start: time.Unix(0, 0), Streams: []Stream{{"aws", "us-east-1", "m5.xlarge"}}, OD: [][]Nanos{{NanosOf(100), NanosOf(100), NanosOf(10)}}}
	o := Offer{Provider: "aws", Kind: "ec2-instance-savings-plan", TermMonths: 12, Region: "us-east-1", Family: "m5"}
	sim := NewSimulator(u, Rates{})
	fmt.Printf("%+v\n", sim.plan(o))
	out := sim.Run([]Position{{Offer: o, Fee: NanosOf(50), Start: 0, End: 3}}, 0, 3, nil)
	fmt.Printf("%+v\n", out)
}
