/* Placement on the machines of today: CPU kinds (the hybrid and big.LITTLE
 * hwloc XML fixtures in tests/fixtures/topology), the capacity a plan gives,
 * the SMT yield pair, and NUMA memory (node per worker on the synthetic
 * 2-package, 2-NUMA machine of the golden tests, real memory binding here). */
#define _GNU_SOURCE
#include <errno.h>
#include <hwloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "pb.h"
#include "placement.h"

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

static void check_sets(const struct pb_placement *pl, const char *const *want, unsigned n)
{
    CHECK_EQ_U(pb_placement_workers(pl), n);
    for (unsigned w = 0; w < n; w++) {
        char text[256];
        pb_placement_cpuset_text(pl, w, text, sizeof text);
        CHECK_STR(text, want[w]);
    }
}

static void expect_plan_error(struct pb_topo *t, unsigned workers, const struct pb_place_opts *o,
                              const char *want)
{
    char err[PB_ERRLEN] = "";
    struct pb_placement *pl = NULL;
    CHECK(pb_placement_make(&pl, t, workers, o, err, sizeof err) == -1);
    CHECK(pl == NULL);
    CHECK_STR(err, want);
}

static void test_kinds_hybrid(void)
{
    struct pb_topo *t = load(NULL, "hybrid-8p16e.xml");
    CHECK_EQ_U(pb_topo_nkinds(t), 2);
    CHECK_STR(pb_topo_kind_name(t, 0), "IntelCore");
    CHECK_STR(pb_topo_kind_name(t, 1), "IntelAtom");
    CHECK_STR(pb_topo_kind_name(t, 2), "");
    CHECK_EQ_U(pb_topo_kind_efficiency(t, 0), 1);
    CHECK_EQ_U(pb_topo_kind_efficiency(t, 1), 0);
    CHECK_EQ_U(pb_topo_kind_cores(t, 0), 8);
    CHECK_EQ_U(pb_topo_kind_pus(t, 0), 16);
    CHECK_EQ_U(pb_topo_kind_cores(t, 1), 16);
    CHECK_EQ_U(pb_topo_kind_pus(t, 1), 16);
    char text[256];
    pb_topo_kind_cpus(t, 0, text, sizeof text);
    CHECK_STR(text, "0-15");
    pb_topo_kind_cpus(t, 1, text, sizeof text);
    CHECK_STR(text, "16-31");
    CHECK(strstr(pb_topo_kind_infos(t, 0), "FrequencyMaxMHz=5800") != NULL);
    pb_topo_smt_siblings(t, text, sizeof text);
    CHECK_STR(text, "0-1 2-3 4-5 6-7 8-9 10-11 12-13 14-15");

    /* default: P-cores first, whole cores, then E-cores */
    struct pb_placement *pl = plan(t, 12, NULL);
    static const char *const compact12[] = {"0-1", "2-3", "4-5", "6-7", "8-9", "10-11",
                                            "12-13", "14-15", "16", "17", "18", "19"};
    check_sets(pl, compact12, 12);
    for (unsigned w = 0; w < 12; w++) {
        CHECK_EQ_U(pb_placement_kind(pl, w), w < 8 ? 0 : 1);
        CHECK_STR(pb_placement_kind_name(pl, w), w < 8 ? "IntelCore" : "IntelAtom");
    }
    CHECK_STR(pb_placement_kinds(pl), "all");
    /* capacity: an E-core gives 0.6 of a P-core here */
    double rates[2] = {100.0, 60.0};
    CHECK_NEAR(pb_placement_capacity(pl, rates, 2, 100.0), 8 + 4 * 0.6, 1e-12);
    CHECK_NEAR(pb_placement_capacity(pl, rates, 2, 50.0), 2 * (8 + 4 * 0.6), 1e-12);
    CHECK(isnan(pb_placement_capacity(pl, rates, 1, 100.0)));    /* no E-core rate */
    CHECK(isnan(pb_placement_capacity(pl, rates, 2, 0.0)));
    double no_e[2] = {100.0, NAN};
    CHECK(isnan(pb_placement_capacity(pl, no_e, 2, 100.0)));
    pb_placement_free(pl);

    /* the first 8 workers alone need no E-core rate */
    pl = plan(t, 8, &(struct pb_place_opts){.bind = PB_BIND_CORE, .policy = PB_POLICY_SCATTER});
    CHECK_NEAR(pb_placement_capacity(pl, no_e, 2, 100.0), 8.0, 1e-12);
    pb_placement_free(pl);

    /* pu scatter: every P-core, then every E-core before a P sibling */
    pl = plan(t, 26, &(struct pb_place_opts){.bind = PB_BIND_PU, .policy = PB_POLICY_SCATTER});
    for (unsigned w = 0; w < 26; w++) {
        pb_placement_cpuset_text(pl, w, text, sizeof text);
        char want[16];
        snprintf(want, sizeof want, "%u", w < 8 ? 2 * w : w < 24 ? w + 8 : 2 * (w - 24) + 1);
        if (w == 25)
            snprintf(want, sizeof want, "9");   /* the second round spreads too */
        CHECK_STR(text, want);
    }
    pb_placement_free(pl);

    /* one kind only, or the slow one first */
    pl = plan(t, 4, &(struct pb_place_opts){.bind = PB_BIND_CORE, .kinds = "IntelAtom"});
    static const char *const atom4[] = {"16", "17", "18", "19"};
    check_sets(pl, atom4, 4);
    CHECK_STR(pb_placement_kinds(pl), "IntelAtom");
    CHECK_NEAR(pb_placement_capacity(pl, rates, 2, 100.0), 4 * 0.6, 1e-12);
    pb_placement_free(pl);
    pl = plan(t, 10, &(struct pb_place_opts){.bind = PB_BIND_CORE,
                                             .kinds = "IntelAtom,IntelCore"});
    CHECK_STR(pb_placement_kind_name(pl, 15 - 6), "IntelAtom");
    pb_placement_free(pl);
    pl = plan(t, 18, &(struct pb_place_opts){.bind = PB_BIND_CORE,
                                             .kinds = "IntelAtom,IntelCore"});
    CHECK_STR(pb_placement_kind_name(pl, 15), "IntelAtom");
    CHECK_STR(pb_placement_kind_name(pl, 16), "IntelCore");
    pb_placement_free(pl);
    /* any: topology order, as before kinds */
    pl = plan(t, 24, &(struct pb_place_opts){.bind = PB_BIND_CORE, .kinds = "any"});
    pb_placement_cpuset_text(pl, 8, text, sizeof text);
    CHECK_STR(text, "16");
    pb_placement_free(pl);
    /* an unbound plan has no kinds, and no capacity to claim */
    pl = plan(t, 4, &(struct pb_place_opts){.bind = PB_BIND_NONE});
    CHECK(pb_placement_kind(pl, 0) == -1);
    CHECK_STR(pb_placement_kind_name(pl, 0), "");
    CHECK(isnan(pb_placement_capacity(pl, rates, 2, 100.0)));
    pb_placement_free(pl);

    /* the ladder over the kinds chosen */
    unsigned l[32];
    static const unsigned fast_auto[] = {1, 2, 4, 8, 16}, atom_auto[] = {1, 2, 4, 8, 16},
                          all_auto[] = {1, 2, 4, 8, 16, 24, 32};
    struct pb_place_opts lo = {.bind = PB_BIND_CORE, .kinds = "fastest"};
    CHECK_EQ_U(pb_topo_ladder_for(t, &lo, 0, l, 32), 5);
    for (unsigned i = 0; i < 5; i++)
        CHECK_EQ_U(l[i], fast_auto[i]);
    CHECK_EQ_U(pb_topo_ladder_for(t, &lo, 1, l, 32), 8);   /* -w all: 1..8 */
    lo.kinds = "IntelAtom";
    CHECK_EQ_U(pb_topo_ladder_for(t, &lo, 0, l, 32), 5);
    for (unsigned i = 0; i < 5; i++)
        CHECK_EQ_U(l[i], atom_auto[i]);
    lo.kinds = NULL;
    CHECK_EQ_U(pb_topo_ladder_for(t, &lo, 0, l, 32), 7);
    for (unsigned i = 0; i < 7; i++)
        CHECK_EQ_U(l[i], all_auto[i]);
    lo.kinds = "Zen4";   /* left for the plan to report */
    CHECK_EQ_U(pb_topo_ladder_for(t, &lo, 0, l, 32), 7);

    expect_plan_error(t, 9, &(struct pb_place_opts){.bind = PB_BIND_CORE, .kinds = "fastest"},
                      "9 workers but only 8 cores of --kinds fastest to bind to (choose more "
                      "kinds, use --bind pu, or --oversubscribe)");
    expect_plan_error(t, 17, &(struct pb_place_opts){.bind = PB_BIND_PU, .kinds = "IntelCore"},
                      "17 workers but only 16 PUs of --kinds IntelCore to bind to (choose more "
                      "kinds, or use --oversubscribe)");
    expect_plan_error(t, 1, &(struct pb_place_opts){.bind = PB_BIND_CORE, .kinds = "Zen4"},
                      "--kinds: no CPU kind 'Zen4' here (kinds: IntelCore, IntelAtom)");
    expect_plan_error(t, 1, &(struct pb_place_opts){.bind = PB_BIND_NONE, .kinds = "fastest"},
                      "--kinds fastest cannot be used with --bind none");
    expect_plan_error(t, 1,
                      &(struct pb_place_opts){.bind = PB_BIND_CORE, .kinds = "IntelCore",
                                              .cpus = "0"},
                      "--kinds IntelCore cannot be used with --cpus (the list chooses the CPUs)");
    /* oversubscribed within a kind wraps inside it */
    pl = plan(t, 10, &(struct pb_place_opts){.bind = PB_BIND_CORE, .kinds = "fastest",
                                             .oversubscribe = true});
    CHECK(pb_placement_oversubscribed(pl));
    pb_placement_cpuset_text(pl, 9, text, sizeof text);
    CHECK_STR(text, "2-3");
    pb_placement_free(pl);
    pb_topo_free(t);
}

