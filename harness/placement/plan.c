/* Planning: which cpuset each worker is bound to, and binding it.
 *
 * A plan is a list of "units" (cores or PUs) in the order the policy wants
 * them filled; worker i gets unit i (modulo the count when oversubscribed).
 * Cores are first split into groups by CPU kind (the --kinds choice: fastest
 * kind first by default), and the policy fills one group before the next.
 * Plans are computed once, before any worker starts, so binding is a single
 * hwloc_set_cpubind() call in the worker and needs nothing else from here.
 */
#include <errno.h>
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb.h"
#include "placement-internal.h"

/* ---- ordering ---------------------------------------------------------- */

/* Units (cores, or PUs for `core_type` == PU) under `obj` that are still
 * eligible.  Recurses through the normal children only: NUMA nodes hang off
 * the tree as memory children, but hwloc puts a Group (or uses the Package)
 * wherever a NUMA node's CPUs form their own subtree, so spreading over the
 * normal tree also spreads over NUMA nodes. */
static unsigned count_units(hwloc_obj_t obj, hwloc_obj_type_t unit, const bool *eligible)
{
    if (obj->type == unit)
        return eligible[obj->logical_index] ? 1 : 0;
    unsigned n = 0;
    for (unsigned i = 0; i < obj->arity; i++)
        n += count_units(obj->children[i], unit, eligible);
    return n;
}

/* Choose `n` eligible units under `obj` (n <= their count), spread as evenly
 * as possible over each level of the tree: every child gets a share of `n`
 * proportional to its eligible units, rounded the way hwloc_distrib() rounds,
 * so earlier children take the extra one.  Shares are by units, not by PUs as
 * hwloc_distrib() weighs them, so cores with more SMT threads do not draw two
 * workers while a core elsewhere stays empty.  Appends in topology order. */
static void spread(hwloc_obj_t obj, unsigned n, hwloc_obj_type_t unit, const bool *eligible,
                   hwloc_obj_t *out, unsigned *nout)
{
    if (n == 0)
        return;
    if (obj->type == unit) {
        out[(*nout)++] = obj;   /* n == 1 here: a share never exceeds the units below */
        return;
    }
    unsigned total = count_units(obj, unit, eligible);
    unsigned long long before = 0;
    for (unsigned i = 0; i < obj->arity; i++) {
        unsigned w = count_units(obj->children[i], unit, eligible);
        if (w == 0)
            continue;
        unsigned long long lo = (before * n + total - 1) / total;
        unsigned long long hi = ((before + w) * n + total - 1) / total;
        spread(obj->children[i], (unsigned)(hi - lo), unit, eligible, out, nout);
        before += w;
    }
}


static unsigned pus_in(hwloc_topology_t topo, hwloc_obj_t o)
{
    int n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, o->cpuset, HWLOC_OBJ_PU);
    return n > 0 ? (unsigned)n : 0;
}

/* `n` units in the order the policy fills them (n <= the units the groups
 * hold): PUs for bind pu on a topology with cores, else units of core_type.
 * group[u] (per unit of core_type) says which fill group a core is in, -1 for
 * none; group 0 is filled first.  Returns 0, or -1 when out of memory. */
