/* The results table: one JSON record per configuration, written as
 * results.json and results.csv (atomically) at every checkpoint.
 * The fields are schema.def's, documented in results/README.md. */
#ifndef PB_RESULTS_H
#define PB_RESULTS_H

#include <cjson/cJSON.h>

#include "measure.h"
#include "sweep.h"

#define PB_SCHEMA_VERSION 2

/* A record warns when its coefficient of variation is above this. */
#define PB_CV_WARN 0.05

struct pb_results {
    char dir[4096];
    cJSON *root;        /* schema, system, method, preflight, results, analysis, skipped */
    cJSON *records;     /* root.results */
    cJSON *analysis;    /* root.analysis: Amdahl fits, rebuilt by pb_results_write */
    cJSON *skipped;     /* root.skipped */
    struct pb_stop_rule rule;   /* the repetition rule, for record warnings */
};

/* Create `dir` (and parents) and an empty table holding `system` (taken over),
 * then write it once to prove the directory is writable. */
int pb_results_open(struct pb_results *r, const char *dir, cJSON *system, char *err, size_t errlen);
void pb_results_close(struct pb_results *r);

/* Replace the top-level block `key` ("method", "preflight") with `item` (taken over). */
void pb_results_set(struct pb_results *r, const char *key, cJSON *item);
/* Add `value` (a string) under system.`key`. */
void pb_results_set_system(struct pb_results *r, const char *key, const char *value);

/* Empty the records and the skipped list, before the sweep's state is added anew. */
void pb_results_clear(struct pb_results *r);
/* Append the record of one configuration. */
void pb_results_add(struct pb_results *r, const struct pb_config *c, const struct pb_outcome *o);
/* List a configuration that did not get its minimum repetitions, and why. */
void pb_results_skip(struct pb_results *r, const struct pb_config *c, size_t runs,
                     const char *reason);

/* Recompute the scaling fields of every record and the analysis, then write
 * results.json and results.csv atomically.  Returns 0, or -1 with `err`. */
int pb_results_write(struct pb_results *r, char *err, size_t errlen);

#define PB_WARNLEN 200
/* The warnings a record carries (high CV, first run an outlier, precision not
 * reached, workers off their cpusets), at most `max`; returns how many. */
size_t pb_record_warnings(const struct pb_outcome *o, const struct pb_stop_rule *rule,
                          char (*w)[PB_WARNLEN], size_t max);

/* The canonical parameter text of a kernel's parameters ("hi=10000000,lo=0"). */
void pb_params_text(const struct pb_kernel *k, const struct pb_params *p, char *buf, size_t len);

#endif
