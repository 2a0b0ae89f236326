package main

import "context"

// jobFailed logs the error of a scheduled job (attribution, compaction,
// retention, the daily plans) with attrs, or, when shutdown cut it short
// (ctx is done), says so at info level: it is no fault, and the job runs
// again.
func (a *app) jobFailed(ctx context.Context, job string, err error, attrs ...any) {
	if ctx.Err() != nil {
		a.log.Info(job + ": cut short by shutdown; it runs again after the next start")
		return
	}
	a.log.Error(job, append([]any{"err", err}, attrs...)...)
}
