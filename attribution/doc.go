// Package attribution is the allocation engine: it splits every billed dollar
// of a node-hour into CPU, RAM and GPU pools, shares them among containers by
// max(request, usage), keeps idle non-negative, assigns costs outside nodes by
// tags and labels, spreads shared costs, and goes down to functions from CPU
// samples. It is pure: it reads through small interfaces and does no I/O.
package attribution
