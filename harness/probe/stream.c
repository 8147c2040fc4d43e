/* Probe: memory bandwidth, STREAM triad a[i] = b[i] + s * c[i] on arrays of
 * doubles, at each thread count of the ladder (1, 2, 4, ... cores), threads
 * placed as the kernels' workers are (one per core, compact; or the --cpus
 * list).  Each thread first-touches and then works on its own slice, so on a
 * NUMA machine the pages sit on its node.
 *
 * Array size: STREAM's rule is each array at least 4x the last-level caches
 * together (hwloc's sizes); it is capped at 1 GiB per array and a quarter of
 * the available memory for all three (quick: 16 MiB), and setup says whether
 * the rule was met.  Bytes counted: 24 per element (two reads, one write; the
 * write-allocate read is not counted, as in STREAM). */
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pb.h"
#include "probe.h"

#define CAP_BYTES ((size_t)1 << 30)
#define QUICK_BYTES ((size_t)16 << 20)
#define MIN_BYTES ((size_t)64 << 20)
#define SCALAR 3.0

struct stream_job {
    unsigned threads;
    size_t n;                       /* elements per array */
    double *a, *b, *x;              /* x: the third array (STREAM's c) */
};

static void slice(const struct stream_job *j, unsigned w, size_t *lo, size_t *hi)
{
    *lo = j->n * w / j->threads;
    *hi = j->n * (w + 1) / j->threads;
}

/* First touch, by the thread that will use the slice. */
static void touch(void *arg, unsigned w)
{
    struct stream_job *j = arg;
    size_t lo, hi;
    slice(j, w, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        j->a[i] = 0;
        j->b[i] = 1;
        j->x[i] = 2;
    }
}

static void triad(void *arg, unsigned w)
{
    struct stream_job *j = arg;
    size_t lo, hi;
    slice(j, w, &lo, &hi);
    double *restrict a = j->a;
    const double *restrict b = j->b, *restrict x = j->x;
    for (size_t i = lo; i < hi; i++)
        a[i] = b[i] + SCALAR * x[i];
}

static double bandwidth(void *arg, double wall_s)
{
    const struct stream_job *j = arg;
    return 3.0 * sizeof(double) * (double)j->n / wall_s;
}

/* Last-level cache bytes of the whole machine: every instance of the deepest
 * data/unified cache level hwloc knows, added up. */
static size_t llc_bytes(struct pb_topo *t)
{
    hwloc_topology_t topo = pb_topo_hwloc(t);
    static const hwloc_obj_type_t levels[] = {HWLOC_OBJ_L5CACHE, HWLOC_OBJ_L4CACHE,
                                              HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L2CACHE,
                                              HWLOC_OBJ_L1CACHE};
    for (size_t l = 0; l < sizeof levels / sizeof *levels; l++) {
        int n = hwloc_get_nbobjs_by_type(topo, levels[l]);
        size_t total = 0;
        for (int i = 0; i < n; i++) {
            hwloc_obj_t o = hwloc_get_obj_by_type(topo, levels[l], (unsigned)i);
            if (o->attr)
                total += (size_t)o->attr->cache.size;
        }
        if (total)
            return total;
    }
    return 0;
}

/* The triad with j->threads threads of plan `pl`; samples into xs[0..*nx). */
static int run_threads(const struct pb_probe_ctx *c, struct stream_job *j,
                       struct pb_placement *pl, double *xs, size_t *nx, char *err,
                       size_t errlen)
{
    int rc = -1;
    size_t bytes = j->n * sizeof(double);
    j->a = malloc(bytes);
    j->b = malloc(bytes);
    j->x = malloc(bytes);
    if (!j->a || !j->b || !j->x) {
        snprintf(err, errlen, "out of memory for 3 arrays of %zu MiB", bytes >> 20);
        goto out;
    }
    struct pb_probe_team t = {.threads = j->threads, .setup = touch, .step = triad,
                              .value = bandwidth, .arg = j};
    rc = pb_probe_team_run(c, &t, pl, xs, nx, err, errlen);
    if (rc == 0 && j->a[0] != 1 + SCALAR * 2) {
        snprintf(err, errlen, "the triad computed a[0] = %g, not %g", j->a[0], 1 + SCALAR * 2);
        rc = -1;
    }
out:
    free(j->a);
    free(j->b);
    free(j->x);
    return rc;
}

int pb_probe_stream(const struct pb_probe_ctx *c, cJSON *figures, cJSON *root, char *err,
                    size_t errlen)
{
    (void)root;
    size_t llc = llc_bytes(c->topo);
    size_t want = 4 * llc > MIN_BYTES ? 4 * llc : MIN_BYTES;
    long avail = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t room = avail > 0 && page > 0 ? (size_t)avail * (size_t)page / 4 / 3 : CAP_BYTES;
    size_t bytes = want < CAP_BYTES ? want : CAP_BYTES;
    if (bytes > room)
        bytes = room;
    if (c->quick)
        bytes = QUICK_BYTES;
    double *xs = calloc(c->reps.max_n, sizeof *xs);
    if (!xs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t l = 0; l < c->nladder && rc == 0; l++) {
        struct stream_job j = {.threads = c->ladder[l], .n = bytes / sizeof(double)};
        struct pb_placement *pl = NULL;
        size_t nx = 0;
        if (pb_probe_plan(c, j.threads, &pl, err, errlen) != 0 ||
            run_threads(c, &j, pl, xs, &nx, err, errlen) != 0) {
            pb_placement_free(pl);
            rc = -1;
            break;
        }
        cJSON *s = cJSON_CreateObject();
        pb_probe_team_setup(c, pl, j.threads, s);
        cJSON_AddNumberToObject(s, "array_bytes", (double)bytes);
        cJSON_AddNumberToObject(s, "llc_bytes", (double)llc);
        cJSON_AddBoolToObject(s, "stream_rule_met", llc > 0 && bytes >= 4 * llc);
        cJSON_AddNumberToObject(s, "bytes_per_element", 3 * sizeof(double));
        char id[64];
        snprintf(id, sizeof id, "stream.triad.t%u", j.threads);
        pb_probe_figure(figures, id, "stream", "STREAM triad bandwidth (24 bytes per element)",
                        "B/s", j.threads, xs, nx, s);
        pb_placement_free(pl);
    }
    free(xs);
    return rc;
}