static void test_kinds_arm(void)
{
    struct pb_topo *t = load(NULL, "arm-1p3b4l.xml");
    CHECK_EQ_U(pb_topo_nkinds(t), 3);
    CHECK_STR(pb_topo_kind_name(t, 0), "kind2");   /* no CoreType: hwloc's index */
    CHECK_STR(pb_topo_kind_name(t, 1), "kind1");
    CHECK_STR(pb_topo_kind_name(t, 2), "kind0");
    CHECK_EQ_U(pb_topo_kind_cores(t, 0), 1);
    CHECK_EQ_U(pb_topo_kind_cores(t, 1), 3);
    CHECK_EQ_U(pb_topo_kind_cores(t, 2), 4);
    char text[64];
    pb_topo_smt_siblings(t, text, sizeof text);
    CHECK_STR(text, "none");
    /* prime, then big, then LITTLE, whatever the OS numbering */
    struct pb_placement *pl = plan(t, 8, NULL);
    static const char *const all8[] = {"7", "4", "5", "6", "0", "1", "2", "3"};
    check_sets(pl, all8, 8);
    double rates[3] = {3.0, 2.4, 1.0};
    CHECK_NEAR(pb_placement_capacity(pl, rates, 3, 3.0), (3.0 + 3 * 2.4 + 4 * 1.0) / 3.0, 1e-12);
    pb_placement_free(pl);
    pl = plan(t, 5, &(struct pb_place_opts){.bind = PB_BIND_CORE, .kinds = "kind0,kind2"});
    static const char *const l_then_p[] = {"0", "1", "2", "3", "7"};
    check_sets(pl, l_then_p, 5);
    pb_placement_free(pl);
    char err[PB_ERRLEN];
    struct pb_placement *a, *b;
    CHECK(pb_placement_make_smt_pair(&a, &b, t, 2, NULL, err, sizeof err) == -1);
    CHECK(strstr(err, "has no SMT") != NULL);
    pb_topo_free(t);
}

