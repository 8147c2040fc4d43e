/* The mpi mode's pieces that need no MPI: the options' checks (mpi-config.c),
 * mpirun's argv and mapping for a plan, the hosts line and the hosts each
 * configuration ran on (mpi-session.c), and the descriptor's options. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mpi-internal.h"
#include "pb.h"
#include "placement.h"

static char err[PB_ERRLEN];

static int open_with(const char *mpirun, const char *hosts, const char *args)
{
    struct pb_mode_args a = {{0}};
    a.value[PB_MPI_OPT_MPIRUN] = mpirun;
    a.value[PB_MPI_OPT_HOSTS] = hosts;
    a.value[PB_MPI_OPT_ARGS] = args;
    struct pb_mpi_conf c;
    err[0] = '\0';
    int rc = pb_mpi_conf_open(&c, &a, err, sizeof err);
    if (rc == 0)
        pb_mpi_conf_close(&c);
    return rc;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The argv joined with spaces, for comparisons. */
static void joined(const struct pb_strv *a, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < a->n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "", a->v[i]);
}

static struct pb_mpi_session *fake_session(const char *const *hosts, unsigned n)
{
    struct pb_mpi_session *ss = calloc(1, sizeof *ss);
    ss->nranks = n;
    ss->ranks = calloc(n, sizeof *ss->ranks);
    for (unsigned i = 0; i < n; i++)
        snprintf(ss->ranks[i].host, sizeof ss->ranks[i].host, "%s", hosts[i]);
    return ss;
}

