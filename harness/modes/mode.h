/* parbench execution-mode interface.
 *
 * A mode decides who runs a workload's tasks (the calling thread, threads,
 * forked processes) and how task outputs travel back (in place, through pipes,
 * in shared memory).  A mode knows nothing about a particular kernel.
 */
#ifndef PB_MODE_H
#define PB_MODE_H

#include <stddef.h>

#include "kernel.h"

enum pb_schedule { PB_SCHED_STATIC, PB_SCHED_DYNAMIC, PB_SCHED_GUIDED };

struct pb_placement;   /* placement.h */

/* How one configuration runs. */
struct pb_plan {
    unsigned workers;                      /* threads or processes */
    enum pb_schedule schedule;
    size_t chunk;                          /* tasks per chunk; 0 = the schedule's default */
    double timeout_s;                      /* a run longer than this fails, its workers killed */
    const struct pb_placement *placement;  /* where each worker runs; NULL = not bound */
    const struct pb_params *params;        /* the kernel's parameters as run, for modes that
                                              prepare the workload again elsewhere (mpi) */
};

/* What each worker did in one run. */
struct pb_worker_stat {
    double busy_s;        /* time spent inside kernel->run */
    size_t tasks;         /* tasks this worker ran */
    size_t chunks;        /* chunks it took */
    int cpu_start;        /* OS CPU index when it began, -1 if unknown */
    int cpu_end;          /* OS CPU index when it finished */
    int migrated;         /* 1 when it was seen on a CPU outside its cpuset or changed CPU */
};

/* One timed run. */
struct pb_sample {
    double wall_s;                    /* the timed region: first task handed out .. last output in place */
    double startup_s;                 /* worker creation before the timed region (pools, teams) */
    double cpu_s;                     /* user+sys CPU of all workers during the run, -1 if unknown */
    unsigned nworkers;
    struct pb_worker_stat *workers;   /* nworkers entries, owned by the caller */
};

/* Descriptors and child processes (zombies included) held at one moment. */
struct pb_held {
    int fds;
    int children;
};

struct pb_mode {
    const char *name;
    const char *summary;         /* one line for `parbench list` */
    const char *unavailable;     /* non-NULL when compiled out: says why */
    /* Run every task of `w` once into `out` (w->ntasks * w->out_size bytes,
     * a MAP_SHARED mapping so forked workers may write it in place).
     * Returns 0, or -1 with `err` naming the mode, the worker and the cause. */
    int (*execute)(const struct pb_kernel *k, const struct pb_workload *w,
                   const struct pb_plan *plan, void *out, struct pb_sample *s,
                   char *err, size_t errlen);
    /* Optional: what the mode keeps between runs (mpi's idle sessions), so the
     * harness's after-run leak check (leakcheck.h) does not count it.  NULL: nothing. */
    struct pb_held (*held)(void);
    /* Optional: the threads and processes one run with `workers` workers starts on this
     * host besides the calling thread (Linux holds both alike to RLIMIT_NPROC and
     * pids.max), so `parbench run` can refuse a worker count the process limit cannot
     * take before any work.  NULL: one per worker. */
    unsigned (*tasks_started)(unsigned workers);
};

extern const struct pb_mode *const pb_modes[];
extern const size_t pb_nmodes;
const struct pb_mode *pb_mode_find(const char *name);

const char *pb_schedule_name(enum pb_schedule s);
int pb_schedule_parse(const char *text, enum pb_schedule *out);

#endif
