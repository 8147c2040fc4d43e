/* Timing one configuration: warm-ups, timed repetitions, validation of every run. */
#ifndef PB_MEASURE_H
#define PB_MEASURE_H

#include <stdint.h>

#include "cpuquota.h"
#include "mode.h"
#include "placement.h"
#include "pb.h"
#include "sweep.h"

struct pb_config {
    const struct pb_kernel *kernel;
    const struct pb_params *params;       /* as run (scaled under weak scaling) */
    const struct pb_params *base_params;  /* before weak scaling; == params when strong */
    bool weak_scaling;                    /* --scaling weak */
    unsigned scale;                       /* work multiplier: workers under weak scaling, else 1 */
    const struct pb_workload *w;
    const struct pb_mode *mode;
    struct pb_plan plan;        /* workers, schedule, chunk, timeout, placement */
    const struct pb_place_opts *place;   /* how the placement was asked for, for records */
    unsigned warmup;            /* untimed runs first */
    unsigned reps;              /* timed runs (pb_measure only) */
    size_t order;               /* position in the sweep's first round */
    const struct pb_cpuquota *quota;   /* whose throttling counters to read; NULL: none */
};

/* The software counters kept per run (struct pb_counters, summed over the workers). */
enum pb_counter { PB_CNT_MINFLT, PB_CNT_MAJFLT, PB_CNT_NVCSW, PB_CNT_NIVCSW, PB_NCOUNTERS };

struct pb_outcome {
    int status;                  /* PB_EXIT_OK, _INVALID (a check failed), _FAIL, _SIGINT */
    char error[PB_ERRLEN];       /* why, when status != OK */
    size_t nruns;                /* timed runs that completed and validated */
    size_t cap;                  /* room in the per-run arrays */
    double *times_s;             /* nruns wall times */
    double *startup_s;           /* nruns worker start-up times (outside the timed region) */
    double *cpu_s;               /* nruns CPU seconds of all workers (-1: unknown) */
    double *imbalance;           /* nruns max/mean worker busy time */
    double *counters[PB_NCOUNTERS];   /* nruns sums over the workers of their counters;
                                         -1: some worker was not counted */
    unsigned nworkers;
    struct pb_worker_stat *last; /* per worker, the last timed run */
    struct pb_worker_stat *scratch;   /* per worker, the run in progress */
    unsigned *off_plan;          /* per worker, runs seen on a CPU outside its planned cpuset */
    uint64_t checksum;           /* FNV-1a of the first timed (validated) output */
    enum pb_stop_reason stop;    /* why repetitions stopped; PB_STOP_NONE while running */
    double spent_s;              /* clock time of the timed runs, validation included */
    bool throttle_known;         /* the counters were read around every timed run */
    struct pb_throttle throttled;   /* their growth summed over the timed runs */
    struct pb_facts facts;       /* the mode's facts() after its last timed run (the
                                    record's mode_facts); n = 0 for a mode without */
};

/* Room for `cap` timed runs of `workers` workers.  Returns 0, or -1 with o->error. */
int pb_outcome_init(struct pb_outcome *o, unsigned workers, size_t cap);
void pb_outcome_free(struct pb_outcome *o);

/* The configuration's untimed warm-up runs (validated too).  Returns o->status. */
int pb_measure_warmup(const struct pb_config *c, void *out, struct pb_outcome *o);
/* One timed run appended to `o` (which must have room).  Returns o->status;
 * on failure the run is not appended. */
int pb_measure_once(const struct pb_config *c, void *out, struct pb_outcome *o);

/* Warm-ups then c->reps timed runs, into a fresh `o`.  Always fills `o`;
 * returns o->status. */
int pb_measure(const struct pb_config *c, void *out, struct pb_outcome *o);

/* The output array: a MAP_SHARED anonymous mapping so forked workers can write
 * it in place.  NULL on failure. */
void *pb_output_alloc(size_t bytes);
void pb_output_free(void *p, size_t bytes);

uint64_t pb_checksum(const void *data, size_t len);

/* The median over o's timed runs of one counter; NAN when a run was not
 * counted or none validated. */
double pb_counter_median(const struct pb_outcome *o, enum pb_counter which);

/* Why hardware counters (cycles, instructions, LLC misses) are not in the
 * records: "perf_event_open: <reason>" where the kernel refuses them (a VM
 * without a PMU, perf_event_paranoid), else that this build does not read
 * them.  Probed once. */
const char *pb_hw_counters_why(void);

#endif
