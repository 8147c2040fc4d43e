/* The TCP side of an mpi session (the records are in mpi-wire.h): a listening
 * socket whose addresses go on mpirun's command line, the handshake (every
 * rank calls back with the session's token and says whether it is ready), and
 * per run the RUN command to every rank and rank 0's result.  Every wait also
 * watches mpirun: its output is read as it comes (so it never blocks on a
 * full pipe), and its exit ends the wait. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdio.h"
#include "mpi-internal.h"
#include "pb.h"

#define STRANGER_WAIT_S 5.0   /* a caller that is not one of our ranks cannot hold us up longer */

/* What a wait on a connection is given, and what ended it. */
struct waiter {
    struct pb_mpi_session *ss;
    double deadline;
    enum pb_mpi_io why;
    int saved_errno;              /* for PB_MPI_IO_ERROR */
};

/* Wait until `fd` is ready for `events`, reading mpirun's output meanwhile. */
static enum pb_mpi_io wait_ready(struct waiter *wt, int fd, short events)
{
    struct pb_proc *job = &wt->ss->mpirun;
    for (;;) {
        if (pb_stop_signal)
            return PB_MPI_IO_INTERRUPTED;
        double left = wt->deadline - pb_now();
        if (left <= 0)
            return PB_MPI_IO_TIMED_OUT;
        struct pollfd p[2] = {{.fd = fd, .events = events}, {.fd = job->out_fd, .events = POLLIN}};
        int ms = (int)ceil((left < 0.2 ? left : 0.2) * 1e3);   /* look at mpirun now and then */
        int r = poll(p, job->out_fd >= 0 ? 2 : 1, ms);
        if (r < 0 && errno != EINTR) {
            wt->saved_errno = errno;
            return PB_MPI_IO_ERROR;
        }
        if (r > 0 && job->out_fd >= 0 && p[1].revents)
            pb_proc_drain(job);
        if (r > 0 && (p[0].revents & events))
            return PB_MPI_IO_OK;
        if (r > 0 && (p[0].revents & (POLLHUP | POLLERR)))
            return PB_MPI_IO_CLOSED;
        if (pb_mpi_job_gone(wt->ss))
            return PB_MPI_IO_JOB_ENDED;
    }
}

static int wait_readable(void *ctx, int fd)
{
    struct waiter *wt = ctx;
    wt->why = wait_ready(wt, fd, POLLIN);
    return wt->why == PB_MPI_IO_OK ? 0 : -1;
}

/* Read exactly `len` bytes from `fd` by the waiter's deadline. */
static enum pb_mpi_io read_all(struct waiter *wt, int fd, void *buf, size_t len)
{
    switch (pb_read_exact(fd, buf, len, NULL, wait_readable, wt)) {
    case PB_READ_OK:
        return PB_MPI_IO_OK;
    case PB_READ_EOF:
        return PB_MPI_IO_CLOSED;
    case PB_READ_STOPPED:
        return wt->why == PB_MPI_IO_CLOSED ? PB_MPI_IO_JOB_ENDED : wt->why;
    case PB_READ_ERROR:
        break;
    }
    wt->saved_errno = errno;
    return PB_MPI_IO_ERROR;
}

/* What ended a wait, as words for a message ("timed out", "interrupted", ...). */
static const char *io_text(const struct waiter *wt, char *buf, size_t len)
{
    switch (wt->why) {
    case PB_MPI_IO_OK: return "ok";
    case PB_MPI_IO_CLOSED: return "closed the connection";
    case PB_MPI_IO_JOB_ENDED: return "the job ended";
    case PB_MPI_IO_TIMED_OUT: return "timed out";
    case PB_MPI_IO_INTERRUPTED: return "interrupted";
    case PB_MPI_IO_ERROR: break;
    }
    return pb_strerror(wt->saved_errno, buf, len);
}

/* read_all from rank `rank`, failing the session when it does not work;
 * `span` is how long the deadline allowed, for the message. */
