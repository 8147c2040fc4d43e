/* Placement: plans on synthetic machines (no big hardware needed), input
 * errors, XML round trip, and real binding of a thread and a forked child on
 * this machine. */
#define _GNU_SOURCE
#include <errno.h>
#include <hwloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "pb.h"
#include "placement.h"

static struct pb_topo *load_synthetic(const char *desc)
{
    char err[PB_ERRLEN] = "";
    struct pb_topo *t = NULL;
    if (pb_topo_load(&t, desc, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "cannot load \"%s\": %s\n", desc, err);
        exit(1);
    }
    return t;
}

static struct pb_placement *plan(struct pb_topo *t, unsigned workers, enum pb_bind b,
                                 enum pb_policy p)
{
    char err[PB_ERRLEN] = "";
    struct pb_place_opts o = {.bind = b, .policy = p};
    struct pb_placement *pl = NULL;
    if (pb_placement_make(&pl, t, workers, &o, err, sizeof err) != 0) {
        fprintf(stderr, "plan of %u workers failed: %s\n", workers, err);
        exit(1);
    }
    return pl;
}

/* Logical index of the one object of `type` that contains worker w's cpuset, -1 if none. */
static int container(struct pb_topo *t, const struct pb_placement *pl, unsigned w,
                     hwloc_obj_type_t type)
{
    hwloc_topology_t topo = pb_topo_hwloc(t);
    char text[256];
    pb_placement_cpuset_text(pl, w, text, sizeof text);
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    hwloc_bitmap_list_sscanf(set, text);
    int found = -1;
    for (int i = 0; i < hwloc_get_nbobjs_by_type(topo, type); i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, (unsigned)i);
        if (hwloc_bitmap_isincluded(set, o->cpuset))
            found = i;
    }
    hwloc_bitmap_free(set);
    return found;
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

static void test_names(void)
{
    enum pb_bind b;
    enum pb_policy p;
    CHECK(pb_bind_parse("none", &b) == 0 && b == PB_BIND_NONE);
    CHECK(pb_bind_parse("core", &b) == 0 && b == PB_BIND_CORE);
    CHECK(pb_bind_parse("pu", &b) == 0 && b == PB_BIND_PU);
    CHECK(pb_bind_parse("socket", &b) == -1);
    CHECK(pb_bind_parse("", &b) == -1);
    CHECK(pb_bind_parse("Core", &b) == -1);
    CHECK(pb_policy_parse("compact", &p) == 0 && p == PB_POLICY_COMPACT);
    CHECK(pb_policy_parse("scatter", &p) == 0 && p == PB_POLICY_SCATTER);
    CHECK(pb_policy_parse("spread", &p) == -1);
    CHECK_STR(pb_bind_name(PB_BIND_PU), "pu");
    CHECK_STR(pb_policy_name(PB_POLICY_SCATTER), "scatter");
}

