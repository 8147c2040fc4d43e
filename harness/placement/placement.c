/* Worker placement from the hwloc topology: which cpuset each worker runs on.
 *
 * A plan is a list of "units" (cores or PUs) in the order the policy wants
 * them filled; worker i gets unit i (modulo the count when oversubscribed).
 * Plans are computed once, before any worker starts, so binding is a single
 * hwloc_set_cpubind() call in the worker and needs nothing else from here.
 */
#include <errno.h>
#include <hwloc.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "pb.h"
#include "placement.h"
#include "proc.h"

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
};

struct pb_placement {
    struct pb_topo *t;
    unsigned workers;
    enum pb_bind bind;
    enum pb_policy policy;
    char *cpus;                /* the explicit list as given, or NULL */
    bool binds;
    bool oversubscribed;
    hwloc_bitmap_t *sets;      /* one per worker; NULL when the plan binds nothing */
};

/* ---- names ------------------------------------------------------------- */

static const char *const bind_names[] = {"none", "core", "pu"};
static const char *const policy_names[] = {"compact", "scatter"};

const char *pb_bind_name(enum pb_bind b)
{
    return (unsigned)b < 3 ? bind_names[b] : "?";
}

const char *pb_policy_name(enum pb_policy p)
{
    return (unsigned)p < 2 ? policy_names[p] : "?";
}

int pb_bind_parse(const char *text, enum pb_bind *out)
{
    for (int i = 0; i < 3; i++)
        if (text && strcmp(text, bind_names[i]) == 0) {
            *out = (enum pb_bind)i;
            return 0;
        }
    return -1;
}

int pb_policy_parse(const char *text, enum pb_policy *out)
{
    for (int i = 0; i < 2; i++)
        if (text && strcmp(text, policy_names[i]) == 0) {
            *out = (enum pb_policy)i;
            return 0;
        }
    return -1;
}

/* ---- topology ---------------------------------------------------------- */

static char *dup_printf(const char *fmt, const char *arg)
{
    int n = snprintf(NULL, 0, fmt, arg);
    char *s = n < 0 ? NULL : malloc((size_t)n + 1);
    if (s)
        snprintf(s, (size_t)n + 1, fmt, arg);
    return s;
}

/* Decide what "a core" is.  Some topologies (synthetic ones without a core
 * level, odd firmware) have PUs outside any Core object; then every PU counts
 * as a core of its own, so core binding still covers the whole machine. */
static void find_cores(struct pb_topo *t)
{
    int npu = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_PU);
    int ncore = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_CORE);
    t->npus = npu > 0 ? (unsigned)npu : 0;
    unsigned covered = 0, most = 1;
    for (int i = 0; i < ncore; i++) {
        hwloc_obj_t c = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_CORE, (unsigned)i);
        unsigned w = (unsigned)hwloc_get_nbobjs_inside_cpuset_by_type(t->topo, c->cpuset,
                                                                      HWLOC_OBJ_PU);
        covered += w;
        if (w > most)
            most = w;
    }
    if (ncore > 0 && covered == t->npus) {
        t->core_type = HWLOC_OBJ_CORE;
        t->ncores = (unsigned)ncore;
        t->smt = most;
    } else {
        t->core_type = HWLOC_OBJ_PU;
        t->ncores = t->npus;
        t->smt = 1;
    }
}

