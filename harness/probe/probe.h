/* `parbench probe`: calibration of the machine the kernels run on.  Each probe
 * (one file each: pipe.c, fork.c, futex.c, thread.c, fault.c, c2c.c, stream.c, clock.c)
 * measures a few figures, each repeated after a warm-up and summarised as a
 * median with its 95% CI (run/stats.h).  probe.c drives them and writes
 * probe.json; results/PROBE.md documents the file. */
#ifndef PB_PROBE_H
#define PB_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "placement.h"

/* probe.json's "schema" value; bump it when a field changes meaning. */
#define PB_PROBE_SCHEMA 1
/* At most this many CPUs take part (the c2c matrix is n x n). */
#define PB_PROBE_MAX_CPUS 1024

/* How many samples a figure takes: at least min_n (enough for a 95% CI of
 * the median), then more until max_n or until the figure has used budget_s. */
struct pb_probe_reps {
    size_t min_n;
    size_t max_n;
    double budget_s;
};

/* What every probe is given. */
struct pb_probe_ctx {
    struct pb_topo *topo;
    bool quick;                          /* fewer, shorter samples (tests, a first look) */
    bool pinned;                         /* false when this machine cannot bind: nothing is pinned */
    bool explicit_cpus;                  /* the CPUs came from --cpus */
    struct pb_probe_reps reps;
    unsigned ncpus;                      /* CPUs the probes may use, OS indexes, ascending */
    int cpus[PB_PROBE_MAX_CPUS];
    struct pb_placement *pin[PB_PROBE_MAX_CPUS];   /* a 1-worker plan on cpus[i] alone */
    int pair[2];                         /* indexes into cpus[] of two CPUs on different
                                            cores when there are any (pipe, futex) */
    unsigned ladder[64];                 /* thread counts for stream and clock: 1, 2, 4, ... */
    size_t nladder;
};

/* One probe: fills `figures` (pb_probe_figure) and may add its own top-level
 * block to `root` (c2c's matrix).  Returns 0; 1 when it cannot run here
 * (`err` says why: it is recorded as skipped); -1 on failure (`err`). */
typedef int pb_probe_fn(const struct pb_probe_ctx *c, cJSON *figures, cJSON *root, char *err,
                        size_t errlen);

pb_probe_fn pb_probe_pipe, pb_probe_fork, pb_probe_futex, pb_probe_handoff, pb_probe_thread,
    pb_probe_fault, pb_probe_c2c, pb_probe_stream, pb_probe_clock;

/* Part of the pipe probe: pipe.bandwidth_fresh_child (pipe-fresh.c).  0, or -1 with `err`. */
int pb_probe_pipe_fresh(const struct pb_probe_ctx *c, cJSON *figures, char *err, size_t errlen);
/* All of `len` bytes read or written on `fd`, retrying on EINTR unless
 * parbench is being stopped.  1 = done, 0 = end of file, -1 = error. */
int pb_probe_xfer(int fd, void *buf, size_t len, bool writing);
/* A figure's setup for the probes between the pair of CPUs (pipe, futex,
 * handoff): {"cpus": [OS index, OS index], "pinned": bool}. */
cJSON *pb_probe_pair_setup(const struct pb_probe_ctx *c);
/* A probe's forked child exits with these when it cannot start its part. */
#define PB_PROBE_EXIT_PIN 3     /* binding to its CPU failed */
#define PB_PROBE_EXIT_NOMEM 4   /* out of memory */
/* Wait for a probe's forked child (EINTR retried).  0 when it exited 0; else
 * -1 with "WHO exited with 3 (sched_setaffinity failed)" or "WHO was killed by
 * signal 9" in `err`. */
int pb_probe_reap(pid_t pid, const char *who, char *err, size_t errlen);
/* The capacity the pipe probes ask F_SETPIPE_SZ for: 1 MiB, as the modes'
 * result pipes, or /proc/sys/fs/pipe-max-size when that is smaller. */
size_t pb_probe_large_pipe_bytes(void);

/* The plan for `threads` threads of stream and clock: one per core, compact
 * (the kernels' default), or the first `threads` CPUs of --cpus, or unbound
 * when !c->pinned.  Returns 0, or -1 with `err`. */
int pb_probe_plan(const struct pb_probe_ctx *c, unsigned threads, struct pb_placement **pl,
                  char *err, size_t errlen);

/* Run fn(arg) in a new thread pinned to cpus[i] (unpinned when !c->pinned)
 * and wait for it.  Returns 0, or -1 with `err` (creating or binding failed). */
int pb_probe_on_cpu(const struct pb_probe_ctx *c, unsigned i, void *(*fn)(void *), void *arg,
                    char *err, size_t errlen);
/* Pin the calling thread (process = false) or, in a forked child, the whole
 * process to cpus[i].  A no-op returning 0 when !c->pinned. */
int pb_probe_pin(const struct pb_probe_ctx *c, unsigned i, bool process, char *err,
                 size_t errlen);

/* The sampling loop every probe uses: call sample(arg, &x) once untimed
 * (warm-up), then until c->reps says stop; each call returns 0 and stores one
 * value in x, or -1 (err filled) to abort.  Samples go to out[0..*n); `out`
 * holds at least c->reps.max_n values. */
int pb_probe_sample(const struct pb_probe_ctx *c, int (*sample)(void *arg, double *x, char *err,
                                                               size_t errlen),
                    void *arg, double *out, size_t *n, char *err, size_t errlen);

/* A team of `threads` threads bound by a plan (pb_probe_plan), taking
 * samples in lock step: each runs setup(arg, w) once, then step(arg, w) once
 * per sample between two barriers; the sample is value(arg, wall_s) where
 * wall_s is the time from the first barrier to the last thread's end. */
