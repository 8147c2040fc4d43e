/* The probe driver: which CPUs the probes use, the shared sampling loop, and
 * the probe.json tree (schema in results/PROBE.md) with its readable table. */
#define _GNU_SOURCE
#include <errno.h>
#include <hwloc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pb.h"
#include "probe.h"
#include "stats.h"
#include "sysinfo.h"

const char *const pb_probe_names[] = {"pipe", "fork", "futex", "handoff", "thread", "fault",
                                      "c2c", "stream", "clock", NULL};
static pb_probe_fn *const probe_fns[] = {pb_probe_pipe,   pb_probe_fork,  pb_probe_futex,
                                         pb_probe_handoff, pb_probe_thread, pb_probe_fault,
                                         pb_probe_c2c,    pb_probe_stream, pb_probe_clock};

/* ---- helpers every probe uses ---------------------------------------------- */

int pb_probe_pin(const struct pb_probe_ctx *c, unsigned i, bool process, char *err, size_t errlen)
{
    if (!c->pinned)
        return 0;
    return process ? pb_placement_bind_process(c->pin[i], 0, err, errlen)
                   : pb_placement_bind_thread(c->pin[i], 0, err, errlen);
}

struct on_cpu {
    const struct pb_probe_ctx *c;
    unsigned i;
    void *(*fn)(void *);
    void *arg;
    int rc;
    char err[PB_ERRLEN];
};

static void *on_cpu_main(void *p)
{
    struct on_cpu *o = p;
    o->rc = pb_probe_pin(o->c, o->i, false, o->err, sizeof o->err);
    if (o->rc == 0)
        o->fn(o->arg);
    return NULL;
}

int pb_probe_on_cpu(const struct pb_probe_ctx *c, unsigned i, void *(*fn)(void *), void *arg,
                    char *err, size_t errlen)
{
    /* A fresh thread, so the caller's own binding is never changed. */
    struct on_cpu o = {.c = c, .i = i, .fn = fn, .arg = arg};
    pthread_t th;
    int e = pthread_create(&th, NULL, on_cpu_main, &o);
    if (e != 0) {
        char eb[128];
        snprintf(err, errlen, "pthread_create: %s", pb_strerror(e, eb, sizeof eb));
        return -1;
    }
    pthread_join(th, NULL);
    if (o.rc != 0)
        snprintf(err, errlen, "%s", o.err);
    return o.rc;
}

int pb_probe_sample(const struct pb_probe_ctx *c,
                    int (*sample)(void *arg, double *x, char *err, size_t errlen), void *arg,
                    double *out, size_t *n, char *err, size_t errlen)
{
    double warm;
    *n = 0;
    if (sample(arg, &warm, err, errlen) != 0)
        return -1;
    double t0 = pb_now();
    while (*n < c->reps.max_n) {
        if (*n >= c->reps.min_n && pb_now() - t0 >= c->reps.budget_s)
            break;
        if (pb_stop_signal) {
            snprintf(err, errlen, "interrupted");
            return -1;
        }
        if (sample(arg, &out[*n], err, errlen) != 0)
            return -1;
        (*n)++;
    }
    return 0;
}

struct sample_job {
    const struct pb_probe_ctx *c;
    int (*sample)(void *arg, double *x, char *err, size_t errlen);
    void *arg;
    double *xs;
    size_t n;
    int rc;
    char err[PB_ERRLEN];
};

static void *sample_main(void *p)
{
    struct sample_job *s = p;
    s->rc = pb_probe_sample(s->c, s->sample, s->arg, s->xs, &s->n, s->err, sizeof s->err);
    return NULL;
}

int pb_probe_sample_on_cpu(const struct pb_probe_ctx *c, unsigned i,
                           int (*sample)(void *arg, double *x, char *err, size_t errlen),
                           void *arg, double *xs, size_t *nx, char *err, size_t errlen)
{
    struct sample_job s = {.c = c, .sample = sample, .arg = arg, .xs = xs};
    *nx = 0;
    if (pb_probe_on_cpu(c, i, sample_main, &s, err, errlen) != 0)
        return -1;
    if (s.rc != 0) {
        snprintf(err, errlen, "%s", s.err);
        return -1;
    }
    *nx = s.n;
    return 0;
}