int pb_topo_load(struct pb_topo **out, const char *synthetic, const char *xml, char *err,
                 size_t errlen)
{
    char eb[128];
    *out = NULL;
    if (synthetic && xml) {
        snprintf(err, errlen, "--synthetic and --xml cannot be used together");
        return -1;
    }
    if (xml) {
        /* hwloc's own message for a missing file is vague; say which file and why. */
        FILE *f = fopen(xml, "r");
        if (!f) {
            snprintf(err, errlen, "--xml: cannot read %s: %s", xml,
                     pb_strerror(errno, eb, sizeof eb));
            return -1;
        }
        fclose(f);
    }
    struct pb_topo *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory loading the topology");
        return -1;
    }
    if (hwloc_topology_init(&t->topo) != 0) {
        snprintf(err, errlen, "hwloc_topology_init: %s", pb_strerror(errno, eb, sizeof eb));
        free(t);
        return -1;
    }
    if (synthetic) {
        if (hwloc_topology_set_synthetic(t->topo, synthetic) != 0) {
            snprintf(err, errlen,
                     "--synthetic: hwloc rejected '%s' (expected e.g. 'pack:2 core:8 pu:2')",
                     synthetic);
            goto fail;
        }
        t->synthetic = strdup(synthetic);
        t->source = dup_printf("synthetic \"%s\"", synthetic);
    } else if (xml) {
        if (hwloc_topology_set_xml(t->topo, xml) != 0) {
            snprintf(err, errlen, "--xml: hwloc cannot read %s: %s", xml,
                     pb_strerror(errno, eb, sizeof eb));
            goto fail;
        }
        t->xml = strdup(xml);
        t->source = dup_printf("xml %s", xml);
    } else {
        t->source = strdup("this system");
    }
    if (!t->source || (synthetic && !t->synthetic) || (xml && !t->xml)) {
        snprintf(err, errlen, "out of memory loading the topology");
        goto fail;
    }
    if (hwloc_topology_load(t->topo) != 0) {
        snprintf(err, errlen, "hwloc_topology_load(%s): %s", t->source,
                 pb_strerror(errno, eb, sizeof eb));
        goto fail;
    }
    /* Only a topology discovered here describes the CPUs we would bind to;
     * hwloc "binds" happily against a synthetic one by doing nothing. */
    t->this_system = !synthetic && !xml && hwloc_topology_is_thissystem(t->topo);
    find_cores(t);
    if (t->npus == 0) {
        snprintf(err, errlen, "%s: the topology has no PUs", t->source);
        goto fail;
    }
    *out = t;
    return 0;
fail:
    pb_topo_free(t);
    return -1;
}

void pb_topo_free(struct pb_topo *t)
{
    if (!t)
        return;
    hwloc_topology_destroy(t->topo);
    free(t->synthetic);
    free(t->xml);
    free(t->source);
    free(t);
}

bool pb_topo_is_this_system(const struct pb_topo *t)
{
    return t && t->this_system;
}

unsigned pb_topo_cores(const struct pb_topo *t)
{
    return t->ncores;
}

unsigned pb_topo_pus(const struct pb_topo *t)
{
    return t->npus;
}

void *pb_topo_hwloc(const struct pb_topo *t)
{
    return t->topo;
}

const char *pb_topo_source(const struct pb_topo *t)
{
    return t->source;
}

bool pb_topo_can_bind(const struct pb_topo *t, char *why, size_t len)
{
    char dummy[1];
    if (!why) {
        why = dummy;
        len = sizeof dummy;
    }
    if (!t->this_system) {
        snprintf(why, len, "cannot bind to a plan for %s: it describes another machine",
                 t->source);
        return false;
    }
    const struct hwloc_topology_support *s = hwloc_topology_get_support(t->topo);
    if (!s->cpubind->set_thisthread_cpubind || !s->cpubind->set_thisproc_cpubind) {
        snprintf(why, len, "hwloc cannot bind threads and processes on this system");
        return false;
    }
    return true;
}

/* Size of the first cache of `type`, or 0. */
static uint64_t cache_size(hwloc_topology_t topo, hwloc_obj_type_t type)
{
    hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, 0);
    return o && o->attr ? (uint64_t)o->attr->cache.size : 0;
}

static unsigned count_type(hwloc_topology_t topo, hwloc_obj_type_t type)
{
    int n = hwloc_get_nbobjs_by_type(topo, type);
    return n > 0 ? (unsigned)n : 0;
}

