/* NUMA memory planning (issue 16 item 3): on the synthetic 2-package machines
 * with 2 and 4 NUMA nodes, which node each worker's cpuset is on and where
 * --membind local / interleave put its memory, for both policies and both
 * grains; binding memory refused for a plan of another machine; the shares the
 * modes place (memplace.c) against the static schedule's blocks; and on this
 * machine, memory really bound and read back with move_pages(2). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "memplace.h"
#include "pb.h"
#include "placement.h"
#include "schedule.h"

static struct pb_topo *load(const char *desc)
{
    char err[PB_ERRLEN] = "";
    struct pb_topo *t = NULL;
    if (pb_topo_load(&t, desc, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "cannot load \"%s\": %s\n", desc ? desc : "this system", err);
        exit(1);
    }
    return t;
}

static struct pb_placement *plan(struct pb_topo *t, unsigned workers, enum pb_bind b,
                                 enum pb_policy p, enum pb_membind m, const char *cpus)
{
    char err[PB_ERRLEN] = "";
    struct pb_place_opts o = {.bind = b, .policy = p, .membind = m, .cpus = cpus};
    struct pb_placement *pl = NULL;
    if (pb_placement_make(&pl, t, workers, &o, err, sizeof err) != 0) {
        fprintf(stderr, "plan of %u workers failed: %s\n", workers, err);
        exit(1);
    }
    return pl;
}

static void check_mem(const struct pb_placement *pl, unsigned w, const char *want)
{
    char buf[128];
    pb_placement_memory_text(pl, w, buf, sizeof buf);
    CHECK_STR(buf, want);
}

/* The scripts/vmtest guest: 2 packages x 4 cores x 2 PUs, one NUMA node per
 * package (CPUs 0-7 node 0, 8-15 node 1).  Every plan of every size: each
 * worker's node is its package, local memory goes there, interleave over the
 * nodes the plan's workers use. */
static void test_guest_machine(void)
{
    struct pb_topo *t = load("pack:2 numa:1 core:4 pu:2");
    struct pb_topo_summary s;
    pb_topo_summary(t, &s);
    CHECK_EQ_U(s.numa_nodes, 2);
    for (int b = PB_BIND_CORE; b <= PB_BIND_PU; b++)
        for (int p = PB_POLICY_COMPACT; p <= PB_POLICY_SCATTER; p++) {
            unsigned most = b == PB_BIND_PU ? 16 : 8;
            for (unsigned n = 1; n <= most; n++) {
                struct pb_placement *loc = plan(t, n, b, p, PB_MEMBIND_LOCAL, NULL);
                struct pb_placement *il = plan(t, n, b, p, PB_MEMBIND_INTERLEAVE, NULL);
                bool used[2] = {false, false};
                for (unsigned w = 0; w < n; w++) {
                    char cpus[64];
                    pb_placement_cpuset_text(loc, w, cpus, sizeof cpus);
                    int first = atoi(cpus);
                    int node = pb_placement_numa_node(loc, w);
                    CHECK_EQ_U(node, first < 8 ? 0 : 1);
                    if (node >= 0 && node < 2)
                        used[node] = true;
                    char want[32];
                    snprintf(want, sizeof want, "numa %d", node);
                    check_mem(loc, w, want);
                }
                const char *il_want = used[0] && used[1] ? "numa 0-1 interleaved"
                                      : used[1]          ? "numa 1 interleaved"
                                                         : "numa 0 interleaved";
                for (unsigned w = 0; w < n; w++)
                    check_mem(il, w, il_want);
                /* scatter reaches the second node at 2 workers, compact once the first is full */
                unsigned first_full = b == PB_BIND_PU ? 8 : 4;
                CHECK(used[1] == (p == PB_POLICY_SCATTER ? n >= 2 : n > first_full));
                pb_placement_free(loc);
                pb_placement_free(il);
            }
        }
    pb_topo_free(t);
}