static void add_or_null(cJSON *o, const char *key, bool ok, double v)
{
    if (ok && isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

void pb_probe_figure(cJSON *figures, const char *id, const char *probe, const char *what,
                     const char *unit, unsigned threads, const double *x, size_t n, cJSON *setup)
{
    struct pb_summary s;
    pb_summarise(x, n, &s);
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "id", id);
    cJSON_AddStringToObject(f, "probe", probe);
    cJSON_AddStringToObject(f, "what", what);
    cJSON_AddStringToObject(f, "unit", unit);
    if (threads)
        cJSON_AddNumberToObject(f, "threads", threads);
    cJSON_AddNumberToObject(f, "n", (double)s.n);
    add_or_null(f, "median", s.n > 0, s.median);
    add_or_null(f, "ci_low", s.has_ci, s.ci_low);
    add_or_null(f, "ci_high", s.has_ci, s.ci_high);
    add_or_null(f, "min", s.n > 0, s.min);
    add_or_null(f, "max", s.n > 0, s.max);
    cJSON_AddNumberToObject(f, "outliers", (double)s.n_outliers);
    cJSON_AddItemToObject(f, "setup", setup ? setup : cJSON_CreateObject());
    cJSON_AddItemToArray(figures, f);
}

double pb_probe_num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

double pb_probe_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size = 0, resident = 0;
    int got = f ? fscanf(f, "%llu %llu", &size, &resident) : 0;
    if (f)
        fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return got == 2 && page > 0 ? (double)resident * (double)page : 0;
}

int pb_probe_plan(const struct pb_probe_ctx *c, unsigned threads, struct pb_placement **pl,
                  char *err, size_t errlen)
{
    struct pb_place_opts po = {.bind = PB_BIND_CORE, .policy = PB_POLICY_COMPACT};
    char list[8192] = "";
    if (!c->pinned)
        po.bind = PB_BIND_NONE;
    else if (c->explicit_cpus) {
        /* The first `threads` CPUs of --cpus, one thread on each. */
        size_t used = 0;
        for (unsigned i = 0; i < threads && i < c->ncpus && used + 16 < sizeof list; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%d", i ? "," : "",
                                     c->cpus[i]);
        po.cpus = list;
    }
    return pb_placement_make(pl, c->topo, threads, &po, err, errlen);
}

/* ---- which CPUs ------------------------------------------------------------- */

/* Fill c->cpus from --cpus (or every allowed PU), the 1-CPU plans, the pair
 * and the ladder.  Returns 0, -2 for a bad --cpus (err), -1 on failure. */
static int setup_cpus(struct pb_probe_ctx *c, const char *cpus, char *err, size_t errlen)
{
    hwloc_topology_t topo = pb_topo_hwloc(c->topo);
    hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(topo);
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    int rc = 0;
    if (!set) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (cpus) {
        if (hwloc_bitmap_list_sscanf(set, cpus) != 0 || hwloc_bitmap_iszero(set) ||
            hwloc_bitmap_weight(set) < 0) {
            snprintf(err, errlen, "--cpus: '%s' is not a CPU list (e.g. 0,2,4-7)", cpus);
            rc = -2;
            goto out;
        }
        if (!hwloc_bitmap_isincluded(set, allowed)) {
            char have[256];
            hwloc_bitmap_list_snprintf(have, sizeof have, allowed);
            snprintf(err, errlen, "--cpus: '%s' names CPUs this process may not use (it may use %s)",
                     cpus, have);
            rc = -2;
            goto out;
        }
    } else {
        hwloc_bitmap_copy(set, allowed);
    }
    unsigned id;
    c->ncpus = 0;
    hwloc_bitmap_foreach_begin(id, set) {
        if (c->ncpus < PB_PROBE_MAX_CPUS)
            c->cpus[c->ncpus++] = (int)id;
    }
    hwloc_bitmap_foreach_end();

    char why[256];
    c->pinned = pb_topo_can_bind(c->topo, why, sizeof why);
    if (!c->pinned)
        pb_warn("probes run unpinned: %s", why);
    for (unsigned i = 0; c->pinned && i < c->ncpus; i++) {
        char one[16];
        snprintf(one, sizeof one, "%d", c->cpus[i]);
        struct pb_place_opts po = {.bind = PB_BIND_PU, .policy = PB_POLICY_COMPACT, .cpus = one};
        if (pb_placement_make(&c->pin[i], c->topo, 1, &po, err, errlen) != 0) {
            rc = -1;
            goto out;
        }
    }

    /* The pair: the first CPU and the first after it on another core, so that
     * pipe and futex cross cores, not SMT siblings, when the machine allows. */
    c->pair[0] = 0;
    c->pair[1] = c->ncpus > 1 ? 1 : -1;
    hwloc_obj_t pu0 = hwloc_get_pu_obj_by_os_index(topo, (unsigned)c->cpus[0]);
    hwloc_obj_t core0 = pu0 ? hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu0) : NULL;
    for (unsigned i = 1; core0 && i < c->ncpus; i++) {
        hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(topo, (unsigned)c->cpus[i]);
        if (pu && hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu) != core0) {
            c->pair[1] = (int)i;
            break;
        }
    }

    /* Thread counts for stream and clock: 1, 2, 4, ... and the whole set, one
     * thread per core (per listed CPU with --cpus), as `-w auto` would. */
    unsigned most = c->explicit_cpus ? c->ncpus : pb_topo_cores(c->topo);
    if (most > c->ncpus)
        most = c->ncpus;
    c->nladder = 0;
    for (unsigned p = 1; p < most && c->nladder + 1 < sizeof c->ladder / sizeof *c->ladder; p *= 2)
        c->ladder[c->nladder++] = p;
    c->ladder[c->nladder++] = most;