static int recv_rank(struct waiter *wt, unsigned rank, void *buf, size_t len, double span,
                     const char *what, char *err, size_t errlen)
{
    struct pb_mpi_session *ss = wt->ss;
    wt->why = read_all(wt, ss->ranks[rank].sock, buf, len);
    char eb[128];
    switch (wt->why) {
    case PB_MPI_IO_OK:
        return 0;
    case PB_MPI_IO_CLOSED:
    case PB_MPI_IO_JOB_ENDED:
        return pb_mpi_session_fail(ss, err, errlen, "rank %u (on %s) %s before sending %s", rank,
                                   ss->ranks[rank].host, io_text(wt, eb, sizeof eb), what);
    case PB_MPI_IO_TIMED_OUT:
        ss->hung = true;
        return pb_mpi_session_fail(ss, err, errlen, "timed out after %.1f s waiting for %s from "
                                   "the %u ranks", span, what, ss->nranks);
    default:
        return pb_mpi_session_fail(ss, err, errlen, "%s waiting for %s from rank %u",
                                   io_text(wt, eb, sizeof eb), what, rank);
    }
}

/* Every IPv4 address of this host that is up, loopback first: rank 0 tries
 * them in turn, so it finds the harness from this host or any other. */
static int callback_addresses(int port, struct pb_strv *out, char *err, size_t errlen)
{
    struct ifaddrs *ifs;
    char eb[128];
    if (getifaddrs(&ifs) != 0) {
        snprintf(err, errlen, "mpi: getifaddrs: %s", pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    size_t cap = 4096, len = 0;
    char *list = malloc(cap);
    if (!list) {
        freeifaddrs(ifs);
        snprintf(err, errlen, "mpi: out of memory");
        return -1;
    }
    list[0] = '\0';
    for (int pass = 0; pass < 2; pass++)
        for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
            if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP))
                continue;
            bool lo = (i->ifa_flags & IFF_LOOPBACK) != 0;
            if (lo != (pass == 0))
                continue;
            char a[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof a);
            int n = snprintf(list + len, cap - len, "%s%s:%d", len ? "," : "", a, port);
            if (n > 0 && (size_t)n < cap - len)
                len += (size_t)n;
        }
    freeifaddrs(ifs);
    if (len == 0)
        snprintf(list, cap, "127.0.0.1:%d", port);
    pb_strv_addf(out, "--connect");
    pb_strv_addf(out, "%s", list);
    free(list);
    return 0;
}

int pb_mpi_listen(struct pb_mpi_session *ss, struct pb_strv *argv, char *err, size_t errlen)
{
    char eb[128];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    socklen_t sl = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        snprintf(err, errlen, "mpi: a TCP socket for rank 0 to call back: %s",
                 pb_strerror(errno, eb, sizeof eb));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    ss->listen_fd = fd;
    return callback_addresses(ntohs(sa.sin_port), argv, err, errlen);
}

/* Accept one connection and read its HELLO.  Returns 0 when a rank of this
 * session was added; 1 when the caller was a stranger (turned away); -1 when
 * the session failed (err filled, session gone). */