/* The acceptance case: pack:2 core:8 pu:2. */
static void test_two_packages(void)
{
    struct pb_topo *t = load_synthetic("pack:2 core:8 pu:2");
    CHECK(!pb_topo_is_this_system(t));
    CHECK_EQ_U(pb_topo_cores(t), 16);
    CHECK_EQ_U(pb_topo_pus(t), 32);

    /* scatter 4: two per package, four different cores */
    struct pb_placement *pl = plan(t, 4, PB_BIND_CORE, PB_POLICY_SCATTER);
    unsigned per_pkg[2] = {0, 0};
    bool core_seen[16] = {false};
    for (unsigned w = 0; w < 4; w++) {
        int pkg = container(t, pl, w, HWLOC_OBJ_PACKAGE);
        int core = container(t, pl, w, HWLOC_OBJ_CORE);
        CHECK(pkg == 0 || pkg == 1);
        CHECK(core >= 0 && core < 16);
        if (pkg >= 0 && pkg < 2)
            per_pkg[pkg]++;
        if (core >= 0 && core < 16) {
            CHECK(!core_seen[core]);
            core_seen[core] = true;
        }
    }
    CHECK_EQ_U(per_pkg[0], 2);
    CHECK_EQ_U(per_pkg[1], 2);
    CHECK(!pb_placement_oversubscribed(pl));
    CHECK(pb_placement_binds(pl));
    /* a core binding is the whole core: both SMT siblings */
    static const char *const scatter4[] = {"0-1", "8-9", "16-17", "24-25"};
    check_sets(pl, scatter4, 4);
    char where[256];
    pb_placement_where(pl, 2, where, sizeof where);
    CHECK_STR(where, "package 1, numa 0, core 8");
    pb_placement_free(pl);

    /* compact 4: cores 0-3 of package 0 */
    pl = plan(t, 4, PB_BIND_CORE, PB_POLICY_COMPACT);
    static const char *const compact4[] = {"0-1", "2-3", "4-5", "6-7"};
    check_sets(pl, compact4, 4);
    for (unsigned w = 0; w < 4; w++) {
        CHECK_EQ_U(container(t, pl, w, HWLOC_OBJ_PACKAGE), 0);
        CHECK_EQ_U(container(t, pl, w, HWLOC_OBJ_CORE), w);
    }
    CHECK(pb_placement_has_cpu(pl, 1, 2));
    CHECK(pb_placement_has_cpu(pl, 1, 3));
    CHECK(!pb_placement_has_cpu(pl, 1, 4));
    CHECK(!pb_placement_has_cpu(pl, 1, -1));
    CHECK(!pb_placement_has_cpu(pl, 9, 0));   /* not a worker of this plan */
    pb_placement_free(pl);

    /* scatter with every core: each core once */
    pl = plan(t, 16, PB_BIND_CORE, PB_POLICY_SCATTER);
    for (unsigned w = 0; w < 16; w++)
        CHECK_EQ_U(container(t, pl, w, HWLOC_OBJ_CORE), w);
    pb_placement_free(pl);

    /* pu scatter: one PU per core (first siblings) until every core has one */
    pl = plan(t, 18, PB_BIND_PU, PB_POLICY_SCATTER);
    for (unsigned w = 0; w < 16; w++) {
        char text[64], want[64];
        pb_placement_cpuset_text(pl, w, text, sizeof text);
        snprintf(want, sizeof want, "%u", 2 * w);
        CHECK_STR(text, want);
    }
    /* then second siblings, again spread over the packages */
    CHECK_EQ_U(container(t, pl, 16, HWLOC_OBJ_PACKAGE), 0);
    CHECK_EQ_U(container(t, pl, 17, HWLOC_OBJ_PACKAGE), 1);
    char text[64];
    pb_placement_cpuset_text(pl, 16, text, sizeof text);
    CHECK_STR(text, "1");
    pb_placement_cpuset_text(pl, 17, text, sizeof text);
    CHECK_STR(text, "17");
    pb_placement_free(pl);

    /* pu compact: siblings filled together */
    pl = plan(t, 3, PB_BIND_PU, PB_POLICY_COMPACT);
    static const char *const pucompact3[] = {"0", "1", "2"};
    check_sets(pl, pucompact3, 3);
    pb_placement_free(pl);

    /* the default options are core + compact */
    char err[PB_ERRLEN];
    CHECK(pb_placement_make(&pl, t, 2, NULL, err, sizeof err) == 0);
    static const char *const def2[] = {"0-1", "2-3"};
    check_sets(pl, def2, 2);
    CHECK(pb_placement_bind_kind(pl) == PB_BIND_CORE);
    CHECK(pb_placement_policy(pl) == PB_POLICY_COMPACT);
    CHECK(pb_placement_cpus(pl) == NULL);

    /* a synthetic plan prints but never binds */
    CHECK(!pb_topo_can_bind(t, NULL, 0));
    err[0] = '\0';
    CHECK(pb_placement_bind_thread(pl, 0, err, sizeof err) == -1);
    CHECK(strstr(err, "describes another machine") != NULL);
    err[0] = '\0';
    CHECK(pb_placement_bind_process(pl, 1, err, sizeof err) == -1);
    CHECK(strstr(err, "synthetic") != NULL);
    pb_placement_free(pl);
    pb_topo_free(t);
}

