/* Task distribution shared by every mode: static blocks, static round-robin
 * chunks, dynamic chunks from an atomic counter, and guided chunks. */
#ifndef PB_SCHEDULE_H
#define PB_SCHEDULE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "mode.h"

struct pb_range {
    size_t begin, end;   /* tasks [begin, end) */
};

/* Distribution state.  Lock-free, so it also works placed in a MAP_SHARED
 * mapping between forked processes (the shm mode does that). */
struct pb_dispenser {
    _Atomic size_t next;        /* dynamic/guided: first task not handed out yet */
    size_t ntasks;
    size_t chunk;               /* resolved: >= 1, or 0 for static = one block per worker */
    unsigned workers;
    enum pb_schedule schedule;
};

/* Resolve the plan's schedule and chunk for `ntasks` tasks. */
void pb_dispenser_init(struct pb_dispenser *d, size_t ntasks, const struct pb_plan *plan);

/* The most tasks one range of `d` can hold: what a worker's buffer for one
 * chunk must take (static blocks: ceil(tasks / workers); guided: its first,
 * largest chunk; else the chunk size), never more than the tasks. */
size_t pb_dispenser_max_chunk(const struct pb_dispenser *d);

/* Hand worker `w` its next range.  `cursor` is the worker's private position
 * (start it at 0).  Returns false when the worker has nothing left. */
bool pb_dispense(struct pb_dispenser *d, unsigned w, size_t *cursor, struct pb_range *r);

/* Run tasks [r.begin, r.end) into `out` (the whole output array), adding the
 * time spent and the task count to `ws`. */
void pb_run_range(const struct pb_kernel *k, const struct pb_workload *w, struct pb_range r,
                  unsigned char *out, struct pb_worker_stat *ws);

/* Record where the calling worker runs now (start or end of its work), and
 * count its page faults and context switches in between (ws->cnt). */
void pb_worker_mark_start(struct pb_worker_stat *ws);
void pb_worker_mark_end(struct pb_worker_stat *ws);

#endif
