/* The SMT yield of the run's own kernels (smt-yield.h): each kernel's whole
 * input run by the threads mode, dynamic schedule, on the spread and on the
 * packed plan of a pair, exactly as the sweep runs a configuration (output
 * poisoned, then validated on the first run of each plan).  The figure is the
 * kernel's throughput per core, so it says what SMT gives this code, where the
 * add loops only bracket it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mode.h"
#include "pb.h"
#include "smt-yield.h"
#include "stats.h"

#define MIN_SAMPLES 3   /* a median at least; 6 or more give it a 95% CI */

/* One run of `wk` on `pl`: its wall time, or -1 with err (failed, invalid). */
static int run_once(const struct pb_mode *m, const struct pb_smt_work *wk,
                    const struct pb_placement *pl, bool validate, double *wall_s, char *err,
                    size_t errlen)
{
    unsigned n = pb_placement_workers(pl);
    const struct pb_workload *w = wk->w;
    struct pb_worker_stat *ws = calloc(n, sizeof *ws);
    if (!ws) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct pb_sample s = {.nworkers = n, .workers = ws};
    struct pb_plan plan = {.workers = n, .schedule = PB_SCHED_DYNAMIC, .timeout_s = wk->timeout_s,
                           .placement = pl, .params = wk->params};
    /* Poisoned first, as the sweep does, so stale bytes can never pass the check. */
    memset(wk->out, 0xA5, w->ntasks * w->out_size);
    int rc = m->execute(wk->k, w, &plan, wk->out, &s, err, errlen);
    free(ws);
    if (rc != 0)
        return -1;
    char why[PB_ERRLEN / 2];
    if (validate && wk->k->check(w, wk->out, why, sizeof why) != 0) {
        snprintf(err, errlen, "validation failed: %s", why);
        return -1;
    }
    *wall_s = s.wall_s;
    return 0;
}

int pb_smt_yield_kernel(const struct pb_placement *sp, const struct pb_placement *pk,
                        const struct pb_smt_work *wk, double budget_s, unsigned max_samples,
                        cJSON *out, char *err, size_t errlen)
{
    const struct pb_mode *m = pb_mode_find("threads");
    if (!m || m->unavailable || !m->execute) {
        snprintf(err, errlen, "the threads mode is not in this build");
        return -1;
    }
    unsigned p = pb_placement_workers(sp);
    double ts, tp;
    /* The first run of each plan is untimed and validated: a wrong output is
     * reported rather than timed. */
    if (run_once(m, wk, sp, true, &ts, err, errlen) != 0 ||
        run_once(m, wk, pk, true, &tp, err, errlen) != 0)
        return -1;
    /* As many samples as the budget allows, from the warm-up's times. */
    unsigned ns = max_samples;
    if (ts + tp > 0 && (double)ns * (ts + tp) > budget_s)
        ns = (unsigned)(budget_s / (ts + tp));
    if (ns < MIN_SAMPLES)
        ns = MIN_SAMPLES;
    double *xs = calloc(ns, sizeof *xs), *xp = calloc(ns, sizeof *xp);
    int rc = -1;
    if (!xs || !xp) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    double work = wk->w->work;
    for (unsigned i = 0; i < ns; i++) {
        if (pb_stop_signal) {
            snprintf(err, errlen, "interrupted");
            goto out;
        }
        bool packed_first = i % 2;   /* neither plan always follows the other */
        if (run_once(m, wk, packed_first ? pk : sp, false, packed_first ? &tp : &ts, err,
                     errlen) != 0 ||
            run_once(m, wk, packed_first ? sp : pk, false, packed_first ? &ts : &tp, err,
                     errlen) != 0)
            goto out;
        xs[i] = ts > 0 ? work / ts / p : NAN;
        xp[i] = tp > 0 ? work / tp / (p / 2) : NAN;
    }
    struct pb_summary s1, s2;
    pb_summarise(xs, ns, &s1);
    pb_summarise(xp, ns, &s2);
    cJSON_AddStringToObject(out, "kernel", wk->k->name);
    cJSON_AddStringToObject(out, "mode", m->name);
    cJSON_AddStringToObject(out, "schedule", pb_schedule_name(PB_SCHED_DYNAMIC));
    char unit[64];
    snprintf(unit, sizeof unit, "%s/s", wk->w->unit ? wk->w->unit : "tasks");
    cJSON_AddStringToObject(out, "unit", unit);
    cJSON_AddNumberToObject(out, "samples", ns);
    pb_smt_yield_figures(out, &s1, &s2, p);
    rc = 0;
out:
    free(xs);
    free(xp);
    return rc;
}
