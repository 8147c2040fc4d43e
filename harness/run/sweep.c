/* The sweep: interleaved rounds (or one configuration at a time) with an
 * adaptive stop rule per configuration. */
#include <stdlib.h>
#include <string.h>

#include "pb.h"
#include "stats.h"
#include "sweep.h"

const char *pb_stop_reason_name(enum pb_stop_reason r)
{
    switch (r) {
    case PB_STOP_PRECISION: return "precision";
    case PB_STOP_MAX_REPS: return "max_reps";
    case PB_STOP_TIME_CAP: return "time_cap";
    case PB_STOP_FIXED: return "fixed";
    case PB_STOP_FAILED: return "failed";
    case PB_STOP_INTERRUPTED: return "interrupted";
    case PB_STOP_TIME_BUDGET: return "time_budget";
    case PB_STOP_NONE: break;
    }
    return "";
}

enum pb_stop_reason pb_stop_decide(const struct pb_stop_rule *r, const double *x, size_t n,
                                   double spent_s)
{
    if (r->fixed_reps > 0)
        return n >= r->fixed_reps ? PB_STOP_FIXED : PB_STOP_NONE;
    if (n >= r->min_reps) {
        struct pb_summary s;
        pb_summarise(x, n, &s);
        double rel = pb_ci_rel(&s);
        if (rel <= r->precision)   /* false for NAN: no CI yet */
            return PB_STOP_PRECISION;
    }
    if (n >= r->max_reps)
        return PB_STOP_MAX_REPS;
    /* Stop when one more repetition of the average length would pass the cap. */
    if (r->time_cap_s > 0 && n > 0 && spent_s + spent_s / (double)n > r->time_cap_s)
        return PB_STOP_TIME_CAP;
    return PB_STOP_NONE;
}

uint64_t pb_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, bound): rejection removes the modulo bias. */
static uint64_t below(uint64_t *state, uint64_t bound)
{
    uint64_t threshold = -bound % bound;
    for (;;) {
        uint64_t x = pb_splitmix64(state);
        if (x >= threshold)
            return x % bound;
    }
}

void pb_permutation(size_t *perm, size_t n, uint64_t seed, uint64_t round)
{
    /* Each round gets its own stream, so round r's order does not depend on how
     * many configurations earlier rounds ran. */
    uint64_t state = seed;
    state = pb_splitmix64(&state) ^ (round * 0xd1b54a32d192ed03ull);
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {   /* Fisher–Yates */
        size_t j = (size_t)below(&state, i);
        size_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

int pb_sweep_init(struct pb_sweep *s, size_t n, const struct pb_stop_rule *rule, bool interleave,
                  uint64_t seed, double budget_s, bool fail_fast)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->rule = *rule;
    s->interleave = interleave;
    s->seed = seed;
    s->budget_s = budget_s;
    s->fail_fast = fail_fast;
    size_t cap = rule->fixed_reps ? rule->fixed_reps : rule->max_reps;
    s->item = calloc(n ? n : 1, sizeof *s->item);
    s->perm = calloc(n ? n : 1, sizeof *s->perm);
    if (!s->item || !s->perm) {
        pb_sweep_free(s);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        s->item[i].times_s = calloc(cap ? cap : 1, sizeof *s->item[i].times_s);
        if (!s->item[i].times_s) {
            pb_sweep_free(s);
            return -1;
        }
        s->item[i].order = i;
    }
    return 0;
}

void pb_sweep_free(struct pb_sweep *s)
{
    for (size_t i = 0; s->item && i < s->n; i++)
        free(s->item[i].times_s);
    free(s->item);
    free(s->perm);
    memset(s, 0, sizeof *s);
}

size_t pb_sweep_max_runs(const struct pb_sweep *s)
{
    size_t cap = s->rule.fixed_reps ? s->rule.fixed_reps : s->rule.max_reps, left = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->item[i].stop == PB_STOP_NONE)
            left += cap - s->item[i].n;
    return left;
}

void pb_sweep_eta(const struct pb_sweep *s, double now_s, double *lo, double *hi)
{
    double spent = 0;
    size_t runs = 0;
    for (size_t i = 0; i < s->n; i++) {
        spent += s->item[i].spent_s;
        runs += s->item[i].n;
    }
    double mean = runs ? spent / (double)runs : 0;
    /* The fewest runs that can give a CI: precision cannot stop a configuration earlier. */
    size_t need = 1, a, b;
    while (!pb_median_ci_ranks(need, PB_CI_LEVEL, &a, &b) && need < 1000)
        need++;
    if (need < s->rule.min_reps)
        need = s->rule.min_reps;
    *lo = *hi = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct pb_sweep_item *it = &s->item[i];
        if (it->stop != PB_STOP_NONE)
            continue;
        double t = it->n ? it->spent_s / (double)it->n : mean;
        double most, least;
        if (s->rule.fixed_reps) {
            most = least = (double)(s->rule.fixed_reps - it->n) * t;
        } else {
            most = (double)(s->rule.max_reps - it->n) * t;
            if (s->rule.time_cap_s > 0 && most > s->rule.time_cap_s - it->spent_s)
                most = s->rule.time_cap_s - it->spent_s;
            least = (double)(need > it->n ? need - it->n : 1) * t;
            if (least > most)
                least = most;
        }
        *lo += least;
        *hi += most;
    }
    if (s->budget_s > 0) {
        double left = s->budget_s - (now_s - s->start_s);
        left = left > 0 ? left : 0;
        *lo = *lo < left ? *lo : left;
        *hi = *hi < left ? *hi : left;
    }
}