struct pb_probe_team {
    unsigned threads;
    void (*setup)(void *arg, unsigned w);     /* may be NULL */
    void (*step)(void *arg, unsigned w);
    double (*value)(void *arg, double wall_s);
    void *arg;
};
/* Run the team's samples (pb_probe_sample) into xs[0..*nx).  Returns 0, or
 * -1 with `err` (a thread could not start or be bound). */
int pb_probe_team_run(const struct pb_probe_ctx *c, const struct pb_probe_team *t,
                      struct pb_placement *pl, double *xs, size_t *nx, char *err, size_t errlen);
/* Add the team's "cpusets" (one per thread, OS indexes) and "pinned" to `setup`. */
void pb_probe_team_setup(const struct pb_probe_ctx *c, const struct pb_placement *pl,
                         unsigned threads, cJSON *setup);

/* Two threads that work in turns (futex, c2c): `sample` runs on a thread
 * pinned to cpus[a] while `respond` runs on one pinned to cpus[b] until
 * `stop` makes it return.  respond must keep serving even when its pinning
 * failed (that is reported after the samples), so nothing waits forever. */
struct pb_probe_duo {
    unsigned a, b;                                           /* indexes into c->cpus */
    int (*sample)(void *arg, double *x, char *err, size_t errlen);
    void (*respond)(void *arg);
    void (*stop)(void *arg);
    void *arg;
};
/* Take the duo's samples (pb_probe_sample) into xs[0..*nx).  Returns 0, or -1
 * with `err` (a thread could not start or be bound, or a sample failed). */
int pb_probe_duo_run(const struct pb_probe_ctx *c, const struct pb_probe_duo *d, double *xs,
                     size_t *nx, char *err, size_t errlen);

/* pb_probe_sample on a new thread pinned to cpus[i]: for the probes that
 * time one thread's work (fork, thread). */
int pb_probe_sample_on_cpu(const struct pb_probe_ctx *c, unsigned i,
                           int (*sample)(void *arg, double *x, char *err, size_t errlen),
                           void *arg, double *xs, size_t *nx, char *err, size_t errlen);

/* Summarise x[0..n) (pb_summarise) and append a figure to `figures`:
 * id (unique, "pipe.round_trip"), probe name, what it is in words, unit ("s",
 * "B/s", "Hz"), threads (0: not a per-thread-count figure) and `setup` (the
 * conditions it was measured under; taken over, may be NULL). */
void pb_probe_figure(cJSON *figures, const char *id, const char *probe, const char *what,
                     const char *unit, unsigned threads, const double *x, size_t n,
                     cJSON *setup);

/* The figure's numbers as read back from probe.json (for the table). */
double pb_probe_num(const cJSON *obj, const char *key);

/* ---- the driver (probe.c) and its outputs ---------------------------- */

/* The probes by name, in the order they run; NULL-terminated. */
extern const char *const pb_probe_names[];

struct pb_probe_opts {
    bool quick;
    const char *only;        /* comma-separated probe names, or NULL for all */
    const char *cpus;        /* OS-index list ("0,2,4-7") the probes may use, or NULL for all */
};

/* Run the probes on this machine and build probe.json's tree in *out (the
 * caller frees it).  argc/argv are recorded as the command line.  A probe
 * that cannot run here is listed under "skipped" with its reason.  Returns 0;
 * -2 for a bad --only or --cpus (err); -1 when a probe failed (err). */
int pb_probe_run(struct pb_topo *t, const struct pb_probe_opts *o, int argc, char **argv,
                 cJSON **out, char *err, size_t errlen);

/* The readable table of a probe.json tree: figure, median, CI, unit. */
void pb_probe_print(const cJSON *root);

/* Draw the c2c heatmap of a probe.json tree into DIR (c2c.dat, c2c.gpvars,
 * c2c-heatmap.svg/.png).  Returns 0 when drawn; 1 when it cannot be (no c2c
 * block, no gnuplot, no plot scripts: `err` says which); -1 on failure. */
int pb_probe_heatmap(const cJSON *root, const char *dir, const char *plots_override, char *err,
                     size_t errlen);

/* Resident set size of this process in bytes (from /proc/self/statm), 0 if unknown. */
double pb_probe_rss_bytes(void);

/* ---- the calibration `parbench run` uses (cache.c) ------------------- */

/* The probes the gap-to-ideal breakdown needs (run/breakdown.h). */
#define PB_PROBE_FOR_RUN "pipe,fork,futex,handoff,fault,clock,stream"

/* Which machine and build a calibration holds for, from its "system" block:
 * host, CPU model, cores, PUs, OS kernel, parbench version, git revision,
 * build type and flags.  Two probe.json files with the same key were
 * measured on the same machine with the same build. */
void pb_probe_cache_key(const cJSON *system, char *buf, size_t len);

/* The calibration of a `parbench run` writing to `outdir`, with `system`
 * its results' system block: the first of outdir/probe.json,
 * CACHE/probe.json and CACHE/probe-KEYHASH.json that has this machine and
 * build's key and ran every probe of PB_PROBE_FOR_RUN, where CACHE is
 * $PARBENCH_PROBE_CACHE or else the directory above outdir; when none does,
 * those probes are run now with --quick (well under a second each on an
 * idle machine) and saved as CACHE/probe-KEYHASH.json.  The one used is
 * copied to outdir/probe.json.  Returns results.json's "probe" object
 * (results/README.md): never NULL, with "why" when there is none. */
cJSON *pb_probe_for_run(struct pb_topo *t, const cJSON *system, const char *outdir);

/* results.json's "probe" object for a run without one (`why`: "--no-probe"). */
cJSON *pb_probe_none(const char *why);

#endif
