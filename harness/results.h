/* The results table: one JSON record per configuration, written as
 * results.json and results.csv (atomically) after every configuration. */
#ifndef PB_RESULTS_H
#define PB_RESULTS_H

#include <cjson/cJSON.h>

#include "measure.h"

#define PB_SCHEMA_VERSION 1

struct pb_results {
    char dir[4096];
    cJSON *root;        /* {"schema", "system", "results": [...]} */
    cJSON *records;     /* root.results */
};

/* Create `dir` (and parents) and an empty table holding `system` (taken over). */
int pb_results_open(struct pb_results *r, const char *dir, cJSON *system, char *err, size_t errlen);
void pb_results_close(struct pb_results *r);

/* Append the record of one configuration. */
void pb_results_add(struct pb_results *r, const struct pb_config *c, const struct pb_outcome *o);

/* Recompute speedup and efficiency of every record against the serial record
 * of the same kernel and parameters, then write both files atomically. */
int pb_results_write(struct pb_results *r, char *err, size_t errlen);

/* The canonical parameter text of a kernel's parameters ("hi=10000000,lo=0"). */
void pb_params_text(const struct pb_kernel *k, const struct pb_params *p, char *buf, size_t len);

#endif
