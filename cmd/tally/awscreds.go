package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/tallyhq/tally"
)

// requireAWSCredentials returns an error that says what to set when the
// AWS default credential chain finds no credentials (none of the
// environment, the shared files, a web identity, a container or an
// instance role has them), before command calls AWS. alternative, if not
// empty, is appended: how to do without. With awsCredentials set (tests)
// there is nothing to check.
func requireAWSCredentials(ctx context.Context, command, alternative string) error {
	if awsCredentials != nil {
		return nil
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("%s: load AWS config: %w", command, err)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return tally.Errorf(tally.EUnauthorized, "%s: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE "+
			"to a profile of ~/.aws/config, or run with an instance or pod role%s (%w)", command, alternative, err)
	}
	return nil
}
