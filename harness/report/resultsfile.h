/* Reading a results.json back: parse, validate against the schema, and hold
 * it as C structs for report and compare.  Files come from other machines and
 * other versions, so every field is checked and the first problem becomes one
 * error naming the file and the field. */
#ifndef PB_RESULTSFILE_H
#define PB_RESULTSFILE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* The newest schema this reader understands (results/README.md). */
#define PB_RF_MAX_SCHEMA 2
/* Refuse files larger than this rather than exhaust memory. */
#define PB_RF_MAX_BYTES ((size_t)512 << 20)

/* Numbers that may be absent or null are NAN; strings that may be absent are "".
 * The fields and their types are schema.def's; keys the reader does not know
 * are ignored, so files from newer parbench versions of the same schema load. */
struct pb_rf_record {
    size_t index;                  /* position in results[] */
    const char *kernel, *params_text, *size, *mode, *schedule;
    unsigned workers;
    double chunk;
    double *times_s;               /* every timed run, in run order */
    size_t ntimes;
    double median_s, min_s, mean_s, stddev_s, cv;
    double ci_low_s, ci_high_s;    /* schema 2: 95% CI of the median */
    double throughput, work;
    const char *unit;
    double speedup, efficiency, speedup_ci_low, speedup_ci_high;
    double efficiency_rel;         /* speedup over its own one-worker run / workers */
    double imbalance, karp_flatt, cpu_util;
    bool valid;
    const char *status, *error;    /* status "ok"|"invalid"|"failed"|"interrupted" */
    const char *bind, *policy;     /* placement.bind/.policy */
    const char *stop_reason, *scaling;
    const cJSON *warnings;         /* array of strings, or NULL */
    /* The mode's traits as recorded; for older files without them, the mode's
     * as this parbench knows it by name (pb_mode_find), else "" and false. */
    const char *worker_kind, *output_path, *runtime;
    bool single_worker;
    const cJSON *mode_facts;       /* object of strings, or NULL */
    const cJSON *placement;        /* object, or NULL */
    const cJSON *placement_workers;   /* placement.workers: array of objects (host, ...), or NULL */
};

struct pb_rf_fit {                 /* analysis[]: Amdahl fit of one series */
    const char *kernel, *params_text, *mode, *schedule;
    double serial_fraction, serial_fraction_stderr;
    double t1_s;                   /* the fitted one-worker time (amdahl_t1_s) */
    double points, max_workers, speedup_at_max, efficiency_at_max;
};

struct pb_rf_system {
    const char *host, *cpu_model, *os, *kernel, *compiler, *build_type, *cflags;
    const char *parbench_version, *git_revision, *start_time, *topology_picture;
    double packages, numa_nodes, l3_domains, cores, pus, smt;
    double l1d_bytes, l2_bytes, l3_bytes, memory_bytes;
    const cJSON *command_line;     /* array of strings, or NULL */
    const cJSON *omp_env;          /* object of strings, or NULL */
};

struct pb_rf_method {              /* schema 2 "method" */
    bool present;
    double precision_pct, min_reps, max_reps, time_cap_s, fixed_reps, warmup, seed, time_budget_s;
    const char *order, *scaling;
};

struct pb_rf_preflight {           /* schema 2 "preflight" */
    bool present;
    double loadavg[3], busy_cpus, calibrated_mhz;
    double cpu_quota;              /* CPUs this process could use (cgroup quota, cpuset); NAN if unknown */
    const char *governor, *hypervisor;
    int boost, smt, perf_counters; /* 1, 0, or -1 when unknown */
    const cJSON *warnings;         /* array of strings, or NULL */
};

struct pb_rf_skip {                /* schema 2 "skipped" */
    const char *kernel, *mode, *schedule, *reason;
    double workers;
};

struct pb_rfile {
    char path[4096];               /* the results.json as named in messages */
    char dir[4096];                /* the directory it lives in */
    int schema;
    cJSON *root;                   /* owns every string above */
    struct pb_rf_system sys;
    struct pb_rf_method method;
    struct pb_rf_preflight preflight;
    struct pb_rf_record *rec;
    size_t nrec;
    struct pb_rf_fit *fit;
    size_t nfit;
    struct pb_rf_skip *skip;
    size_t nskip;
};

/* Load `arg`: a results directory or a results.json file.  Returns 0, or -1
 * with `err` holding one line: "PATH: FIELD: what is wrong". */
int pb_rfile_load(struct pb_rfile *rf, const char *arg, char *err, size_t errlen);
void pb_rfile_free(struct pb_rfile *rf);

#endif
