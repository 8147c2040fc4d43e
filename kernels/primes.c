/* primes: count the primes in [lo, hi) by trial division, one block of numbers per task. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

enum { P_LO, P_HI, P_BLOCK };

/* hi stays below 1e15 so the check's base sieve (up to sqrt(hi)) is at most 32 MB. */
static const struct pb_param_def primes_params[] = {
    [P_LO] = {"lo", PB_PARAM_U64, {"0", "0", "0", "0"}, 0, 1e15, "first number tested"},
    [P_HI] = {"hi", PB_PARAM_U64, {"30000", "1000000", "10000000", "70000000"}, 1, 1e15,
              "one past the last number tested"},
    [P_BLOCK] = {"block", PB_PARAM_U64, {"1000", "10000", "10000", "10000"}, 1, 1e9,
                 "numbers per task"},
};

struct primes_state {
    uint64_t lo, hi, block;
    uint64_t *want;   /* primes per task from the sieve, filled by the first check */
};

enum { SEGMENT = 1 << 18 };   /* numbers the check's sieve marks at a time */

/* floor(sqrt(n)), exact: testing d <= isqrt(n) is testing d*d <= n without overflow. */
static uint64_t isqrt(uint64_t n)
{
    uint64_t r = (uint64_t)sqrt((double)n);
    while (r * r > n)
        r--;
    while ((r + 1) * (r + 1) <= n)
        r++;
    return r;
}

/* The same trial division twice: 32-bit division is the cheaper instruction where it fits.
 * `r` is floor(sqrt(n)), kept by the caller, so the loop bound costs nothing per number. */
static inline int is_prime32(uint32_t n, uint32_t r)
{
    if (n < 2)
        return 0;
    if (n % 2 == 0)
        return n == 2;
    for (uint32_t d = 3; d <= r; d += 2)
        if (n % d == 0)
            return 0;
    return 1;
}

static inline int is_prime64(uint64_t n, uint64_t r)
{
    if (n < 2)
        return 0;
    if (n % 2 == 0)
        return n == 2;
    for (uint64_t d = 3; d <= r; d += 2)
        if (n % d == 0)
            return 0;
    return 1;
}

/* Blocks of `block` numbers over [lo, hi): prepare's task count, and the footprint's.
 * Refuses an empty range, so both refuse the same input. */
static int primes_ntasks(const struct pb_params *p, uint64_t *ntasks, char *err, size_t errlen)
{
    uint64_t lo = p->v[P_LO].u, hi = p->v[P_HI].u, block = p->v[P_BLOCK].u;
    if (hi <= lo) {
        snprintf(err, errlen, "primes: hi (%" PRIu64 ") must be greater than lo (%" PRIu64 ")",
                 hi, lo);
        return -1;
    }
    *ntasks = (hi - lo) / block + ((hi - lo) % block != 0);
    return 0;
}

static int primes_prepare(struct pb_workload *w, const struct pb_params *p, char *err,
                          size_t errlen)
{
    uint64_t lo = p->v[P_LO].u, hi = p->v[P_HI].u, block = p->v[P_BLOCK].u, ntasks;
    if (primes_ntasks(p, &ntasks, err, errlen) != 0)
        return -1;
    if (ntasks > SIZE_MAX) {   /* only where size_t is narrower than 64 bits */
        snprintf(err, errlen, "primes: %" PRIu64 " tasks are more than this machine can address",
                 ntasks);
        return -1;
    }
    struct primes_state *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "primes: out of memory");
        return -1;
    }
    s->lo = lo;
    s->hi = hi;
    s->block = block;
    w->ntasks = (size_t)ntasks;
    w->out_size = sizeof(uint64_t);
    w->work = (double)(hi - lo);
    w->unit = "numbers";
    w->state = s;
    return 0;
}

/* floor(sqrt(n)) steps up by at most one from n to n + 1, so a block keeps it with one
 * multiply and compare per number instead of a square root. */
static void primes_run(const struct pb_workload *w, size_t task, void *out)
{
    const struct primes_state *s = w->state;
    uint64_t a = s->lo + task * s->block;
    uint64_t b = a + s->block < s->hi ? a + s->block : s->hi;
    uint64_t count = 0, r = isqrt(a);
    if (s->hi <= (uint64_t)UINT32_MAX + 1) {
        for (uint64_t n = a; n < b; n++) {
            if ((r + 1) * (r + 1) <= n)
                r++;
            count += is_prime32((uint32_t)n, (uint32_t)r);
        }
    } else {
        for (uint64_t n = a; n < b; n++) {
            if ((r + 1) * (r + 1) <= n)
                r++;
            count += is_prime64(n, r);
        }
    }
    memcpy(out, &count, sizeof count);
}

