/* SMT (issue 16): the pre-flight's sibling line and its check for plans that
 * double up on cores, the SMT yield's worker counts and plans (which PUs each
 * variant uses) on synthetic and XML topologies with SMT (2 x 64 x 2 with
 * Linux's numbering, the hybrid and big.LITTLE fixtures), and the timing
 * machinery on this machine's CPUs (no figure is asserted: only that the
 * samples ran and the block has its fields). */
#define _GNU_SOURCE
#include <hwloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernel.h"
#include "pb.h"
#include "placement-smt.h"
#include "placement.h"
#include "smt-yield.h"

/* 2 packages x 64 cores x 2 PUs numbered as Linux does on x86 servers:
 * core c has PUs c and c + 128. */
#define BIG "pack:2 core:64 pu:2(indexes=2*128:1*2)"

static struct pb_topo *load(const char *synthetic, const char *fixture)
{
    char err[PB_ERRLEN] = "", path[4096] = "";
    if (fixture) {
        const char *data = getenv("PB_TEST_DATA");   /* tests/data */
        snprintf(path, sizeof path, "%s/../fixtures/topology/%s", data ? data : "tests/data",
                 fixture);
    }
    struct pb_topo *t = NULL;
    if (pb_topo_load(&t, synthetic, fixture ? path : NULL, err, sizeof err) != 0) {
        fprintf(stderr, "cannot load %s: %s\n", fixture ? path : synthetic, err);
        exit(1);
    }
    return t;
}

static struct pb_placement *plan(struct pb_topo *t, unsigned workers,
                                 const struct pb_place_opts *o)
{
    char err[PB_ERRLEN] = "";
    struct pb_placement *pl = NULL;
    if (pb_placement_make(&pl, t, workers, o, err, sizeof err) != 0) {
        fprintf(stderr, "plan of %u workers failed: %s\n", workers, err);
        exit(1);
    }
    return pl;
}

static void test_sibling_text(void)
{
    char text[512];
    struct pb_topo *t = load(BIG, NULL);
    CHECK_EQ_U(pb_topo_smt_cores(t), 128);
    pb_topo_smt_text(t, 4, text, sizeof text);
    CHECK_STR(text, "2 threads per core; siblings 0,128 1,129 2,130 3,131 ... 127,255 (128 cores)");
    pb_topo_smt_text(t, 4, text, 40);   /* truncated, still terminated */
    CHECK_EQ_U(strlen(text), 39);
    pb_topo_free(t);

    t = load("pack:1 core:5 pu:2", NULL);   /* 5 = show + 1: nothing left out */
    pb_topo_smt_text(t, 4, text, sizeof text);
    CHECK_STR(text, "2 threads per core; siblings 0-1 2-3 4-5 6-7 8-9 (5 cores)");
    pb_topo_free(t);

    t = load(NULL, "hybrid-8p16e.xml");   /* only the P-cores have two threads */
    CHECK_EQ_U(pb_topo_smt_cores(t), 8);
    pb_topo_smt_text(t, 2, text, sizeof text);
    CHECK_STR(text, "2 threads per core on 8 of 24 cores; siblings 0-1 2-3 ... 14-15 (8 cores)");
    pb_topo_free(t);

    t = load(NULL, "arm-1p3b4l.xml");
    CHECK_EQ_U(pb_topo_smt_cores(t), 0);
    pb_topo_smt_text(t, 4, text, sizeof text);
    CHECK_STR(text, "none (one thread per core)");
    pb_topo_free(t);
}

/* shared cores and idle cores of one plan */
static void expect_shared(struct pb_topo *t, unsigned workers, const struct pb_place_opts *o,
                          unsigned want_shared, unsigned want_idle)
{
    struct pb_placement *pl = plan(t, workers, o);
    unsigned idle = 99, shared = pb_placement_smt_shared(pl, &idle);
    if (shared != want_shared || idle != want_idle)
        fprintf(stderr, "%u workers (bind %s, policy %s, cpus %s, kinds %s): shared %u idle %u, "
                        "want %u and %u\n",
                workers, pb_bind_name(o->bind), pb_policy_name(o->policy),
                o->cpus ? o->cpus : "-", o->kinds ? o->kinds : "-", shared, idle, want_shared,
                want_idle);
    CHECK_EQ_U(shared, want_shared);
    CHECK_EQ_U(idle, want_idle);
    pb_placement_free(pl);
}