static void test_no_kinds(void)
{
    struct pb_topo *t = load("pack:1 core:4 pu:2", NULL);
    CHECK_EQ_U(pb_topo_nkinds(t), 0);
    struct pb_placement *pl = plan(t, 3, &(struct pb_place_opts){.bind = PB_BIND_CORE,
                                                                 .kinds = "fastest"});
    CHECK_STR(pb_placement_kind_name(pl, 0), "");
    CHECK(pb_placement_kind(pl, 0) == -1);
    double r = 5;
    CHECK_NEAR(pb_placement_capacity(pl, &r, 1, 0.0), 3.0, 0);   /* all cores alike */
    pb_placement_free(pl);
    expect_plan_error(t, 1, &(struct pb_place_opts){.bind = PB_BIND_CORE, .kinds = "IntelCore"},
                      "--kinds: no CPU kind 'IntelCore' here: hwloc reports no kinds on synthetic "
                      "\"pack:1 core:4 pu:2\" (all cores alike; use all, fastest, slowest or any)");
    pb_topo_free(t);

    /* the syntax, checked before any machine is known */
    char err[PB_ERRLEN];
    CHECK(pb_kinds_check("all", err, sizeof err) == 0);
    CHECK(pb_kinds_check("IntelAtom,IntelCore", err, sizeof err) == 0);
    CHECK(pb_kinds_check("kind0", err, sizeof err) == 0);
    static const char *const bad[] = {"", ",", "a,", ",a", "a,,b", "a b", "a;b", "x,x",
                                      "all,IntelCore", "fastest,slowest"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(pb_kinds_check(bad[i], err, sizeof err) == -1);
        CHECK(strncmp(err, "--kinds: ", 9) == 0);
    }
    struct pb_place_opts o = {0};
    CHECK(pb_place_opt_parse(&o, "kinds", "IntelCore", err, sizeof err) == 0);
    CHECK_STR(o.kinds, "IntelCore");
    CHECK(pb_place_opt_parse(&o, "membind", "interleave", err, sizeof err) == 0);
    CHECK(o.membind == PB_MEMBIND_INTERLEAVE);
    CHECK(pb_place_opt_parse(&o, "membind", "near", err, sizeof err) == -1);
    CHECK_STR(err, "--membind: unknown choice 'near' (none, local, interleave)");
    CHECK(pb_place_opt_parse(&o, "kinds", "a,,b", err, sizeof err) == -1);
    CHECK(pb_place_opt_parse(&o, "bind", "core", err, sizeof err) == -1);
    enum pb_membind m;
    CHECK(pb_membind_parse("local", &m) == 0 && m == PB_MEMBIND_LOCAL);
    CHECK(pb_membind_parse("Local", &m) == -1);
    CHECK_STR(pb_membind_name(PB_MEMBIND_NONE), "none");
}