/* Primes per task by a segmented sieve of Eratosthenes: base primes up to
 * sqrt(hi), then [lo, hi) one segment at a time, so a high lo costs nothing. */
static uint64_t *sieve_counts(const struct primes_state *s, size_t ntasks)
{
    uint64_t top = isqrt(s->hi - 1);
    unsigned char *composite = calloc(top + 1, 1);   /* over 0..top */
    unsigned char *mark = malloc(SEGMENT);           /* composite flags of one segment */
    uint64_t *counts = calloc(ntasks, sizeof *counts);
    if (composite == NULL || mark == NULL || counts == NULL) {
        free(composite);
        free(mark);
        free(counts);
        return NULL;
    }
    for (uint64_t i = 2; i * i <= top; i++)
        if (!composite[i])
            for (uint64_t j = i * i; j <= top; j += i)
                composite[j] = 1;
    for (uint64_t a = s->lo; a < s->hi; a += SEGMENT) {
        uint64_t b = s->hi - a < SEGMENT ? s->hi : a + SEGMENT;
        memset(mark, 0, SEGMENT);
        for (uint64_t q = 2; q <= top; q++) {
            if (composite[q])
                continue;
            uint64_t m = (a + q - 1) / q * q;   /* first multiple of q at or after a */
            if (m < q * q)
                m = q * q;
            for (; m < b; m += q)
                mark[m - a] = 1;
        }
        for (uint64_t n = a < 2 ? 2 : a; n < b; n++)
            counts[(n - s->lo) / s->block] += !mark[n - a];
    }
    free(composite);
    free(mark);
    return counts;
}

/* The harness calls check from one thread only, so the lazy sieve needs no lock;
 * it is computed on the first call and reused by every later run. */
static int primes_check(const struct pb_workload *w, const void *out, char *why, size_t len)
{
    struct primes_state *s = w->state;
    if (s->want == NULL && (s->want = sieve_counts(s, w->ntasks)) == NULL) {
        snprintf(why, len, "primes: out of memory for the reference sieve");
        return -1;
    }
    const unsigned char *bytes = out;
    for (size_t t = 0; t < w->ntasks; t++) {
        uint64_t got;
        memcpy(&got, bytes + t * sizeof got, sizeof got);
        if (got != s->want[t]) {
            uint64_t a = s->lo + t * s->block;
            uint64_t b = a + s->block < s->hi ? a + s->block : s->hi;
            snprintf(why, len,
                     "task %zu counted %" PRIu64 " primes in [%" PRIu64 ", %" PRIu64
                     "), the sieve finds %" PRIu64,
                     t, got, a, b, s->want[t]);
            return -1;
        }
    }
    return 0;
}

/* The output and the check's sieve: a count per task each, the base primes' flags up to
 * sqrt(hi) and one segment of flags (sieve_counts).  Nothing else grows with the range. */
static int primes_footprint(const struct pb_params *p, struct pb_footprint *f, char *err,
                            size_t errlen)
{
    uint64_t ntasks;
    if (primes_ntasks(p, &ntasks, err, errlen) != 0)
        return -1;
    uint64_t counts = pb_bytes_mul(ntasks, sizeof(uint64_t));
    snprintf(f->what, sizeof f->what, "%" PRIu64 " task%s of %" PRIu64 " number%s", ntasks,
             ntasks == 1 ? "" : "s", p->v[P_BLOCK].u, p->v[P_BLOCK].u == 1 ? "" : "s");
    f->hint = "narrow primes.lo..primes.hi or raise primes.block";
    pb_footprint_add(f, "output", counts);
    pb_footprint_add(f, "reference", pb_bytes_add(counts, isqrt(p->v[P_HI].u - 1) + 1 + SEGMENT));
    return 0;
}

static void primes_release(struct pb_workload *w)
{
    struct primes_state *s = w->state;
    if (s != NULL)
        free(s->want);
    free(s);
    w->state = NULL;
}

const struct pb_kernel pb_kernel_primes = {
    .name = "primes",
    .summary = "count primes in [lo, hi) by trial division",
    .params = primes_params,
    .nparams = sizeof primes_params / sizeof primes_params[0],
    .prepare = primes_prepare,
    .run = primes_run,
    .check = primes_check,
    .release = primes_release,
    .footprint = primes_footprint,
    .scale_param = "hi-lo",
};