/* NUMA nodes inside packages: scatter reaches every NUMA node before doubling up. */
static void test_numa(void)
{
    struct pb_topo *t = load_synthetic("pack:2 numa:2 core:8 pu:2");
    struct pb_topo_summary s;
    pb_topo_summary(t, &s);
    CHECK_EQ_U(s.packages, 2);
    CHECK_EQ_U(s.numa_nodes, 4);
    CHECK_EQ_U(s.cores, 32);
    CHECK_EQ_U(s.pus, 64);
    CHECK_EQ_U(s.smt, 2);

    struct pb_placement *pl = plan(t, 4, PB_BIND_CORE, PB_POLICY_SCATTER);
    bool numa_seen[4] = {false};
    for (unsigned w = 0; w < 4; w++) {
        int n = container(t, pl, w, HWLOC_OBJ_NUMANODE);
        CHECK(n >= 0 && n < 4);
        if (n >= 0 && n < 4) {
            CHECK(!numa_seen[n]);
            numa_seen[n] = true;
        }
    }
    pb_placement_free(pl);

    /* 3 workers: the extra one goes to the first package, on its other NUMA node */
    pl = plan(t, 3, PB_BIND_CORE, PB_POLICY_SCATTER);
    CHECK_EQ_U(container(t, pl, 0, HWLOC_OBJ_NUMANODE), 0);
    CHECK_EQ_U(container(t, pl, 1, HWLOC_OBJ_NUMANODE), 1);
    CHECK_EQ_U(container(t, pl, 2, HWLOC_OBJ_PACKAGE), 1);
    pb_placement_free(pl);

    /* oversubscribed scatter: the partial last round is spread too */
    char err[PB_ERRLEN];
    struct pb_place_opts o = {.bind = PB_BIND_CORE, .policy = PB_POLICY_SCATTER,
                              .oversubscribe = true};
    CHECK(pb_placement_make(&pl, t, 34, &o, err, sizeof err) == 0);
    CHECK(pb_placement_oversubscribed(pl));
    CHECK_EQ_U(container(t, pl, 32, HWLOC_OBJ_PACKAGE), 0);
    CHECK_EQ_U(container(t, pl, 33, HWLOC_OBJ_PACKAGE), 1);
    pb_placement_free(pl);
    pb_topo_free(t);
}

/* L3 domains inside packages. */
static void test_l3(void)
{
    struct pb_topo *t = load_synthetic("pack:2 l3:2 core:4 pu:2");
    struct pb_topo_summary s;
    pb_topo_summary(t, &s);
    CHECK_EQ_U(s.l3_domains, 4);
    CHECK(s.l3_bytes > 0);
    struct pb_placement *pl = plan(t, 4, PB_BIND_CORE, PB_POLICY_SCATTER);
    for (unsigned w = 0; w < 4; w++)
        CHECK_EQ_U(container(t, pl, w, HWLOC_OBJ_L3CACHE), w);
    pb_placement_free(pl);
    pl = plan(t, 4, PB_BIND_CORE, PB_POLICY_COMPACT);
    for (unsigned w = 0; w < 4; w++)
        CHECK_EQ_U(container(t, pl, w, HWLOC_OBJ_L3CACHE), 0);
    pb_placement_free(pl);
    pb_topo_free(t);
}

/* A plan that cannot be made must say why, in the words the CLI shows. */
static void expect_error(struct pb_topo *t, unsigned workers, enum pb_bind b, const char *cpus,
                         bool over, const char *want)
{
    char err[PB_ERRLEN] = "";
    struct pb_place_opts o = {.bind = b, .policy = PB_POLICY_COMPACT, .cpus = cpus,
                              .oversubscribe = over};
    struct pb_placement *pl = (struct pb_placement *)&err;   /* must be reset to NULL */
    int rc = pb_placement_make(&pl, t, workers, &o, err, sizeof err);
    CHECK(rc == -1);
    CHECK(pl == NULL);
    CHECK_STR(err, want);
}

