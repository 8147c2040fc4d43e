/* Driving the sweep of one `parbench run`: the callbacks that run a
 * configuration, show progress, warn, and checkpoint the results. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pb.h"
#include "run.h"
#include "stats.h"

/* ---- the sweep's callbacks ------------------------------------------------ */

/* After every run, failed ones most of all: nothing the run opened may outlive it. */
static void check_leaks(struct pb_run *r, const struct pb_run_config *c)
{
    char msg[200];
    if (pb_leakcheck_after(&r->leaks, msg, sizeof msg)) {
        pb_progress_clear(&r->prog);
        pb_warn("%s: %s", c->label, msg);
    }
}

static int cb_warmup(void *ctx, size_t i)
{
    struct pb_run *r = ctx;
    struct pb_run_config *c = &r->cfg[i];
    int st = pb_measure_warmup(&c->c, c->p->out, &c->o);
    check_leaks(r, c);
    return st;
}

static int cb_sample(void *ctx, size_t i, double *time_s)
{
    struct pb_run *r = ctx;
    struct pb_run_config *c = &r->cfg[i];
    int st = pb_measure_once(&c->c, c->p->out, &c->o);
    check_leaks(r, c);
    if (st == PB_EXIT_SIGINT) {
        /* The interrupted run is dropped; the runs before it stand. */
        c->o.status = PB_EXIT_OK;
        c->o.error[0] = '\0';
        return st;
    }
    if (st != PB_EXIT_OK)
        return st;
    *time_s = c->o.times_s[c->o.nruns - 1];
    /* The output holds this validated run now: the one moment finish() can see it. */
    if (c->p->k->finish && !c->p->finished) {
        c->p->finished = true;
        if (c->p->k->finish(&c->p->w, c->p->out, c->o.error, sizeof c->o.error) != 0)
            return c->o.status = PB_EXIT_FAIL;
    }
    return st;
}

static double cb_now(void *ctx)
{
    (void)ctx;
    return pb_now();
}

static int cb_interrupted(void *ctx)
{
    (void)ctx;
    return pb_stop_signal != 0;
}

static void cb_starting(void *ctx, const struct pb_sweep *s, size_t i, bool warmup)
{
    struct pb_run *r = ctx;
    if (s->rounds != r->shown_round || r->in_round == 0) {
        r->shown_round = s->rounds;
        r->in_round = 0;
        r->last_config = SIZE_MAX;
    }
    if (i != r->last_config) {   /* a warm-up and the run after it count once */
        r->in_round++;
        r->last_config = i;
    }
    if (!r->prog.on)
        return;
    size_t active = 0;
    for (size_t k = 0; k < s->n; k++)
        active += s->item[k].stop == PB_STOP_NONE;
    double lo, hi;
    pb_sweep_eta(s, pb_now(), &lo, &hi);
    char a[16], b[16];
    pb_format_duration(lo, a, sizeof a);
    pb_format_duration(hi, b, sizeof b);
    if (s->interleave)
        pb_progress_show(&r->prog, false, "round %u: %zu/%zu %s%s | runs %zu/%zu | ETA %s..%s",
                         s->rounds + 1, r->in_round, active, r->cfg[i].label,
                         warmup ? " (warm-up)" : "", s->runs, s->runs + pb_sweep_max_runs(s), a, b);
    else
        pb_progress_show(&r->prog, false, "%zu/%zu %s%s | runs %zu/%zu | ETA %s..%s", i + 1, s->n,
                         r->cfg[i].label, warmup ? " (warm-up)" : "", s->runs,
                         s->runs + pb_sweep_max_runs(s), a, b);
}

static void cb_stopped(void *ctx, const struct pb_sweep *s, size_t i)
{
    struct pb_run *r = ctx;
    struct pb_run_config *c = &r->cfg[i];
    const struct pb_sweep_item *it = &s->item[i];
    c->o.stop_reason = pb_stop_reason_name(it->stop);
    c->o.spent_s = it->spent_s;
    if (it->stop == PB_STOP_INTERRUPTED || it->stop == PB_STOP_TIME_BUDGET)
        return;   /* summarised once at the end */
    pb_progress_clear(&r->prog);
    if (it->stop == PB_STOP_FAILED) {
        pb_error("%s: %s", c->label, c->o.error);
        return;
    }
    char w[8][PB_WARNLEN];
    size_t nw = pb_record_warnings(&c->o, &r->o.rule, w, 8);
    for (size_t k = 0; k < nw; k++)
        pb_warn("%s: %s", c->label, w[k]);
}