static int accept_rank(struct waiter *wt, const struct pb_workload *w, double span, char *err,
                       size_t errlen)
{
    struct pb_mpi_session *ss = wt->ss;
    int fd = accept4(ss->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return 1;
    struct pb_mpi_hello h;
    /* A stranger gets a short deadline, so it cannot hold the session up. */
    struct waiter brief = *wt;
    if (pb_now() + STRANGER_WAIT_S < brief.deadline)
        brief.deadline = pb_now() + STRANGER_WAIT_S;
    brief.why = read_all(&brief, fd, &h, sizeof h);
    if (brief.why != PB_MPI_IO_OK || h.magic != PB_MPI_MAGIC ||
        memcmp(h.token, ss->token, PB_MPI_TOKEN_LEN) != 0) {
        close(fd);
        char eb[128];
        if (brief.why == PB_MPI_IO_INTERRUPTED || brief.why == PB_MPI_IO_ERROR)
            return pb_mpi_session_fail(ss, err, errlen, "%s waiting for the ranks to call",
                                       io_text(&brief, eb, sizeof eb));
        return 1;
    }
    h.host[PB_MPI_HOST_LEN - 1] = '\0';
    if (h.nranks != ss->nranks || h.rank >= ss->nranks || ss->ranks[h.rank].sock >= 0 ||
        h.errlen > PB_MPI_ERR_MAX) {
        close(fd);
        return pb_mpi_session_fail(ss, err, errlen, "a rank called as rank %u of %u (expected one "
                                   "of %u ranks, each once)", (unsigned)h.rank,
                                   (unsigned)h.nranks, ss->nranks);
    }
    struct pb_mpi_rank *rk = &ss->ranks[h.rank];
    *rk = (struct pb_mpi_rank){.pid = h.pid, .sock = fd};
    memcpy(rk->host, h.host, PB_MPI_HOST_LEN);
    ss->connected++;
    if (h.errlen > 0) {
        char text[PB_MPI_ERR_MAX + 1];
        if (recv_rank(wt, h.rank, text, h.errlen, span, "its error", err, errlen) != 0)
            return -1;
        text[h.errlen] = '\0';
        for (char *p = text; *p; p++)
            if ((unsigned char)*p < ' ')
                *p = ' ';
        snprintf(err, errlen, "mpi: rank %u on %s: %s", (unsigned)h.rank, rk->host, text);
        pb_mpi_session_end(ss, false);
        return -1;
    }
    if (h.ntasks != w->ntasks || h.out_size != w->out_size)
        return pb_mpi_session_fail(ss, err, errlen,
                                   "rank %u on %s prepared %llu tasks of %llu bytes, the harness "
                                   "%zu of %zu (do the inputs differ between hosts?)",
                                   (unsigned)h.rank, rk->host, (unsigned long long)h.ntasks,
                                   (unsigned long long)h.out_size, w->ntasks, w->out_size);
    return 0;
}

int pb_mpi_handshake(struct pb_mpi_session *ss, const struct pb_workload *w, double deadline,
                     double span, char *err, size_t errlen)
{
    struct waiter wt = {.ss = ss, .deadline = deadline};
    char eb[128];
    while (ss->connected < ss->nranks) {
        wt.why = wait_ready(&wt, ss->listen_fd, POLLIN);
        switch (wt.why) {
        case PB_MPI_IO_OK:
            if (accept_rank(&wt, w, span, err, errlen) < 0)
                return -1;
            break;
        case PB_MPI_IO_TIMED_OUT:
            ss->hung = true;
            return pb_mpi_session_fail(ss, err, errlen, "timed out after %.1f s waiting for the "
                                       "ranks to start (%u of %u called back)", span,
                                       ss->connected, ss->nranks);
        case PB_MPI_IO_CLOSED:
        case PB_MPI_IO_JOB_ENDED:
            return pb_mpi_session_fail(ss, err, errlen, "the job ended before the ranks were "
                                       "ready (%u of %u called back)", ss->connected, ss->nranks);
        default:
            return pb_mpi_session_fail(ss, err, errlen, "%s waiting for the ranks to start",
                                       io_text(&wt, eb, sizeof eb));
        }
    }
    return 0;
}

int pb_mpi_exchange(struct pb_mpi_session *ss, const struct pb_workload *w,
                    const struct pb_plan *plan, void *out, struct pb_sample *s, char *err,
                    size_t errlen)
{
    struct pb_mpi_cmd c = {.type = PB_MPI_RUN, .schedule = (uint32_t)plan->schedule,
                           .chunk = plan->chunk, .seq = ++ss->seq};
    double span = plan->timeout_s > 0 ? plan->timeout_s : 1e9;
    struct waiter wt = {.ss = ss, .deadline = pb_now() + span};
    char eb[128];
    pb_proc_drain(&ss->mpirun);
    for (unsigned i = 0; i < ss->nranks; i++) {
        ssize_t r;
        do
            r = send(ss->ranks[i].sock, &c, sizeof c, MSG_NOSIGNAL);
        while (r < 0 && errno == EINTR);
        if (r != (ssize_t)sizeof c)
            return pb_mpi_session_fail(ss, err, errlen, "sending RUN to rank %u (on %s): %s", i,
                                       ss->ranks[i].host,
                                       r < 0 ? pb_strerror(errno, eb, sizeof eb) : "short write");
    }
    struct pb_mpi_result res;
    char what[64];
    snprintf(what, sizeof what, "the result of run %llu", (unsigned long long)c.seq);
    if (recv_rank(&wt, 0, &res, sizeof res, span, what, err, errlen) != 0)
        return -1;
    size_t bytes = w->ntasks * w->out_size;
    if (res.magic != PB_MPI_MAGIC || res.seq != c.seq || res.bytes != bytes ||
        !isfinite(res.wall_s) || res.wall_s < 0)
        return pb_mpi_session_fail(ss, err, errlen,
                                   "rank 0 sent a malformed result (run %llu, %llu bytes; "
                                   "expected run %llu, %zu bytes)", (unsigned long long)res.seq,
                                   (unsigned long long)res.bytes, (unsigned long long)c.seq,
                                   bytes);
    struct pb_mpi_rankstat *st = calloc(ss->nranks, sizeof *st);
    if (!st)
        return pb_mpi_session_fail(ss, err, errlen, "out of memory for %u ranks", ss->nranks);
    if (recv_rank(&wt, 0, st, ss->nranks * sizeof *st, span, what, err, errlen) != 0 ||
        recv_rank(&wt, 0, out, bytes, span, what, err, errlen) != 0) {
        free(st);
        return -1;
    }
    uint64_t tasks = 0;
    s->cpu_s = 0;
    for (unsigned i = 0; i < ss->nranks; i++) {
        if (!isfinite(st[i].busy_s) || st[i].busy_s < 0 || st[i].tasks > w->ntasks ||
            st[i].chunks > st[i].tasks || !isfinite(st[i].cpu_s)) {
            free(st);
            return pb_mpi_session_fail(ss, err, errlen, "rank %u reported impossible statistics",
                                       i);
        }
        tasks += st[i].tasks;
        s->cpu_s += st[i].cpu_s;
        if (i < s->nworkers) {
            s->workers[i] = (struct pb_worker_stat){
                .busy_s = st[i].busy_s, .tasks = (size_t)st[i].tasks,
                .chunks = (size_t)st[i].chunks, .cpu_start = st[i].cpu_start,
                .cpu_end = st[i].cpu_end, .migrated = st[i].cpu_start != st[i].cpu_end};
            _Static_assert(sizeof s->workers[i].host >= PB_MPI_HOST_LEN, "a rank's host fits");
            memcpy(s->workers[i].host, ss->ranks[i].host, PB_MPI_HOST_LEN);
        }
    }
    free(st);
    if (tasks != w->ntasks)
        return pb_mpi_session_fail(ss, err, errlen, "the ranks ran %llu tasks of %zu",
                                   (unsigned long long)tasks, w->ntasks);
    s->wall_s = res.wall_s;
    /* Every sample reports its session's launch, paid once per configuration
     * (mpirun start .. all ranks prepared and connected). */
    s->startup_s = ss->startup_s;
    return 0;
}

bool pb_mpi_send_quit(struct pb_mpi_session *ss)
{
    struct pb_mpi_cmd q = {.type = PB_MPI_QUIT};
    /* Each socket is idle, so a 32-byte command goes into its empty send buffer. */
    for (unsigned i = 0; i < ss->nranks; i++)
        if (send(ss->ranks[i].sock, &q, sizeof q, MSG_NOSIGNAL) != (ssize_t)sizeof q)
            return false;
    return true;
}
