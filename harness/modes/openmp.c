/* openmp: an OpenMP team whose threads bind themselves to their cpusets and
 * share the tasks with `omp for schedule(runtime)`, the schedule mapped from
 * the plan (static/dynamic/guided and the chunk), writing outputs in place. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "pb.h"
#include "memplace.h"
#include "placement.h"
#include "schedule.h"

#ifdef PB_HAVE_OPENMP
#include <omp.h>

/* parbench binds every thread itself, from the placement plan, so the
 * runtime's own binding would fight it: say so once if it was asked for. */
static void warn_runtime_binding(void)
{
    static int warned;
    if (warned)
        return;
    warned = 1;
    const char *bind = getenv("OMP_PROC_BIND"), *places = getenv("OMP_PLACES");
    if ((bind && *bind) || (places && *places))
        pb_warn("openmp: OMP_PROC_BIND/OMP_PLACES are set, but parbench binds the OpenMP "
                "threads itself (--bind/--cpus); the two may fight");
}

struct openmp_thread {
    double start_s;     /* when it left the start barrier */
    double cpu_s;
    int failed;
    char err[PB_ERRLEN];
};

static int openmp_execute(const struct pb_kernel *k, const struct pb_workload *w,
                          const struct pb_plan *plan, void *out, struct pb_sample *s,
                          char *err, size_t errlen)
{
    unsigned n = plan->workers;
    warn_runtime_binding();
    if (pb_mem_place_shares("openmp", plan, w, out, err, errlen) != 0)
        return -1;
    struct openmp_thread *th = calloc(n, sizeof *th);
    if (!th) {
        snprintf(err, errlen, "openmp: out of memory for %u threads", n);
        return -1;
    }
    /* The plan's chunk, resolved as schedule.c does: 0 means one block per
     * thread for static (OpenMP's default) and 1 for dynamic and guided. */
    struct pb_dispenser d;
    pb_dispenser_init(&d, w->ntasks, plan);
    omp_sched_t kind = plan->schedule == PB_SCHED_STATIC    ? omp_sched_static
                       : plan->schedule == PB_SCHED_DYNAMIC ? omp_sched_dynamic
                                                            : omp_sched_guided;
    omp_sched_t saved_kind;
    int saved_chunk;
    omp_get_schedule(&saved_kind, &saved_chunk);
    omp_set_schedule(kind, d.chunk > (size_t)1 << 30 ? 1 << 30 : (int)d.chunk);
    /* The calling thread becomes thread 0 and runs other modes next. */
    cpu_set_t saved_cpus;
    int have_saved = sched_getaffinity(0, sizeof saved_cpus, &saved_cpus) == 0;

    unsigned char *bytes = out;
    int team = 0;
    double t_create = pb_now();
#pragma omp parallel num_threads((int)n)
    {
        unsigned id = (unsigned)omp_get_thread_num();
        struct openmp_thread *me = &th[id];
        /* A local copy, stored in the shared array once at the end (mode.h). */
        struct pb_worker_stat local = {.cpu_start = -1, .cpu_end = -1};
        struct pb_worker_stat *ws = &local;
#pragma omp single
        team = omp_get_num_threads();
        me->failed = pb_placement_bind_thread(plan->placement, id, me->err, sizeof me->err);
        pb_worker_mark_start(ws);
        int ok = team == (int)n;
#pragma omp barrier
        me->start_s = pb_now();
        double c0 = pb_thread_cpu();
        /* A chunk boundary is a task that does not follow the previous one;
         * the clock is read there only, so busy time includes the runtime's
         * hand-out between chunks but costs nothing per task. */
        size_t prev = 0;
        double chunk_t0 = 0;
#pragma omp for schedule(runtime) nowait
        for (size_t t = 0; t < w->ntasks; t++) {
            if (!ok || pb_stop_signal)
                continue;
            if (ws->chunks == 0 || t != prev + 1) {
                double now = pb_now();
                if (ws->chunks)
                    ws->busy_s += now - chunk_t0;
                chunk_t0 = now;
                ws->chunks++;
            }
            k->run(w, t, bytes + t * w->out_size);
            ws->tasks++;
            prev = t;
        }
        if (ws->chunks)
            ws->busy_s += pb_now() - chunk_t0;
        me->cpu_s = pb_thread_cpu() - c0;
        pb_worker_mark_end(ws);
        s->workers[id] = local;   /* the region's closing barrier publishes it */
    }
    double t1 = pb_now();
    omp_set_schedule(saved_kind, saved_chunk);
    if (have_saved)
        sched_setaffinity(0, sizeof saved_cpus, &saved_cpus);

    int rc = 0;
    if (team != (int)n) {
        snprintf(err, errlen, "openmp: asked for %u threads, the runtime gave %d "
                 "(OMP_THREAD_LIMIT or OMP_DYNAMIC?)", n, team);
        rc = -1;
    }
    double t0 = t1;
    s->cpu_s = 0;
    for (unsigned i = 0; rc == 0 && i < n; i++) {
        if (th[i].failed) {
            snprintf(err, errlen, "openmp: thread %u: %s", i, th[i].err);
            rc = -1;
        }
        if (th[i].start_s < t0)
            t0 = th[i].start_s;
        s->cpu_s += th[i].cpu_s;
    }
    s->wall_s = t1 - t0;
    s->startup_s = t0 - t_create;
    pb_mem_note_shares(plan, w, out, s);
    if (rc == 0 && pb_stop_signal) {
        snprintf(err, errlen, "openmp: interrupted");
        rc = -1;
    }
    free(th);
    return rc;
}

/* The calling thread is thread 0 of the team; the runtime starts the others. */
static unsigned openmp_tasks_started(unsigned workers)
{
    return workers > 0 ? workers - 1 : 0;
}

const struct pb_mode pb_mode_openmp = {
    .name = "openmp",
    .worker = PB_WORKER_THREAD,
    .output = PB_OUTPUT_IN_PLACE,
    .runtime = PB_RUNTIME_C,
    .style = {"#17becf", 9, 2},
    .shared_counter = true,   /* libgomp's dynamic and guided loops: an atomic counter */
    .summary = "an OpenMP team, each thread bound by parbench itself (not OMP_PROC_BIND); "
               "omp for schedule(runtime) set from --schedule/--chunk; in place",
    .execute = openmp_execute,
    .tasks_started = openmp_tasks_started,
};

#else

static int openmp_unavailable(const struct pb_kernel *k, const struct pb_workload *w,
                              const struct pb_plan *plan, void *out, struct pb_sample *s,
                              char *err, size_t errlen)
{
    (void)k;
    (void)w;
    (void)plan;
    (void)out;
    (void)s;
    snprintf(err, errlen, "openmp: built without OpenMP");
    return -1;
}

const struct pb_mode pb_mode_openmp = {
    .name = "openmp",
    .worker = PB_WORKER_THREAD,
    .output = PB_OUTPUT_IN_PLACE,
    .runtime = PB_RUNTIME_C,
    .style = {"#17becf", 9, 2},
    .summary = "an OpenMP team (not built)",
    .unavailable = "built without OpenMP (PARBENCH_OPENMP=OFF or no compiler support)",
    .execute = openmp_unavailable,
};

#endif
