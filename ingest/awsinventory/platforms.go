package awsinventory

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/tallyhq/tally"
)

// idsPerCall is how many instance ids one DescribeInstances call filters
// on: AWS takes at most 200 values in a filter.
const idsPerCall = 200

// InstancePlatforms reads the platform EC2 bills each instance of ids in
// region as (DescribeInstances' UsageOperation and PlatformDetails), read
// at now. It filters on instance-id, which, unlike asking by InstanceIds,
// leaves out the instances EC2 no longer lists (terminated for about an
// hour) rather than failing; they are not in the result.
func InstancePlatforms(ctx context.Context, c *Clients, region string, ids []string, now time.Time) ([]tally.InstancePlatform, error) {
	var out []tally.InstancePlatform
	for i := 0; i < len(ids); i += idsPerCall {
		in := &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1000),
			Filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: ids[i:min(i+idsPerCall, len(ids))]}}}
		p := ec2.NewDescribeInstancesPaginator(c.EC2(region), in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("describe instances in %s: %w", region, err)
			}
			for _, r := range page.Reservations {
				for _, inst := range r.Instances {
					id, op := aws.ToString(inst.InstanceId), aws.ToString(inst.UsageOperation)
					if op == "" {
						return nil, fmt.Errorf("describe instances in %s: instance %s: no usage operation", region, id)
					}
					out = append(out, tally.InstancePlatform{Provider: tally.ProviderAWS, InstanceID: id, Region: region,
						UsageOperation: op, PlatformDetails: aws.ToString(inst.PlatformDetails), ReadAt: now})
				}
			}
		}
	}
	return out, nil
}