static void test_errors(void)
{
    struct pb_topo *t = load_synthetic("pack:1 core:2 pu:1");
    expect_error(t, 8, PB_BIND_CORE, NULL, false,
                 "8 workers but only 2 cores to bind to (use --bind none, --bind pu, or "
                 "--oversubscribe)");
    expect_error(t, 3, PB_BIND_PU, NULL, false,
                 "3 workers but only 2 PUs to bind to (use --bind none or --oversubscribe)");
    expect_error(t, 0, PB_BIND_CORE, NULL, false, "0 workers: a plan needs at least one");
    expect_error(t, 1, PB_BIND_CORE, "9", false, "--cpus: CPU 9 is not in this machine (0-1)");
    expect_error(t, 1, PB_BIND_CORE, "0-9", false, "--cpus: CPU 9 is not in this machine (0-1)");
    expect_error(t, 1, PB_BIND_CORE, "99999999999", false,
                 "--cpus: CPU 99999999999 is not in this machine (0-1)");
    static const char *const malformed[] = {"1,,2", "a", "-1", "1-", ",1", "1,", "0 1", "+1",
                                            "1-2-3", "0x1", " 1"};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "--cpus: malformed CPU list '%s' (expected e.g. 0,2,4-7)",
                 malformed[i]);
        expect_error(t, 1, PB_BIND_CORE, malformed[i], false, want);
    }
    expect_error(t, 1, PB_BIND_CORE, "", false, "--cpus: empty CPU list (expected e.g. 0,2,4-7)");
    expect_error(t, 1, PB_BIND_CORE, "1-0", false, "--cpus: range 1-0 is reversed");
    expect_error(t, 1, PB_BIND_CORE, "0,1,0", false, "--cpus: CPU 0 is listed twice");
    expect_error(t, 3, PB_BIND_CORE, "0-1", false,
                 "3 workers but --cpus lists only 2 CPUs (list more or use --oversubscribe)");
    expect_error(t, 1, PB_BIND_NONE, "0", false, "--cpus cannot be used with --bind none");

    /* oversubscribed: wraps around */
    char err[PB_ERRLEN];
    struct pb_place_opts o = {.bind = PB_BIND_CORE, .oversubscribe = true};
    struct pb_placement *pl;
    CHECK(pb_placement_make(&pl, t, 8, &o, err, sizeof err) == 0);
    CHECK(pb_placement_oversubscribed(pl));
    static const char *const wrap[] = {"0", "1", "0", "1", "0", "1", "0", "1"};
    check_sets(pl, wrap, 8);
    pb_placement_free(pl);
    /* oversubscribe allowed but not needed: not marked */
    CHECK(pb_placement_make(&pl, t, 2, &o, err, sizeof err) == 0);
    CHECK(!pb_placement_oversubscribed(pl));
    pb_placement_free(pl);

    /* explicit list: the order written is the order of the workers */
    struct pb_place_opts lo = {.bind = PB_BIND_CORE, .cpus = "1,0"};
    CHECK(pb_placement_make(&pl, t, 2, &lo, err, sizeof err) == 0);
    static const char *const listed[] = {"1", "0"};
    check_sets(pl, listed, 2);
    CHECK_STR(pb_placement_cpus(pl), "1,0");
    pb_placement_free(pl);

    /* bind none: a plan that binds nothing */
    CHECK(pb_placement_make(&pl, t, 8, &(struct pb_place_opts){.bind = PB_BIND_NONE}, err,
                            sizeof err) == 0);
    CHECK(!pb_placement_binds(pl));
    CHECK(!pb_placement_oversubscribed(pl));
    CHECK_EQ_U(pb_placement_workers(pl), 8);
    char text[32] = "x";
    pb_placement_cpuset_text(pl, 0, text, sizeof text);
    CHECK_STR(text, "");
    CHECK(pb_placement_has_cpu(pl, 3, 1));
    CHECK(pb_placement_bind_thread(pl, 0, err, sizeof err) == 0);
    pb_placement_where(pl, 0, text, sizeof text);
    CHECK_STR(text, "unbound");
    pb_placement_free(pl);
    /* a NULL plan: not bound */
    CHECK(pb_placement_has_cpu(NULL, 0, 5));
    CHECK(pb_placement_bind_thread(NULL, 0, err, sizeof err) == 0);
    CHECK(pb_placement_bind_process(NULL, 0, err, sizeof err) == 0);
    pb_topo_free(t);

    /* bad topology descriptions */
    struct pb_topo *bad = NULL;
    err[0] = '\0';
    CHECK(pb_topo_load(&bad, "pack:x", NULL, err, sizeof err) == -1);
    CHECK(bad == NULL);
    CHECK(strstr(err, "--synthetic") != NULL);
    CHECK(pb_topo_load(&bad, "pack:1", "/nonexistent.xml", err, sizeof err) == -1);
    CHECK(pb_topo_load(&bad, NULL, "/nonexistent/topo.xml", err, sizeof err) == -1);
    CHECK_STR(err, "--xml: cannot read /nonexistent/topo.xml: No such file or directory");
}