static int order_units(const struct pb_topo *t, enum pb_bind bind, enum pb_policy policy,
                       const int *group, unsigned ngroups, unsigned n, hwloc_obj_t *out)
{
    hwloc_topology_t topo = t->topo;
    hwloc_obj_t root = hwloc_get_root_obj(topo);
    bool pu = bind == PB_BIND_PU && t->core_type == HWLOC_OBJ_CORE;
    unsigned nout = 0;

    if (policy == PB_POLICY_COMPACT) {
        /* Logical order is topology order: a core's PUs, then the next core,
         * each L3 and package filled before the next one starts. */
        for (unsigned g = 0; g < ngroups && nout < n; g++)
            for (unsigned u = 0; u < t->ncores && nout < n; u++) {
                if (group[u] != (int)g)
                    continue;
                hwloc_obj_t c = hwloc_get_obj_by_type(topo, t->core_type, u);
                unsigned np = pu ? pus_in(topo, c) : 1;
                for (unsigned r = 0; r < np && nout < n; r++)
                    out[nout++] = pu ? hwloc_get_obj_inside_cpuset_by_type(topo, c->cpuset,
                                                                           HWLOC_OBJ_PU, r)
                                     : c;
            }
        return 0;
    }

    bool *eligible = malloc(t->ncores * sizeof *eligible);
    hwloc_obj_t *picked = malloc(t->ncores * sizeof *picked);
    if (!eligible || !picked) {
        free(eligible);
        free(picked);
        return -1;
    }
    if (!pu) {
        /* One worker per core (or per PU on a topology without cores). */
        for (unsigned g = 0; g < ngroups && nout < n; g++) {
            unsigned avail = 0;
            for (unsigned u = 0; u < t->ncores; u++)
                avail += eligible[u] = group[u] == (int)g;
            spread(root, n - nout < avail ? n - nout : avail, t->core_type, eligible, out, &nout);
        }
    } else {
        /* PUs: round r places workers on the r-th PU of cores spread as
         * above, so every core of every group has a worker before any SMT
         * sibling gets one. */
        for (unsigned r = 0; nout < n; r++) {
            bool any = false;
            for (unsigned g = 0; g < ngroups && nout < n; g++) {
                unsigned avail = 0, got = 0;
                for (unsigned u = 0; u < t->ncores; u++) {
                    hwloc_obj_t c = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, u);
                    avail += eligible[u] = group[u] == (int)g && pus_in(topo, c) > r;
                }
                if (avail == 0)
                    continue;
                any = true;
                spread(root, n - nout < avail ? n - nout : avail, HWLOC_OBJ_CORE, eligible,
                       picked, &got);
                for (unsigned k = 0; k < got; k++)
                    out[nout++] = hwloc_get_obj_inside_cpuset_by_type(topo, picked[k]->cpuset,
                                                                      HWLOC_OBJ_PU, r);
            }
            if (!any)
                break;   /* cannot happen while n <= the units; guards the loop */
        }
    }
    free(eligible);
    free(picked);
    return 0;
}

/* Units the groups hold: PUs of their cores for bind pu, else cores. */
static unsigned count_avail(const struct pb_topo *t, enum pb_bind bind, const int *group)
{
    bool pu = bind == PB_BIND_PU && t->core_type == HWLOC_OBJ_CORE;
    unsigned n = 0;
    for (unsigned u = 0; u < t->ncores; u++)
        if (group[u] >= 0)
            n += pu ? pus_in(t->topo, hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_CORE, u)) : 1;
    return n;
}

size_t pb_topo_ladder_for(const struct pb_topo *t, const struct pb_place_opts *o, int all,
                          unsigned *out, size_t max)
{
    char err[PB_ERRLEN];
    unsigned ngroups;
    int *group = !o || o->cpus ? NULL : malloc((t->ncores ? t->ncores : 1) * sizeof *group);
    if (!group || pb__kinds_groups(t, o->kinds, group, &ngroups, err, sizeof err) != 0) {
        free(group);
        return pb_topo_ladder(t, all, out, max);
    }
    unsigned cores = count_avail(t, PB_BIND_CORE, group), pus = count_avail(t, PB_BIND_PU, group);
    free(group);
    return pb__ladder(cores, pus, all, out, max);
}

/* ---- plans ------------------------------------------------------------- */

