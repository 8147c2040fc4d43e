/* The mpi mode's cache of idle sessions, so that the repetitions of a
 * configuration, and its other schedules, reuse one mpirun even when the
 * sweep interleaves configurations.  Idle ranks sleep in a blocking read, so
 * they cost memory, not CPU; the cache is bounded in sessions, ranks and
 * (estimated) memory, and the least recently used session goes first.  It
 * also remembers which hosts each configuration's ranks ran on, for the
 * records (facts). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpi-internal.h"

/* The hosts of one configuration's last run. */
struct pb_mpi_hosts_seen {
    const struct pb_placement *placement;   /* the configuration: its plan's placement, */
    const struct pb_params *params;         /* parameters */
    unsigned workers;                       /* and worker count */
    char hosts[512];                        /* distinct hosts, space-separated, rank order */
    struct pb_mpi_hosts_seen *next;
};

struct pb_mpi_session *pb_mpi_cache_find(struct pb_mpi_cache *c, const char *key)
{
    struct pb_mpi_session *ss = NULL;
    for (size_t i = 0; i < PB_MPI_MAX_SESSIONS && !ss; i++)
        if (c->s[i] && strcmp(c->s[i]->key, key) == 0)
            ss = c->s[i];
    if (!ss)
        return NULL;
    if (!pb_mpi_job_gone(ss)) {
        /* Idle since its last run: anything mpirun printed meanwhile is stale. */
        ss->mpirun.out.len = 0;
        ss->mpirun.out.text[0] = '\0';
        return ss;
    }
    pb_mpi_session_end(ss, false);   /* it ended while idle: start another */
    return NULL;
}

void pb_mpi_cache_make_room(struct pb_mpi_cache *c, unsigned nranks, double footprint)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    unsigned max_ranks = cpus > 4 ? 2 * (unsigned)cpus : 8;
    double max_bytes = pages > 0 && page > 0 ? (double)pages * (double)page / 4 : 1e9;
    for (;;) {
        unsigned ranks = nranks;
        double bytes = footprint;
        size_t live = 0, oldest = PB_MPI_MAX_SESSIONS;
        bool free_slot = false;
        for (size_t i = 0; i < PB_MPI_MAX_SESSIONS; i++) {
            if (!c->s[i]) {
                free_slot = true;
                continue;
            }
            live++;
            ranks += c->s[i]->nranks;
            bytes += c->s[i]->footprint;
            if (oldest == PB_MPI_MAX_SESSIONS || c->s[i]->used < c->s[oldest]->used)
                oldest = i;
        }
        if (free_slot && (live == 0 || (ranks <= max_ranks && bytes <= max_bytes)))
            return;
        pb_mpi_session_end(c->s[oldest], true);
    }
}

void pb_mpi_cache_put(struct pb_mpi_cache *c, struct pb_mpi_session *ss)
{
    for (size_t i = 0; i < PB_MPI_MAX_SESSIONS; i++)
        if (!c->s[i]) {
            c->s[i] = ss;
            ss->cache = c;
            pb_mpi_cache_touch(c, ss);
            return;
        }
}

void pb_mpi_cache_forget(struct pb_mpi_cache *c, const struct pb_mpi_session *ss)
{
    for (size_t i = 0; i < PB_MPI_MAX_SESSIONS; i++)
        if (c->s[i] == ss)
            c->s[i] = NULL;
}

void pb_mpi_cache_touch(struct pb_mpi_cache *c, struct pb_mpi_session *ss)
{
    ss->used = ++c->clock;
}

void pb_mpi_cache_close(struct pb_mpi_cache *c)
{
    for (size_t i = 0; i < PB_MPI_MAX_SESSIONS; i++)
        if (c->s[i])
            pb_mpi_session_end(c->s[i], true);
    while (c->seen) {
        struct pb_mpi_hosts_seen *next = c->seen->next;
        free(c->seen);
        c->seen = next;
    }
}