static void test_ladder(void)
{
    unsigned l[64];
    struct pb_topo *t = load_synthetic("pack:2 core:8 pu:2");
    size_t n = pb_topo_ladder(t, 0, l, 64);
    static const unsigned want_auto[] = {1, 2, 4, 8, 16, 32};
    CHECK_EQ_U(n, 6);
    for (size_t i = 0; i < n && i < 6; i++)
        CHECK_EQ_U(l[i], want_auto[i]);
    n = pb_topo_ladder(t, 1, l, 64);
    CHECK_EQ_U(n, 16);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_U(l[i], i + 1);
    CHECK_EQ_U(pb_topo_ladder(t, 1, l, 5), 5);   /* truncated to the room given */
    pb_topo_free(t);

    t = load_synthetic("pack:1 core:6 pu:1");   /* not a power of two, no SMT */
    n = pb_topo_ladder(t, 0, l, 64);
    static const unsigned want6[] = {1, 2, 4, 6};
    CHECK_EQ_U(n, 4);
    for (size_t i = 0; i < n && i < 4; i++)
        CHECK_EQ_U(l[i], want6[i]);
    pb_topo_free(t);

    t = load_synthetic("pack:1 core:1 pu:1");
    CHECK_EQ_U(pb_topo_ladder(t, 0, l, 64), 1);
    CHECK_EQ_U(l[0], 1);
    pb_topo_free(t);
}

static void test_summary_and_xml(const char *dir)
{
    struct pb_topo *t = load_synthetic("pack:2 l3:2 core:4 pu:2");
    struct pb_topo_summary a, b;
    pb_topo_summary(t, &a);
    CHECK_EQ_U(a.packages, 2);
    CHECK_EQ_U(a.numa_nodes, 1);
    CHECK_EQ_U(a.cores, 16);
    CHECK_EQ_U(a.pus, 32);
    CHECK_EQ_U(a.smt, 2);
    CHECK_EQ_U(a.l1d_bytes, 0);
    CHECK_STR(a.cpu_model, "");
    CHECK_STR(pb_topo_source(t), "synthetic \"pack:2 l3:2 core:4 pu:2\"");

    char path[4096], err[PB_ERRLEN];
    snprintf(path, sizeof path, "%s/topo.xml", dir);
    CHECK(pb_topo_export_xml(t, path, err, sizeof err) == 0);
    struct pb_topo *x = NULL;
    CHECK(pb_topo_load(&x, NULL, path, err, sizeof err) == 0);
    if (x) {
        pb_topo_summary(x, &b);
        CHECK_EQ_U(b.packages, a.packages);
        CHECK_EQ_U(b.l3_domains, a.l3_domains);
        CHECK_EQ_U(b.l3_bytes, a.l3_bytes);
        CHECK_EQ_U(b.cores, a.cores);
        CHECK_EQ_U(b.pus, a.pus);
        CHECK(!pb_topo_is_this_system(x));
        CHECK(!pb_topo_can_bind(x, err, sizeof err));
        struct pb_placement *pl = plan(x, 4, PB_BIND_CORE, PB_POLICY_SCATTER);
        CHECK(pb_placement_bind_thread(pl, 0, err, sizeof err) == -1);
        CHECK(strstr(err, "xml ") != NULL);
        pb_placement_free(pl);
        pb_topo_free(x);
    }
    snprintf(path, sizeof path, "%s/missing-dir/topo.xml", dir);
    CHECK(pb_topo_export_xml(t, path, err, sizeof err) == -1);
    pb_topo_free(t);

    /* a broken XML file is refused, not half-loaded */
    snprintf(path, sizeof path, "%s/bad.xml", dir);
    FILE *f = fopen(path, "w");
    fputs("<topology><object type=\"Bogus\">\n", f);
    fclose(f);
    CHECK(pb_topo_load(&x, NULL, path, err, sizeof err) == -1);
}

