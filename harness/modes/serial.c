/* serial: the calling thread runs every task in order, writing in place.
 * The baseline every speedup is measured against. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>

#include "pb.h"
#include "placement.h"
#include "schedule.h"

static int serial_execute(const struct pb_kernel *k, const struct pb_workload *w,
                          const struct pb_plan *plan, void *out, struct pb_sample *s,
                          char *err, size_t errlen)
{
    struct pb_worker_stat *ws = &s->workers[0];
    /* The calling thread runs other modes next: remember where it may run, to restore it. */
    cpu_set_t saved;
    int have_saved = sched_getaffinity(0, sizeof saved, &saved) == 0;
    if (pb_placement_bind_thread(plan->placement, 0, err, errlen) != 0)
        return -1;
    pb_worker_mark_start(ws);
    double c0 = pb_thread_cpu();
    double t0 = pb_now();
    pb_run_range(k, w, (struct pb_range){0, w->ntasks}, out, ws);
    s->wall_s = pb_now() - t0;
    s->cpu_s = pb_thread_cpu() - c0;
    pb_worker_mark_end(ws);
    if (have_saved)
        sched_setaffinity(0, sizeof saved, &saved);
    return 0;
}

/* The calling thread is the one worker. */
static unsigned serial_tasks_started(unsigned workers)
{
    (void)workers;
    return 0;
}

const struct pb_mode pb_mode_serial = {
    .name = "serial",
    .single_worker = true,
    .worker = PB_WORKER_CALLER,
    .output = PB_OUTPUT_IN_PLACE,
    .runtime = PB_RUNTIME_C,
    .style = {"#000000", 7, 1},
    .summary = "one thread runs every task in order; the baseline for speedup",
    .execute = serial_execute,
    .tasks_started = serial_tasks_started,
};
