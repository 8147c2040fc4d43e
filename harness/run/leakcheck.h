/* The harness checks itself after every run: a process mode that leaked a
 * descriptor or left a child unreaped would go unnoticed in one short run and
 * exhaust the process over a long sweep, so parbench counts its own open
 * descriptors (/proc/self/fd) and children (/proc/self/task/T/children, which
 * lists zombies too) against a baseline taken before the sweep, less what the
 * modes keep on purpose between runs (mpi's idle sessions). */
#ifndef PB_LEAKCHECK_H
#define PB_LEAKCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "mode.h"   /* struct pb_held */

struct pb_leakcheck {
    struct pb_held base;       /* before the sweep; -1 where it cannot be counted */
    int fds_reported;          /* excess already warned about, so each leak warns once */
    int children_reported;
};

/* Count what this process holds now: open descriptors and children
 * (zombies included), -1 for what cannot be counted. */
struct pb_held pb_held_now(void);

/* Take the baseline. */
void pb_leakcheck_init(struct pb_leakcheck *lc);

/* After a run: descriptors or children above the baseline that no mode holds
 * on purpose.  Returns true, with a one-line description in `msg`, when there
 * is more of either than was reported before, so each leak is told once. */
bool pb_leakcheck_after(struct pb_leakcheck *lc, char *msg, size_t len);

#endif