static void test_draw(const char *dir)
{
    struct pb_topo *t = load_synthetic("pack:1 core:4 pu:2");
    char path[4096], err[PB_ERRLEN];
    snprintf(path, sizeof path, "%s/topo.nope", dir);
    CHECK(pb_topo_draw(t, path, err, sizeof err) == 2);
    CHECK(strstr(err, "unknown picture format") != NULL);

    /* With an empty PATH there is no lstopo: the distinct "skip" value. */
    const char *old = getenv("PATH");
    char *saved = old ? strdup(old) : NULL;
    setenv("PATH", dir, 1);
    snprintf(path, sizeof path, "%s/topo.svg", dir);
    CHECK(pb_topo_draw(t, path, err, sizeof err) == 1);
    if (saved) {
        setenv("PATH", saved, 1);
        free(saved);
    }

    int rc = pb_topo_draw(t, path, err, sizeof err);
    if (rc == 1) {
        printf("draw: skipped (%s)\n", err);
    } else {
        CHECK(rc == 0);
        if (rc != 0)
            fprintf(stderr, "draw: %s\n", err);
        struct stat st;
        CHECK(stat(path, &st) == 0 && st.st_size > 0);
        FILE *f = fopen(path, "r");
        char head[256] = "";
        if (f) {
            size_t got = fread(head, 1, sizeof head - 1, f);
            head[got] = '\0';
            fclose(f);
        }
        CHECK(strstr(head, "<svg") != NULL || strstr(head, "<?xml") != NULL);
    }
    pb_topo_free(t);
}

/* ---- real binding on this machine ---- */

struct bind_arg {
    const struct pb_placement *pl;
    unsigned w;
    int ok;            /* 1 when bound and sched_getcpu() was inside the cpuset */
    char err[PB_ERRLEN];
};

/* sched_getcpu() right after binding: the kernel migrates before returning
 * from sched_setaffinity, but retry a few times to be tolerant of hotplug noise. */
static bool running_inside(const struct pb_placement *pl, unsigned w)
{
    for (int i = 0; i < 100; i++) {
        int cpu = sched_getcpu();
        if (cpu >= 0 && pb_placement_has_cpu(pl, w, cpu))
            return true;
        sched_yield();
    }
    return false;
}

static void *bind_thread_main(void *p)
{
    struct bind_arg *a = p;
    if (pb_placement_bind_thread(a->pl, a->w, a->err, sizeof a->err) != 0)
        return NULL;
    a->ok = running_inside(a->pl, a->w);
    if (!a->ok)
        snprintf(a->err, sizeof a->err, "thread ran on CPU %d", sched_getcpu());
    return NULL;
}

/* A second thread in a forked child, parked until told to leave. */
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static bool idle_stop;