static const char *plural(unsigned n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* "all" and "any" keep every core; other --kinds choices leave some out. */
static bool kinds_restrict(const char *kinds)
{
    return kinds && strcmp(kinds, "all") != 0 && strcmp(kinds, "any") != 0;
}

/* A plan with the fields every plan has, and room for a cpuset per worker
 * when it binds.  NULL when out of memory. */
static struct pb_placement *plan_new(struct pb_topo *t, unsigned workers, enum pb_bind bind,
                                     enum pb_policy policy, const struct pb_place_opts *o)
{
    struct pb_placement *pl = calloc(1, sizeof *pl);
    if (!pl)
        return NULL;
    pl->t = t;
    pl->workers = workers;
    pl->bind = bind;
    pl->policy = policy;
    pl->membind = o->membind;
    pl->kinds = strdup(o->kinds ? o->kinds : "all");
    if (bind != PB_BIND_NONE)
        pl->sets = calloc(workers, sizeof *pl->sets);
    if (!pl->kinds || (bind != PB_BIND_NONE && !pl->sets)) {
        pb_placement_free(pl);
        return NULL;
    }
    return pl;
}

/* The fill groups of o->kinds; NULL with err on a bad choice or no memory. */
static int *make_groups(const struct pb_topo *t, const char *kinds, unsigned *ngroups, char *err,
                        size_t errlen)
{
    int *group = malloc((t->ncores ? t->ncores : 1) * sizeof *group);
    if (!group) {
        snprintf(err, errlen, "out of memory planning workers");
        return NULL;
    }
    if (pb__kinds_groups(t, kinds, group, ngroups, err, errlen) != 0) {
        free(group);
        return NULL;
    }
    return group;
}

int pb_placement_make(struct pb_placement **out, struct pb_topo *t, unsigned workers,
                      const struct pb_place_opts *o, char *err, size_t errlen)
{
    static const struct pb_place_opts defaults = {.bind = PB_BIND_CORE,
                                                  .policy = PB_POLICY_COMPACT};
    if (!o)
        o = &defaults;
    *out = NULL;
    if ((unsigned)o->bind > PB_BIND_PU || (unsigned)o->policy > PB_POLICY_SCATTER ||
        (unsigned)o->membind > PB_MEMBIND_INTERLEAVE) {
        snprintf(err, errlen, "unknown bind, policy or membind value");
        return -1;
    }
    if (workers == 0) {
        snprintf(err, errlen, "0 workers: a plan needs at least one");
        return -1;
    }
    if (o->cpus && o->bind == PB_BIND_NONE) {
        snprintf(err, errlen, "--cpus cannot be used with --bind none");
        return -1;
    }
    if (o->kinds && pb_kinds_check(o->kinds, err, errlen) != 0)
        return -1;
    if (kinds_restrict(o->kinds) && (o->cpus || o->bind == PB_BIND_NONE)) {
        snprintf(err, errlen, "--kinds %s cannot be used with %s", o->kinds,
                 o->cpus ? "--cpus (the list chooses the CPUs)" : "--bind none");
        return -1;
    }
    if (o->membind != PB_MEMBIND_NONE && o->bind == PB_BIND_NONE) {
        snprintf(err, errlen, "--membind %s needs bound workers (--bind core or pu)",
                 pb_membind_name(o->membind));
        return -1;
    }
    struct pb_placement *pl = plan_new(t, workers, o->bind, o->policy, o);
    if (!pl) {
        snprintf(err, errlen, "out of memory planning %u workers", workers);
        return -1;
    }
    if (o->bind == PB_BIND_NONE) {
        *out = pl;   /* the OS decides; nothing to plan */
        return 0;
    }

    int *cpus = NULL, *group = NULL;
    hwloc_obj_t *units = NULL, *last = NULL;
    unsigned nunits, rest = 0, ngroups = 0;
    if (o->cpus) {
        pl->cpus = strdup(o->cpus);
        if (!pl->cpus) {
            snprintf(err, errlen, "out of memory planning %u workers", workers);
            goto fail;
        }
        if (pb__parse_cpus(o->cpus, hwloc_topology_get_topology_cpuset(t->topo), &cpus, &nunits,
                           err, errlen) != 0)
            goto fail;
        if (workers > nunits && !o->oversubscribe) {
            snprintf(err, errlen,
                     "%u workers but --cpus lists only %u %s (list more or use --oversubscribe)",
                     workers, nunits, plural(nunits, "CPU", "CPUs"));
            goto fail;
        }
    } else {
        group = make_groups(t, o->kinds, &ngroups, err, errlen);
        if (!group)
            goto fail;
        bool pu = o->bind == PB_BIND_PU;
        unsigned avail = count_avail(t, o->bind, group);
        const char *what = pu ? plural(avail, "PU", "PUs") : plural(avail, "core", "cores");
        if (kinds_restrict(o->kinds) && (avail == 0 || (workers > avail && !o->oversubscribe))) {
            snprintf(err, errlen,
                     "%u workers but only %u %s of --kinds %s to bind to (choose more kinds, "
                     "%s--oversubscribe)",
                     workers, avail, what, o->kinds, pu ? "or use " : "use --bind pu, or ");
            goto fail;
        }
        if (workers > avail && !o->oversubscribe) {
            if (pu)
                snprintf(err, errlen,
                         "%u workers but only %u %s to bind to (use --bind none or "
                         "--oversubscribe)",
                         workers, avail, what);
            else
                snprintf(err, errlen,
                         "%u workers but only %u %s to bind to (use --bind none, --bind pu, or "
                         "--oversubscribe)",
                         workers, avail, what);
            goto fail;
        }
        /* Oversubscribed plans wrap around: every full round of `avail`
         * workers takes all units, and the last, partial round is planned on
         * its own so that scatter still spreads it (not just the first package). */
        nunits = avail;
        rest = workers % avail;
        units = malloc(avail * sizeof *units);
        if (rest && workers > avail)
            last = malloc(rest * sizeof *last);
        if (!units || (rest && workers > avail && !last) ||
            order_units(t, o->bind, o->policy, group, ngroups, workers < avail ? workers : avail,
                        units) != 0 ||
            (last && order_units(t, o->bind, o->policy, group, ngroups, rest, last) != 0)) {
            snprintf(err, errlen, "out of memory planning %u workers", workers);
            goto fail;
        }
    }

    for (unsigned w = 0; w < workers; w++) {
        unsigned k = w % nunits;
        if (cpus) {
            pl->sets[w] = hwloc_bitmap_alloc();
            if (pl->sets[w])
                hwloc_bitmap_only(pl->sets[w], (unsigned)cpus[k]);
        } else if (last && w >= workers - rest) {
            pl->sets[w] = hwloc_bitmap_dup(last[k]->cpuset);
        } else {
            pl->sets[w] = hwloc_bitmap_dup(units[k]->cpuset);
        }
        if (!pl->sets[w]) {
            snprintf(err, errlen, "out of memory planning %u workers", workers);
            goto fail;
        }
    }
    pl->binds = true;
    pl->oversubscribed = workers > nunits;
    free(cpus);
    free(group);
    free(units);
    free(last);
    *out = pl;
    return 0;
fail:
    free(cpus);
    free(group);
    free(units);
    free(last);
    pb_placement_free(pl);
    return -1;
}

int pb_placement_make_smt_pair(struct pb_placement **spread_out, struct pb_placement **packed_out,
                               struct pb_topo *t, unsigned workers,
                               const struct pb_place_opts *o, char *err, size_t errlen)
{
    static const struct pb_place_opts defaults = {.bind = PB_BIND_PU,
                                                  .policy = PB_POLICY_COMPACT};
    if (!o)
        o = &defaults;
    *spread_out = *packed_out = NULL;
    if ((unsigned)o->policy > PB_POLICY_SCATTER || (unsigned)o->membind > PB_MEMBIND_INTERLEAVE) {
        snprintf(err, errlen, "unknown policy or membind value");
        return -1;
    }
    if (o->cpus) {
        snprintf(err, errlen, "SMT yield: --cpus cannot be used (the plans choose the CPUs)");
        return -1;
    }
    if (t->core_type != HWLOC_OBJ_CORE || t->smt < 2) {
        snprintf(err, errlen, "SMT yield: %s has no SMT (one PU per core)", t->source);
        return -1;
    }
    if (workers < 2 || workers % 2 != 0) {
        snprintf(err, errlen,
                 "SMT yield: %u %s: needs an even count of at least 2 (two per core when packed)",
                 workers, plural(workers, "worker", "workers"));
        return -1;
    }
    unsigned ngroups = 0, avail = 0;
    int *group = make_groups(t, o->kinds, &ngroups, err, errlen);
    if (!group)
        return -1;
    for (unsigned u = 0; u < t->ncores; u++) {
        if (group[u] >= 0 && pus_in(t->topo, hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_CORE, u)) < 2)
            group[u] = -1;   /* a core without SMT has no sibling to compare with */
        avail += group[u] >= 0;
    }
    struct pb_placement *sp = NULL, *pk = NULL;
    hwloc_obj_t *cores = NULL;
    if (workers > avail) {
        snprintf(err, errlen, "SMT yield: %u workers need %u cores with SMT%s%s, but there %s %u",
                 workers, workers, kinds_restrict(o->kinds) ? " of --kinds " : "",
                 kinds_restrict(o->kinds) ? o->kinds : "", avail == 1 ? "is" : "are", avail);
        goto fail;
    }
    cores = malloc(workers * sizeof *cores);
    sp = plan_new(t, workers, PB_BIND_PU, o->policy, o);
    pk = plan_new(t, workers, PB_BIND_PU, o->policy, o);
    if (!cores || !sp || !pk)
        goto oom;
    /* spread: the first PU of `workers` cores */
    if (order_units(t, PB_BIND_CORE, o->policy, group, ngroups, workers, cores) != 0)
        goto oom;
    for (unsigned w = 0; w < workers; w++)
        if (!(sp->sets[w] = hwloc_bitmap_dup(
                  hwloc_get_obj_inside_cpuset_by_type(t->topo, cores[w]->cpuset, HWLOC_OBJ_PU, 0)
                      ->cpuset)))
            goto oom;
    /* packed: the first two PUs of half as many cores, chosen the same way */
    if (order_units(t, PB_BIND_CORE, o->policy, group, ngroups, workers / 2, cores) != 0)
        goto oom;
    for (unsigned w = 0; w < workers; w++)
        if (!(pk->sets[w] = hwloc_bitmap_dup(
                  hwloc_get_obj_inside_cpuset_by_type(t->topo, cores[w / 2]->cpuset,
                                                      HWLOC_OBJ_PU, w % 2)
                      ->cpuset)))
            goto oom;
    sp->binds = pk->binds = true;
    free(cores);
    free(group);
    *spread_out = sp;
    *packed_out = pk;
    return 0;
oom:
    snprintf(err, errlen, "out of memory planning %u workers", workers);
fail:
    free(cores);
    free(group);
    pb_placement_free(sp);
    pb_placement_free(pk);
    return -1;
}