static void test_shared(void)
{
    struct pb_topo *t = load("pack:1 core:4 pu:2", NULL);
    const struct pb_place_opts pu_compact = {.bind = PB_BIND_PU, .policy = PB_POLICY_COMPACT};
    const struct pb_place_opts pu_scatter = {.bind = PB_BIND_PU, .policy = PB_POLICY_SCATTER};
    const struct pb_place_opts core = {.bind = PB_BIND_CORE, .oversubscribe = true};
    expect_shared(t, 1, &pu_compact, 0, 3);
    expect_shared(t, 2, &pu_compact, 1, 3);   /* PUs 0 and 1: the warning's case */
    expect_shared(t, 6, &pu_compact, 3, 1);
    expect_shared(t, 8, &pu_compact, 4, 0);   /* every PU: nothing idle */
    expect_shared(t, 4, &pu_scatter, 0, 0);
    expect_shared(t, 5, &pu_scatter, 1, 0);   /* more workers than cores: no idle core */
    expect_shared(t, 4, &core, 0, 0);
    expect_shared(t, 6, &core, 2, 0);         /* oversubscribed whole cores */
    expect_shared(t, 3, &(struct pb_place_opts){.bind = PB_BIND_NONE}, 0, 0);
    expect_shared(t, 2, &(struct pb_place_opts){.bind = PB_BIND_PU, .cpus = "0,1"}, 1, 3);
    expect_shared(t, 2, &(struct pb_place_opts){.bind = PB_BIND_PU, .cpus = "0,2"}, 0, 2);
    pb_topo_free(t);

    t = load(BIG, NULL);
    expect_shared(t, 2, &(struct pb_place_opts){.bind = PB_BIND_PU, .cpus = "0,128"}, 1, 127);
    expect_shared(t, 2, &pu_compact, 1, 127);   /* compact: core 0's PUs, 0 and 128 */
    pb_topo_free(t);

    /* hybrid: idle counts only the cores of the kinds the plan chose */
    t = load(NULL, "hybrid-8p16e.xml");
    expect_shared(t, 2, &pu_compact, 1, 23);
    expect_shared(t, 2, &(struct pb_place_opts){.bind = PB_BIND_PU, .kinds = "fastest"}, 1, 7);
    expect_shared(t, 16, &(struct pb_place_opts){.bind = PB_BIND_PU, .kinds = "fastest"}, 8, 0);
    expect_shared(t, 4, &(struct pb_place_opts){.bind = PB_BIND_PU, .kinds = "slowest"}, 0, 12);
    pb_topo_free(t);

    t = load("pack:1 core:4 pu:1", NULL);   /* no SMT: one PU per core */
    expect_shared(t, 2, &pu_compact, 0, 2);
    pb_topo_free(t);
}

static void check_counts(struct pb_topo *t, const struct pb_place_opts *o, const unsigned *w,
                         size_t nw, const unsigned *want, size_t nwant)
{
    unsigned out[64];
    size_t n = pb_smt_yield_counts(t, o, w, nw, out, 64);
    CHECK_EQ_U(n, nwant);
    for (size_t i = 0; i < n && i < nwant; i++)
        CHECK_EQ_U(out[i], want[i]);
}