static void test_smt_pair(void)
{
    struct pb_topo *t = load("pack:2 core:4 pu:2", NULL);
    char err[PB_ERRLEN], text[128];
    pb_topo_smt_siblings(t, text, sizeof text);
    CHECK_STR(text, "0-1 2-3 4-5 6-7 8-9 10-11 12-13 14-15");
    struct pb_placement *sp = NULL, *pk = NULL;
    struct pb_place_opts o = {.policy = PB_POLICY_SCATTER};
    CHECK(pb_placement_make_smt_pair(&sp, &pk, t, 4, &o, err, sizeof err) == 0);
    if (sp && pk) {
        static const char *const spread4[] = {"0", "4", "8", "12"};
        static const char *const packed4[] = {"0", "1", "8", "9"};
        check_sets(sp, spread4, 4);
        check_sets(pk, packed4, 4);
        CHECK(pb_placement_binds(sp) && pb_placement_binds(pk));
        CHECK(pb_placement_bind_kind(pk) == PB_BIND_PU);
        CHECK(!pb_placement_oversubscribed(pk));
    }
    pb_placement_free(sp);
    pb_placement_free(pk);
    CHECK(pb_placement_make_smt_pair(&sp, &pk, t, 8, NULL, err, sizeof err) == 0);
    if (sp && pk) {
        /* compact: the first 8 cores one PU each, the first 4 cores both PUs */
        for (unsigned w = 0; w < 8; w++) {
            char want[8];
            pb_placement_cpuset_text(sp, w, text, sizeof text);
            snprintf(want, sizeof want, "%u", 2 * w);
            CHECK_STR(text, want);
            pb_placement_cpuset_text(pk, w, text, sizeof text);
            snprintf(want, sizeof want, "%u", w);
            CHECK_STR(text, want);
        }
    }
    pb_placement_free(sp);
    pb_placement_free(pk);
    sp = pk = (struct pb_placement *)&o;   /* must be reset to NULL */
    CHECK(pb_placement_make_smt_pair(&sp, &pk, t, 3, NULL, err, sizeof err) == -1);
    CHECK(sp == NULL && pk == NULL);
    CHECK_STR(err, "SMT yield: 3 workers: needs an even count of at least 2 (two per core when "
                   "packed)");
    CHECK(pb_placement_make_smt_pair(&sp, &pk, t, 10, NULL, err, sizeof err) == -1);
    CHECK_STR(err, "SMT yield: 10 workers need 10 cores with SMT, but there are 8");
    CHECK(pb_placement_make_smt_pair(&sp, &pk, t, 2, &(struct pb_place_opts){.cpus = "0,1"}, err,
                                     sizeof err) == -1);
    pb_topo_free(t);

    /* hybrid: only the P-cores have siblings */
    t = load(NULL, "hybrid-8p16e.xml");
    CHECK(pb_placement_make_smt_pair(&sp, &pk, t, 8, NULL, err, sizeof err) == 0);
    if (sp && pk)
        for (unsigned w = 0; w < 8; w++) {
            CHECK_STR(pb_placement_kind_name(sp, w), "IntelCore");
            CHECK_STR(pb_placement_kind_name(pk, w), "IntelCore");
        }
    pb_placement_free(sp);
    pb_placement_free(pk);
    CHECK(pb_placement_make_smt_pair(&sp, &pk, t, 2, &(struct pb_place_opts){.kinds = "slowest"},
                                     err, sizeof err) == -1);
    CHECK_STR(err, "SMT yield: 2 workers need 2 cores with SMT of --kinds slowest, but there are 0");
    pb_topo_free(t);
}

