/* parbench execution-mode interface.
 *
 * A mode decides who runs a workload's tasks (the calling thread, threads,
 * forked processes) and how task outputs travel back (in place, through pipes,
 * in shared memory).  A mode knows nothing about a particular kernel.
 */
#ifndef PB_MODE_H
#define PB_MODE_H

#include <stdbool.h>
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
    const struct pb_params *params;        /* the kernel's parameters as run, for modes whose
                                              workers prepare the input again in another
                                              program (mpi ranks, an interpreter) */
    void *state;                           /* what the mode's open() returned; NULL without one */
};

/* Software counters of one worker over its part of a run, from
 * pb_worker_mark_start to pb_worker_mark_end (schedule.c), read with
 * getrusage(RUSAGE_THREAD) on the worker's own thread: the faults and context
 * switches the kernel charges to the worker while it waited for the start and
 * ran its tasks, not its creation.  counted false: the mode does not count
 * (modes whose workers are elsewhere: mpi ranks, interpreters). */
struct pb_counters {
    long minflt;      /* minor page faults (no I/O: first touch, a PTE filled in) */
    long majflt;      /* major page faults (I/O) */
    long nvcsw;       /* voluntary context switches (it waited) */
    long nivcsw;      /* involuntary context switches (it was preempted) */
    bool counted;
};

/* What each worker did in one run.  Modes whose workers share memory fill a
 * copy of their own and store it here once, at the end of the run: slots of a
 * contiguous array written after every chunk would share cache lines between
 * workers (false sharing), a harness cost the process modes do not pay. */
