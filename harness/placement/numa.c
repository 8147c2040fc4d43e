/* NUMA memory for a bound plan: which node each worker's cpuset is on, and
 * placing a worker's share of the input and output there (--membind local) or
 * page by page over the plan's nodes (--membind interleave).  Modes call
 * pb_placement_membind_area() on each worker's share once the buffers exist,
 * or pb_placement_membind_thread() in a worker that allocates and touches its
 * own buffers. */
#define _DEFAULT_SOURCE   /* syscall */
#include <errno.h>
#include <linux/mempolicy.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pb.h"
#include "placement-internal.h"

int pb_placement_numa_node(const struct pb_placement *pl, unsigned w)
{
    hwloc_const_bitmap_t s = pb__worker_set(pl, w);
    if (!s)
        return -1;
    int found = -1, n = hwloc_get_nbobjs_by_type(pl->t->topo, HWLOC_OBJ_NUMANODE);
    for (int i = 0; i < n; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(pl->t->topo, HWLOC_OBJ_NUMANODE, (unsigned)i);
        if (!o->cpuset || !hwloc_bitmap_intersects(o->cpuset, s))
            continue;
        if (found >= 0 || !hwloc_bitmap_isincluded(s, o->cpuset))
            return -1;   /* the cpuset spans nodes */
        found = i;
    }
    return found;
}

/* The nodes (an OS-index nodeset) the plan puts worker w's memory on: the
 * nodes its cpuset touches (local) or those of all workers (interleave).
 * NULL when the plan asks for nothing or when out of memory (*oom set). */
static hwloc_bitmap_t memory_nodes(const struct pb_placement *pl, unsigned w, bool *oom)
{
    *oom = false;
    if (!pl || pl->membind == PB_MEMBIND_NONE || !pb__worker_set(pl, w))
        return NULL;
    hwloc_bitmap_t nodes = hwloc_bitmap_alloc(), one = hwloc_bitmap_alloc();
    if (!nodes || !one) {
        hwloc_bitmap_free(nodes);
        hwloc_bitmap_free(one);
        *oom = true;
        return NULL;
    }
    unsigned first = pl->membind == PB_MEMBIND_LOCAL ? w : 0;
    unsigned end = pl->membind == PB_MEMBIND_LOCAL ? w + 1 : pl->workers;
    for (unsigned v = first; v < end; v++) {
        hwloc_cpuset_to_nodeset(pl->t->topo, pl->sets[v], one);
        hwloc_bitmap_or(nodes, nodes, one);
    }
    hwloc_bitmap_free(one);
    return nodes;
}

void pb_placement_memory_text(const struct pb_placement *pl, unsigned w, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    bool oom;
    hwloc_bitmap_t nodes = memory_nodes(pl, w, &oom);
    if (!nodes)
        return;
    /* by logical index, like pb_placement_where() */
    hwloc_bitmap_t idx = hwloc_bitmap_alloc();
    if (idx) {
        int n = hwloc_get_nbobjs_by_type(pl->t->topo, HWLOC_OBJ_NUMANODE);
        for (int i = 0; i < n; i++) {
            hwloc_obj_t o = hwloc_get_obj_by_type(pl->t->topo, HWLOC_OBJ_NUMANODE, (unsigned)i);
            if (hwloc_bitmap_isset(nodes, o->os_index))
                hwloc_bitmap_set(idx, (unsigned)i);
        }
        char list[128];
        hwloc_bitmap_list_snprintf(list, sizeof list, idx);
        snprintf(buf, len, "numa %s%s", list,
                 pl->membind == PB_MEMBIND_INTERLEAVE ? " interleaved" : "");
        hwloc_bitmap_free(idx);
    }
    hwloc_bitmap_free(nodes);
}

/* The checks binding memory shares with binding CPUs, then the nodes and the
 * hwloc policy.  Returns 1 when there is something to bind (nodes set), 0 for
 * a no-op, -1 with err. */