/* Worker -> NUMA node on the synthetic 2-package, 2-NUMA machine. */
static void test_numa_nodes(void)
{
    struct pb_topo *t = load("pack:2 numa:2 core:8 pu:2", NULL);
    char text[128], err[PB_ERRLEN];
    struct pb_placement *pl = plan(t, 4, &(struct pb_place_opts){.bind = PB_BIND_CORE,
                                                                 .policy = PB_POLICY_SCATTER,
                                                                 .membind = PB_MEMBIND_LOCAL});
    CHECK(pb_placement_membind(pl) == PB_MEMBIND_LOCAL);
    for (unsigned w = 0; w < 4; w++) {
        char want[16];
        CHECK_EQ_U(pb_placement_numa_node(pl, w), w);
        pb_placement_memory_text(pl, w, text, sizeof text);
        snprintf(want, sizeof want, "numa %u", w);
        CHECK_STR(text, want);
    }
    CHECK(pb_placement_numa_node(pl, 4) == -1);   /* not a worker */
    /* a plan for another machine binds no memory */
    char buf[64];
    CHECK(pb_placement_membind_area(pl, 0, buf, sizeof buf, err, sizeof err) == -1);
    CHECK(strstr(err, "describes another machine") != NULL);
    pb_placement_free(pl);

    /* compact 12: 8 on node 0, 4 on node 1 */
    pl = plan(t, 12, &(struct pb_place_opts){.bind = PB_BIND_CORE,
                                             .membind = PB_MEMBIND_INTERLEAVE});
    for (unsigned w = 0; w < 12; w++)
        CHECK_EQ_U(pb_placement_numa_node(pl, w), w < 8 ? 0 : 1);
    pb_placement_memory_text(pl, 11, text, sizeof text);
    CHECK_STR(text, "numa 0-1 interleaved");
    pb_placement_free(pl);

    /* no membind: nothing to say, nothing to do, even here */
    pl = plan(t, 2, NULL);
    pb_placement_memory_text(pl, 0, text, sizeof text);
    CHECK_STR(text, "");
    CHECK_EQ_U(pb_placement_numa_node(pl, 1), 0);
    CHECK(pb_placement_membind_area(pl, 0, buf, sizeof buf, err, sizeof err) == 0);
    pb_placement_free(pl);
    expect_plan_error(t, 2, &(struct pb_place_opts){.bind = PB_BIND_NONE,
                                                    .membind = PB_MEMBIND_INTERLEAVE},
                      "--membind interleave needs bound workers (--bind core or pu)");
    pl = plan(t, 2, &(struct pb_place_opts){.bind = PB_BIND_NONE});
    CHECK(pb_placement_numa_node(pl, 0) == -1);
    pb_placement_free(pl);
    pb_topo_free(t);
}

