/* NUMA memory for the modes whose workers run on this host: each worker's
 * share of the output placed on its own node when the plan binds with
 * --membind, and where each worker's memory really is, read back after the run
 * into pb_worker_stat.mem_node (the record's placement.workers[].mem_node). */
#ifndef PB_MEMPLACE_H
#define PB_MEMPLACE_H

#include <stddef.h>

#include "mode.h"

/* Worker i's share of the output of `w` among `workers`: the block of tasks
 * the static schedule gives it, [ntasks*i/workers, ntasks*(i+1)/workers), as a
 * byte offset and length. */
void pb_mem_share(const struct pb_workload *w, unsigned workers, unsigned i, size_t *off,
                  size_t *len);

/* Before the workers start (threads, openmp, shm): bind every worker's share
 * of `out` to the nodes its plan names (--membind local: its own node;
 * interleave: page by page over the plan's nodes), moving the pages already
 * there.  A no-op for --membind none and plans that do not bind.  Returns 0,
 * or -1 with err "MODE: worker I: ...". */
int pb_mem_place_shares(const char *mode, const struct pb_plan *plan, const struct pb_workload *w,
                        void *out, char *err, size_t errlen);

/* After the run, in the parent (the output is shared memory, so its pages are
 * the workers' pages): every worker's mem_node from the whole pages inside its
 * share.  Only when the plan binds; a share smaller than a page stays unknown. */
void pb_mem_note_shares(const struct pb_plan *plan, const struct pb_workload *w, const void *out,
                        struct pb_sample *s);

/* In a forked worker, from pb_child_start after binding it: set its memory
 * policy to its plan's nodes (--membind; a no-op without), and remember its
 * plan and index, so the buffers it allocates later can be placed without
 * passing the plan down to every allocation (a forked worker process is one
 * worker for its life).  Returns 0, or -1 with err. */
int pb_mem_child_init(const struct pb_placement *pl, unsigned worker, char *err, size_t errlen);
/* In a forked worker: place a buffer it just allocated, every page it overlaps,
 * on the worker's nodes (--membind), moving pages it inherited from the parent
 * (pb_placement_membind_private says why).  Returns 0, or -1 with err. */
int pb_mem_child_buffer(void *buf, size_t len, char *err, size_t errlen);

/* In a worker whose memory is its own (forkpool and spawn children: the
 * buffer its outputs are computed into): mem_node from every page of
 * [buf, buf + len), all written by the worker.  Only when the plan binds. */
void pb_mem_note_buffer(const struct pb_plan *plan, const void *buf, size_t len,
                        struct pb_worker_stat *ws);

#endif