void pb_topo_summary(const struct pb_topo *t, struct pb_topo_summary *s)
{
    memset(s, 0, sizeof *s);
    s->packages = count_type(t->topo, HWLOC_OBJ_PACKAGE);
    s->numa_nodes = count_type(t->topo, HWLOC_OBJ_NUMANODE);
    s->l3_domains = count_type(t->topo, HWLOC_OBJ_L3CACHE);
    s->cores = t->ncores;
    s->pus = t->npus;
    s->smt = t->smt;
    s->l1d_bytes = cache_size(t->topo, HWLOC_OBJ_L1CACHE);
    s->l2_bytes = cache_size(t->topo, HWLOC_OBJ_L2CACHE);
    s->l3_bytes = cache_size(t->topo, HWLOC_OBJ_L3CACHE);
    hwloc_obj_t pkg = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_PACKAGE, 0);
    const char *model = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
    if (!model)
        model = hwloc_obj_get_info_by_name(hwloc_get_root_obj(t->topo), "CPUModel");
    snprintf(s->cpu_model, sizeof s->cpu_model, "%s", model ? model : "");
}

size_t pb_topo_ladder(const struct pb_topo *t, int all, unsigned *out, size_t max)
{
    size_t n = 0;
#define PUSH(v)                                                                        \
    do {                                                                               \
        if (n < max)                                                                   \
            out[n++] = (v);                                                            \
    } while (0)
    if (all) {
        for (unsigned w = 1; w <= t->ncores; w++)
            PUSH(w);
    } else {
        for (unsigned w = 1; w < t->ncores; w *= 2)
            PUSH(w);
        PUSH(t->ncores);
        if (t->npus > t->ncores)
            PUSH(t->npus);
    }
#undef PUSH
    return n;
}

