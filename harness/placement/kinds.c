/* CPU kinds: hybrid machines (Intel P/E cores, ARM big.LITTLE) as hwloc's
 * cpukinds describe them, ordered fastest first; which cores a --kinds choice
 * fills and in what order; and the capacity a plan gives, counted in cores of
 * the kind each worker runs on.  A machine where hwloc reports fewer than two
 * kinds has none here: every core is alike and nothing is named. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement-internal.h"

/* A kind name or --kinds item: letters, digits, '_', '.', '-'. */
static bool is_name(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

static bool is_keyword(const char *s, size_t n)
{
    static const char *const words[] = {"all", "fastest", "slowest", "any", "each"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && strncmp(s, words[i], n) == 0)
            return true;
    return false;
}

/* "Name=Value Name=Value" of hwloc's infos, or "" (NULL when out of memory). */
static char *join_infos(const struct hwloc_info_s *infos, unsigned n)
{
    size_t len = 1;
    for (unsigned i = 0; i < n; i++)
        len += strlen(infos[i].name) + strlen(infos[i].value) + 2;
    char *s = malloc(len);
    if (!s)
        return NULL;
    size_t used = 0;
    s[0] = '\0';
    for (unsigned i = 0; i < n; i++)
        used += (size_t)snprintf(s + used, len - used, "%s%s=%s", i ? " " : "", infos[i].name,
                                 infos[i].value);
    return s;
}

int pb__kinds_load(struct pb_topo *t)
{
    t->nkinds = 0;
    t->kinds = NULL;
    t->unit_kind = NULL;
    int nr = hwloc_cpukinds_get_nr(t->topo, 0);
    if (nr < 2)
        return 0;   /* none, or one: all cores alike */
    unsigned n = (unsigned)nr;
    t->kinds = calloc(n, sizeof *t->kinds);
    t->unit_kind = malloc((t->ncores ? t->ncores : 1) * sizeof *t->unit_kind);
    if (!t->kinds || !t->unit_kind)
        goto oom;
    t->nkinds = n;
    /* hwloc lists the least efficient kind first; ours is the other way round. */
    for (unsigned k = 0; k < n; k++) {
        struct pb_kind *kd = &t->kinds[k];
        unsigned idx = n - 1 - k, ninfos = 0;
        struct hwloc_info_s *infos = NULL;
        kd->cpuset = hwloc_bitmap_alloc();
        if (!kd->cpuset)
            goto oom;
        if (hwloc_cpukinds_get_info(t->topo, idx, kd->cpuset, &kd->efficiency, &ninfos, &infos,
                                    0) != 0) {
            kd->efficiency = -1;
            ninfos = 0;
        }
        kd->infos = join_infos(infos, ninfos);
        if (!kd->infos)
            goto oom;
        /* hwloc's CoreType names Intel's kinds; elsewhere (ARM reports
         * frequencies and capacities only) the kind is known by its index. */
        const char *type = NULL;
        for (unsigned i = 0; i < ninfos; i++)
            if (strcmp(infos[i].name, "CoreType") == 0)
                type = infos[i].value;
        for (unsigned j = 0; type && j < k; j++)
            if (strcmp(t->kinds[j].name, type) == 0)
                type = NULL;   /* two kinds of one CoreType: fall back to indexes */
        char fallback[32];
        snprintf(fallback, sizeof fallback, "kind%u", idx);
        kd->name = strdup(type && is_name(type, strlen(type)) && !is_keyword(type, strlen(type))
                              ? type
                              : fallback);
        if (!kd->name)
            goto oom;
    }
    for (unsigned u = 0; u < t->ncores; u++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(t->topo, t->core_type, u);
        int first = hwloc_bitmap_first(o->cpuset);
        t->unit_kind[u] = -1;
        for (unsigned k = 0; k < n && first >= 0; k++)
            if (hwloc_bitmap_isset(t->kinds[k].cpuset, (unsigned)first)) {
                t->unit_kind[u] = (int)k;
                t->kinds[k].ncores++;
                break;
            }
    }
    for (unsigned k = 0; k < n; k++) {
        hwloc_bitmap_t pus = hwloc_bitmap_dup(t->kinds[k].cpuset);
        if (!pus)
            goto oom;
        hwloc_bitmap_and(pus, pus, hwloc_topology_get_topology_cpuset(t->topo));
        int w = hwloc_bitmap_weight(pus);
        t->kinds[k].npus = w > 0 ? (unsigned)w : 0;
        hwloc_bitmap_free(pus);
    }
    return 0;
oom:
    t->nkinds = n;   /* so that every allocated kind is freed */
    pb__kinds_free(t);
    return -1;
}

void pb__kinds_free(struct pb_topo *t)
{
    for (unsigned k = 0; t->kinds && k < t->nkinds; k++) {
        hwloc_bitmap_free(t->kinds[k].cpuset);
        free(t->kinds[k].name);
        free(t->kinds[k].infos);
    }
    free(t->kinds);
    free(t->unit_kind);
    t->kinds = NULL;
    t->unit_kind = NULL;
    t->nkinds = 0;
}

unsigned pb_topo_nkinds(const struct pb_topo *t)
{
    return t->nkinds;
}

static const struct pb_kind *kind_at(const struct pb_topo *t, unsigned k)
{
    return k < t->nkinds ? &t->kinds[k] : NULL;
}

const char *pb_topo_kind_name(const struct pb_topo *t, unsigned k)
{
    return kind_at(t, k) ? kind_at(t, k)->name : "";
}

int pb_topo_kind_efficiency(const struct pb_topo *t, unsigned k)
{
    return kind_at(t, k) ? kind_at(t, k)->efficiency : -1;
}

void pb_topo_kind_cpus(const struct pb_topo *t, unsigned k, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (kind_at(t, k))
        hwloc_bitmap_list_snprintf(buf, len, kind_at(t, k)->cpuset);
}

unsigned pb_topo_kind_cores(const struct pb_topo *t, unsigned k)
{
    return kind_at(t, k) ? kind_at(t, k)->ncores : 0;
}

unsigned pb_topo_kind_pus(const struct pb_topo *t, unsigned k)
{
    return kind_at(t, k) ? kind_at(t, k)->npus : 0;
}

const char *pb_topo_kind_infos(const struct pb_topo *t, unsigned k)
{
    return kind_at(t, k) ? kind_at(t, k)->infos : "";
}

int pb_kinds_check(const char *text, char *err, size_t errlen)
{
    if (!text || !*text) {
        snprintf(err, errlen, "--kinds: empty (expected all, fastest, slowest, any, each or kind "
                              "names such as IntelCore)");
        return -1;
    }
    size_t nitems = 0;
    bool keyword = false;
    for (const char *p = text;; p++) {
        size_t n = strcspn(p, ",");
        if (!is_name(p, n)) {
            snprintf(err, errlen, "--kinds: malformed choice '%s' (expected all, fastest, "
                                  "slowest, any, each or kind names such as IntelCore,IntelAtom)",
                     text);
            return -1;
        }
        keyword |= is_keyword(p, n);
        for (const char *q = text; q < p; q += strcspn(q, ",") + 1)
            if (strcspn(q, ",") == n && strncmp(q, p, n) == 0) {
                snprintf(err, errlen, "--kinds: %.*s is listed twice", (int)n, p);
                return -1;
            }
        nitems++;
        p += n;
        if (!*p)
            break;
    }
    if (keyword && nitems > 1) {
        snprintf(err, errlen, "--kinds: all, fastest, slowest, any and each stand alone, not in a "
                              "list ('%s')",
                 text);
        return -1;
    }
    return 0;
}

int pb__kinds_groups(const struct pb_topo *t, const char *spec, int *group, unsigned *ngroups,
                     char *err, size_t errlen)
{
    if (!spec)
        spec = "all";
    if (pb_kinds_check(spec, err, errlen) != 0)
        return -1;
    if (strcmp(spec, "each") == 0) {
        /* not one plan: the caller runs one per kind (pb_kinds_expand) */
        snprintf(err, errlen, "--kinds each stands for one plan per CPU kind, not one plan "
                              "(expand it first)");
        return -1;
    }
    unsigned n = t->nkinds;
    bool named = !is_keyword(spec, strlen(spec));
    if (n == 0 && named) {
        snprintf(err, errlen, "--kinds: no CPU kind '%.*s' here: hwloc reports no kinds on %s "
                              "(all cores alike; use all, fastest, slowest or any)",
                 (int)strcspn(spec, ","), spec, t->source);
        return -1;
    }
    if (n == 0 || strcmp(spec, "any") == 0) {
        for (unsigned u = 0; u < t->ncores; u++)
            group[u] = 0;
        *ngroups = 1;
        return 0;
    }
    if (!named) {
        /* all: kinds in order, then cores hwloc gave no kind (rare) last */
        int only = strcmp(spec, "fastest") == 0 ? 0 : strcmp(spec, "slowest") == 0 ? (int)n - 1 : -1;
        for (unsigned u = 0; u < t->ncores; u++) {
            int k = t->unit_kind[u];
            if (only >= 0)
                group[u] = k == only ? 0 : -1;
            else
                group[u] = k >= 0 ? k : (int)n;
        }
        *ngroups = only >= 0 ? 1 : n + 1;
        return 0;
    }
    /* names: the position in the list is the group */
    int pos_of_kind[64];
    if (n > sizeof pos_of_kind / sizeof pos_of_kind[0]) {
        snprintf(err, errlen, "--kinds: %u CPU kinds are more than parbench can name", n);
        return -1;
    }
    for (unsigned k = 0; k < n; k++)
        pos_of_kind[k] = -1;
    unsigned pos = 0;
    for (const char *p = spec;; pos++) {
        size_t len = strcspn(p, ",");
        unsigned k = 0;
        while (k < n && !(strlen(t->kinds[k].name) == len && strncmp(t->kinds[k].name, p, len) == 0))
            k++;
        if (k == n) {
            char names[256] = "";
            size_t used = 0;
            for (unsigned j = 0; j < n && used < sizeof names; j++)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", j ? ", " : "",
                                         t->kinds[j].name);
            snprintf(err, errlen, "--kinds: no CPU kind '%.*s' here (kinds: %s)", (int)len, p,
                     names);
            return -1;
        }
        pos_of_kind[k] = (int)pos;
        p += len;
        if (!*p)
            break;
        p++;
    }
    for (unsigned u = 0; u < t->ncores; u++)
        group[u] = t->unit_kind[u] >= 0 ? pos_of_kind[t->unit_kind[u]] : -1;
    *ngroups = pos + 1;
    return 0;
}