void pb_placement_free(struct pb_placement *pl)
{
    if (!pl)
        return;
    if (pl->sets)
        for (unsigned w = 0; w < pl->workers; w++)
            hwloc_bitmap_free(pl->sets[w]);
    free(pl->sets);
    free(pl->cpus);
    free(pl->kinds);
    free(pl);
}

/* ---- reading a plan ---------------------------------------------------- */

unsigned pb_placement_workers(const struct pb_placement *pl)
{
    return pl ? pl->workers : 0;
}

bool pb_placement_binds(const struct pb_placement *pl)
{
    return pl && pl->binds;
}

bool pb_placement_oversubscribed(const struct pb_placement *pl)
{
    return pl && pl->oversubscribed;
}

enum pb_bind pb_placement_bind_kind(const struct pb_placement *pl)
{
    return pl ? pl->bind : PB_BIND_NONE;
}

enum pb_policy pb_placement_policy(const struct pb_placement *pl)
{
    return pl ? pl->policy : PB_POLICY_COMPACT;
}

const char *pb_placement_cpus(const struct pb_placement *pl)
{
    return pl ? pl->cpus : NULL;
}

const char *pb_placement_kinds(const struct pb_placement *pl)
{
    return pl && pl->kinds ? pl->kinds : "all";
}

