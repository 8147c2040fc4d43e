/* results.csv: one line per record, the columns of schema 1 first and the
 * columns schema 2 added after them, so positional readers keep working. */
#ifndef PB_RESULTS_CSV_H
#define PB_RESULTS_CSV_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The CSV text of `records` (malloc'ed, *len bytes, NUL-terminated), or NULL
 * when out of memory. */
char *pb_results_csv(const cJSON *records, size_t *len);

#endif