int main(void)
{
    /* The descriptor's options, as --set mpi.NAME finds them. */
    const struct pb_mode *m = pb_mode_find("mpi");
    CHECK(m != NULL);
    CHECK(m && m->noptions == 3);
    CHECK(m && pb_mode_option_index(m, "hosts") == PB_MPI_OPT_HOSTS);
    CHECK(m && pb_mode_option_index(m, "mpirun") == PB_MPI_OPT_MPIRUN);
    CHECK(m && pb_mode_option_index(m, "args") == PB_MPI_OPT_ARGS);
    CHECK(m && pb_mode_option_index(m, "hostfile") < 0);

    /* The checks, in order: mpirun, the hostfile, the extra arguments, the rank program. */
    char dir[] = "/tmp/pb-test-mpi.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], bad[256], empty[256], good[256], fake[256];
    snprintf(path, sizeof path, "%s/none", dir);
    snprintf(bad, sizeof bad, "%s/bad", dir);
    snprintf(empty, sizeof empty, "%s/empty", dir);
    snprintf(good, sizeof good, "%s/good", dir);
    snprintf(fake, sizeof fake, "%s/mpirun", dir);
    write_file(bad, "# cluster\nnode1 slots=2\nnode2 slots\n");
    write_file(empty, "# nothing\n\n");
    write_file(good, "node1 slots=2 # first\nnode2\n");
    write_file(fake, "#!/bin/sh\n");
    CHECK(chmod(fake, 0755) == 0);

    CHECK(open_with("/nonexistent/mpirun", NULL, NULL) == -1);
    CHECK(strstr(err, "mpi.mpirun /nonexistent/mpirun: cannot run it") == err);
    setenv("PATH", dir, 1);   /* our stand-in is the only mpirun in PATH */
    CHECK(open_with(NULL, path, NULL) == -1);
    CHECK(strstr(err, "mpi.hosts ") == err && strstr(err, "/none: cannot read") != NULL);
    CHECK(open_with(NULL, bad, NULL) == -1);
    CHECK(strstr(err, "/bad:3: 'slots' is not KEY=VALUE") != NULL);
    CHECK(open_with(NULL, empty, NULL) == -1);
    CHECK(strstr(err, "/empty: names no hosts") != NULL);
    char many[1024] = "";
    for (int i = 0; i < 65; i++)
        strcat(many, "-x ");
    CHECK(open_with(fake, good, many) == -1);
    CHECK_STR(err, "mpi.args: more than 64 arguments");
    /* Everything else fine: the rank program is not next to this test program. */
    CHECK(open_with(NULL, good, "--mca btl self,tcp") == -1);
    CHECK(strstr(err, "mpi: rank program ") == err && strstr(err, "parbench-mpi-rank") != NULL);
    setenv("PATH", "/nonexistent-dir", 1);
    CHECK(open_with(NULL, NULL, NULL) == -1);
    CHECK(strstr(err, "mpirun is not in PATH") != NULL);
    unlink(bad), unlink(empty), unlink(good), unlink(fake), rmdir(dir);

    /* mpirun's argv and mapping for a plan. */
    const struct pb_kernel *k = pb_kernel_find("primes");
    struct pb_params params;
    CHECK(k && pb_params_init(&params, k, PB_SIZE_SMALL, err, sizeof err) == 0);
    struct pb_mpi_conf c = {.mpirun = "/usr/bin/mpirun", .rank_path = "/opt/pb/parbench-mpi-rank",
                            .hosts = "cluster.hosts", .args = "  --mca  btl tcp,self "};
    struct pb_plan plan = {.workers = 3, .params = &params};
    struct pb_strv a = {0};
    char mapping[PB_MPI_MAPPING_LEN], text[4096];
    CHECK(pb_mpi_argv(&c, k, &plan, &a, mapping, sizeof mapping, err, sizeof err) == 0);
    joined(&a, text, sizeof text);
    CHECK(strstr(text, "/usr/bin/mpirun -np 3 ") == text);
    CHECK(strstr(text, " --hostfile cluster.hosts -x PB_MPI_TOKEN --bind-to none --oversubscribe "
                       "--mca btl tcp,self /opt/pb/parbench-mpi-rank --kernel primes --size small "
                       "--param ") != NULL);
    CHECK_STR(mapping, "--bind-to none --oversubscribe");
    CHECK(a.v[a.n] == NULL);
    char *key = pb_strv_join(&a);
    CHECK(key && strstr(key, "\x1f-np\x1f" "3\x1f") != NULL);
    free(key);
    pb_strv_free(&a);

    struct pb_topo *t = NULL;
    struct pb_placement *pl = NULL;
    CHECK(pb_topo_load(&t, "pack:2 core:2 pu:2", NULL, err, sizeof err) == 0);
    struct pb_place_opts po = {.bind = PB_BIND_CORE, .policy = PB_POLICY_COMPACT};
    CHECK(t && pb_placement_make(&pl, t, 2, &po, err, sizeof err) == 0);
    plan.placement = pl;
    plan.workers = 2;
    pb_mpi_mapping(&plan, mapping, sizeof mapping);
    CHECK_STR(mapping, "--map-by core --bind-to core");
    pb_placement_free(pl);
    po = (struct pb_place_opts){.bind = PB_BIND_PU, .policy = PB_POLICY_SCATTER};
    CHECK(pb_placement_make(&pl, t, 4, &po, err, sizeof err) == 0);
    plan.placement = pl;
    plan.workers = 4;
    pb_mpi_mapping(&plan, mapping, sizeof mapping);
    CHECK_STR(mapping, "--use-hwthread-cpus --map-by socket --bind-to hwthread");
    pb_placement_free(pl);
    po = (struct pb_place_opts){.bind = PB_BIND_CORE, .cpus = "3,1"};
    CHECK(pb_placement_make(&pl, t, 2, &po, err, sizeof err) == 0);
    plan.placement = pl;
    plan.workers = 2;
    CHECK(pb_mpi_argv(&c, k, &plan, &a, mapping, sizeof mapping, err, sizeof err) == 0);
    joined(&a, text, sizeof text);
    CHECK(strstr(text, " --cpusets 3;1") != NULL);
    CHECK_STR(mapping, "--bind-to none; ranks bind themselves to --cpus 3,1");
    pb_strv_free(&a);
    pb_placement_free(pl);
    pb_topo_free(t);

    /* CPU kinds (numa helper, issue 16): on the big.LITTLE fixture the OS numbers
     * the LITTLE cores first, so mpirun's --map-by would start there; the ranks
     * follow the plan instead, prime core first, then the big ones. */
    char xml[4096];
    const char *data = getenv("PB_TEST_DATA");
    snprintf(xml, sizeof xml, "%s/../fixtures/topology/arm-1p3b4l.xml", data ? data : "tests/data");
    t = NULL;
    CHECK(pb_topo_load(&t, NULL, xml, err, sizeof err) == 0);
    po = (struct pb_place_opts){.bind = PB_BIND_CORE};
    CHECK(t && pb_placement_make(&pl, t, 3, &po, err, sizeof err) == 0);
    plan.placement = pl;
    plan.workers = 3;
    CHECK(pb_mpi_argv(&c, k, &plan, &a, mapping, sizeof mapping, err, sizeof err) == 0);
    joined(&a, text, sizeof text);
    CHECK(strstr(text, " --cpusets 7;4;5") != NULL);
    CHECK_STR(mapping, "--bind-to none; ranks bind themselves to the plan's cpusets (--kinds all)");
    pb_strv_free(&a);
    pb_placement_free(pl);
    po = (struct pb_place_opts){.bind = PB_BIND_CORE, .kinds = "any"};   /* topology order */
    CHECK(t && pb_placement_make(&pl, t, 3, &po, err, sizeof err) == 0);
    plan.placement = pl;
    pb_mpi_mapping(&plan, mapping, sizeof mapping);
    CHECK_STR(mapping, "--map-by core --bind-to core");

    /* Where the ranks ran: the line said when some are elsewhere, and the hosts
     * each configuration ran on, for its record. */
    static const char *const hosts[] = {"node-a", "node-a", "node-b", "node-a"};
    struct pb_mpi_session *ss = fake_session(hosts, 4);
    pb_mpi_hosts_line(ss, text, sizeof text);
    CHECK_STR(text, "4 ranks on 2 hosts: node-a (ranks 0-1,3), node-b (rank 2)");
    char here[PB_MPI_HOST_LEN] = "";
    gethostname(here, sizeof here - 1);
    const char *local[] = {here, here};
    struct pb_mpi_session *ls = fake_session(local, 2);
    pb_mpi_hosts_line(ls, text, sizeof text);
    CHECK_STR(text, "");

    struct pb_mpi_cache cache = {0};
    struct pb_plan other = plan;
    other.workers = 4;
    pb_mpi_hosts_recall(&cache, &plan, text, sizeof text);
    CHECK_STR(text, "");
    pb_mpi_hosts_remember(&cache, &plan, ls);
    pb_mpi_hosts_remember(&cache, &other, ss);
    pb_mpi_hosts_recall(&cache, &plan, text, sizeof text);
    CHECK_STR(text, here);
    pb_mpi_hosts_recall(&cache, &other, text, sizeof text);
    CHECK_STR(text, "node-a node-b");
    pb_mpi_hosts_remember(&cache, &plan, ss);   /* the configuration's last run counts */
    pb_mpi_hosts_recall(&cache, &plan, text, sizeof text);
    CHECK_STR(text, "node-a node-b");
    struct pb_held h = pb_mpi_cache_held(&cache);
    CHECK(h.fds == 0 && h.children == 0);
    pb_mpi_cache_close(&cache);
    CHECK(cache.seen == NULL);
    free(ss->ranks), free(ss), free(ls->ranks), free(ls);

    /* facts() and held() of a mode that was never opened still answer. */
    if (m && m->facts && !m->unavailable) {
        struct pb_facts f = {0};
        m->facts(NULL, &plan, &f);
        CHECK(f.n == 1 && strcmp(f.f[0].name, "mapping") == 0);
    }
    if (m && m->held) {
        struct pb_held none = m->held(NULL);
        CHECK(none.fds == 0 && none.children == 0);
    }
    pb_placement_free(pl);
    pb_topo_free(t);
    CHECK_DONE();
}
