/* The plain C loop that parbench's primes kernel is held to: trial division of every n in
 * [lo, hi) by 2 and then the odd d with d*d <= n, stopping at the first divisor, in 32-bit
 * arithmetic (the numbers fit; 32-bit division is the cheaper instruction).  bench/run
 * compiles it with `cc -O2` and nothing else, as any programmer would.
 *
 *   primes_ref LO HI REPS     time the loop REPS times; print primes, divisions, times
 *   primes_ref --sysbench M   print the divisions of one `sysbench cpu --cpu-max-prime=M`
 *                             event (its loop, counted, not timed)
 *
 * Output is one line of key=value pairs for bench/run to read.  A "division" is one
 * evaluation of `n % d` that compiles to a divide instruction: the loop's odd divisors here
 * (n % 2 is a bit test), and every l from 2 up in sysbench's loop. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int is_prime(uint32_t n)
{
    if (n < 2)
        return 0;
    if (n % 2 == 0)
        return n == 2;
    for (uint32_t d = 3; (uint64_t)d * d <= n; d += 2)
        if (n % d == 0)
            return 0;
    return 1;
}

/* The same loop, counting its divisions instead of being timed. */
static uint64_t divisions_of(uint32_t n)
{
    uint64_t count = 0;
    if (n < 2 || n % 2 == 0)
        return 0;
    for (uint32_t d = 3; (uint64_t)d * d <= n; d += 2) {
        count++;
        if (n % d == 0)
            break;
    }
    return count;
}

/* sysbench 1.0's cpu test (src/tests/cpu/sb_cpu.c), one event: c from 3 to max_prime - 1,
 * l from 2 while l <= sqrt(c), in unsigned long long. */
static uint64_t sysbench_divisions(uint64_t max_prime)
{
    uint64_t count = 0;
    for (uint64_t c = 3; c < max_prime; c++) {
        double t = sqrt((double)c);
        for (uint64_t l = 2; (double)l <= t; l++) {
            count++;
            if (c % l == 0)
                break;
        }
    }
    return count;
}

static double now(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--sysbench") == 0) {
        uint64_t m = strtoull(argv[2], NULL, 10);
        printf("sysbench_max_prime=%" PRIu64 " divisions_per_event=%" PRIu64 "\n", m,
               sysbench_divisions(m));
        return 0;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: primes_ref LO HI REPS | primes_ref --sysbench MAX_PRIME\n");
        return 2;
    }
    uint64_t lo = strtoull(argv[1], NULL, 10), hi = strtoull(argv[2], NULL, 10);
    int reps = atoi(argv[3]);
    if (hi <= lo || hi > (uint64_t)UINT32_MAX + 1 || reps < 1 || reps > 1000) {
        fprintf(stderr, "primes_ref: need LO < HI <= 2^32 and 1 <= REPS <= 1000\n");
        return 2;
    }
    double wall[1000], cpu[1000];
    uint64_t primes = 0, divisions = 0;
    for (uint64_t n = lo; n < hi; n++)
        divisions += divisions_of((uint32_t)n);
    for (int r = 0; r <= reps; r++) {   /* run 0 is an untimed warm-up */
        double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        uint64_t count = 0;
        for (uint64_t n = lo; n < hi; n++)
            count += is_prime((uint32_t)n);
        if (r > 0) {
            wall[r - 1] = now(CLOCK_MONOTONIC) - w0;
            cpu[r - 1] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
        }
        primes = count;
    }
    qsort(wall, (size_t)reps, sizeof *wall, cmp_double);
    qsort(cpu, (size_t)reps, sizeof *cpu, cmp_double);
    printf("lo=%" PRIu64 " hi=%" PRIu64 " primes=%" PRIu64 " divisions=%" PRIu64
           " reps=%d median_s=%.6f min_s=%.6f cpu_s=%.6f\n",
           lo, hi, primes, divisions, reps, wall[reps / 2], wall[0], cpu[reps / 2]);
    return 0;
}