/* Two NUMA nodes per package (4 in all, 8 cores / 16 PUs each), as in
 * tests/golden/placement/pack2-numa2-core8-pu2.txt. */
static void test_four_nodes(void)
{
    struct pb_topo *t = load("pack:2 numa:2 core:8 pu:2");
    struct pb_placement *pl = plan(t, 4, PB_BIND_CORE, PB_POLICY_SCATTER, PB_MEMBIND_LOCAL, NULL);
    for (unsigned w = 0; w < 4; w++) {
        char want[32];
        snprintf(want, sizeof want, "numa %u", w);
        CHECK_EQ_U(pb_placement_numa_node(pl, w), w);
        check_mem(pl, w, want);
    }
    pb_placement_free(pl);

    /* compact: 8 cores fill node 0 first; the 9th worker is on node 1 */
    pl = plan(t, 9, PB_BIND_CORE, PB_POLICY_COMPACT, PB_MEMBIND_LOCAL, NULL);
    for (unsigned w = 0; w < 8; w++)
        check_mem(pl, w, "numa 0");
    check_mem(pl, 8, "numa 1");
    pb_placement_free(pl);
    pl = plan(t, 12, PB_BIND_CORE, PB_POLICY_COMPACT, PB_MEMBIND_INTERLEAVE, NULL);
    check_mem(pl, 0, "numa 0-1 interleaved");
    check_mem(pl, 11, "numa 0-1 interleaved");
    pb_placement_free(pl);
    pl = plan(t, 4, PB_BIND_PU, PB_POLICY_SCATTER, PB_MEMBIND_INTERLEAVE, NULL);
    check_mem(pl, 2, "numa 0-3 interleaved");
    pb_placement_free(pl);

    /* --cpus: CPU 16 is on node 1, 63 on node 3 */
    pl = plan(t, 3, PB_BIND_CORE, PB_POLICY_COMPACT, PB_MEMBIND_LOCAL, "0,16,63");
    CHECK_EQ_U(pb_placement_numa_node(pl, 0), 0);
    CHECK_EQ_U(pb_placement_numa_node(pl, 1), 1);
    CHECK_EQ_U(pb_placement_numa_node(pl, 2), 3);
    check_mem(pl, 2, "numa 3");
    pb_placement_free(pl);

    /* membind none: nothing asked, nothing done */
    pl = plan(t, 2, PB_BIND_CORE, PB_POLICY_COMPACT, PB_MEMBIND_NONE, NULL);
    check_mem(pl, 0, "");
    char err[PB_ERRLEN] = "";
    static char page[1 << 16];
    CHECK(pb_placement_membind_area(pl, 0, page, sizeof page, err, sizeof err) == 0);
    CHECK(pb_placement_membind_thread(pl, 0, err, sizeof err) == 0);
    pb_placement_free(pl);

    /* a plan of another machine cannot bind memory here, nor read it back */
    pl = plan(t, 2, PB_BIND_CORE, PB_POLICY_COMPACT, PB_MEMBIND_LOCAL, NULL);
    CHECK(pb_placement_membind_area(pl, 1, page, sizeof page, err, sizeof err) == -1);
    CHECK(strstr(err, "describes another machine") != NULL);
    err[0] = '\0';
    CHECK(pb_placement_membind_thread(pl, 1, err, sizeof err) == -1);
    CHECK(strstr(err, "describes another machine") != NULL);
    CHECK(pb_placement_area_node(pl, page, sizeof page) == -2);
    CHECK(pb_placement_membind_area(pl, 2, page, sizeof page, err, sizeof err) == -1);
    CHECK(strstr(err, "not in the plan") != NULL);
    pb_placement_free(pl);

    /* --membind needs bound workers */
    struct pb_place_opts o = {.bind = PB_BIND_NONE, .membind = PB_MEMBIND_INTERLEAVE};
    CHECK(pb_placement_make(&pl, t, 2, &o, err, sizeof err) == -1);
    CHECK_STR(err, "--membind interleave needs bound workers (--bind core or pu)");
    pb_topo_free(t);
}

