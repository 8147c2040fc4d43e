/* SMT facts for the pre-flight (placement-smt.h): the sibling sets of a
 * machine in one short line, and the cores a plan doubles up on. */
#include <hwloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb.h"
#include "placement-internal.h"
#include "placement-smt.h"

static hwloc_obj_t core_at(const struct pb_topo *t, unsigned u)
{
    return hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_CORE, u);
}

unsigned pb_topo_smt_cores(const struct pb_topo *t)
{
    if (t->core_type != HWLOC_OBJ_CORE)
        return 0;
    unsigned n = 0;
    for (unsigned u = 0; u < t->ncores; u++)
        n += hwloc_bitmap_weight(core_at(t, u)->cpuset) > 1;
    return n;
}

/* Append to buf (NUL-terminated, `len` bytes), truncating quietly. */
static void append(char *buf, size_t len, const char *text)
{
    size_t used = strlen(buf);
    if (used + 1 < len)
        snprintf(buf + used, len - used, "%s", text);
}

void pb_topo_smt_text(const struct pb_topo *t, unsigned show, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    unsigned n = pb_topo_smt_cores(t);
    if (n == 0) {
        snprintf(buf, len, "none (one thread per core)");
        return;
    }
    char head[128];
    if (n == t->ncores)
        snprintf(head, sizeof head, "%u threads per core; siblings", t->smt);
    else
        snprintf(head, sizeof head, "%u threads per core on %u of %u cores; siblings", t->smt, n,
                 t->ncores);
    append(buf, len, head);
    /* The first `show` sets, then "..." and the last one: enough to see the
     * numbering scheme (0,64 on most x86 servers, 0-1 on others). */
    unsigned seen = 0;
    for (unsigned u = 0; u < t->ncores; u++) {
        hwloc_obj_t c = core_at(t, u);
        if (hwloc_bitmap_weight(c->cpuset) < 2)
            continue;
        seen++;
        bool last = seen == n;
        if (seen > show && !last)
            continue;
        if (seen > show && last && seen > show + 1)
            append(buf, len, " ...");
        char set[64];
        hwloc_bitmap_list_snprintf(set, sizeof set, c->cpuset);
        append(buf, len, " ");
        append(buf, len, set);
    }
    char tail[48];
    snprintf(tail, sizeof tail, " (%u %s)", n, n == 1 ? "core" : "cores");
    append(buf, len, tail);
}

unsigned pb_placement_smt_shared(const struct pb_placement *pl, unsigned *idle)
{
    *idle = 0;
    if (!pb_placement_binds(pl) || pl->t->core_type != HWLOC_OBJ_CORE)
        return 0;
    const struct pb_topo *t = pl->t;
    unsigned *count = calloc(t->ncores, sizeof *count);
    bool *touched = calloc(t->ncores, sizeof *touched);
    int *group = malloc(t->ncores * sizeof *group);
    unsigned ngroups = 0, shared = 0;
    char err[PB_ERRLEN];
    if (!count || !touched || !group)
        goto out;   /* out of memory: no warning rather than a wrong one */
    /* The cores the plan could use: those of the kinds it chose (a plan from
     * --cpus has "all"); every core when the choice cannot be read back. */
    if (pb__kinds_groups(t, pl->kinds, group, &ngroups, err, sizeof err) != 0)
        for (unsigned u = 0; u < t->ncores; u++)
            group[u] = 0;
    for (unsigned w = 0; w < pl->workers; w++) {
        hwloc_const_bitmap_t s = pl->sets[w];
        for (unsigned u = 0; u < t->ncores; u++) {
            hwloc_obj_t c = core_at(t, u);
            if (!hwloc_bitmap_intersects(c->cpuset, s))
                continue;
            touched[u] = true;
            count[u] += hwloc_bitmap_isincluded(s, c->cpuset);
        }
    }
    for (unsigned u = 0; u < t->ncores; u++) {
        shared += count[u] >= 2;
        *idle += !touched[u] && group[u] >= 0;
    }
out:
    free(count);
    free(touched);
    free(group);
    return shared;
}
