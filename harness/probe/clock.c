/* Probe: the sustained clock with 1, 2, 4, ... cores busy (turbo droop).
 * Every thread of the team (one per core, compact, as the kernels' workers)
 * first keeps its core busy for a while, so the clock settles where the
 * power and thermal limits hold it; then each sample times the pre-flight's
 * loop of dependent adds (pb_add_chain_mhz: one add per cycle) on every
 * thread at once.  The sample is the mean clock of the threads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "pb.h"
#include "preflight.h"
#include "probe.h"

/* One slot per thread, a cache line each, written by its thread only. */
struct slot {
    _Alignas(64) double mhz;
};

struct clock_job {
    unsigned threads;
    uint64_t iters;      /* per sample: 16 adds each */
    double busy_s;       /* busy time before the first sample */
    struct slot *slots;
};

static void settle(void *arg, unsigned w)
{
    const struct clock_job *j = arg;
    (void)w;
    double t0 = pb_now();
    while (pb_now() - t0 < j->busy_s)
        pb_add_chain_mhz(j->iters);
}

static void step(void *arg, unsigned w)
{
    struct clock_job *j = arg;
    j->slots[w].mhz = pb_add_chain_mhz(j->iters);
}

static double mean_hz(void *arg, double wall_s)
{
    const struct clock_job *j = arg;
    (void)wall_s;
    double sum = 0;
    for (unsigned w = 0; w < j->threads; w++)
        sum += j->slots[w].mhz;
    return sum / j->threads * 1e6;
}

int pb_probe_clock(const struct pb_probe_ctx *c, cJSON *figures, cJSON *root, char *err,
                   size_t errlen)
{
    (void)root;
    if (!isfinite(pb_add_chain_mhz(1000))) {
        snprintf(err, errlen, "the dependent-add loop is not written for this architecture");
        return 1;
    }
    double *xs = calloc(c->reps.max_n, sizeof *xs);
    if (!xs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t l = 0; l < c->nladder && rc == 0; l++) {
        struct clock_job j = {.threads = c->ladder[l],
                              .iters = c->quick ? 200000 : 2000000,
                              .busy_s = c->quick ? 0.02 : 1.0};
        struct pb_placement *pl = NULL;
        size_t nx = 0;
        j.slots = aligned_alloc(64, j.threads * sizeof *j.slots);
        if (!j.slots) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        struct pb_probe_team t = {.threads = j.threads, .setup = settle, .step = step,
                                  .value = mean_hz, .arg = &j};
        if (pb_probe_plan(c, j.threads, &pl, err, errlen) != 0 ||
            pb_probe_team_run(c, &t, pl, xs, &nx, err, errlen) != 0) {
            rc = -1;
        } else {
            cJSON *s = cJSON_CreateObject();
            pb_probe_team_setup(c, pl, j.threads, s);
            cJSON_AddNumberToObject(s, "adds_per_sample", 16.0 * (double)j.iters);
            cJSON_AddNumberToObject(s, "busy_before_s", j.busy_s);
            char id[64];
            snprintf(id, sizeof id, "clock.busy.t%u", j.threads);
            pb_probe_figure(figures, id, "clock",
                            "clock of each busy core (dependent adds), mean over the busy cores",
                            "Hz", j.threads, xs, nx, s);
        }
        pb_placement_free(pl);
        free(j.slots);
    }
    free(xs);
    return rc;
}