/* Real memory binding on this machine: a share of whole pages lands where the
 * plan says; skipped (with the reason) where binding memory is not allowed. */
/* The ladder of one --kinds choice as text: "1 2 4 8 16". */
static void ladder_text(const struct pb_topo *t, const char *kinds, int all, char *buf, size_t len)
{
    unsigned w[64];
    struct pb_place_opts o = {.bind = PB_BIND_CORE, .kinds = kinds};
    size_t n = pb_topo_ladder_for(t, &o, all, w, 64), used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? " " : "", w[i]);
}

/* --kinds each: the ladder once per kind, fastest first, each plan on its own kind. */
static void test_kinds_each(void)
{
    char err[PB_ERRLEN], text[128];
    CHECK(pb_kinds_check("each", err, sizeof err) == 0);
    CHECK(pb_kinds_check("each,IntelCore", err, sizeof err) == -1);
    CHECK(pb_kinds_is_each("each") && !pb_kinds_is_each("all") && !pb_kinds_is_each(NULL));

    struct pb_topo *t = load(NULL, "hybrid-8p16e.xml");
    const char *ch[8];
    CHECK_EQ_U(pb_kinds_expand(t, "each", ch, 8), 2);
    CHECK_STR(ch[0], "IntelCore");
    CHECK_STR(ch[1], "IntelAtom");
    CHECK_EQ_U(pb_kinds_expand(t, "each", ch, 1), 1);   /* at most max */
    CHECK_EQ_U(pb_kinds_expand(t, "IntelAtom", ch, 8), 1);
    CHECK_STR(ch[0], "IntelAtom");
    CHECK_EQ_U(pb_kinds_expand(t, NULL, ch, 8), 1);
    CHECK_STR(ch[0], "all");
    ladder_text(t, "IntelCore", 0, text, sizeof text);
    CHECK_STR(text, "1 2 4 8 16");   /* 8 cores, 16 PUs */
    ladder_text(t, "IntelAtom", 0, text, sizeof text);
    CHECK_STR(text, "1 2 4 8 16");   /* 16 cores, no SMT */
    ladder_text(t, "IntelCore", 1, text, sizeof text);
    CHECK_STR(text, "1 2 3 4 5 6 7 8");
    /* each choice's plan keeps to its kind, the 1-worker plans included */
    for (unsigned n = 1; n <= 8; n++) {
        struct pb_placement *p = plan(t, n, &(struct pb_place_opts){.bind = PB_BIND_CORE,
                                                                    .kinds = "IntelCore"});
        struct pb_placement *e = plan(t, n, &(struct pb_place_opts){.bind = PB_BIND_CORE,
                                                                    .kinds = "IntelAtom"});
        for (unsigned w = 0; w < n; w++) {
            CHECK_STR(pb_placement_kind_name(p, w), "IntelCore");
            CHECK_STR(pb_placement_kind_name(e, w), "IntelAtom");
        }
        pb_placement_free(p);
        pb_placement_free(e);
    }
    struct pb_placement *pl = plan(t, 4, &(struct pb_place_opts){.bind = PB_BIND_CORE,
                                                                 .kinds = "IntelAtom"});
    static const char *const e4[] = {"16", "17", "18", "19"};
    check_sets(pl, e4, 4);
    /* what the per-kind ladder buys: the E-cores' capacity in P-core units */
    double rates[2] = {4.0, 2.5};
    CHECK_NEAR(pb_placement_capacity(pl, rates, 2, 4.0), 4 * 2.5 / 4.0, 1e-12);
    pb_placement_free(pl);
    /* a single plan cannot be "each" */
    expect_plan_error(t, 2, &(struct pb_place_opts){.bind = PB_BIND_CORE, .kinds = "each"},
                      "--kinds each stands for one plan per CPU kind, not one plan (expand it "
                      "first)");
    pb_topo_free(t);

    t = load(NULL, "arm-1p3b4l.xml");
    CHECK_EQ_U(pb_kinds_expand(t, "each", ch, 8), 3);
    CHECK_STR(ch[0], "kind2");
    CHECK_STR(ch[1], "kind1");
    CHECK_STR(ch[2], "kind0");
    ladder_text(t, ch[0], 0, text, sizeof text);
    CHECK_STR(text, "1");
    ladder_text(t, ch[1], 0, text, sizeof text);
    CHECK_STR(text, "1 2 3");
    ladder_text(t, ch[2], 0, text, sizeof text);
    CHECK_STR(text, "1 2 4");
    pb_topo_free(t);

    /* all cores alike: one ladder, the machine's */
    t = load("pack:1 core:4 pu:2", NULL);
    CHECK_EQ_U(pb_kinds_expand(t, "each", ch, 8), 1);
    CHECK_STR(ch[0], "all");
    pb_topo_free(t);
}