static int prepare(const struct pb_placement *pl, unsigned w, bool area, hwloc_bitmap_t *nodes,
                   hwloc_membind_policy_t *policy, char *err, size_t errlen)
{
    *nodes = NULL;
    if (!pb_placement_binds(pl) || pl->membind == PB_MEMBIND_NONE)
        return 0;
    if (w >= pl->workers) {
        snprintf(err, errlen, "worker %u is not in the plan (%u workers)", w, pl->workers);
        return -1;
    }
    char why[256];
    if (!pb_topo_can_bind(pl->t, why, sizeof why)) {
        snprintf(err, errlen, "worker %u: %s", w, why);
        return -1;
    }
    const struct hwloc_topology_support *s = hwloc_topology_get_support(pl->t->topo);
    bool interleave = pl->membind == PB_MEMBIND_INTERLEAVE;
    if (!(area ? s->membind->set_area_membind : s->membind->set_thisthread_membind) ||
        !(interleave ? s->membind->interleave_membind : s->membind->bind_membind)) {
        snprintf(err, errlen, "worker %u: --membind %s: hwloc cannot bind memory that way here", w,
                 pb_membind_name(pl->membind));
        return -1;
    }
    bool oom;
    *nodes = memory_nodes(pl, w, &oom);
    if (!*nodes) {
        snprintf(err, errlen, "worker %u: out of memory", w);
        return -1;
    }
    *policy = interleave ? HWLOC_MEMBIND_INTERLEAVE : HWLOC_MEMBIND_BIND;
    return 1;
}

static int membind_failed(unsigned w, const char *call, hwloc_const_bitmap_t nodes,
                          const char *policy, int e, char *err, size_t errlen)
{
    char set[128], eb[128];
    hwloc_bitmap_list_snprintf(set, sizeof set, nodes);
    snprintf(err, errlen, "worker %u: %s(nodes %s, %s): %s", w, call, set, policy,
             pb_strerror(e, eb, sizeof eb));
    return -1;
}

/* Interleave the pages already there.  mbind(MPOL_MF_MOVE) moves only pages
 * on a node outside the policy's nodes, so a share first touched on one of the
 * interleave nodes (the harness poisons the output before every run) would
 * stay on that one node; move_pages(2) puts page i of [lo, hi) on the i-th
 * node of the set, round robin.  Pages not present are left for the policy.
 * Returns 0, or -1 with errno. */
static int spread_pages(uintptr_t lo, uintptr_t hi, uintptr_t page, hwloc_const_bitmap_t nodes)
{
    int ids[64], nn = 0, id;
    hwloc_bitmap_foreach_begin(id, nodes)
        if (nn < 64)
            ids[nn++] = id;
    hwloc_bitmap_foreach_end();
    if (nn < 2)
        return 0;
    enum { BATCH = 512 };
    void *pages[BATCH];
    int target[BATCH], status[BATCH];
    size_t count = (hi - lo) / page;
    for (size_t i = 0; i < count; i += BATCH) {
        size_t n = count - i < BATCH ? count - i : BATCH;
        for (size_t j = 0; j < n; j++) {
            pages[j] = (void *)(lo + (i + j) * page);
            target[j] = ids[(i + j) % (size_t)nn];
        }
        if (syscall(SYS_move_pages, 0, (unsigned long)n, pages, target, status, MPOL_MF_MOVE) < 0)
            return -1;
    }
    return 0;
}

/* inward: the whole pages inside [addr, addr + len) (a share of memory other
 * workers use too); else every page it overlaps (memory of this process only). */
