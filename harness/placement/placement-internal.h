/* What the placement files share and nothing else includes: the structs behind
 * the opaque pb_topo and pb_placement, and the helpers one file gives another.
 * placement.c loads the topology, plan.c plans and binds, kinds.c reads CPU
 * kinds, numa.c places memory, cpulist.c parses --cpus. */
#ifndef PB_PLACEMENT_INTERNAL_H
#define PB_PLACEMENT_INTERNAL_H

#include <hwloc.h>

#include "placement.h"

/* One kind of core (hwloc CPU kind), as parbench names and orders them. */
struct pb_kind {
    char *name;                /* CoreType ("IntelCore"), else "kind<hwloc index>" */
    int efficiency;            /* hwloc's rank: higher is faster; -1 when hwloc could not rank */
    hwloc_bitmap_t cpuset;     /* its PUs */
    unsigned ncores;           /* cores (units of core_type) whose first PU is in cpuset */
    unsigned npus;
    char *infos;               /* "Name=Value Name=Value" from hwloc, "" if none */
};

/* Read-only once loaded, so threads may share it and forked children may use
 * it to bind themselves (hwloc binds "this process" through /proc/self). */
struct pb_topo {
    hwloc_topology_t topo;
    bool this_system;          /* loaded from this machine, so plans may bind */
    char *synthetic;           /* the description it was loaded from, or NULL */
    char *xml;                 /* the file it was loaded from, or NULL */
    char *source;              /* "this system", "synthetic \"...\"", "xml FILE" */
    hwloc_obj_type_t core_type;   /* HWLOC_OBJ_CORE, or HWLOC_OBJ_PU when hwloc knows no cores */
    unsigned ncores;
    unsigned npus;
    unsigned smt;              /* most PUs in one core */
    unsigned nkinds;           /* 0 when hwloc reports fewer than two kinds (all cores alike) */
    struct pb_kind *kinds;     /* fastest first */
    int *unit_kind;            /* per unit of core_type (logical index): index in kinds, or -1 */
};

struct pb_placement {
    struct pb_topo *t;
    unsigned workers;
    enum pb_bind bind;
    enum pb_policy policy;
    enum pb_membind membind;
    char *cpus;                /* the explicit list as given, or NULL */
    char *kinds;               /* the kinds choice as given ("all" when none was) */
    bool binds;
    bool oversubscribed;
    hwloc_bitmap_t *sets;      /* one per worker; NULL when the plan binds nothing */
};

/* placement.c: the -w auto / -w all ladder for a machine of `cores` cores
 * and `pus` PUs (see pb_topo_ladder). */
size_t pb__ladder(unsigned cores, unsigned pus, int all, unsigned *out, size_t max);

/* kinds.c: read hwloc's CPU kinds into t (after find_cores); 0, or -1 when
 * out of memory. */
int pb__kinds_load(struct pb_topo *t);
void pb__kinds_free(struct pb_topo *t);
/* The fill groups of a --kinds choice: group[u] for every unit of core_type
 * (logical index) is the position of its kind in the order the choice fills
 * kinds (0 first), or -1 when the choice leaves it out.  *ngroups is the
 * number of groups.  Returns 0, or -1 with err (an unknown name). */
int pb__kinds_groups(const struct pb_topo *t, const char *spec, int *group, unsigned *ngroups,
                     char *err, size_t errlen);

/* cpulist.c: parse an OS-index CPU list ("0,2,4-7") in the order written,
 * each CPU checked against `machine`.  0, or -1 with err. */
int pb__parse_cpus(const char *text, hwloc_const_bitmap_t machine, int **list, unsigned *count,
                   char *err, size_t errlen);

/* plan.c: worker w's cpuset, NULL when the plan does not bind or w is outside it. */
hwloc_const_bitmap_t pb__worker_set(const struct pb_placement *pl, unsigned w);

#endif