static void test_membind_here(void)
{
    char err[PB_ERRLEN];
    struct pb_topo *t = NULL;
    if (pb_topo_load(&t, NULL, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "cannot load this machine: %s\n", err);
        pb_check_failures++;
        return;
    }
    if (!pb_topo_can_bind(t, err, sizeof err)) {
        printf("membind: skipped (%s)\n", err);
        pb_topo_free(t);
        return;
    }
    struct pb_placement *pl = plan(t, 1, &(struct pb_place_opts){.bind = PB_BIND_CORE,
                                                                 .membind = PB_MEMBIND_LOCAL});
    long page = sysconf(_SC_PAGESIZE);
    size_t len = 4 * (size_t)page;
    char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(mem != MAP_FAILED);
    if (mem == MAP_FAILED)
        goto out;
    memset(mem, 1, len);   /* touched first, so binding has to move the pages */
    /* less than a whole page inside the share: nothing to bind */
    CHECK(pb_placement_membind_area(pl, 0, mem + 1, (size_t)page, err, sizeof err) == 0);
    int rc = pb_placement_membind_area(pl, 0, mem + 1, len - 1, err, sizeof err);
    if (rc != 0 && (strstr(err, "cannot bind memory") || strstr(err, "Operation not permitted") ||
                    strstr(err, "Function not implemented"))) {
        printf("membind: skipped (%s)\n", err);
    } else {
        CHECK(rc == 0);
        if (rc != 0)
            fprintf(stderr, "membind_area: %s\n", err);
        /* pages 1..3 are bound to the node of worker 0 */
        hwloc_topology_t topo = pb_topo_hwloc(t);
        hwloc_bitmap_t nodes = hwloc_bitmap_alloc(), want = hwloc_bitmap_alloc();
        hwloc_membind_policy_t policy;
        char set[64];
        pb_placement_cpuset_text(pl, 0, set, sizeof set);
        hwloc_bitmap_t cpus = hwloc_bitmap_alloc();
        hwloc_bitmap_list_sscanf(cpus, set);
        hwloc_cpuset_to_nodeset(topo, cpus, want);
        if (hwloc_get_area_membind(topo, mem + page, len - (size_t)page, nodes, &policy,
                                   HWLOC_MEMBIND_BYNODESET) == 0) {
            CHECK(policy == HWLOC_MEMBIND_BIND);
            CHECK(hwloc_bitmap_isequal(nodes, want));
        }
        CHECK(pb_placement_membind_thread(pl, 0, err, sizeof err) == 0);
        CHECK(pb_placement_membind_thread(pl, 1, err, sizeof err) == -1);   /* no such worker */
        hwloc_bitmap_free(cpus);
        hwloc_bitmap_free(nodes);
        hwloc_bitmap_free(want);
    }
    munmap(mem, len);
out:
    pb_placement_free(pl);
    pb_topo_free(t);
}

int main(void)
{
    test_kinds_hybrid();
    test_kinds_arm();
    test_no_kinds();
    test_smt_pair();
    test_numa_nodes();
    test_kinds_each();
    test_membind_here();
    CHECK_DONE();
}
