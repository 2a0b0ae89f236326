// Package awsinventory reads and buys AWS commitments through
// github.com/aws/aws-sdk-go-v2: Savings Plans (savingsplans
// DescribeSavingsPlans, DescribeSavingsPlansOfferings, CreateSavingsPlan)
// and Reserved Instances (ec2 DescribeReservedInstances,
// DescribeReservedInstancesOfferings, PurchaseReservedInstancesOffering).
// It also reads the platform EC2 bills instances as (ec2 DescribeInstances:
// InstancePlatforms), which says what usage a commitment of a platform
// covers and what a node's hours cost before the bill.
//
// Inventory maps what AWS returns to tally.Commitment. Prepare turns a
// commitments.Plan into the exact API requests — offering ids resolved
// through the Describe…Offerings calls, the request bodies captured from
// the SDK after serialization — without sending them; Request.Send sends
// one. Clients.Caller (STS GetCallerIdentity) says which account the
// credentials, and so the purchases, belong to. The commitment domain (what
// to buy and why) lives in package commitments; this package only speaks
// AWS.
package awsinventory
