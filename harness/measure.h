/* Timing one configuration: warm-ups, timed repetitions, validation of every run. */
#ifndef PB_MEASURE_H
#define PB_MEASURE_H

#include <stdint.h>

#include "mode.h"
#include "placement.h"
#include "pb.h"

struct pb_config {
    const struct pb_kernel *kernel;
    const struct pb_params *params;
    const struct pb_workload *w;
    const struct pb_mode *mode;
    struct pb_plan plan;        /* workers, schedule, chunk, timeout, placement */
    const struct pb_place_opts *place;   /* how the placement was asked for, for records */
    unsigned warmup;            /* untimed runs first */
    unsigned reps;              /* timed runs */
};

struct pb_outcome {
    int status;                  /* PB_EXIT_OK, _INVALID (a check failed), _FAIL, _SIGINT */
    char error[PB_ERRLEN];       /* why, when status != OK */
    size_t nruns;                /* timed runs that completed and validated */
    double *times_s;             /* nruns wall times */
    double *startup_s;           /* nruns worker start-up times (outside the timed region) */
    double *cpu_s;               /* nruns CPU seconds of all workers */
    double *imbalance;           /* nruns max/mean worker busy time */
    unsigned nworkers;
    struct pb_worker_stat *last; /* per worker, the last timed run */
    unsigned *off_plan;          /* per worker, runs seen on a CPU outside its planned cpuset */
    uint64_t checksum;           /* FNV-1a of the last validated output */
};

/* Run `c` into `out` (w->ntasks * w->out_size bytes, from pb_output_alloc).
 * Always fills `o`; returns o->status. */
int pb_measure(const struct pb_config *c, void *out, struct pb_outcome *o);
void pb_outcome_free(struct pb_outcome *o);

/* The output array: a MAP_SHARED anonymous mapping so forked workers can write
 * it in place.  NULL on failure. */
void *pb_output_alloc(size_t bytes);
void pb_output_free(void *p, size_t bytes);

uint64_t pb_checksum(const void *data, size_t len);

#endif