enum pb_membind pb_placement_membind(const struct pb_placement *pl)
{
    return pl ? pl->membind : PB_MEMBIND_NONE;
}

hwloc_const_bitmap_t pb__worker_set(const struct pb_placement *pl, unsigned w)
{
    return pl && pl->binds && w < pl->workers ? pl->sets[w] : NULL;
}

void pb_placement_cpuset_text(const struct pb_placement *pl, unsigned w, char *buf, size_t len)
{
    hwloc_const_bitmap_t s = pb__worker_set(pl, w);
    if (len == 0)
        return;
    buf[0] = '\0';
    if (s)
        hwloc_bitmap_list_snprintf(buf, len, s);
}

bool pb_placement_has_cpu(const struct pb_placement *pl, unsigned w, int cpu)
{
    if (!pb_placement_binds(pl))
        return true;
    hwloc_const_bitmap_t s = pb__worker_set(pl, w);
    return s && cpu >= 0 && hwloc_bitmap_isset(s, (unsigned)cpu);
}

/* Append ", NAME L" where L lists the logical indexes of the objects of
 * `type` that `set` touches; nothing when the topology has no such objects. */
static void where_level(hwloc_topology_t topo, hwloc_const_bitmap_t set, hwloc_obj_type_t type,
                        const char *name, char *buf, size_t len)
{
    int n = hwloc_get_nbobjs_by_type(topo, type);
    if (n <= 0)
        return;
    hwloc_bitmap_t idx = hwloc_bitmap_alloc();
    if (!idx)
        return;
    for (int i = 0; i < n; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, (unsigned)i);
        if (o->cpuset && hwloc_bitmap_intersects(o->cpuset, set))
            hwloc_bitmap_set(idx, (unsigned)i);
    }
    char list[128];
    hwloc_bitmap_list_snprintf(list, sizeof list, idx);
    hwloc_bitmap_free(idx);
    size_t used = strlen(buf);
    if (used < len)
        snprintf(buf + used, len - used, "%s%s %s", used ? ", " : "", name, list);
}