/* Rebuild the records from the sweep's state and write both files. */
static int cb_checkpoint(void *ctx, const struct pb_sweep *s)
{
    struct pb_run *r = ctx;
    pb_results_clear(&r->res);
    unsigned need = r->o.rule.fixed_reps ? r->o.rule.fixed_reps : r->o.rule.min_reps;
    for (size_t i = 0; i < r->ncfg; i++) {
        struct pb_run_config *c = &r->cfg[i];
        const struct pb_sweep_item *it = &s->item[i];
        c->c.order = it->order;
        c->o.stop_reason = pb_stop_reason_name(it->stop);
        c->o.spent_s = it->spent_s;
        if (c->o.nruns > 0 || it->stop == PB_STOP_FAILED)
            pb_results_add(&r->res, &c->c, &c->o);
        if ((it->stop == PB_STOP_INTERRUPTED || it->stop == PB_STOP_TIME_BUDGET) &&
            c->o.nruns < need) {
            char why[160];
            snprintf(why, sizeof why, "%s after %zu of %u timed runs",
                     it->stop == PB_STOP_TIME_BUDGET ? "time budget used up" : "interrupted",
                     c->o.nruns, need);
            pb_results_skip(&r->res, &c->c, c->o.nruns, why);
        }
    }
    cJSON *method = cJSON_GetObjectItemCaseSensitive(r->res.root, "method");
    /* Called at the end of round s->rounds (counted from 0); sequential is one round. */
    double rounds = s->interleave ? s->rounds + 1 : 1;
    cJSON_ReplaceItemInObjectCaseSensitive(method, "rounds", cJSON_CreateNumber(rounds));
    char err[PB_ERRLEN];
    if (pb_results_write(&r->res, err, sizeof err) != 0) {
        pb_progress_clear(&r->prog);
        pb_error("%s", err);
        return -1;
    }
    return 0;
}

cJSON *pb_run_method(const struct pb_run_opts *o)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "precision_pct", o->precision_pct);
    cJSON_AddNumberToObject(m, "min_reps", o->rule.min_reps);
    cJSON_AddNumberToObject(m, "max_reps", o->rule.max_reps);
    cJSON_AddNumberToObject(m, "time_cap_s", o->rule.time_cap_s);
    if (o->rule.fixed_reps)
        cJSON_AddNumberToObject(m, "fixed_reps", o->rule.fixed_reps);
    else
        cJSON_AddNullToObject(m, "fixed_reps");
    cJSON_AddNumberToObject(m, "warmup", (double)o->warmup);
    cJSON_AddNumberToObject(m, "seed", (double)o->seed);
    cJSON_AddStringToObject(m, "order", o->sequential ? "sequential" : "interleaved");
    cJSON_AddStringToObject(m, "scaling", o->weak ? "weak" : "strong");
    if (o->time_budget_s > 0)
        cJSON_AddNumberToObject(m, "time_budget_s", o->time_budget_s);
    else
        cJSON_AddNullToObject(m, "time_budget_s");
    cJSON_AddNumberToObject(m, "rounds", 0);
    cJSON_AddNumberToObject(m, "ci_level", PB_CI_LEVEL);
    cJSON_AddStringToObject(m, "ci_method",
                            "order statistics of the median (binomial, distribution-free)");
    cJSON_AddStringToObject(m, "outlier_rule",
                            "|x - median| > 3 x 1.4826 x MAD, from 5 timings (flagged, kept)");
    cJSON_AddStringToObject(m, "amdahl_fit",
                            "least squares of T(p) = T1 (f + (1 - f) / p) over every timed run "
                            "but outliers; standard error by the delta method");
    return m;
}

int pb_run_sweep(struct pb_run *r)
{
    if (pb_sweep_init(&r->sweep, r->ncfg, &r->o.rule, !r->o.sequential, r->o.seed,
                      r->o.time_budget_s, r->o.fail_fast) != 0) {
        pb_error("out of memory for %zu configurations", r->ncfg);
        return -1;
    }
    pb_leakcheck_init(&r->leaks);
    static const struct pb_sweep_ops ops = {
        .warmup = cb_warmup, .sample = cb_sample, .now = cb_now, .checkpoint = cb_checkpoint,
        .starting = cb_starting, .stopped = cb_stopped, .interrupted = cb_interrupted};
    int rc = pb_sweep_run(&r->sweep, &ops, r);
    pb_progress_clear(&r->prog);
    return rc;
}
