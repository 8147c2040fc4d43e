/* NUMA memory for the modes (--membind; issue 16).
 *
 * Why hwloc_set_area_membind on each share and not first touch: the harness
 * poisons the whole output before every run (measure.c, so that stale bytes
 * can never pass the check), from the main thread, so every page is touched
 * before any worker exists and first touch would put the whole array on the
 * main thread's node.  Binding each worker's share with MIGRATE moves those
 * pages once (later runs find them in place; the poison writes them where they
 * are) and sets the policy of the range, which for a MAP_SHARED mapping is the
 * shared object's policy, so forked shm workers see the same pages.  It is done
 * by the parent before any worker starts: migrating shared pages unmaps them
 * from every process, so doing it in shm children after their siblings had
 * pre-faulted the output would bring page faults back into the timed region.
 *
 * Workers with private memory (forkpool, spawn, queue) compute into a buffer
 * they allocate themselves; pb_child_start sets their memory policy to the
 * plan's nodes (pb_placement_membind_thread) right after binding, so fresh
 * pages land there even when the node is short of free memory (plain first
 * touch would quietly fall back to another node).  First touch alone is not
 * enough for them either: malloc in a forked child reuses heap pages inherited
 * from the parent, and a page the parent wrote after the fork is the child's
 * alone, reused in place on the child's write, on the parent's node.  So each
 * buffer is also bound with MIGRATE when allocated (pb_mem_child_buffer); the
 * inherited pages are moved once, and later chunks reuse the buffer.
 *
 * What the record says is read back, not assumed: mem_node is where the kernel
 * reports the pages after the run (move_pages(2) via hwloc). */
#include "memplace.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "pb.h"
#include "placement.h"

void pb_mem_share(const struct pb_workload *w, unsigned workers, unsigned i, size_t *off,
                  size_t *len)
{
    size_t n = w->ntasks;
    unsigned ws = workers ? workers : 1;
    /* the dispenser's static split (schedule.c), in the same arithmetic */
    size_t begin = n * i / ws, end = n * (i + 1) / ws;
    *off = begin * w->out_size;
    *len = (end - begin) * w->out_size;
}

int pb_mem_place_shares(const char *mode, const struct pb_plan *plan, const struct pb_workload *w,
                        void *out, char *err, size_t errlen)
{
    const struct pb_placement *pl = plan->placement;
    if (!pb_placement_binds(pl) || pb_placement_membind(pl) == PB_MEMBIND_NONE)
        return 0;
    for (unsigned i = 0; i < plan->workers; i++) {
        size_t off, len;
        pb_mem_share(w, plan->workers, i, &off, &len);
        char why[PB_ERRLEN - 32];   /* room for the mode's name */
        if (pb_placement_membind_area(pl, i, (unsigned char *)out + off, len, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: %s", mode, why);
            return -1;
        }
    }
    return 0;
}

/* The whole pages inside [addr, addr + len): where a share's own pages are
 * (a page straddling two shares is neither worker's alone). */
static bool whole_pages(const void *addr, size_t len, const void **lo_out, size_t *len_out)
{
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t page = pg > 0 ? (uintptr_t)pg : 4096;
    uintptr_t lo = ((uintptr_t)addr + page - 1) / page * page;
    uintptr_t hi = ((uintptr_t)addr + len) / page * page;
    if (!addr || hi <= lo)
        return false;
    *lo_out = (const void *)lo;
    *len_out = hi - lo;
    return true;
}

void pb_mem_note_shares(const struct pb_plan *plan, const struct pb_workload *w, const void *out,
                        struct pb_sample *s)
{
    const struct pb_placement *pl = plan->placement;
    if (!pb_placement_binds(pl))
        return;
    for (unsigned i = 0; i < plan->workers && i < s->nworkers; i++) {
        size_t off, len;
        const void *lo;
        size_t n;
        pb_mem_share(w, plan->workers, i, &off, &len);
        if (!whole_pages((const unsigned char *)out + off, len, &lo, &n))
            continue;
        int node = pb_placement_area_node(pl, lo, n);
        if (node == -2)
            continue;
        s->workers[i].mem_known = 1;
        s->workers[i].mem_node = node;
    }
}

void pb_mem_note_buffer(const struct pb_plan *plan, const void *buf, size_t len,
                        struct pb_worker_stat *ws)
{
    if (!pb_placement_binds(plan->placement) || !buf || len == 0)
        return;
    int node = pb_placement_area_node(plan->placement, buf, len);
    if (node == -2)
        return;
    ws->mem_known = 1;
    ws->mem_node = node;
}

/* The forked worker this process is (pb_mem_child_init); unset in the parent. */
static const struct pb_placement *child_pl;
static unsigned child_worker;

int pb_mem_child_init(const struct pb_placement *pl, unsigned worker, char *err, size_t errlen)
{
    child_pl = pl;
    child_worker = worker;
    return pb_placement_membind_thread(pl, worker, err, errlen);
}

int pb_mem_child_buffer(void *buf, size_t len, char *err, size_t errlen)
{
    return pb_placement_membind_private(child_pl, child_worker, buf, len, err, errlen);
}