/* The shares memplace.c places are the static schedule's blocks: they cover
 * the output once, in worker order, sizes differing by at most one task. */
static void test_shares(void)
{
    struct pb_workload w = {.ntasks = 1003, .out_size = 24};
    for (unsigned n = 1; n <= 17; n++) {
        struct pb_plan p = {.workers = n, .schedule = PB_SCHED_STATIC};
        struct pb_dispenser d;
        pb_dispenser_init(&d, w.ntasks, &p);
        size_t next = 0;
        for (unsigned i = 0; i < n; i++) {
            size_t off, len, cursor = 0;
            pb_mem_share(&w, n, i, &off, &len);
            CHECK_EQ_U(off, next);
            struct pb_range r = {0, 0};
            bool got = pb_dispense(&d, i, &cursor, &r);
            CHECK(got);
            CHECK_EQ_U(off, r.begin * w.out_size);
            CHECK_EQ_U(len, (r.end - r.begin) * w.out_size);
            next = off + len;
        }
        CHECK_EQ_U(next, w.ntasks * w.out_size);
    }
}

/* This machine: a bound worker's memory bound to its node and read back.
 * Returns false when it cannot run here (no binding, mbind refused). */
static bool test_this_machine(void)
{
    struct pb_topo *t = load(NULL);
    char why[PB_ERRLEN] = "";
    if (!pb_topo_can_bind(t, why, sizeof why)) {
        fprintf(stderr, "skip (this machine): %s\n", why);
        pb_topo_free(t);
        return false;
    }
    struct pb_placement *pl = plan(t, 1, PB_BIND_CORE, PB_POLICY_COMPACT, PB_MEMBIND_LOCAL, NULL);
    long pg = sysconf(_SC_PAGESIZE);
    size_t page = pg > 0 ? (size_t)pg : 4096, len = 16 * page;
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    bool ran = false;
    if (m != MAP_FAILED) {
        /* nothing touched yet: nothing to report */
        CHECK(pb_placement_area_node(pl, m, len) == -2);
        memset(m, 1, len);
        int node = pb_placement_numa_node(pl, 0);
        char err[PB_ERRLEN] = "";
        if (pb_placement_membind_area(pl, 0, m, len, err, sizeof err) != 0) {
            fprintf(stderr, "skip (this machine): %s\n", err);
        } else {
            ran = true;
            CHECK(node >= 0);
            CHECK_EQ_U(pb_placement_area_node(pl, m, len), node);
            /* a worker's private buffer, as forkpool and spawn note it */
            struct pb_plan p = {.workers = 1, .placement = pl};
            struct pb_worker_stat ws = {0};
            pb_mem_note_buffer(&p, m + 3, page, &ws);
            CHECK(ws.mem_known);
            CHECK_EQ_U(ws.mem_node, node);
            /* shares: one worker's share is the whole array */
            struct pb_workload w = {.ntasks = 16, .out_size = page};
            struct pb_worker_stat one = {0};
            struct pb_sample s = {.nworkers = 1, .workers = &one};
            CHECK(pb_mem_place_shares("threads", &p, &w, m, err, sizeof err) == 0);
            pb_mem_note_shares(&p, &w, m, &s);
            CHECK(one.mem_known);
            CHECK_EQ_U(one.mem_node, node);
        }
        munmap(m, len);
    }
    pb_placement_free(pl);
    pb_topo_free(t);
    return ran;
}

int main(void)
{
    test_guest_machine();
    test_four_nodes();
    test_shares();
    bool here = test_this_machine();
    if (pb_check_failures == 0 && !here)
        fprintf(stderr, "test_placement_numa: the planning parts passed; binding memory here "
                        "could not run\n");
    CHECK_DONE();
}
