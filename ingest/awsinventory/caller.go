package awsinventory

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Caller is whom the clients' credentials belong to (STS
// GetCallerIdentity): the account a purchase sent with them buys in.
type Caller struct {
	Account string `json:"account"`
	ARN     string `json:"arn"`
	UserID  string `json:"userId,omitempty"`
}

// Caller asks STS GetCallerIdentity whom the clients' credentials belong
// to, with the configuration the purchases are sent with.
func (c *Clients) Caller(ctx context.Context) (Caller, error) {
	cl := sts.NewFromConfig(c.cfg, func(o *sts.Options) {
		if c.opt.STSEndpoint != "" {
			o.BaseEndpoint = aws.String(c.opt.STSEndpoint)
		}
	})
	out, err := cl.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Caller{}, fmt.Errorf("get caller identity: %w", err)
	}
	who := Caller{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}
	if who.Account == "" {
		return Caller{}, fmt.Errorf("get caller identity: the answer names no account (ARN %q)", who.ARN)
	}
	return who, nil
}