void pb_placement_where(const struct pb_placement *pl, unsigned w, char *buf, size_t len)
{
    hwloc_const_bitmap_t s = pb__worker_set(pl, w);
    if (len == 0)
        return;
    buf[0] = '\0';
    if (!s) {
        snprintf(buf, len, "unbound");
        return;
    }
    hwloc_topology_t topo = pl->t->topo;
    where_level(topo, s, HWLOC_OBJ_PACKAGE, "package", buf, len);
    where_level(topo, s, HWLOC_OBJ_NUMANODE, "numa", buf, len);
    where_level(topo, s, HWLOC_OBJ_L3CACHE, "l3", buf, len);
    where_level(topo, s, pl->t->core_type, pl->t->core_type == HWLOC_OBJ_CORE ? "core" : "pu",
                buf, len);
}

/* ---- binding ----------------------------------------------------------- */

static int bind_worker(const struct pb_placement *pl, unsigned w, int flags, const char *flagname,
                       char *err, size_t errlen)
{
    if (!pb_placement_binds(pl))
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
    if (hwloc_set_cpubind(pl->t->topo, pl->sets[w], flags) != 0) {
        int e = errno;   /* saved before the formatting calls below can change it */
        char set[128], eb[128];
        hwloc_bitmap_list_snprintf(set, sizeof set, pl->sets[w]);
        snprintf(err, errlen, "worker %u: hwloc_set_cpubind(%s, %s): %s", w, set, flagname,
                 pb_strerror(e, eb, sizeof eb));
        return -1;
    }
    return 0;
}

int pb_placement_bind_thread(const struct pb_placement *pl, unsigned w, char *err, size_t errlen)
{
    return bind_worker(pl, w, HWLOC_CPUBIND_THREAD, "HWLOC_CPUBIND_THREAD", err, errlen);
}

int pb_placement_bind_process(const struct pb_placement *pl, unsigned w, char *err, size_t errlen)
{
    /* With pid 0 hwloc walks /proc/self/task, so in a forked child this binds
     * the child (all its threads), never the parent. */
    return bind_worker(pl, w, HWLOC_CPUBIND_PROCESS, "HWLOC_CPUBIND_PROCESS", err, errlen);
}