static void *idle_thread(void *p)
{
    (void)p;
    pthread_mutex_lock(&idle_lock);
    while (!idle_stop)
        pthread_cond_wait(&idle_cond, &idle_lock);
    pthread_mutex_unlock(&idle_lock);
    return NULL;
}

static void test_binding(void)
{
    char err[PB_ERRLEN];
    struct pb_topo *t = NULL;
    if (pb_topo_load(&t, NULL, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "cannot load this machine: %s\n", err);
        pb_check_failures++;
        return;
    }
    CHECK(pb_topo_is_this_system(t));
    if (!pb_topo_can_bind(t, err, sizeof err)) {
        printf("binding: skipped (%s)\n", err);
        pb_topo_free(t);
        return;
    }
    unsigned n = pb_topo_cores(t) < 2 ? pb_topo_cores(t) : 2;
    cpu_set_t start;
    sched_getaffinity(0, sizeof start, &start);
    for (int policy = 0; policy < 2; policy++) {
        struct pb_placement *pl = plan(t, n, PB_BIND_CORE, (enum pb_policy)policy);
        for (unsigned w = 0; w < n; w++) {
            struct bind_arg a = {.pl = pl, .w = w};
            pthread_t th;
            CHECK(pthread_create(&th, NULL, bind_thread_main, &a) == 0);
            pthread_join(th, NULL);
            if (!a.ok)
                fprintf(stderr, "thread bound to worker %u: %s\n", w, a.err);
            CHECK(a.ok);
            /* binding a thread leaves the rest of the process alone */
            cpu_set_t before, after;
            sched_getaffinity(0, sizeof before, &before);
            CHECK(CPU_EQUAL(&before, &start));

            /* a forked child binds itself, and only itself */
            pid_t pid = fork();
            if (pid == 0) {
                /* a second thread, started before binding: the process
                 * binding must cover it too, not only the calling thread */
                char cerr[PB_ERRLEN];
                pthread_t other;
                if (pthread_create(&other, NULL, idle_thread, NULL) != 0)
                    _exit(5);
                if (pb_placement_bind_process(pl, w, cerr, sizeof cerr) != 0) {
                    fprintf(stderr, "child: %s\n", cerr);
                    _exit(2);
                }
                cpu_set_t mine;
                sched_getaffinity(0, sizeof mine, &mine);
                for (int c = 0; c < CPU_SETSIZE; c++)
                    if (CPU_ISSET(c, &mine) != pb_placement_has_cpu(pl, w, c))
                        _exit(3);
                if (!running_inside(pl, w))
                    _exit(4);
                cpu_set_t theirs;
                if (pthread_getaffinity_np(other, sizeof theirs, &theirs) != 0 ||
                    !CPU_EQUAL(&theirs, &mine))
                    _exit(7);
                pthread_mutex_lock(&idle_lock);
                idle_stop = true;
                pthread_cond_signal(&idle_cond);
                pthread_mutex_unlock(&idle_lock);
                pthread_join(other, NULL);
                _exit(0);
            }
            CHECK(pid > 0);
            int status = 0;
            CHECK(waitpid(pid, &status, 0) == pid);
            CHECK(WIFEXITED(status));
            if (WEXITSTATUS(status) != 0)
                fprintf(stderr, "child bound to worker %u exited %d\n", w, WEXITSTATUS(status));
            CHECK_EQ_U(WEXITSTATUS(status), 0);
            sched_getaffinity(0, sizeof after, &after);
            CHECK(CPU_EQUAL(&before, &after));
        }
        CHECK(pb_placement_bind_thread(pl, n, err, sizeof err) == -1);   /* no such worker */
        pb_placement_free(pl);
    }
    pb_topo_free(t);
}

int main(void)
{
    char dir[] = "/tmp/pb-test-placement-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_names();
    test_two_packages();
    test_numa();
    test_l3();
    test_errors();
    test_ladder();
    test_summary_and_xml(dir);
    test_draw(dir);
    test_binding();

    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    CHECK_DONE();
}
