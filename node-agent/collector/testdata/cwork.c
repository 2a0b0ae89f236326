// A workload for the agent's integration tests, built with
// -fno-omit-frame-pointer: after a line on stdin it burns CPU for argv[1]
// seconds in hot_c, three calls deep (main → c_a → c_b → hot_c), prints its
// own CPU time in nanoseconds from getrusage, and waits for stdin to close.
// With argv[2] it first recurses that deep (in deep) and burns CPU there.
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

volatile unsigned long sink;

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); // CPU time: a loaded machine only stretches the run
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void hot_c(double until) {
	unsigned long x = 1;
	for (unsigned long n = 0;; n++) {
		for (int i = 0; i < 1000; i++) x = x * 31 + i;
		if ((n & 63) == 0 && now() > until) break;
	}
	sink = x;
}

__attribute__((noinline)) void c_b(double until) { hot_c(until); sink++; }
__attribute__((noinline)) void c_a(double until) { c_b(until); sink++; }

__attribute__((noinline)) void deep(int depth, double until) {
	if (depth > 0) {
		deep(depth - 1, until);
		sink++;
		return;
	}
	hot_c(until);
}

int main(int argc, char **argv) {
	char line[16];
	double secs = atof(argv[1]);
	if (!fgets(line, sizeof line, stdin)) return 1;
	if (argc > 2) deep(atoi(argv[2]), now() + secs);
	else c_a(now() + secs);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%lld\n", (long long)ru.ru_utime.tv_sec * 1000000000LL + ru.ru_utime.tv_usec * 1000LL +
	                 (long long)ru.ru_stime.tv_sec * 1000000000LL + ru.ru_stime.tv_usec * 1000LL);
	fflush(stdout);
	fgets(line, sizeof line, stdin);
	return 0;
}
