/* Parsing of command-line lists shared by the subcommands. */
#ifndef PB_OPTIONS_H
#define PB_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* Parse "1,2,4" or "1-4,8" into out[0..*n), each in [1, max], strictly
 * increasing or not, no duplicates.  Returns 0, or -1 with `err`. */
/* The one-line message for what getopt_long returned instead of an option:
 * ':' (an option without its value) or '?' (an option `cmd` does not know). */
void pb_opt_error(int c, const char *cmd, char *const *argv, char *err, size_t errlen);

int pb_parse_counts(const char *what, const char *text, unsigned max, unsigned *out, size_t cap,
                    size_t *n, char *err, size_t errlen);

/* Parse a positive number of seconds (or other quantity) with an optional
 * fraction; rejects trailing junk, NaN, infinities and values outside [min, max]. */
int pb_parse_double(const char *what, const char *text, double min, double max, double *out,
                    char *err, size_t errlen);
int pb_parse_unsigned(const char *what, const char *text, unsigned long long min,
                      unsigned long long max, unsigned long long *out, char *err, size_t errlen);

/* Split a comma-separated list into at most `cap` non-empty items, pointing
 * into `buf` (a copy of `text`; the text itself is left as it was). */
int pb_split_names(const char *what, const char *text, char *buf, size_t buflen, char **items,
                   size_t cap, size_t *n, char *err, size_t errlen);

#endif
