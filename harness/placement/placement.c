/* Worker placement from the hwloc topology, in five files by job: this one
 * loads the topology (summary, ladder, XML export, drawing with lstopo) and
 * names the choices; plan.c plans workers and binds them; kinds.c reads CPU
 * kinds (P/E cores); numa.c places memory on NUMA nodes; cpulist.c parses
 * --cpus.  Their shared structs are in placement-internal.h.
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
#include "placement-internal.h"
#include "proc.h"

/* ---- names ------------------------------------------------------------- */

static const char *const bind_names[] = {"none", "core", "pu"};
static const char *const policy_names[] = {"compact", "scatter"};
static const char *const membind_names[] = {"none", "local", "interleave"};

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

const char *pb_membind_name(enum pb_membind m)
{
    return (unsigned)m < 3 ? membind_names[m] : "?";
}

int pb_membind_parse(const char *text, enum pb_membind *out)
{
    for (int i = 0; i < 3; i++)
        if (text && strcmp(text, membind_names[i]) == 0) {
            *out = (enum pb_membind)i;
            return 0;
        }
    return -1;
}

int pb_place_opt_parse(struct pb_place_opts *o, const char *opt, const char *value, char *err,
                       size_t errlen)
{
    if (strcmp(opt, "membind") == 0) {
        if (pb_membind_parse(value, &o->membind) != 0) {
            snprintf(err, errlen, "--membind: unknown choice '%s' (none, local, interleave)",
                     value);
            return -1;
        }
        return 0;
    }
    if (strcmp(opt, "kinds") == 0) {
        if (pb_kinds_check(value, err, errlen) != 0)
            return -1;
        o->kinds = value;
        return 0;
    }
    snprintf(err, errlen, "--%s: not a placement option", opt);
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
    if (pb__kinds_load(t) != 0) {
        snprintf(err, errlen, "out of memory reading the CPU kinds of %s", t->source);
        goto fail;
    }
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
    pb__kinds_free(t);
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

size_t pb__ladder(unsigned cores, unsigned pus, int all, unsigned *out, size_t max)
{
    size_t n = 0;
#define PUSH(v)                                                                        \
    do {                                                                               \
        if (n < max)                                                                   \
            out[n++] = (v);                                                            \
    } while (0)
    if (all) {
        for (unsigned w = 1; w <= cores; w++)
            PUSH(w);
    } else {
        for (unsigned w = 1; w < cores; w *= 2)
            PUSH(w);
        PUSH(cores);
        if (pus > cores)
            PUSH(pus);
    }
#undef PUSH
    return n;
}

size_t pb_topo_ladder(const struct pb_topo *t, int all, unsigned *out, size_t max)
{
    return pb__ladder(t->ncores, t->npus, all, out, max);
}

void pb_topo_smt_siblings(const struct pb_topo *t, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    size_t used = 0;
    if (t->core_type == HWLOC_OBJ_CORE)
        for (unsigned i = 0; i < t->ncores && used < len; i++) {
            hwloc_obj_t c = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_CORE, i);
            if (hwloc_bitmap_weight(c->cpuset) < 2)
                continue;
            char set[64];
            hwloc_bitmap_list_snprintf(set, sizeof set, c->cpuset);
            int n = snprintf(buf + used, len - used, "%s%s", used ? " " : "", set);
            used = n < 0 ? len : used + (size_t)n;
        }
    if (!buf[0])
        snprintf(buf, len, "none");
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

