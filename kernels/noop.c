/* noop: near-empty tasks, so a mode's dispatch overhead is all that is measured. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel.h"

enum { P_TASKS };

/* Presets: per-task costs run from nanoseconds (threads) to about a millisecond (spawn forks
 * a process per chunk), so small keeps spawn's runs well under a second, and every mode at
 * 1 and 2 workers with the default repetitions within about a minute, while the fastest
 * modes still spend far longer dispatching than starting up. */
static const struct pb_param_def noop_params[] = {
    [P_TASKS] = {"tasks", PB_PARAM_U64, {"500", "1000", "10000", "100000"}, 1, 1e8,
                 "number of tasks, each writes one 8-byte value"},
};

/* The tasks asked for: prepare's task count, and the footprint's. */
static uint64_t noop_ntasks(const struct pb_params *p)
{
    return p->v[P_TASKS].u;
}

static int noop_prepare(struct pb_workload *w, const struct pb_params *p, char *err,
                        size_t errlen)
{
    (void)err;
    (void)errlen;
    w->ntasks = (size_t)noop_ntasks(p);
    w->out_size = sizeof(uint64_t);
    w->work = (double)w->ntasks;
    w->unit = "tasks";
    w->state = NULL;
    return 0;
}

static void noop_run(const struct pb_workload *w, size_t task, void *out)
{
    (void)w;
    uint64_t v = (uint64_t)task + 1;
    memcpy(out, &v, sizeof v);
}

static int noop_check(const struct pb_workload *w, const void *out, char *why, size_t len)
{
    const unsigned char *bytes = out;
    for (size_t t = 0; t < w->ntasks; t++) {
        uint64_t got;
        memcpy(&got, bytes + t * sizeof got, sizeof got);
        if (got != (uint64_t)t + 1) {
            snprintf(why, len, "task %zu wrote %" PRIu64 ", want %" PRIu64, t, got,
                     (uint64_t)t + 1);
            return -1;
        }
    }
    return 0;
}

/* Only the output array: noop keeps no input and its check needs no reference. */
static int noop_footprint(const struct pb_params *p, struct pb_footprint *f, char *err,
                          size_t errlen)
{
    (void)err;
    (void)errlen;
    snprintf(f->what, sizeof f->what, "%" PRIu64 " tasks", noop_ntasks(p));
    f->hint = "lower noop.tasks";
    pb_footprint_add(f, "output", pb_bytes_mul(noop_ntasks(p), sizeof(uint64_t)));
    return 0;
}

static void noop_release(struct pb_workload *w)
{
    w->state = NULL;
}

const struct pb_kernel pb_kernel_noop = {
    .name = "noop",
    .summary = "near-empty tasks that measure dispatch overhead",
    .opt_in = true,
    .params = noop_params,
    .nparams = sizeof noop_params / sizeof noop_params[0],
    .prepare = noop_prepare,
    .run = noop_run,
    .check = noop_check,
    .release = noop_release,
    .footprint = noop_footprint,
    .scale_param = "tasks",
};
