// Load for make bench-agent: every CPU runs
// random call chains through 64 functions, 4–14 deep, so the profiler sees thousands of distinct stacks.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <signal.h>
#include <time.h>

volatile unsigned long sink;
static volatile sig_atomic_t stop;
static unsigned long rnd(unsigned long *s) { *s ^= *s << 13; *s ^= *s >> 7; *s ^= *s << 17; return *s; }
typedef void (*fn)(unsigned long *, int);
static fn table[64];

__attribute__((noinline)) void f0(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 1; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f1(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 2; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f2(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 3; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f3(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 4; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f4(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 5; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f5(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 6; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f6(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 7; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f7(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 8; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f8(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 9; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f9(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 10; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f10(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 11; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f11(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 12; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f12(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 13; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f13(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 14; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f14(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 15; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f15(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 16; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f16(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 17; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f17(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 18; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f18(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 19; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f19(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 20; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f20(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 21; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f21(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 22; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f22(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 23; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f23(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 24; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f24(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 25; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f25(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 26; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f26(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 27; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f27(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 28; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f28(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 29; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f29(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 30; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f30(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 31; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f31(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 32; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f32(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 33; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f33(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 34; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f34(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 35; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f35(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 36; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f36(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 37; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f37(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 38; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f38(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 39; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f39(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 40; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f40(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 41; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f41(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 42; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f42(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 43; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f43(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 44; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f44(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 45; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f45(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 46; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f46(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 47; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f47(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 48; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f48(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 49; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f49(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 50; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f50(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 51; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f51(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 52; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f52(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 53; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f53(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 54; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f54(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 55; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f55(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 56; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f56(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 57; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f57(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 58; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f58(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 59; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f59(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 60; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f60(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 61; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f61(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 62; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f62(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 63; return; } table[rnd(s) % 64](s, d - 1); sink++; }
__attribute__((noinline)) void f63(unsigned long *s, int d) { if (d <= 0) { for (int i = 0; i < 2000; i++) sink += i * 64; return; } table[rnd(s) % 64](s, d - 1); sink++; }

static void onalarm(int sig) { (void)sig; stop = 1; }
int main(int argc, char **argv) {
	int procs = atoi(argv[1]), secs = atoi(argv[2]);
	table[0] = f0;
	table[1] = f1;
	table[2] = f2;
	table[3] = f3;
	table[4] = f4;
	table[5] = f5;
	table[6] = f6;
	table[7] = f7;
	table[8] = f8;
	table[9] = f9;
	table[10] = f10;
	table[11] = f11;
	table[12] = f12;
	table[13] = f13;
	table[14] = f14;
	table[15] = f15;
	table[16] = f16;
	table[17] = f17;
	table[18] = f18;
	table[19] = f19;
	table[20] = f20;
	table[21] = f21;
	table[22] = f22;
	table[23] = f23;
	table[24] = f24;
	table[25] = f25;
	table[26] = f26;
	table[27] = f27;
	table[28] = f28;
	table[29] = f29;
	table[30] = f30;
	table[31] = f31;
	table[32] = f32;
	table[33] = f33;
	table[34] = f34;
	table[35] = f35;
	table[36] = f36;
	table[37] = f37;
	table[38] = f38;
	table[39] = f39;
	table[40] = f40;
	table[41] = f41;
	table[42] = f42;
	table[43] = f43;
	table[44] = f44;
	table[45] = f45;
	table[46] = f46;
	table[47] = f47;
	table[48] = f48;
	table[49] = f49;
	table[50] = f50;
	table[51] = f51;
	table[52] = f52;
	table[53] = f53;
	table[54] = f54;
	table[55] = f55;
	table[56] = f56;
	table[57] = f57;
	table[58] = f58;
	table[59] = f59;
	table[60] = f60;
	table[61] = f61;
	table[62] = f62;
	table[63] = f63;
	for (int p = 1; p < procs; p++) if (fork() == 0) break;
	signal(SIGALRM, onalarm);
	alarm(secs);
	unsigned long s = (unsigned long)getpid() * 2654435761UL + 1, calls = 0;
	while (!stop) { table[rnd(&s) % 64](&s, 4 + rnd(&s) % 11); calls++; }
	printf("%lu\n", calls);
	return 0;
}