int pb_placement_kind(const struct pb_placement *pl, unsigned w)
{
    hwloc_const_bitmap_t s = pb__worker_set(pl, w);
    if (!s || pl->t->nkinds == 0)
        return -1;
    for (unsigned k = 0; k < pl->t->nkinds; k++)
        if (hwloc_bitmap_isincluded(s, pl->t->kinds[k].cpuset))
            return (int)k;
    return -1;
}

bool pb_placement_by_kind(const struct pb_placement *pl)
{
    return pb_placement_binds(pl) && !pl->cpus && pl->t->nkinds > 0 &&
           strcmp(pb_placement_kinds(pl), "any") != 0;
}

const char *pb_placement_kind_name(const struct pb_placement *pl, unsigned w)
{
    int k = pb_placement_kind(pl, w);
    return k >= 0 ? pl->t->kinds[k].name : "";
}

double pb_placement_capacity(const struct pb_placement *pl, const double *rates, unsigned nrates,
                             double ref_rate)
{
    if (!pl)
        return NAN;
    if (pl->t->nkinds == 0)
        return (double)pl->workers;
    if (!(ref_rate > 0) || !pb_placement_binds(pl))
        return NAN;
    double sum = 0;
    for (unsigned w = 0; w < pl->workers; w++) {
        int k = pb_placement_kind(pl, w);
        if (k < 0 || (unsigned)k >= nrates || !(rates[k] > 0))
            return NAN;
        sum += rates[k] / ref_rate;
    }
    return sum;
}

bool pb_kinds_is_each(const char *kinds)
{
    return kinds && strcmp(kinds, "each") == 0;
}

size_t pb_kinds_expand(const struct pb_topo *t, const char *kinds, const char **out, size_t max)
{
    if (max == 0)
        return 0;
    if (!pb_kinds_is_each(kinds)) {
        out[0] = kinds ? kinds : "all";
        return 1;
    }
    if (t->nkinds == 0) {
        out[0] = "all";   /* all cores alike: the one ladder is every kind's */
        return 1;
    }
    size_t n = 0;
    for (unsigned k = 0; k < t->nkinds && n < max; k++)
        out[n++] = t->kinds[k].name;   /* fastest first, as the sweep's 1-worker runs go */
    return n;
}
