/* One updating progress line on a terminal: rewritten in place with \r and
 * cleared at the end.  Silent when stderr is not a terminal or with --quiet. */
#ifndef PB_PROGRESS_H
#define PB_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

struct pb_progress {
    bool on;            /* stderr is a terminal and output is wanted */
    bool shown;         /* a line is on the screen now */
    double last_s;      /* when it was last drawn */
};

void pb_progress_init(struct pb_progress *p, bool quiet);
/* Draw the line (cut to the terminal's width), at most ten times a second
 * unless `force`. */
__attribute__((format(printf, 3, 4))) void pb_progress_show(struct pb_progress *p, bool force,
                                                            const char *fmt, ...);
/* Erase the line, e.g. before a warning or at the end. */
void pb_progress_clear(struct pb_progress *p);

/* "45s", "3m05s", "2h07m"; "?" for a negative or non-finite value. */
void pb_format_duration(double s, char *buf, size_t len);

#endif
