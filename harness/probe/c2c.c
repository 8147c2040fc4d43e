/* Probe: core-to-core cache-line latency for every ordered pair of CPUs.
 *
 * Two threads, pinned to CPU a (the initiator, row) and CPU b (the responder,
 * column), pass one cache-line-aligned counter back and forth with
 * compare-and-swap: the initiator turns every even value 2k into 2k+1, the
 * responder every odd value into the next even one.  Each CAS fails until the
 * other side's write arrives, so a round trip is two transfers of the line
 * between the cores; the figure is the round trip / 2 (the convention of
 * nviennot/core-to-core-latency).  The matrix goes into probe.json's "c2c"
 * block (rows: initiator, columns: responder, diagonal null); c2c-heatmap.gp
 * draws it, and on a many-core machine the clusters (SMT siblings, L3s,
 * sockets) show as blocks.
 *
 * The handoff probe is the same ping-pong on the one pair the pipe and futex
 * probes use, as the figure c2c.handoff: what a chunk taken from a counter in
 * shared memory costs (the line moves to the taker's core), cheap enough for
 * the calibration `parbench run` takes where a full matrix is n^2 pairs. */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb.h"
#include "probe.h"
#include "stats.h"

struct c2c_job {
    /* 128 bytes apart: some CPUs fetch lines in adjacent pairs. */
    _Alignas(128) _Atomic uint64_t line;
    _Alignas(128) _Atomic int stop;
    _Alignas(128) unsigned round_trips;   /* per sample */
    uint64_t next;                        /* the initiator's next even value */
};

static void respond(void *arg)
{
    struct c2c_job *j = arg;
    for (uint64_t odd = 1;; odd += 2) {
        uint64_t want = odd;
        while (!atomic_compare_exchange_weak_explicit(&j->line, &want, odd + 1,
                                                      memory_order_relaxed,
                                                      memory_order_relaxed)) {
            if (atomic_load_explicit(&j->stop, memory_order_relaxed))
                return;
            want = odd;
        }
    }
}

static void stop(void *arg)
{
    struct c2c_job *j = arg;
    atomic_store(&j->stop, 1);
}

/* One initiator step: wait for 2k and make it 2k+1. */
static void initiate(struct c2c_job *j)
{
    uint64_t want = j->next;
    while (!atomic_compare_exchange_weak_explicit(&j->line, &want, j->next + 1,
                                                  memory_order_relaxed, memory_order_relaxed))
        want = j->next;
    j->next += 2;
}

static int ping_pong_sample(void *arg, double *x, char *err, size_t errlen)
{
    struct c2c_job *j = arg;
    (void)err;
    (void)errlen;
    initiate(j);   /* start the clock when the line has just come back */
    double t0 = pb_now();
    for (unsigned i = 0; i < j->round_trips; i++)
        initiate(j);
    *x = (pb_now() - t0) / j->round_trips / 2 * 1e9;
    return 0;
}

static cJSON *new_matrix(unsigned n)
{
    cJSON *m = cJSON_CreateArray();
    for (unsigned i = 0; i < n; i++) {
        cJSON *row = cJSON_CreateArray();
        for (unsigned k = 0; k < n; k++)
            cJSON_AddItemToArray(row, cJSON_CreateNull());
        cJSON_AddItemToArray(m, row);
    }
    return m;
}

static void set_cell(cJSON *m, unsigned i, unsigned k, double v)
{
    cJSON_ReplaceItemInArray(cJSON_GetArrayItem(m, (int)i), (int)k, cJSON_CreateNumber(v));
}