static int membind_range(const struct pb_placement *pl, unsigned w, void *addr, size_t len,
                         bool inward, char *err, size_t errlen)
{
    hwloc_bitmap_t nodes;
    hwloc_membind_policy_t policy;
    int rc = prepare(pl, w, true, &nodes, &policy, err, errlen);
    if (rc <= 0)
        return rc;
    /* mbind works on pages, and a page shared with the next worker's share is
     * not this worker's to move. */
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t page = pg > 0 ? (uintptr_t)pg : 4096;
    uintptr_t lo = ((uintptr_t)addr + (inward ? page - 1 : 0)) / page * page;
    uintptr_t hi = ((uintptr_t)addr + len + (inward ? 0 : page - 1)) / page * page;
    if (!addr || len == 0 || (uintptr_t)addr + len < (uintptr_t)addr || hi <= lo) {
        hwloc_bitmap_free(nodes);
        return 0;
    }
    int flags = HWLOC_MEMBIND_BYNODESET | HWLOC_MEMBIND_MIGRATE;
    if (hwloc_set_area_membind(pl->t->topo, (void *)lo, hi - lo, nodes, policy, flags) != 0) {
        int e = errno;   /* saved before the formatting below can change it */
        membind_failed(w, "hwloc_set_area_membind", nodes,
                       policy == HWLOC_MEMBIND_BIND ? "BIND|MIGRATE" : "INTERLEAVE|MIGRATE", e,
                       err, errlen);
        hwloc_bitmap_free(nodes);
        return -1;
    }
    if (policy == HWLOC_MEMBIND_INTERLEAVE && spread_pages(lo, hi, page, nodes) != 0) {
        membind_failed(w, "move_pages", nodes, "round robin", errno, err, errlen);
        hwloc_bitmap_free(nodes);
        return -1;
    }
    hwloc_bitmap_free(nodes);
    return 0;
}

int pb_placement_membind_area(const struct pb_placement *pl, unsigned w, void *addr, size_t len,
                              char *err, size_t errlen)
{
    return membind_range(pl, w, addr, len, true, err, errlen);
}

int pb_placement_membind_private(const struct pb_placement *pl, unsigned w, void *addr,
                                 size_t len, char *err, size_t errlen)
{
    return membind_range(pl, w, addr, len, false, err, errlen);
}

int pb_placement_membind_thread(const struct pb_placement *pl, unsigned w, char *err,
                                size_t errlen)
{
    hwloc_bitmap_t nodes;
    hwloc_membind_policy_t policy;
    int rc = prepare(pl, w, false, &nodes, &policy, err, errlen);
    if (rc <= 0)
        return rc;
    int flags = HWLOC_MEMBIND_BYNODESET | HWLOC_MEMBIND_THREAD;
    if (hwloc_set_membind(pl->t->topo, nodes, policy, flags) != 0) {
        int e = errno;
        membind_failed(w, "hwloc_set_membind", nodes,
                       policy == HWLOC_MEMBIND_BIND ? "BIND|THREAD" : "INTERLEAVE|THREAD", e, err,
                       errlen);
        hwloc_bitmap_free(nodes);
        return -1;
    }
    hwloc_bitmap_free(nodes);
    return 0;
}

int pb_placement_area_node(const struct pb_placement *pl, const void *addr, size_t len)
{
    if (!pl || !pl->t->this_system || !addr || len == 0)
        return -2;
    const struct hwloc_topology_support *s = hwloc_topology_get_support(pl->t->topo);
    if (!s->membind->get_area_memlocation)
        return -2;
    hwloc_bitmap_t nodes = hwloc_bitmap_alloc();
    if (!nodes)
        return -2;
    /* On Linux this is move_pages(2) without target nodes: the node of every
     * page present, pages never touched left out. */
    int rc = -2;
    if (hwloc_get_area_memlocation(pl->t->topo, addr, len, nodes, HWLOC_MEMBIND_BYNODESET) == 0 &&
        !hwloc_bitmap_iszero(nodes)) {
        if (hwloc_bitmap_weight(nodes) > 1) {
            rc = -1;
        } else {
            hwloc_obj_t o = hwloc_get_numanode_obj_by_os_index(
                pl->t->topo, (unsigned)hwloc_bitmap_first(nodes));
            rc = o ? (int)o->logical_index : -2;
        }
    }
    hwloc_bitmap_free(nodes);
    return rc;
}
