/* mpi: the tasks run in Open MPI ranks, possibly on several hosts.
 *
 * The harness is not an MPI process and does not link MPI.  A *session* is
 * one `mpirun -np W [--hostfile F] -x PB_MPI_TOKEN [placement] [mpi.args]
 * parbench-mpi-rank ...`: every rank prepares the same workload from the
 * kernel's parameters and connects back to the harness over TCP (every local
 * IPv4 address is offered, loopback first; a random token proves the caller
 * is ours).  For each RUN command the ranks pass a barrier, run the tasks
 * (static blocks or round-robin chunks gathered with MPI_Gatherv; dynamic and
 * guided chunks handed out by rank 0, each output sent back with its chunk),
 * and rank 0 stops the clock once every output is in its buffer: the gather
 * is inside the timed region, like forkpool's pipe copy.  Rank 0 then sends
 * the wall time, each rank's statistics and the assembled output, which lands
 * in `out`, where the kernel's own check validates it as for every other mode.
 *
 * Sessions are kept in a cache (mpi-session.c) keyed by everything the ranks
 * are started with (kernel, parameters, rank count, placement, hosts, extra
 * arguments), not the schedule or chunk, which travel with each RUN: so a
 * configuration's warm-ups and repetitions, and its other schedules, pay for
 * mpirun once even when the sweep interleaves configurations.  startup_s is
 * that launch (mpirun started .. every rank prepared and connected), reported
 * with each sample of the session.  A failure ends its session (the next call
 * starts afresh); close() ends them all.  mpi-launch.c says how a session is
 * torn down and where Open MPI's files go.
 *
 * This file is the mode itself: its options (mpi-config.c), open() checks them
 * and makes the cache, close() ends every session, held() counts what idle
 * sessions keep, facts() gives a record the mpirun mapping and the hosts, and
 * execute() runs one configuration once, recording each rank's host and CPU. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mode.h"
#include "mpi-internal.h"
#include "pb.h"

#define STARTUP_MIN_S 60.0        /* launching on a cluster may take longer than one run */

/* What the descriptor says alike whether or not the mode is compiled in. */
#define MPI_MODE_TRAITS                                                                    \
    .name = "mpi", .worker = PB_WORKER_RANK, .output = PB_OUTPUT_COPIED,                   \
    .runtime = PB_RUNTIME_C, .style = {"#9467bd", 6, 1}, .options = pb_mpi_options,        \
    .noptions = PB_MPI_NOPTIONS

#ifndef PB_HAVE_MPI

#ifdef PB_MPI_OFF
#define MPI_UNAVAILABLE_TEXT "built without MPI (PARBENCH_MPI=OFF): reconfigure with -DPARBENCH_MPI=ON"
#else
#define MPI_UNAVAILABLE_TEXT "built without MPI: install libopenmpi-dev and reconfigure"
#endif

static int mpi_unavailable(const struct pb_kernel *k, const struct pb_workload *w,
                           const struct pb_plan *plan, void *out, struct pb_sample *s, char *err,
                           size_t errlen)
{
    (void)k, (void)w, (void)plan, (void)out, (void)s;
    snprintf(err, errlen, "mpi: %s", MPI_UNAVAILABLE_TEXT);
    return -1;
}

/* Compiled out: registered all the same, with its options, saying why. */
const struct pb_mode pb_mode_mpi = {
    MPI_MODE_TRAITS,
    .summary = "Open MPI ranks started by mpirun (one host or many); outputs gathered through MPI",
#ifdef PB_MPI_NOT_OPEN_MPI
    .unavailable = "built against an MPI that is not Open MPI: install libopenmpi-dev and "
                   "reconfigure",
#else
    .unavailable = MPI_UNAVAILABLE_TEXT,
#endif
    .execute = mpi_unavailable,
};

#else

/* What open() returns: the checked options and the sessions. */
struct mpi_state {
    struct pb_mpi_conf conf;
    struct pb_mpi_cache cache;
    char hosts_line[1024];        /* the last "ranks on hosts" line said, said once */
};

static int mpi_open(const struct pb_mode_args *args, void **state, char *err, size_t errlen)
{
    struct mpi_state *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "mpi: out of memory");
        return -1;
    }
    if (pb_mpi_conf_open(&st->conf, args, err, errlen) != 0) {
        free(st);
        return -1;
    }
    *state = st;
    return 0;
}

static void mpi_close(void *state)
{
    struct mpi_state *st = state;
    if (!st)
        return;
    pb_mpi_cache_close(&st->cache);
    pb_mpi_conf_close(&st->conf);
    free(st);
}

/* The idle sessions' mpirun processes and descriptors, for the harness's leak check. */
static struct pb_held mpi_held(void *state)
{
    const struct mpi_state *st = state;
    return st ? pb_mpi_cache_held(&st->cache) : (struct pb_held){0, 0};
}

