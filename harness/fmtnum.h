/* Numbers for people: times with a unit that fits, SI-prefixed rates, bytes.
 * Every function writes "–" for a missing value (NAN) and returns `buf`. */
#ifndef PB_FMTNUM_H
#define PB_FMTNUM_H

#include <stddef.h>

/* 4 significant digits in s, ms or µs: "369.0 ms", "1.234 s". */
const char *pb_fmt_time(double s, char *buf, size_t len);
/* "368.9–371.4 ms": both ends in the unit pb_fmt_time picks for `ref`. */
const char *pb_fmt_time_range(double lo, double hi, double ref, char *buf, size_t len);
/* "412.1 / 441.4 / 470.3 µs": n times joined, all in the unit pb_fmt_time picks for `ref`. */
const char *pb_fmt_time_list(const double *v, size_t n, double ref, char *buf, size_t len);
/* 3 significant digits with k, M, G, T: "8.13 M". */
const char *pb_fmt_si(double v, char *buf, size_t len);
/* Binary prefixes: "48 KiB", "23.6 GiB". */
const char *pb_fmt_bytes(double b, char *buf, size_t len);

#endif