int pb_topo_export_xml(const struct pb_topo *t, const char *path, char *err, size_t errlen)
{
    char *buf = NULL;
    int len = 0;
    char eb[128];
    if (hwloc_topology_export_xmlbuffer(t->topo, &buf, &len, 0) != 0) {
        snprintf(err, errlen, "hwloc_topology_export_xmlbuffer(%s): %s", t->source,
                 pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    /* The length hwloc reports counts the terminating NUL; the file has none. */
    size_t n = len > 0 ? strlen(buf) : 0;
    int rc = pb_write_atomic(path, buf, n, err, errlen);
    hwloc_free_xmlbuffer(t->topo, buf);
    return rc;
}

/* ---- drawing with lstopo ----------------------------------------------- */

/* lstopo's --of name for the extension of `path`; `cairo` is set for formats
 * only the graphical lstopo (built with cairo) can write. */
static const char *draw_format(const char *path, bool *cairo)
{
    static const struct {
        const char *ext, *of;
        bool cairo;
    } formats[] = {
        {"svg", "svg", false}, {"png", "png", true},   {"pdf", "pdf", true},
        {"ps", "ps", true},    {"fig", "fig", false},  {"tikz", "tikz", false},
        {"tex", "tikz", false}, {"txt", "ascii", false}, {"xml", "xml", false},
    };
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    *cairo = false;
    if (!dot)
        return "svg";
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(dot + 1, formats[i].ext) == 0) {
            *cairo = formats[i].cairo;
            return formats[i].of;
        }
    return NULL;
}

int pb_topo_draw(const struct pb_topo *t, const char *path, char *err, size_t errlen)
{
    char exe[4096];
    bool cairo;
    const char *of = draw_format(path, &cairo);
    if (!of) {
        snprintf(err, errlen,
                 "%s: unknown picture format (use .svg, .png, .pdf, .ps, .fig, .tikz, .txt or "
                 ".xml)",
                 path);
        return 2;
    }
    /* lstopo-no-graphics needs no display libraries and writes svg natively;
     * the cairo formats need the graphical lstopo. */
    const char *name = NULL;
    if (!cairo && pb_proc_find("lstopo-no-graphics", exe, sizeof exe) == 0)
        name = "lstopo-no-graphics";
    else if (pb_proc_find("lstopo", exe, sizeof exe) == 0)
        name = "lstopo";
    if (!name) {
        snprintf(err, errlen, "no %s in PATH to draw %s",
                 cairo ? "lstopo" : "lstopo or lstopo-no-graphics", path);
        return 1;
    }

    const char *argv[12];
    int a = 0;
    argv[a++] = name;
    if (t->synthetic) {
        argv[a++] = "--if";
        argv[a++] = "synthetic";
        argv[a++] = "--input";
        argv[a++] = t->synthetic;
    } else if (t->xml) {
        argv[a++] = "--if";
        argv[a++] = "xml";
        argv[a++] = "--input";
        argv[a++] = t->xml;
    }
    argv[a++] = "-f";
    argv[a++] = "--of";
    argv[a++] = of;
    argv[a++] = path;
    argv[a] = NULL;

    /* stdout is not ours to fill; stderr comes back to explain a failure.  A
     * hung lstopo must not hang `parbench run`: it gets the default deadline. */
    struct pb_proc *p = malloc(sizeof *p);   /* its captures are too big for the stack */
    if (!p) {
        snprintf(err, errlen, "out of memory to run %s", name);
        return -1;
    }
    const struct pb_proc_opts o = {.err = PB_PROC_CAPTURE};
    char why[PB_ERRLEN];
    enum pb_proc_status st = pb_proc_run(p, (char *const *)argv, &o, why, sizeof why);
    char line[256];
    pb_proc_line(p->err.text, false, line, sizeof line);
    free(p);
    if (st != PB_PROC_OK) {
        snprintf(err, errlen, "%s --of %s %s: %s%s%s", name, of, path, why, *line ? ": " : "",
                 line);
        return st == PB_PROC_NOT_FOUND ? 1 : -1;
    }
    return 0;
}

/* ---- planning ---------------------------------------------------------- */

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

/* The units in the order the policy fills them, `n` of them (n <= units). */
static int order_units(struct pb_topo *t, enum pb_bind bind, enum pb_policy policy,
                       unsigned n, hwloc_obj_t *out)
{
    hwloc_topology_t topo = t->topo;
    hwloc_obj_t root = hwloc_get_root_obj(topo);
    hwloc_obj_type_t unit = bind == PB_BIND_PU ? HWLOC_OBJ_PU : t->core_type;
    unsigned nout = 0;

    if (policy == PB_POLICY_COMPACT) {
        /* Logical order is topology order: a core's PUs, then the next core,
         * each L3 and package filled before the next one starts. */
        for (unsigned i = 0; i < n; i++)
            out[i] = hwloc_get_obj_by_type(topo, unit, i);
        return 0;
    }

    unsigned nunits = (unsigned)hwloc_get_nbobjs_by_type(topo, t->core_type);
    bool *eligible = malloc(nunits * sizeof *eligible);
    hwloc_obj_t *picked = malloc(nunits * sizeof *picked);
    if (!eligible || !picked) {
        free(eligible);
        free(picked);
        return -1;
    }
    if (unit == t->core_type) {
        /* One worker per core (or per PU on a topology without cores). */
        for (unsigned i = 0; i < nunits; i++)
            eligible[i] = true;
        spread(root, n, unit, eligible, out, &nout);
    } else {
        /* PUs: round r places workers on the r-th PU of cores spread as
         * above, so every core has a worker before any SMT sibling gets one. */
        for (unsigned r = 0; nout < n; r++) {
            unsigned avail = 0;
            for (unsigned i = 0; i < nunits; i++) {
                hwloc_obj_t c = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, i);
                eligible[i] = hwloc_get_nbobjs_inside_cpuset_by_type(topo, c->cpuset,
                                                                     HWLOC_OBJ_PU) > (int)r;
                avail += eligible[i];
            }
            if (avail == 0)
                break;   /* cannot happen while n <= PUs; guards the loop */
            unsigned want = n - nout < avail ? n - nout : avail, got = 0;
            spread(root, want, HWLOC_OBJ_CORE, eligible, picked, &got);
            for (unsigned k = 0; k < got; k++)
                out[nout++] = hwloc_get_obj_inside_cpuset_by_type(topo, picked[k]->cpuset,
                                                                  HWLOC_OBJ_PU, r);
        }
    }
    free(eligible);
    free(picked);
    return 0;
}