static void test_counts(void)
{
    const struct pb_place_opts def = {.bind = PB_BIND_CORE};
    struct pb_topo *t = load(BIG, NULL);
    unsigned ladder[64];
    size_t nl = pb_topo_ladder(t, 0, ladder, 64);   /* 1 2 4 ... 128 256 */
    static const unsigned big[] = {2, 4, 8, 16, 32, 64, 128};
    check_counts(t, &def, ladder, nl, big, 7);
    static const unsigned odd[] = {1, 3, 1000}, fallback[] = {2, 128};
    check_counts(t, &def, odd, 3, fallback, 2);
    static const unsigned dup[] = {4, 4, 6}, dup_want[] = {4, 6};
    check_counts(t, &def, dup, 3, dup_want, 2);
    pb_topo_free(t);

    t = load(NULL, "hybrid-8p16e.xml");
    nl = pb_topo_ladder(t, 0, ladder, 64);   /* 1 2 4 8 16 24 32: SMT only on 8 cores */
    static const unsigned hyb[] = {2, 4, 8};
    check_counts(t, &def, ladder, nl, hyb, 3);
    check_counts(t, &(struct pb_place_opts){.bind = PB_BIND_CORE, .kinds = "slowest"}, ladder,
                 nl, NULL, 0);
    pb_topo_free(t);

    t = load(NULL, "arm-1p3b4l.xml");
    nl = pb_topo_ladder(t, 0, ladder, 64);
    check_counts(t, &def, ladder, nl, NULL, 0);
    pb_topo_free(t);
}

static const cJSON *item(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* A string field, "" when absent. */
static const char *text(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(item(o, key));
    return s ? s : "";
}

/* The cpusets of pair i's `which` plan, joined with spaces. */
static void sets_of(const cJSON *y, int i, const char *which, char *buf, size_t len)
{
    const cJSON *p = cJSON_GetArrayItem(item(y, "pairs"), i), *s;
    size_t used = 0;
    buf[0] = '\0';
    cJSON_ArrayForEach(s, item(item(p, which), "cpusets"))
        used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "",
                                 cJSON_GetStringValue(s));
}

static void test_plans(void)
{
    char text[2048];
    struct pb_topo *t = load(BIG, NULL);
    static const unsigned c[] = {2, 4};
    cJSON *y = pb_smt_yield(t, &(struct pb_place_opts){.policy = PB_POLICY_SCATTER}, c, 2, NULL, 0,
                            true, NULL);
    CHECK(y != NULL);
    CHECK(cJSON_IsFalse(item(y, "measured")));
    CHECK(strstr(cJSON_GetStringValue(item(y, "skipped")), "describes another machine") != NULL);
    CHECK_STR(cJSON_GetStringValue(item(y, "policy")), "scatter");
    CHECK_EQ_U(cJSON_GetArraySize(item(y, "pairs")), 2);
    sets_of(y, 0, "spread", text, sizeof text);
    CHECK_STR(text, "0 64");        /* one core in each package */
    sets_of(y, 0, "packed", text, sizeof text);
    CHECK_STR(text, "0 128");       /* both PUs of core 0 */
    sets_of(y, 1, "spread", text, sizeof text);
    CHECK_STR(text, "0 32 64 96");
    sets_of(y, 1, "packed", text, sizeof text);
    CHECK_STR(text, "0 128 64 192");
    const cJSON *p1 = cJSON_GetArrayItem(item(y, "pairs"), 1);
    CHECK_EQ_U(item(p1, "workers")->valuedouble, 4);
    CHECK_EQ_U(item(item(p1, "spread"), "cores")->valuedouble, 4);
    CHECK_EQ_U(item(item(p1, "packed"), "cores")->valuedouble, 2);
    CHECK_EQ_U(cJSON_GetArraySize(item(p1, "loops")), 0);   /* not timed */
    cJSON_Delete(y);

    /* compact: the first cores of package 0 */
    static const unsigned c8[] = {8};
    y = pb_smt_yield(t, &(struct pb_place_opts){.policy = PB_POLICY_COMPACT}, c8, 1, NULL, 0, false,
                     NULL);
    sets_of(y, 0, "spread", text, sizeof text);
    CHECK_STR(text, "0 1 2 3 4 5 6 7");
    sets_of(y, 0, "packed", text, sizeof text);
    CHECK_STR(text, "0 128 1 129 2 130 3 131");
    cJSON_Delete(y);

    /* --cpus: no pair can be planned; a count too big: that count is left out */
    y = pb_smt_yield(t, &(struct pb_place_opts){.cpus = "0,1"}, c, 2, NULL, 0, true, NULL);
    CHECK(cJSON_IsFalse(item(y, "measured")));
    CHECK(strstr(cJSON_GetStringValue(item(y, "skipped")), "--cpus") != NULL);
    CHECK_EQ_U(cJSON_GetArraySize(item(y, "pairs")), 0);
    cJSON_Delete(y);
    pb_topo_free(t);

    /* hybrid: the pairs stay on the P-cores, whatever the E-cores */
    t = load(NULL, "hybrid-8p16e.xml");
    static const unsigned h[] = {2, 8, 10};
    y = pb_smt_yield(t, &(struct pb_place_opts){.policy = PB_POLICY_COMPACT}, h, 3, NULL, 0, true,
                     NULL);
    CHECK_EQ_U(cJSON_GetArraySize(item(y, "pairs")), 2);
    sets_of(y, 0, "spread", text, sizeof text);
    CHECK_STR(text, "0 2");
    sets_of(y, 0, "packed", text, sizeof text);
    CHECK_STR(text, "0 1");
    sets_of(y, 1, "spread", text, sizeof text);
    CHECK_STR(text, "0 2 4 6 8 10 12 14");
    sets_of(y, 1, "packed", text, sizeof text);
    CHECK_STR(text, "0 1 2 3 4 5 6 7");
    cJSON_Delete(y);
    pb_topo_free(t);

    /* no SMT: why, and no plans */
    t = load(NULL, "arm-1p3b4l.xml");
    y = pb_smt_yield(t, &(struct pb_place_opts){.policy = PB_POLICY_COMPACT}, NULL, 0, NULL, 0,
                     true, NULL);
    CHECK(strstr(cJSON_GetStringValue(item(y, "skipped")), "has no SMT") != NULL);
    CHECK_EQ_U(cJSON_GetArraySize(item(y, "pairs")), 0);
    cJSON_Delete(y);
    pb_topo_free(t);
}

