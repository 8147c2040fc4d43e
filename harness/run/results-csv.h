/* results.csv: one line per record, the columns of schema 1 first and the
 * columns added since after them, so positional readers keep working; the
 * columns are schema.def's PB_CSV_COLUMN list. */
#ifndef PB_RESULTS_CSV_H
#define PB_RESULTS_CSV_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The CSV text of `records` (malloc'ed, *len bytes, NUL-terminated), or NULL
 * when out of memory; `system` (results.json's system object, may be NULL)
 * fills the "system.KEY" columns of every row. */
char *pb_results_csv(const cJSON *records, const cJSON *system, size_t *len);

/* A record's string field ("" when absent) and number field (NAN when absent
 * or not a number): how every reader of the in-memory table looks fields up. */
const char *pb_json_str(const cJSON *o, const char *key);
double pb_json_num(const cJSON *o, const char *key);

#endif
