package main

import (
	"fmt"
	"runtime"

	"github.com/tallyhq/tally"
)

type versionCmd struct{}

func (c *versionCmd) Run(a *app) error {
	fmt.Fprintf(a.stdout, "tally %s (%s, %s/%s)\n", tally.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