static void mpi_facts(void *state, const struct pb_plan *plan, struct pb_facts *out)
{
    const struct mpi_state *st = state;
    char mapping[PB_MPI_MAPPING_LEN], hosts[512];
    pb_mpi_mapping(plan, mapping, sizeof mapping);
    pb_facts_add(out, "mapping", "%s", mapping);
    if (st) {
        pb_mpi_hosts_recall(&st->cache, plan, hosts, sizeof hosts);
        if (hosts[0])
            pb_facts_add(out, "hosts", "%s", hosts);
        if (st->conf.hosts)
            pb_facts_add(out, "hostfile", "%s", st->conf.hosts);
    }
}

/* Start a session running `argv` (the key plus the callback added here) and
 * wait for its ranks.  NULL: it failed (err filled, nothing left). */
static struct pb_mpi_session *session_start(struct mpi_state *st, struct pb_strv *argv,
                                            const char *key, const char *mapping,
                                            const struct pb_workload *w,
                                            const struct pb_plan *plan, char *err, size_t errlen)
{
    double footprint = (double)w->ntasks * (double)w->out_size * 2 * (plan->workers + 1);
    pb_mpi_cache_make_room(&st->cache, plan->workers, footprint);
    struct pb_mpi_session *ss = pb_mpi_session_new(plan->workers, key, st->conf.rank_path,
                                                   mapping, st->conf.hosts != NULL, err, errlen);
    if (!ss)
        return NULL;
    ss->footprint = footprint;
    if (pb_mpi_listen(ss, argv, err, errlen) != 0) {
        pb_mpi_session_end(ss, false);
        return NULL;
    }
    if (argv->failed) {
        snprintf(err, errlen, "mpi: out of memory building the mpirun command");
        pb_mpi_session_end(ss, false);
        return NULL;
    }
    double t0 = pb_now();
    if (pb_mpi_launch(ss, argv->v, err, errlen) != 0) {
        pb_mpi_session_end(ss, false);
        return NULL;
    }
    pb_mpi_cache_put(&st->cache, ss);
    double span = plan->timeout_s > STARTUP_MIN_S ? plan->timeout_s : STARTUP_MIN_S;
    if (pb_mpi_handshake(ss, w, t0 + span, span, err, errlen) != 0)
        return NULL;
    ss->startup_s = pb_now() - t0;
    /* Say where the ranks run when some are on another host, once per distinct answer. */
    char line[sizeof st->hosts_line];
    pb_mpi_hosts_line(ss, line, sizeof line);
    if (line[0] && strcmp(line, st->hosts_line) != 0) {
        snprintf(st->hosts_line, sizeof st->hosts_line, "%s", line);
        pb_info("mpi: %s", line);
    }
    return ss;
}

static int mpi_execute(const struct pb_kernel *k, const struct pb_workload *w,
                       const struct pb_plan *plan, void *out, struct pb_sample *s, char *err,
                       size_t errlen)
{
    struct mpi_state *st = plan->state;
    if (!st) {
        snprintf(err, errlen, "mpi: the mode was not opened (its options are unchecked)");
        return -1;
    }
    if (!plan->params) {
        snprintf(err, errlen, "mpi: the plan carries no kernel parameters for the ranks");
        return -1;
    }
    if (w->ntasks > INT_MAX || w->out_size > INT_MAX) {
        snprintf(err, errlen, "mpi: %zu tasks of %zu bytes are beyond MPI's int counts",
                 w->ntasks, w->out_size);
        return -1;
    }
    if (plan->workers == 0 || s->nworkers != plan->workers) {
        snprintf(err, errlen, "mpi: %u workers planned, %u in the sample", plan->workers,
                 s->nworkers);
        return -1;
    }
    struct pb_strv a = {0};
    char mapping[PB_MPI_MAPPING_LEN];
    if (pb_mpi_argv(&st->conf, k, plan, &a, mapping, sizeof mapping, err, errlen) != 0) {
        pb_strv_free(&a);
        return -1;
    }
    char *key = pb_strv_join(&a);
    if (!key) {
        pb_strv_free(&a);
        snprintf(err, errlen, "mpi: out of memory");
        return -1;
    }
    struct pb_mpi_session *ss = pb_mpi_cache_find(&st->cache, key);
    if (!ss)
        ss = session_start(st, &a, key, mapping, w, plan, err, errlen);
    free(key);
    pb_strv_free(&a);
    if (!ss)
        return -1;
    pb_mpi_cache_touch(&st->cache, ss);
    if (pb_mpi_exchange(ss, w, plan, out, s, err, errlen) != 0)
        return -1;
    pb_mpi_hosts_remember(&st->cache, plan, ss);
    return 0;
}

/* Counted (ps -L) with Open MPI 4.1 on one host: mpirun runs 4 threads and each rank 3.
 * Ranks on other hosts are counted as if local: which ones are cannot be told before
 * mpirun maps them. */
static unsigned mpi_tasks_started(unsigned workers)
{
    return 3 * workers + 4;
}

const struct pb_mode pb_mode_mpi = {
    MPI_MODE_TRAITS,
    .summary = "Open MPI ranks started by mpirun (one host or many); static blocks gathered "
               "with MPI_Gatherv or chunks handed out by rank 0; outputs travel through MPI",
    .open = mpi_open,
    .close = mpi_close,
    .facts = mpi_facts,
    .execute = mpi_execute,
    .held = mpi_held,
    .tasks_started = mpi_tasks_started,
};

#endif