static void test_kernel_here(const struct pb_placement *sp, const struct pb_placement *pk);

/* The timing on this machine: any two plans it can bind (two CPUs, and both
 * workers on the first), each loop's fields filled and positive. */
static void test_timing_here(void)
{
    struct pb_topo *t = load(NULL, NULL);
    char why[256], cpus[64];
    hwloc_const_bitmap_t allowed =
        hwloc_topology_get_allowed_cpuset((hwloc_topology_t)pb_topo_hwloc(t));
    int a = hwloc_bitmap_first(allowed), b = hwloc_bitmap_next(allowed, a);
    if (!pb_topo_can_bind(t, why, sizeof why) || b < 0) {
        printf("timing not checked here: %s\n", b < 0 ? "one CPU" : why);
        pb_topo_free(t);
        return;
    }
    snprintf(cpus, sizeof cpus, "%d,%d", a, b);
    struct pb_placement *sp =
        plan(t, 2, &(struct pb_place_opts){.bind = PB_BIND_PU, .cpus = cpus});
    snprintf(cpus, sizeof cpus, "%d", a);
    struct pb_placement *pk = plan(
        t, 2, &(struct pb_place_opts){.bind = PB_BIND_PU, .cpus = cpus, .oversubscribe = true});
    const struct pb_smt_yield_opts yo = {.sample_s = 0.005, .samples = 7};
    for (int l = 0; l < PB_SMT_YIELD_NLOOPS; l++) {
        cJSON *o = cJSON_CreateObject();
        char err[PB_ERRLEN] = "";
        int rc = pb_smt_yield_time(sp, pk, l, &yo, o, err, sizeof err);
        if (rc != 0 && strstr(err, "not") && strstr(err, "architecture")) {
            printf("timing not checked here: %s\n", err);
            cJSON_Delete(o);
            break;
        }
        CHECK(rc == 0);
        if (rc != 0)
            fprintf(stderr, "loop %d: %s\n", l, err);
        CHECK_STR(cJSON_GetStringValue(item(o, "loop")), pb_smt_yield_loops[l]);
        CHECK_STR(cJSON_GetStringValue(item(o, "unit")), "adds/s");
        static const char *const keys[] = {"spread_per_core", "packed_per_core", "spread_total",
                                           "packed_total", "yield"};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            CHECK(cJSON_IsNumber(item(o, keys[k])) && item(o, keys[k])->valuedouble > 0);
        /* the totals are the per-core figures times the cores each plan counts */
        double st = item(o, "spread_total")->valuedouble;
        double pt = item(o, "packed_total")->valuedouble;
        CHECK_NEAR(st, 2 * item(o, "spread_per_core")->valuedouble, 1e-6 * st);
        CHECK_NEAR(pt, item(o, "packed_per_core")->valuedouble, 1e-6 * pt);
        const cJSON *lo = item(o, "yield_low"), *hi = item(o, "yield_high");
        CHECK(cJSON_IsNumber(lo) && cJSON_IsNumber(hi));
        if (cJSON_IsNumber(lo) && cJSON_IsNumber(hi))
            CHECK(lo->valuedouble <= item(o, "yield")->valuedouble &&
                  item(o, "yield")->valuedouble <= hi->valuedouble);
        cJSON_Delete(o);
    }
    test_kernel_here(sp, pk);
    pb_placement_free(sp);
    pb_placement_free(pk);
    pb_topo_free(t);
}