/* Read a decimal number at *p, advancing it; false when no digit is there.
 * Values beyond INT_MAX stop growing at INT_MAX + 1 so they cannot wrap. */
static bool read_number(const char **p, long long *val)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return false;
    long long x = 0;
    while (*s >= '0' && *s <= '9') {
        x = x * 10 + (*s - '0');
        if (x > INT_MAX)
            x = (long long)INT_MAX + 1;
        s++;
    }
    *val = x;
    *p = s;
    return true;
}

/* Parse an OS-index CPU list ("0,2,4-7") keeping the order it is written in,
 * each CPU checked against `machine`.  Rejects empty items, reversed ranges,
 * signs, spaces, numbers beyond INT_MAX and repeats. */
static int parse_cpus(const char *text, hwloc_const_bitmap_t machine, int **list, unsigned *count,
                      char *err, size_t errlen)
{
    char mlist[256];
    hwloc_bitmap_list_snprintf(mlist, sizeof mlist, machine);
    *list = NULL;
    *count = 0;
    if (!*text) {
        snprintf(err, errlen, "--cpus: empty CPU list (expected e.g. 0,2,4-7)");
        return -1;
    }
    hwloc_bitmap_t seen = hwloc_bitmap_alloc();
    unsigned cap = 0, n = 0;
    int *v = NULL;
    if (!seen) {
        snprintf(err, errlen, "--cpus: out of memory");
        return -1;
    }
    const char *p = text;
    for (;;) {
        const char *item = p, *hi_text;
        long long lo, hi;
        if (!read_number(&p, &lo))
            goto malformed;
        hi = lo;
        hi_text = item;
        if (*p == '-') {
            hi_text = ++p;
            if (!read_number(&p, &hi))
                goto malformed;
        }
        if (*p != ',' && *p != '\0')
            goto malformed;
        if (hi < lo) {
            snprintf(err, errlen, "--cpus: range %.*s is reversed", (int)(p - item), item);
            goto fail;
        }
        /* Check both ends before expanding, so "0-99999999" fails at once. */
        if (lo > INT_MAX || !hwloc_bitmap_isset(machine, (unsigned)lo)) {
            snprintf(err, errlen, "--cpus: CPU %.*s is not in this machine (%s)",
                     (int)strspn(item, "0123456789"), item, mlist);
            goto fail;
        }
        if (hi > INT_MAX || !hwloc_bitmap_isset(machine, (unsigned)hi)) {
            snprintf(err, errlen, "--cpus: CPU %.*s is not in this machine (%s)",
                     (int)strspn(hi_text, "0123456789"), hi_text, mlist);
            goto fail;
        }
        for (long long c = lo; c <= hi; c++) {
            if (!hwloc_bitmap_isset(machine, (unsigned)c)) {
                snprintf(err, errlen, "--cpus: CPU %lld is not in this machine (%s)", c, mlist);
                goto fail;
            }
            if (hwloc_bitmap_isset(seen, (unsigned)c)) {
                snprintf(err, errlen, "--cpus: CPU %lld is listed twice", c);
                goto fail;
            }
            hwloc_bitmap_set(seen, (unsigned)c);
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                int *nv = realloc(v, cap * sizeof *nv);
                if (!nv) {
                    snprintf(err, errlen, "--cpus: out of memory");
                    goto fail;
                }
                v = nv;
            }
            v[n++] = (int)c;
        }
        if (*p == '\0')
            break;
        p++;   /* the comma */
    }
    hwloc_bitmap_free(seen);
    *list = v;
    *count = n;
    return 0;
