/* resultsfile.c's first steps, in their own file: where the results.json is,
 * and its text parsed into rf->root. */
#ifndef PB_RESULTSFILE_TEXT_H
#define PB_RESULTSFILE_TEXT_H

#include <stddef.h>

#include "resultsfile.h"

/* Resolve `arg` (a results directory or a results.json) to rf->path and rf->dir.
 * Returns 0, or -1 with one line in `err`. */
int pb_rfile_locate(struct pb_rfile *rf, const char *arg, char *err, size_t errlen);
/* Parse `text` (len bytes) into rf->root, a JSON object.  Returns 0, or -1 with
 * "PATH: not valid JSON at line L, column C" or what else is wrong in `err`. */
int pb_rfile_parse(struct pb_rfile *rf, const char *text, size_t len, char *err, size_t errlen);

#endif