out:
    hwloc_bitmap_free(set);
    return rc;
}

/* ---- the run ---------------------------------------------------------------- */

static bool selected(const char *only, const char *name)
{
    if (!only)
        return true;
    size_t n = strlen(name);
    for (const char *p = only; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

/* Every name in --only must be a probe. */
static int check_only(const char *only, char *err, size_t errlen)
{
    if (!only)
        return 0;
    if (!*only) {
        snprintf(err, errlen, "--only: empty list");
        return -2;
    }
    for (const char *p = only; *p;) {
        size_t len = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; pb_probe_names[i]; i++)
            found |= strlen(pb_probe_names[i]) == len && strncmp(p, pb_probe_names[i], len) == 0;
        if (!found) {
            snprintf(err, errlen,
                     "--only: unknown probe '%.*s' (pipe, fork, futex, thread, fault, c2c, "
                     "stream, clock)",
                     (int)len, p);
            return -2;
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

int pb_probe_run(struct pb_topo *t, const struct pb_probe_opts *o, int argc, char **argv,
                 cJSON **out, char *err, size_t errlen)
{
    *out = NULL;
    int rc = check_only(o->only, err, errlen);
    if (rc != 0)
        return rc;
    struct pb_probe_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->topo = t;
    c->quick = o->quick;
    c->explicit_cpus = o->cpus != NULL;
    /* quick: the fewest samples a 95% CI needs (7: the CI is [min, max]). */
    c->reps = o->quick ? (struct pb_probe_reps){7, 7, 0.0} : (struct pb_probe_reps){15, 41, 1.0};
    rc = setup_cpus(c, o->cpus, err, errlen);
    cJSON *root = NULL;
    if (rc != 0)
        goto out;

    root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "schema", PB_PROBE_SCHEMA);
    cJSON_AddItemToObject(root, "system", pb_sysinfo(t, argc, argv));
    cJSON *m = cJSON_AddObjectToObject(root, "method");
    cJSON_AddBoolToObject(m, "quick", c->quick);
    cJSON_AddNumberToObject(m, "ci_level", PB_CI_LEVEL);
    cJSON_AddNumberToObject(m, "min_samples", (double)c->reps.min_n);
    cJSON_AddNumberToObject(m, "max_samples", (double)c->reps.max_n);
    cJSON_AddNumberToObject(m, "budget_s", c->reps.budget_s);
    cJSON_AddBoolToObject(m, "pinned", c->pinned);
    cJSON *cl = cJSON_AddArrayToObject(m, "cpus");
    for (unsigned i = 0; i < c->ncpus; i++)
        cJSON_AddItemToArray(cl, cJSON_CreateNumber(c->cpus[i]));
    cJSON *ld = cJSON_AddArrayToObject(m, "threads");
    for (size_t i = 0; i < c->nladder; i++)
        cJSON_AddItemToArray(ld, cJSON_CreateNumber(c->ladder[i]));
    cJSON *probes = cJSON_AddArrayToObject(m, "probes");
    cJSON *figures = cJSON_AddArrayToObject(root, "figures");
    cJSON *skipped = cJSON_AddArrayToObject(root, "skipped");

    for (size_t i = 0; pb_probe_names[i]; i++) {
        if (!selected(o->only, pb_probe_names[i]))
            continue;
        cJSON_AddItemToArray(probes, cJSON_CreateString(pb_probe_names[i]));
        pb_info("probe %s ...", pb_probe_names[i]);
        char why[PB_ERRLEN] = "";
        int r = probe_fns[i](c, figures, root, why, sizeof why);
        if (r < 0) {
            snprintf(err, errlen, "probe %s: %s", pb_probe_names[i], why);
            rc = -1;
            goto out;
        }
        if (r > 0) {
            pb_warn("probe %s skipped: %s", pb_probe_names[i], why);
            cJSON *s = cJSON_CreateObject();
            cJSON_AddStringToObject(s, "probe", pb_probe_names[i]);
            cJSON_AddStringToObject(s, "reason", why);
            cJSON_AddItemToArray(skipped, s);
        }
    }
out:
    for (unsigned i = 0; i < c->ncpus; i++)
        pb_placement_free(c->pin[i]);
    free(c);
    if (rc != 0) {
        cJSON_Delete(root);
        return rc;
    }
    *out = root;
    return 0;
}

/* ---- the table -------------------------------------------------------------- */

/* A unit the reader takes in at a glance: seconds as ns/us/ms/s, B/s as GB/s,
 * Hz as MHz.  Returns the factor to multiply by. */
static double display_unit(const char *unit, double median, const char **shown)
{
    if (strcmp(unit, "s") == 0) {
        double a = fabs(median);
        if (a < 1e-6) {
            *shown = "ns";
            return 1e9;
        }
        if (a < 1e-3) {
            *shown = "us";
            return 1e6;
        }
        if (a < 1) {
            *shown = "ms";
            return 1e3;
        }
        *shown = "s";
        return 1;
    }
    if (strcmp(unit, "B/s") == 0) {
        *shown = "GB/s";
        return 1e-9;
    }
    if (strcmp(unit, "Hz") == 0) {
        *shown = "MHz";
        return 1e-6;
    }
    *shown = unit;
    return 1;
}

static void print_num(double v, double k)
{
    if (isfinite(v))
        printf(" %10.4g", v * k);
    else
        printf(" %10s", "-");
}

static void print_c2c(const cJSON *c2c)
{
    const cJSON *cpus = cJSON_GetObjectItemCaseSensitive(c2c, "cpus");
    const cJSON *med = cJSON_GetObjectItemCaseSensitive(c2c, "median_ns");
    int n = cJSON_GetArraySize(cpus);
    if (n <= 0 || cJSON_GetArraySize(med) != n)
        return;
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(c2c, "summary");
    printf("\ncore-to-core one-way latency (CAS ping-pong, ns), %d CPUs: min %.4g, median %.4g, "
           "max %.4g\n",
           n, pb_probe_num(sum, "min_ns"), pb_probe_num(sum, "median_ns"),
           pb_probe_num(sum, "max_ns"));
    if (n > 16) {
        printf("(the %dx%d matrix is in probe.json and c2c-heatmap.svg)\n", n, n);
        return;
    }
    printf("%8s", "from\\to");
    for (int j = 0; j < n; j++)
        printf(" %7.0f", cJSON_GetArrayItem(cpus, j)->valuedouble);
    printf("\n");
    for (int i = 0; i < n; i++) {
        printf("%8.0f", cJSON_GetArrayItem(cpus, i)->valuedouble);
        const cJSON *row = cJSON_GetArrayItem(med, i);
        for (int j = 0; j < n; j++) {
            const cJSON *v = cJSON_GetArrayItem(row, j);
            if (cJSON_IsNumber(v))
                printf(" %7.1f", v->valuedouble);
            else
                printf(" %7s", "-");
        }
        printf("\n");
    }
}

void pb_probe_print(const cJSON *root)
{
    const cJSON *figures = cJSON_GetObjectItemCaseSensitive(root, "figures");
    if (cJSON_GetArraySize(figures) > 0)
        printf("%-30s %10s %10s %10s  %-5s %s\n", "figure", "median", "ci_low", "ci_high",
               "unit", "n");
    const cJSON *f;
    cJSON_ArrayForEach(f, figures) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "id");
        const cJSON *unit = cJSON_GetObjectItemCaseSensitive(f, "unit");
        if (!cJSON_IsString(id) || !cJSON_IsString(unit))
            continue;
        double med = pb_probe_num(f, "median");
        const char *shown;
        double k = display_unit(unit->valuestring, med, &shown);
        printf("%-30s", id->valuestring);
        print_num(med, k);
        print_num(pb_probe_num(f, "ci_low"), k);
        print_num(pb_probe_num(f, "ci_high"), k);
        printf("  %-5s %.0f\n", shown, pb_probe_num(f, "n"));
    }
    const cJSON *c2c = cJSON_GetObjectItemCaseSensitive(root, "c2c");
    if (c2c)
        print_c2c(c2c);
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(root, "skipped")) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(s, "probe");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(s, "reason");
        printf("skipped %s: %s\n", cJSON_IsString(p) ? p->valuestring : "?",
               cJSON_IsString(r) ? r->valuestring : "?");
    }
}