int pb_probe_c2c(const struct pb_probe_ctx *c, cJSON *figures, cJSON *root, char *err,
                 size_t errlen)
{
    (void)figures;
    if (c->ncpus < 2) {
        snprintf(err, errlen, "needs two CPUs, %u available", c->ncpus);
        return 1;
    }
    if (!c->pinned) {
        snprintf(err, errlen, "threads cannot be pinned here, so no pair of CPUs can be chosen");
        return 1;
    }
    unsigned n = c->ncpus;
    size_t npairs = (size_t)n * (n - 1);
    /* aligned_alloc: calloc's 16-byte alignment would break the _Alignas(128). */
    struct c2c_job *j = aligned_alloc(128, sizeof *j);
    double *x = calloc(c->reps.max_n, sizeof *x);
    double *medians = calloc(npairs, sizeof *medians);
    cJSON *block = NULL;
    int rc = -1;
    if (!j || !x || !medians) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    /* A full matrix on a big machine is n^2 pairs: each pair gets the fewest
     * samples a CI needs and no time budget beyond them. */
    struct pb_probe_ctx pc = *c;
    pc.reps.max_n = pc.reps.min_n = c->quick ? 7 : 11;
    pc.reps.budget_s = 0;
    unsigned round_trips = c->quick ? 100 : 1000;

    block = cJSON_CreateObject();
    cJSON_AddStringToObject(block, "unit", "ns");
    cJSON_AddStringToObject(block, "what",
                            "one-way cache-line latency: CAS ping-pong round trip / 2; row = "
                            "initiating CPU, column = responding CPU");
    cJSON *cpus = cJSON_AddArrayToObject(block, "cpus");
    for (unsigned i = 0; i < n; i++)
        cJSON_AddItemToArray(cpus, cJSON_CreateNumber(c->cpus[i]));
    cJSON_AddNumberToObject(block, "round_trips_per_sample", round_trips);
    cJSON_AddNumberToObject(block, "samples", (double)pc.reps.min_n);
    cJSON *med = new_matrix(n), *lo = new_matrix(n), *hi = new_matrix(n);
    cJSON_AddItemToObject(block, "median_ns", med);
    cJSON_AddItemToObject(block, "ci_low_ns", lo);
    cJSON_AddItemToObject(block, "ci_high_ns", hi);

    size_t done = 0;
    for (unsigned a = 0; a < n; a++) {
        for (unsigned b = 0; b < n; b++) {
            if (a == b)
                continue;
            memset(j, 0, sizeof *j);
            j->round_trips = round_trips;
            atomic_init(&j->line, 0);
            atomic_init(&j->stop, 0);
            struct pb_probe_duo d = {.a = a, .b = b, .sample = ping_pong_sample,
                                     .respond = respond, .stop = stop, .arg = j};
            size_t nx;
            char e[PB_ERRLEN];
            if (pb_probe_duo_run(&pc, &d, x, &nx, e, sizeof e) != 0) {
                snprintf(err, errlen, "cpus %d and %d: %s", c->cpus[a], c->cpus[b], e);
                goto out;
            }
            struct pb_summary s;
            pb_summarise(x, nx, &s);
            set_cell(med, a, b, s.median);
            if (s.has_ci) {
                set_cell(lo, a, b, s.ci_low);
                set_cell(hi, a, b, s.ci_high);
            }
            medians[done++] = s.median;
        }
    }
    struct pb_summary all;
    pb_summarise(medians, done, &all);
    cJSON *sum = cJSON_AddObjectToObject(block, "summary");
    cJSON_AddNumberToObject(sum, "pairs", (double)done);
    cJSON_AddNumberToObject(sum, "min_ns", all.min);
    cJSON_AddNumberToObject(sum, "median_ns", all.median);
    cJSON_AddNumberToObject(sum, "max_ns", all.max);
    cJSON_AddItemToObject(root, "c2c", block);
    block = NULL;
    rc = 0;
out:
    cJSON_Delete(block);
    free(medians);
    free(x);
    free(j);
    return rc;
}

int pb_probe_handoff(const struct pb_probe_ctx *c, cJSON *figures, cJSON *root, char *err,
                     size_t errlen)
{
    (void)root;
    if (c->pair[1] < 0) {
        snprintf(err, errlen, "needs two CPUs, %u available", c->ncpus);
        return 1;
    }
    struct c2c_job *j = aligned_alloc(128, sizeof *j);
    double *x = calloc(c->reps.max_n, sizeof *x);
    int rc = -1;
    if (!j || !x) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    memset(j, 0, sizeof *j);
    j->round_trips = c->quick ? 100 : 1000;
    atomic_init(&j->line, 0);
    atomic_init(&j->stop, 0);
    struct pb_probe_duo d = {.a = (unsigned)c->pair[0], .b = (unsigned)c->pair[1],
                             .sample = ping_pong_sample, .respond = respond, .stop = stop,
                             .arg = j};
    size_t n;
    if (pb_probe_duo_run(c, &d, x, &n, err, errlen) != 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        x[i] *= 1e-9;   /* the sample is in ns, as the matrix; figures are in seconds */
    cJSON *s = pb_probe_pair_setup(c);
    cJSON_AddNumberToObject(s, "round_trips_per_sample", j->round_trips);
    pb_probe_figure(figures, "c2c.handoff", "handoff",
                    "one cache-line transfer between the pair's cores (CAS ping-pong round "
                    "trip / 2): a chunk taken from a shared counter",
                    "s", 0, x, n, s);
    rc = 0;
out:
    free(x);
    free(j);
    return rc;
}