static int refuse(const struct pb_workload *w, const void *out, char *why, size_t len)
{
    (void)w;
    (void)out;
    snprintf(why, len, "refused by the test");
    return -1;
}

/* A kernel on the same two plans, with the threads mode: fields filled, and a
 * kernel whose output fails its check is an error, not a figure. */
static void test_kernel_here(const struct pb_placement *sp, const struct pb_placement *pk)
{
    const struct pb_kernel *k = pb_kernel_find("primes");
    struct pb_params params;
    struct pb_workload w = {0};
    char err[PB_ERRLEN] = "";
    if (!k || pb_params_init(&params, k, PB_SIZE_TINY, err, sizeof err) != 0 ||
        k->prepare(&w, &params, err, sizeof err) != 0) {
        fprintf(stderr, "cannot prepare primes: %s\n", err);
        pb_check_failures++;
        return;
    }
    void *out = malloc(w.ntasks * w.out_size);
    struct pb_smt_work wk = {.k = k, .w = &w, .params = &params, .out = out, .timeout_s = 60};
    cJSON *o = cJSON_CreateObject();
    int rc = pb_smt_yield_kernel(sp, pk, &wk, 0.05, 7, o, err, sizeof err);
    CHECK(rc == 0);
    if (rc != 0)
        fprintf(stderr, "primes: %s\n", err);
    CHECK_STR(text(o, "kernel"), "primes");
    CHECK_STR(text(o, "mode"), "threads");
    CHECK_STR(text(o, "unit"), "numbers/s");
    const cJSON *n = item(o, "samples");
    CHECK(cJSON_IsNumber(n) && n->valuedouble >= 3 && n->valuedouble <= 7);
    CHECK(cJSON_IsNumber(item(o, "yield")) && item(o, "yield")->valuedouble > 0);
    CHECK(cJSON_IsNumber(item(o, "spread_per_core")) &&
          item(o, "spread_per_core")->valuedouble > 0);
    cJSON_Delete(o);

    struct pb_kernel bad = *k;
    bad.check = refuse;
    wk.k = &bad;
    o = cJSON_CreateObject();
    CHECK(pb_smt_yield_kernel(sp, pk, &wk, 0.05, 7, o, err, sizeof err) == -1);
    CHECK_STR(err, "validation failed: refused by the test");
    cJSON_Delete(o);
    free(out);
    if (k->release)
        k->release(&w);
}

int main(void)
{
    test_sibling_text();
    test_shared();
    test_counts();
    test_plans();
    test_timing_here();
    CHECK_DONE();
}
