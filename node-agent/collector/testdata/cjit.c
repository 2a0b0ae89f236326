// A fake JIT for the agent's integration tests, built with
// -fno-omit-frame-pointer: it copies the machine code of spin into
// anonymous executable memory, names it jit_spin in /tmp/perf-<pid>.map,
// runs it for argv[1] seconds of CPU time and exits.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

volatile unsigned long sink;

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

// spin uses only its argument and registers: its code runs anywhere.
__attribute__((noinline)) unsigned long spin(unsigned long n) {
	unsigned long x = 1;
	for (unsigned long i = 0; i < n; i++) x = x * 31 + i;
	return x;
}

int main(int argc, char **argv) {
	double secs = atof(argv[1]);
	size_t size = 4096;
	unsigned char *code = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED) return 1;
	memcpy(code, (void *)spin, 256);
	if (mprotect(code, size, PROT_READ | PROT_EXEC)) return 1;
	char path[64];
	snprintf(path, sizeof path, "/tmp/perf-%d.map", getpid());
	FILE *f = fopen(path, "w");
	if (!f) return 1;
	fprintf(f, "%lx 100 jit_spin\n", (unsigned long)code);
	fclose(f);
	unsigned long (*fn)(unsigned long) = (unsigned long (*)(unsigned long))code;
	double until = now() + secs;
	while (now() < until) sink += fn(1000000);
	printf("%d\n", getpid());
	return 0;
}