/* Stop every configuration still running, for `why`. */
static void stop_all(struct pb_sweep *s, const struct pb_sweep_ops *ops, void *ctx,
                     enum pb_stop_reason why)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->item[i].stop == PB_STOP_NONE) {
            s->item[i].stop = why;
            if (ops->stopped)
                ops->stopped(ctx, s, i);
        }
}

static void decide(struct pb_sweep *s, const struct pb_sweep_ops *ops, void *ctx, size_t i)
{
    struct pb_sweep_item *it = &s->item[i];
    if (it->stop != PB_STOP_NONE)
        return;
    it->stop = pb_stop_decide(&s->rule, it->times_s, it->n, it->spent_s);
    if (it->stop != PB_STOP_NONE && ops->stopped)
        ops->stopped(ctx, s, i);
}

/* One repetition of configuration i (its warm-ups first when due).
 * Returns false when the whole sweep must end (signal, budget, fail-fast). */
static bool step(struct pb_sweep *s, const struct pb_sweep_ops *ops, void *ctx, size_t i)
{
    struct pb_sweep_item *it = &s->item[i];
    if (ops->interrupted && ops->interrupted(ctx)) {
        stop_all(s, ops, ctx, PB_STOP_INTERRUPTED);
        return false;
    }
    if (s->budget_s > 0 && ops->now(ctx) - s->start_s >= s->budget_s) {
        stop_all(s, ops, ctx, PB_STOP_TIME_BUDGET);
        return false;
    }
    int st = PB_EXIT_OK;
    if (!it->warmed) {
        if (ops->starting)
            ops->starting(ctx, s, i, true);
        st = ops->warmup(ctx, i);
        it->warmed = true;
    }
    double t = 0;
    if (st == PB_EXIT_OK) {
        if (ops->starting)
            ops->starting(ctx, s, i, false);
        double t0 = ops->now(ctx);
        st = ops->sample(ctx, i, &t);
        it->spent_s += ops->now(ctx) - t0;
    }
    if (st == PB_EXIT_SIGINT || st == PB_EXIT_SIGTERM) {
        stop_all(s, ops, ctx, PB_STOP_INTERRUPTED);
        return false;
    }
    if (st != PB_EXIT_OK) {
        it->status = st;
        it->stop = PB_STOP_FAILED;
        if (ops->stopped)
            ops->stopped(ctx, s, i);
        if (s->fail_fast) {
            stop_all(s, ops, ctx, PB_STOP_INTERRUPTED);
            return false;
        }
        return true;
    }
    it->times_s[it->n++] = t;
    s->runs++;
    return true;
}

static int run_interleaved(struct pb_sweep *s, const struct pb_sweep_ops *ops, void *ctx)
{
    for (bool more = true; more; s->rounds++) {
        /* The full permutation, filtered: two runs with one seed agree on the
         * relative order of any two configurations even when they stop at
         * different rounds. */
        pb_permutation(s->perm, s->n, s->seed, s->rounds);
        if (s->rounds == 0)
            for (size_t k = 0; k < s->n; k++)
                s->item[s->perm[k]].order = k;
        bool go = true;
        for (size_t k = 0; k < s->n && go; k++)
            if (s->item[s->perm[k]].stop == PB_STOP_NONE)
                go = step(s, ops, ctx, s->perm[k]);
        more = false;
        for (size_t i = 0; i < s->n; i++) {
            decide(s, ops, ctx, i);
            more |= s->item[i].stop == PB_STOP_NONE;
        }
        int rc = ops->checkpoint(ctx, s);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int run_sequential(struct pb_sweep *s, const struct pb_sweep_ops *ops, void *ctx)
{
    s->rounds = 1;
    for (size_t i = 0; i < s->n; i++) {
        bool go = true;
        while (go && s->item[i].stop == PB_STOP_NONE) {
            go = step(s, ops, ctx, i);
            decide(s, ops, ctx, i);
        }
        int rc = ops->checkpoint(ctx, s);
        if (rc != 0 || !go)
            return rc;
    }
    return 0;
}

int pb_sweep_run(struct pb_sweep *s, const struct pb_sweep_ops *ops, void *ctx)
{
    s->start_s = ops->now(ctx);
    s->rounds = 0;
    return s->interleave ? run_interleaved(s, ops, ctx) : run_sequential(s, ops, ctx);
}
