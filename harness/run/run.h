/* One `parbench run`: its options, its configurations and their prepared
 * inputs, and the sweep that measures them.  cmd-run.c parses and reports;
 * run.c plans and prepares; run-sweep.c drives the sweep and the checkpoints. */
#ifndef PB_RUN_H
#define PB_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "cpuquota.h"
#include "leakcheck.h"
#include "measure.h"
#include "placement.h"
#include "progress.h"
#include "results.h"
#include "sweep.h"

#define MAX_KERNELS 32
#define MAX_MODES 32
#define MAX_WORKERS 1024   /* the sane bound on -w */
#define MAX_SETS 64
#define MAX_PYTHONS 8     /* --python options */

struct pb_run_opts {
    const struct pb_kernel *kernels[MAX_KERNELS];
    size_t nkernels;
    const struct pb_mode *modes[MAX_MODES];
    size_t nmodes;
    const char *workers_text;          /* "auto", "all" or a list */
    enum pb_size size;
    unsigned long long warmup, chunk;
    struct pb_stop_rule rule;          /* adaptive repetitions, or fixed_reps */
    double precision_pct;
    enum pb_schedule schedules[3];
    size_t nschedules;
    double timeout_s;
    struct pb_place_opts place;
    const char *outdir;
    const char *sets[MAX_SETS];        /* --set KERNEL.PARAM=VALUE and MODE.OPTION=VALUE */
    size_t nsets;
    const char *pythons[MAX_PYTHONS];  /* each --python PATH[,PATH...] as given */
    size_t npythons;
    unsigned long long seed;
    bool seed_given;
    bool sequential;                   /* --order sequential */
    bool weak;                         /* --scaling weak */
    double time_budget_s;              /* <= 0: none */
    bool fail_fast, quiet;
    bool no_probe;                     /* --no-probe: no calibration, breakdowns without its costs */
    bool smt_yield;                    /* --smt-yield: measure it in the pre-flight (issue 16) */
};

/* A kernel's parameters after the size preset and --set, before any scaling. */
struct pb_base {
    const struct pb_kernel *k;
    struct pb_params params;
};

/* One kernel at one scale: its prepared input, shared by all its configurations. */
struct pb_prepared {
    const struct pb_kernel *k;
    struct pb_params params;          /* as run */
    const struct pb_params *base;     /* before weak scaling */
    unsigned scale;                   /* 1, or the worker count under weak scaling */
    struct pb_workload w;
    void *out;                        /* shared by its configurations, poisoned before each run */
    size_t out_bytes;
    bool finished;                    /* finish() already ran on a validated output */
};

struct pb_run_config {
    struct pb_config c;
    struct pb_prepared *p;
    struct pb_outcome o;
    char label[160];                  /* "primes threads workers=2 dynamic" */
};

struct pb_plan_slot {
    unsigned workers;
    const char *kinds;                /* the --kinds choice it was made with (--kinds each) */
    struct pb_placement *pl;
};

/* Everything one `parbench run` holds, freed by pb_run_free. */
struct pb_run {
    struct pb_run_opts o;
    struct pb_topo *topo;
    struct pb_cpuquota quota;         /* the container's CPU limits, read once */
    unsigned workers[MAX_WORKERS];
    const char *worker_kinds[MAX_WORKERS];   /* --kinds each: the kind of each ladder entry
                                                (the ladder once per kind); else o.place.kinds */
    size_t nworkers;
    struct pb_plan_slot plans[MAX_WORKERS + 1];   /* kept alive across rounds */
    size_t nplans;
    struct pb_base bases[MAX_KERNELS];
    size_t nbases;
    struct pb_prepared *prep;
    size_t nprep;
    struct pb_run_config *cfg;
    size_t ncfg;
    struct pb_results res;
    bool res_open;
    struct pb_sweep sweep;
    struct pb_progress prog;
    unsigned shown_round;             /* progress: the round being counted */
    size_t in_round;                  /* progress: configurations started in it */
    size_t last_config;               /* progress: the one running now */
    struct pb_leakcheck leaks;        /* descriptors and children, checked after every run */
    /* Per selected mode, indexed like o.modes: */
    struct pb_mode_args mode_args[MAX_MODES];   /* its --set MODE.OPTION=VALUE */
    void *mode_state[MAX_MODES];      /* what its open() returned (plan.state); NULL without */
    bool mode_open[MAX_MODES];        /* opened (or nothing to open) and not closed yet */
    uint64_t mem_need;                /* bytes the prepared inputs hold, as counted so far */
    uint64_t mem_avail;               /* what this process may still use (pb_run_check_limits) */
    char mem_source[160];             /* the limit that sets mem_avail */
    char outdir[4096];
};

/* Load the topology, list the worker counts, make every placement plan,
 * apply --set (kernel parameters, mode options) and --scaling, list the
 * configurations (kernel, mode, workers, schedule; a single-worker mode once per
 * kernel), open every selected mode (its open() checks its options and sets up
 * what lives across runs), check that memory and processes fit
 * (pb_run_check_limits), then prepare every kernel: every usage error is found
 * before any timed work, and a run too big for the machine before any prepare.
 * Returns 0, or a PB_EXIT_* status with `err`: PB_EXIT_USAGE for bad input (a
 * mode's open() refusing its options included), PB_EXIT_MISSING when the machine
 * lacks the memory or processes, PB_EXIT_FAIL when the topology cannot be read.
 * Whatever it opened is closed by pb_run_close_modes or pb_run_free. */
int pb_run_prepare(struct pb_run *r, char *err, size_t errlen);

/* Close every mode pb_run_prepare opened (their close() hooks), once: after the
 * sweep, and from pb_run_free on every other way out. */
void pb_run_close_modes(struct pb_run *r);

/* run-limits.c: before any prepare, the memory every listed input will hold at once
 * (kernels' footprint hooks, summed over kernels and weak-scaling copies) against
 * what this process may still use, and the most threads and processes one
 * configuration starts against the process limits.  Returns 0, PB_EXIT_USAGE when a
 * footprint refuses its input, or PB_EXIT_MISSING, with `err`. */
int pb_run_check_limits(struct pb_run *r, char *err, size_t errlen);

/* After preparing `p`, a kernel without a footprint hook: its output array, added to
 * what the check counted, must still fit.  Returns 0 or PB_EXIT_MISSING with `err`. */
int pb_run_check_output(struct pb_run *r, const struct pb_prepared *p, char *err,
                        size_t errlen);
void pb_run_free(struct pb_run *r);

/* The "method" block: how repetitions, order, CI, outliers and fits work. */
cJSON *pb_run_method(const struct pb_run_opts *o);

/* Measure every configuration (results already open in r->res), rewriting the
 * results after every round.  Returns 0, or -1 when the results could not be
 * written or memory ran out (after printing why). */
int pb_run_sweep(struct pb_run *r);

#endif