struct pb_worker_stat {
    double busy_s;        /* time spent inside kernel->run */
    size_t tasks;         /* tasks this worker ran */
    size_t chunks;        /* chunks it took */
    int cpu_start;        /* OS CPU index when it began, -1 if unknown */
    int cpu_end;          /* OS CPU index when it finished */
    int migrated;         /* 1 when it was seen on a CPU outside its cpuset or changed CPU */
    char host[64];        /* where it ran when the mode knows ("" = this host): mpi ranks */
    struct pb_counters cnt;   /* faults and context switches while it worked */
    /* NUMA memory (memplace.h): where the pages of the worker's memory are (its
     * share of the output, or its private result buffer), read back from the
     * kernel after the run.  mem_known 0: not measured (the plan does not
     * bind, or the mode's memory is elsewhere), 1: measured (an int like
     * migrated: process workers send this struct through a pipe, and a bool
     * read from untrusted bytes could be an invalid value); mem_node -1: pages
     * on several nodes; else the node's hwloc logical index. */
    int mem_known;
    int mem_node;
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

/* Who a mode's workers are: the layers above group and compare modes by this,
 * never by name. */
enum pb_worker_kind {
    PB_WORKER_CALLER,    /* the calling thread alone */
    PB_WORKER_THREAD,    /* threads of the harness process */
    PB_WORKER_PROCESS,   /* OS processes on this host */
    PB_WORKER_RANK,      /* MPI ranks, possibly on other hosts */
    PB_WORKER_KINDS
};

/* How a task's output reaches the output array. */
enum pb_output_path {
    PB_OUTPUT_IN_PLACE,  /* workers write the array itself (shared address space or mapping) */
    PB_OUTPUT_COPIED,    /* outputs travel (pipes, sockets, MPI) and are copied into place */
    PB_OUTPUT_PATHS
};

/* The language the workers' code runs in, so reports can group C and Python series. */
enum pb_runtime { PB_RUNTIME_C, PB_RUNTIME_PYTHON, PB_RUNTIMES };

const char *pb_worker_kind_name(enum pb_worker_kind k);   /* "caller", "thread", ... */
const char *pb_output_path_name(enum pb_output_path p);   /* "in_place", "copied" */
const char *pb_runtime_name(enum pb_runtime r);           /* "c", "python" */
/* Each returns 0 and sets *out, or -1 for a name it does not know. */
int pb_worker_kind_parse(const char *name, enum pb_worker_kind *out);
int pb_output_path_parse(const char *name, enum pb_output_path *out);
int pb_runtime_parse(const char *name, enum pb_runtime *out);

/* How the mode's series look on every chart, so a new mode is told apart
 * without a table anywhere else. */
struct pb_plot_style {
    const char *color;   /* "#1f77b4" */
    int point;           /* gnuplot pointtype */
    int dash;            /* gnuplot dashtype (1 = solid) */
};

#define PB_MODE_OPTIONS_MAX 8

/* One option of a mode, set with `--set MODE.NAME=VALUE` like a kernel parameter. */
struct pb_mode_option {
    const char *name;    /* "hosts" */
    const char *help;    /* one line for `parbench list` */
};

/* A mode's options as the user gave them, indexed like its `options`; NULL = not given. */
struct pb_mode_args {
    const char *value[PB_MODE_OPTIONS_MAX];
};

#define PB_FACTS_MAX 8

/* Mode-specific facts a record carries (mpi: the mpirun mapping, the hosts),
 * as name/value text: results.json writes them as an object, results.csv as
 * one "name=value;name=value" column. */
struct pb_facts {
    struct {
        char name[32];
        char value[512];
    } f[PB_FACTS_MAX];
    size_t n;
};

/* Add a fact (past PB_FACTS_MAX, dropped); printf-style value. */
void pb_facts_add(struct pb_facts *f, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct pb_mode {
    const char *name;
    const char *summary;         /* one line for `parbench list` */
    const char *unavailable;     /* non-NULL when compiled out: says why */

    /* Traits: what the layers above would otherwise guess from the name. */
    bool single_worker;          /* runs once per kernel with one worker and no schedule;
                                    the baseline speedups of its runtime are measured against */
    bool worker_per_chunk;       /* a fresh worker (a process started) for every chunk, so
                                    dispatch is a process start and each chunk's output
                                    leaves a new address space (spawn, py-process) */
    bool shared_counter;         /* workers take their chunks from a counter in shared memory
                                    (threads, openmp, shm): a chunk costs a cache-line handoff,
                                    not a message */
    bool opt_in;                 /* left out of the default mode list: runs only when named
                                    with -m (the Python modes: an interpreter runs the kernels
                                    a hundred times slower than C) */
    enum pb_worker_kind worker;
    enum pb_output_path output;
    enum pb_runtime runtime;
    struct pb_plot_style style;
    const struct pb_mode_option *options;   /* NULL when noptions == 0 */
    size_t noptions;
    struct pb_mode_args preset;  /* option values of a variant made at run time (one Python
                                    mode per --python interpreter): used where no --set
                                    gives one; all NULL in the registered descriptors */

    /* Optional: once before the sweep, with the options as given.  Checks them
     * (before any work: a missing program or file is a usage error) and sets up
     * what lives across runs; *state then reaches execute (plan->state), held,
     * facts and close.  Returns 0, or -1 with one line in `err`.  NULL: no state. */
    int (*open)(const struct pb_mode_args *args, void **state, char *err, size_t errlen);
    /* Optional: whether the mode can run kernel `k` (the Python modes run only the kernels
     * with a Python version, blur only where NumPy is).  `state` is what open() returned,
     * `p` the parameters; both NULL for `parbench list`, which asks what the mode can
     * tell without starting anything.  Returns true, or false with the reason in `why`;
     * a configuration it cannot run is left out of the sweep with that reason, and the
     * others still run.  NULL: every kernel. */
    bool (*runs_kernel)(const struct pb_kernel *k, const struct pb_params *p, void *state,
                        char *why, size_t whylen);
    /* Optional: after the sweep (also after a failure or Ctrl-C): release it all. */
    void (*close)(void *state);
    /* Optional: facts about the configuration's last run for its record. */
    void (*facts)(void *state, const struct pb_plan *plan, struct pb_facts *out);

    /* Run every task of `w` once into `out` (w->ntasks * w->out_size bytes,
     * a MAP_SHARED mapping so forked workers may write it in place).
     * Returns 0, or -1 with `err` naming the mode, the worker and the cause. */
    int (*execute)(const struct pb_kernel *k, const struct pb_workload *w,
                   const struct pb_plan *plan, void *out, struct pb_sample *s,
                   char *err, size_t errlen);
    /* Optional: what the mode keeps between runs (mpi's idle sessions), so the
     * harness's after-run leak check (leakcheck.h) does not count it.  NULL: nothing. */
    struct pb_held (*held)(void *state);
    /* Optional: the threads and processes one run with `workers` workers starts on this
     * host besides the calling thread (Linux holds both alike to RLIMIT_NPROC and
     * pids.max), so `parbench run` can refuse a worker count the process limit cannot
     * take before any work.  NULL: one per worker. */
    unsigned (*tasks_started)(unsigned workers);
};

extern const struct pb_mode *const pb_modes[];
extern const size_t pb_nmodes;
/* The mode named `name`; "NAME@VARIANT" (a variant made at run time, one per --python
 * interpreter) finds NAME's descriptor.  NULL when none is registered. */
const struct pb_mode *pb_mode_find(const char *name);
/* The single-worker mode of `runtime` (serial for C): the baseline speedups of
 * that runtime's modes are measured against.  NULL when none is registered. */
const struct pb_mode *pb_mode_baseline(enum pb_runtime runtime);
/* The option `name` of mode `m`: its index, or -1. */
int pb_mode_option_index(const struct pb_mode *m, const char *name);

const char *pb_schedule_name(enum pb_schedule s);
int pb_schedule_parse(const char *text, enum pb_schedule *out);

#endif
