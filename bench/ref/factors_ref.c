/* The plain C loop that parbench's factors kernel is held to: for each n of `count`
 * consecutive numbers from `start`, test every d in 1..n, in 32-bit arithmetic (the numbers
 * fit).  bench/run compiles it with `cc -O2` and nothing else.
 *
 *   factors_ref START COUNT REPS   time the loop REPS times; print divisions and times
 *
 * Output is one line of key=value pairs for bench/run to read. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t divisors(uint32_t n)
{
    uint64_t count = 0;
    for (uint32_t d = 1; d <= n; d++)
        if (n % d == 0)
            count++;
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
    if (argc != 4) {
        fprintf(stderr, "usage: factors_ref START COUNT REPS\n");
        return 2;
    }
    uint64_t start = strtoull(argv[1], NULL, 10), count = strtoull(argv[2], NULL, 10);
    int reps = atoi(argv[3]);
    if (start < 1 || count < 1 || start + count > UINT32_MAX || reps < 1 || reps > 1000) {
        fprintf(stderr, "factors_ref: need 1 <= START, START + COUNT < 2^32, 1 <= REPS <= 1000\n");
        return 2;
    }
    double wall[1000], cpu[1000];
    uint64_t total = 0;
    for (int r = 0; r <= reps; r++) {   /* run 0 is an untimed warm-up */
        double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        uint64_t sum = 0;
        for (uint64_t n = start; n < start + count; n++)
            sum += divisors((uint32_t)n);
        if (r > 0) {
            wall[r - 1] = now(CLOCK_MONOTONIC) - w0;
            cpu[r - 1] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
        }
        total = sum;
    }
    qsort(wall, (size_t)reps, sizeof *wall, cmp_double);
    qsort(cpu, (size_t)reps, sizeof *cpu, cmp_double);
    /* Every n costs n divisions: start + (start + 1) + ... + (start + count - 1). */
    double divisions = (double)count * (double)start + (double)count * (double)(count - 1) / 2;
    printf("start=%" PRIu64 " count=%" PRIu64 " divisors=%" PRIu64
           " divisions=%.0f reps=%d median_s=%.6f min_s=%.6f cpu_s=%.6f\n",
           start, count, total, divisions, reps, wall[reps / 2], wall[0], cpu[reps / 2]);
    return 0;
}
