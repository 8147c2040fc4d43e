/* factors: count the divisors of consecutive integers by testing every d in 1..n. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

enum { P_START, P_COUNT };

static const struct pb_param_def factors_params[] = {
    [P_START] = {"start", PB_PARAM_U64, {"20000", "5000000", "5000000", "5000000"}, 1, 1e12,
                 "first number whose divisors are counted"},
    [P_COUNT] = {"count", PB_PARAM_U64, {"12", "10", "200", "3000"}, 1, 1e6,
                 "how many consecutive numbers (one task each)"},
};

struct factors_state {
    uint64_t start;
};

/* The same loop twice: 32-bit division is the cheaper instruction where n fits. */
static uint64_t divisors32(uint32_t n)
{
    uint64_t count = 0;
    for (uint32_t d = 1; d <= n; d++)
        count += n % d == 0;
    return count;
}

static uint64_t divisors64(uint64_t n)
{
    uint64_t count = 0;
    for (uint64_t d = 1; d <= n; d++)
        count += n % d == 0;
    return count;
}

/* One task per number: prepare's task count, and the footprint's. */
static uint64_t factors_ntasks(const struct pb_params *p)
{
    return p->v[P_COUNT].u;
}

static int factors_prepare(struct pb_workload *w, const struct pb_params *p, char *err,
                           size_t errlen)
{
    uint64_t start = p->v[P_START].u, count = factors_ntasks(p);
    struct factors_state *s = malloc(sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "factors: out of memory");
        return -1;
    }
    s->start = start;
    w->ntasks = (size_t)count;
    w->out_size = sizeof(uint64_t);
    /* Every n costs n divisions: the sum of start .. start+count-1. */
    w->work = (double)count * (double)start + (double)count * (double)(count - 1) / 2;
    w->unit = "divisions";
    w->state = s;
    return 0;
}

static void factors_run(const struct pb_workload *w, size_t task, void *out)
{
    const struct factors_state *s = w->state;
    uint64_t n = s->start + task;
    /* Strictly below UINT32_MAX, so the 32-bit loop's d++ cannot wrap. */
    uint64_t count = n < UINT32_MAX ? divisors32((uint32_t)n) : divisors64(n);
    memcpy(out, &count, sizeof count);
}

/* Reference: factor n by trial division up to sqrt(n); d(n) is the product of (e+1). */
static uint64_t divisors_by_factoring(uint64_t n)
{
    uint64_t count = 1;
    for (uint64_t p = 2; p * p <= n; p++) {
        uint64_t e = 0;
        for (; n % p == 0; n /= p)
            e++;
        count *= e + 1;
    }
    return n > 1 ? count * 2 : count;
}

static int factors_check(const struct pb_workload *w, const void *out, char *why, size_t len)
{
    const struct factors_state *s = w->state;
    const unsigned char *bytes = out;
    for (size_t t = 0; t < w->ntasks; t++) {
        uint64_t got, want = divisors_by_factoring(s->start + t);
        memcpy(&got, bytes + t * sizeof got, sizeof got);
        if (got != want) {
            snprintf(why, len, "%" PRIu64 " has %" PRIu64 " divisors, task %zu counted %" PRIu64,
                     s->start + t, want, t, got);
            return -1;
        }
    }
    return 0;
}

/* The output is all that grows: the check recomputes each count without storing any. */
static int factors_footprint(const struct pb_params *p, struct pb_footprint *f, char *err,
                             size_t errlen)
{
    (void)err;
    (void)errlen;
    snprintf(f->what, sizeof f->what, "%" PRIu64 " numbers", factors_ntasks(p));
    f->hint = "lower factors.count";
    pb_footprint_add(f, "output", pb_bytes_mul(factors_ntasks(p), sizeof(uint64_t)));
    return 0;
}

static void factors_release(struct pb_workload *w)
{
    free(w->state);
    w->state = NULL;
}

const struct pb_kernel pb_kernel_factors = {
    .name = "factors",
    .summary = "count the divisors of consecutive integers by testing every d <= n",
    .params = factors_params,
    .nparams = sizeof factors_params / sizeof factors_params[0],
    .prepare = factors_prepare,
    .run = factors_run,
    .check = factors_check,
    .release = factors_release,
    .footprint = factors_footprint,
    .scale_param = "count",
};