malformed:
    snprintf(err, errlen, "--cpus: malformed CPU list '%s' (expected e.g. 0,2,4-7)", text);
fail:
    hwloc_bitmap_free(seen);
    free(v);
    return -1;
}

static const char *plural(unsigned n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

int pb_placement_make(struct pb_placement **out, struct pb_topo *t, unsigned workers,
                      const struct pb_place_opts *o, char *err, size_t errlen)
{
    static const struct pb_place_opts defaults = {.bind = PB_BIND_CORE,
                                                  .policy = PB_POLICY_COMPACT};
    if (!o)
        o = &defaults;
    *out = NULL;
    if ((unsigned)o->bind > PB_BIND_PU || (unsigned)o->policy > PB_POLICY_SCATTER) {
        snprintf(err, errlen, "unknown bind or policy value");
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
    struct pb_placement *pl = calloc(1, sizeof *pl);
    if (!pl) {
        snprintf(err, errlen, "out of memory planning %u workers", workers);
        return -1;
    }
    pl->t = t;
    pl->workers = workers;
    pl->bind = o->bind;
    pl->policy = o->policy;
    if (o->bind == PB_BIND_NONE) {
        *out = pl;   /* the OS decides; nothing to plan */
        return 0;
    }

    int *cpus = NULL;
    hwloc_obj_t *units = NULL, *last = NULL;
    unsigned nunits, rest = 0;
    if (o->cpus) {
        pl->cpus = strdup(o->cpus);
        if (!pl->cpus) {
            snprintf(err, errlen, "out of memory planning %u workers", workers);
            goto fail;
        }
        if (parse_cpus(o->cpus, hwloc_topology_get_topology_cpuset(t->topo), &cpus, &nunits, err,
                       errlen) != 0)
            goto fail;
        if (workers > nunits && !o->oversubscribe) {
            snprintf(err, errlen,
                     "%u workers but --cpus lists only %u %s (list more or use --oversubscribe)",
                     workers, nunits, plural(nunits, "CPU", "CPUs"));
            goto fail;
        }
    } else {
        bool pu = o->bind == PB_BIND_PU;
        unsigned avail = pu ? t->npus : t->ncores;
        if (workers > avail && !o->oversubscribe) {
            if (pu)
                snprintf(err, errlen,
                         "%u workers but only %u %s to bind to (use --bind none or "
                         "--oversubscribe)",
                         workers, avail, plural(avail, "PU", "PUs"));
            else
                snprintf(err, errlen,
                         "%u workers but only %u %s to bind to (use --bind none, --bind pu, or "
                         "--oversubscribe)",
                         workers, avail, plural(avail, "core", "cores"));
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
            order_units(t, o->bind, o->policy, workers < avail ? workers : avail, units) != 0 ||
            (last && order_units(t, o->bind, o->policy, rest, last) != 0)) {
            snprintf(err, errlen, "out of memory planning %u workers", workers);
            goto fail;
        }
    }

    pl->sets = calloc(workers, sizeof *pl->sets);
    if (!pl->sets) {
        snprintf(err, errlen, "out of memory planning %u workers", workers);
        goto fail;
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
    free(units);
    free(last);
    *out = pl;
    return 0;
fail:
    free(cpus);
    free(units);
    free(last);
    pb_placement_free(pl);
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
    free(pl);
}

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

static hwloc_const_bitmap_t worker_set(const struct pb_placement *pl, unsigned w)
{
    return pl && pl->binds && w < pl->workers ? pl->sets[w] : NULL;
}

void pb_placement_cpuset_text(const struct pb_placement *pl, unsigned w, char *buf, size_t len)
{
    hwloc_const_bitmap_t s = worker_set(pl, w);
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
    hwloc_const_bitmap_t s = worker_set(pl, w);
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
    hwloc_const_bitmap_t s = worker_set(pl, w);
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