struct pb_held pb_mpi_cache_held(const struct pb_mpi_cache *c)
{
    struct pb_held h = {0, 0};
    for (size_t i = 0; i < PB_MPI_MAX_SESSIONS; i++) {
        const struct pb_mpi_session *ss = c->s[i];
        if (!ss)
            continue;
        h.children += ss->mpirun.pid > 0;
        h.fds += (ss->listen_fd >= 0) + (ss->mpirun.out_fd >= 0);
        for (unsigned r = 0; ss->ranks && r < ss->nranks; r++)
            h.fds += ss->ranks[r].sock >= 0;
    }
    return h;
}

static struct pb_mpi_hosts_seen *seen_find(const struct pb_mpi_cache *c, const struct pb_plan *plan)
{
    for (struct pb_mpi_hosts_seen *s = c->seen; s; s = s->next)
        if (s->placement == plan->placement && s->params == plan->params &&
            s->workers == plan->workers)
            return s;
    return NULL;
}

void pb_mpi_hosts_remember(struct pb_mpi_cache *c, const struct pb_plan *plan,
                           const struct pb_mpi_session *ss)
{
    struct pb_mpi_hosts_seen *s = seen_find(c, plan);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return;   /* the record then lacks the hosts fact; each rank's host is in it anyway */
        *s = (struct pb_mpi_hosts_seen){.placement = plan->placement, .params = plan->params,
                                        .workers = plan->workers, .next = c->seen};
        c->seen = s;
    }
    size_t o = 0;
    s->hosts[0] = '\0';
    for (unsigned i = 0; i < ss->nranks; i++) {
        bool first = true;
        for (unsigned j = 0; j < i && first; j++)
            first = strcmp(ss->ranks[j].host, ss->ranks[i].host) != 0;
        int n = first ? snprintf(s->hosts + o, sizeof s->hosts - o, "%s%s", o ? " " : "",
                                 ss->ranks[i].host) : 0;
        if (n > 0 && (size_t)n < sizeof s->hosts - o)
            o += (size_t)n;
    }
}

void pb_mpi_hosts_recall(const struct pb_mpi_cache *c, const struct pb_plan *plan, char *buf,
                         size_t len)
{
    const struct pb_mpi_hosts_seen *s = seen_find(c, plan);
    snprintf(buf, len, "%s", s ? s->hosts : "");
}

void pb_mpi_hosts_line(const struct pb_mpi_session *ss, char *buf, size_t len)
{
    char host[PB_MPI_HOST_LEN] = "", list[900] = "";
    gethostname(host, sizeof host - 1);
    bool remote = false;
    size_t o = 0, nhosts = 0;
    for (unsigned i = 0; i < ss->nranks; i++) {
        remote |= strcmp(ss->ranks[i].host, host) != 0;
        bool first = true;
        for (unsigned j = 0; j < i && first; j++)
            first = strcmp(ss->ranks[j].host, ss->ranks[i].host) != 0;
        if (!first)
            continue;
        nhosts++;
        /* This host's ranks, runs of consecutive ranks written as a range. */
        char ranks[256] = "";
        size_t ro = 0;
        unsigned count = 0;
        for (unsigned j = i; j < ss->nranks; j++) {
            if (strcmp(ss->ranks[j].host, ss->ranks[i].host) != 0)
                continue;
            unsigned k = j;
            while (k + 1 < ss->nranks && strcmp(ss->ranks[k + 1].host, ss->ranks[i].host) == 0)
                k++;
            int n = k > j ? snprintf(ranks + ro, sizeof ranks - ro, "%s%u-%u", ro ? "," : "", j, k)
                          : snprintf(ranks + ro, sizeof ranks - ro, "%s%u", ro ? "," : "", j);
            if (n > 0 && (size_t)n < sizeof ranks - ro)
                ro += (size_t)n;
            count += k - j + 1;
            j = k;
        }
        int n = snprintf(list + o, sizeof list - o, "%s%s (rank%s %s)", o ? ", " : "",
                         ss->ranks[i].host, count > 1 ? "s" : "", ranks);
        if (n > 0 && (size_t)n < sizeof list - o)
            o += (size_t)n;
    }
    if (!remote)
        snprintf(buf, len, "%s", "");
    else
        snprintf(buf, len, "%u ranks on %zu host%s: %s", ss->nranks, nhosts, nhosts > 1 ? "s" : "",
                 list);
}
