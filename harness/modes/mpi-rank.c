/* parbench-mpi-rank: one rank of an mpi-mode session, started by mpirun on
 * behalf of the harness (mpi.c; the protocol is in mpi-wire.h).
 *
 *   parbench-mpi-rank --kernel NAME --size SIZE [--param NAME=VALUE]...
 *                     --connect ADDR:PORT[,ADDR:PORT...]
 *                     [--cpusets "LIST;LIST;..."] [--fault KIND:RANK:TASK]
 *   with the session's token in the environment, PB_MPI_TOKEN=HEX (mpirun -x
 *   forwards it: a command line is readable by every user, an environment not)
 *
 * Every rank prepares the same workload from the kernel's parameters, calls
 * the harness back, says where it runs and whether it could prepare, and then
 * waits for commands in a blocking read on that connection (no CPU while idle:
 * a blocking MPI call would spin).  For each RUN all ranks pass a barrier and
 * rank 0 times the run from there until every output is in its buffer, then
 * sends the time, every rank's statistics and the output to the harness.
 *
 *   static   each rank runs its pb_dispense() block (or round-robin chunks);
 *            the outputs are gathered with MPI_Gatherv, straight into place
 *            for blocks, into a staging buffer unpacked by rank 0 for chunks.
 *   dynamic, guided
 *            rank 0 owns the dispenser and hands out chunks over point-to-
 *            point messages while computing chunks of its own: between two
 *            of its tasks it polls (MPI_Testsome) for finished chunks, whose
 *            outputs arrive straight into place, and answers each with the
 *            next chunk.  So a worker may wait up to one of rank 0's tasks
 *            for an answer; under dynamic a worker holds up to three chunks
 *            while plenty of work is left, which hides that wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mpi.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "kernel.h"
#include "mode.h"
#include "mpi-wire.h"
#include "pb.h"
#include "schedule.h"
#include "supervise.h"

/* Open MPI keeps (and never frees) what MPI_Init and MPI_Finalize allocate, much
 * of it from components it has unloaded by exit, so no suppression can name
 * them.  Under LeakSanitizer those two calls run with leak checking off, and
 * what Open MPI's progress thread (a libevent loop, which we never use)
 * allocates is suppressed: Open MPI's leaks are not reported, ours all are. */
#if defined(__SANITIZE_ADDRESS__)
#define PB_HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PB_HAVE_LSAN 1
#endif
#endif
#ifdef PB_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#define LSAN_OFF() __lsan_disable()
#define LSAN_ON() __lsan_enable()
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libevent_core\n";
}
/* The suppression needs whole stacks: Open MPI is built without frame pointers. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0:print_suppressions=0";
}
#else
#define LSAN_OFF() ((void)0)
#define LSAN_ON() ((void)0)
#endif

#define PROG "parbench-mpi-rank"
#define CONNECT_WAIT_MS 3000     /* per address a rank tries */
#define POISON 0xA5              /* measure.c's pattern */
/* Chunks a worker rank may hold under dynamic while plenty of work is left.
 * Rank 0 answers only between two of its own tasks, so a worker must have
 * enough in hand to outlast one of them: with two, workers still idled (an
 * imbalance of 1.3-1.5 at 2 ranks on primes), with three about 1.05.  Guided
 * keeps one: its early chunks are large, and a second one would be a share
 * of the work no other rank could take over. */
#define DEPTH 3

enum { TAG_ASSIGN = 1, TAG_DATA = 2 };

struct rank {
    int rank, size;
    char host[PB_MPI_HOST_LEN];
    const struct pb_kernel *k;
    struct pb_params params;
    struct pb_workload w;
    bool prepared;
    struct pb_fault fault;
    const char *connect, *token, *cpusets;
    int sock;                    /* rank 0: the harness */
    MPI_Datatype tt;             /* one task's output (MPI_BYTE when tasks write nothing) */
    unsigned char *out;          /* rank 0: the assembled output */
    unsigned char *buf[DEPTH];   /* outputs on their way to rank 0 (rank 0: staging) */
    size_t bufcap;               /* bytes in each of buf[] */
};

/* MPI counts are in tasks of type tt; tasks that write nothing send nothing. */
static int units(const struct rank *R, size_t tasks)
{
    return R->w.out_size ? (int)tasks : 0;
}

static double process_cpu(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

__attribute__((noreturn, format(printf, 2, 3))) static void die(const struct rank *R,
                                                                const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* mpirun passes this on to the harness, which quotes lines starting with PROG. */
    fprintf(stderr, PROG ": rank %d on %s: %s\n", R->rank, R->host, text);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    _exit(1);
}

/* Bind to the cpuset the harness planned for this rank: entry `rank` of a
 * ';'-separated list of OS-index lists ("0-1;2;3"). */
static int bind_self(const struct rank *R, char *err, size_t errlen)
{
    const char *p = R->cpusets;
    for (int i = 0; i < R->rank && p; i++) {
        p = strchr(p, ';');
        if (p)
            p++;
    }
    if (!p || !*p || *p == ';') {
        snprintf(err, errlen, "--cpusets names no cpuset for rank %d", R->rank);
        return -1;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    while (*p && *p != ';') {
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;
        if (end == p || lo < 0 || lo >= CPU_SETSIZE)
            goto bad;
        if (*end == '-') {
            p = end + 1;
            hi = strtol(p, &end, 10);
            if (end == p || hi < lo || hi >= CPU_SETSIZE)
                goto bad;
        }
        for (long c = lo; c <= hi; c++)
            CPU_SET((int)c, &set);
        p = *end == ',' ? end + 1 : end;
    }
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        snprintf(err, errlen, "sched_setaffinity for rank %d: %s", R->rank, strerror(errno));
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "--cpusets: bad cpu list for rank %d", R->rank);
    return -1;
}

/* Parse the command line and prepare the workload.  Returns 0, or -1 with `err`. */
static int setup(struct rank *R, int argc, char **argv, char *err, size_t errlen)
{
    const char *kernel = NULL, *size = NULL, *fault = NULL;
    const char *params[PB_PARAMS_MAX * 2];
    size_t nparams = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            snprintf(err, errlen, "option %s needs a value", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--kernel") == 0)
            kernel = v;
        else if (strcmp(a, "--size") == 0)
            size = v;
        else if (strcmp(a, "--connect") == 0)
            R->connect = v;
        else if (strcmp(a, "--cpusets") == 0)
            R->cpusets = v;
        else if (strcmp(a, "--fault") == 0)
            fault = v;
        else if (strcmp(a, "--param") == 0 && nparams < sizeof params / sizeof params[0])
            params[nparams++] = v;
        else {
            snprintf(err, errlen, "unknown option '%s'", a);
            return -1;
        }
    }
    R->token = getenv(PB_MPI_TOKEN_ENV);
    if (!kernel || !size || !R->connect || !R->token || strlen(R->token) != PB_MPI_TOKEN_LEN) {
        snprintf(err, errlen, "needs --kernel, --size, --connect and %s in the environment (it is "
                 "started by parbench run -m mpi)", PB_MPI_TOKEN_ENV);
        return -1;
    }
    if (fault && pb_fault_parse(fault, &R->fault) != 0) {
        snprintf(err, errlen, "--fault '%s': expected KIND:RANK:TASK", fault);
        return -1;
    }
    if (R->cpusets && bind_self(R, err, errlen) != 0)
        return -1;
    R->k = pb_kernel_find(kernel);
    enum pb_size sz;
    if (!R->k) {
        snprintf(err, errlen, "unknown kernel '%s'", kernel);
        return -1;
    }
    if (pb_size_parse(size, &sz) != 0) {
        snprintf(err, errlen, "unknown size '%s'", size);
        return -1;
    }
    if (pb_params_init(&R->params, R->k, sz, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < nparams; i++) {
        char name[64];
        const char *eq = strchr(params[i], '=');
        if (!eq || (size_t)(eq - params[i]) >= sizeof name) {
            snprintf(err, errlen, "--param '%s': expected NAME=VALUE", params[i]);
            return -1;
        }
        snprintf(name, sizeof name, "%.*s", (int)(eq - params[i]), params[i]);
        if (pb_params_set(&R->params, R->k, name, eq + 1, err, errlen) != 0)
            return -1;
    }
    if (R->k->prepare(&R->w, &R->params, err, errlen) != 0)
        return -1;
    R->prepared = true;
    if (R->w.ntasks > INT_MAX || R->w.out_size > INT_MAX) {
        snprintf(err, errlen, "%zu tasks of %zu bytes are beyond MPI's int counts", R->w.ntasks,
                 R->w.out_size);
        return -1;
    }
    return 0;
}

/* Call the harness at the first address that answers. */
static int call_harness(struct rank *R, char *err, size_t errlen)
{
    char list[4096];
    snprintf(list, sizeof list, "%s", R->connect);
    char *save = NULL, last[256] = "no address";
    for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(item, ':');
        if (!colon)
            continue;
        *colon = '\0';
        struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
        if (getaddrinfo(item, colon + 1, &hints, &ai) != 0)
            continue;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        int e = 0;
        if (fd < 0) {
            e = errno;
        } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            e = errno;
        } else {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            socklen_t len = sizeof e;
            if (poll(&p, 1, CONNECT_WAIT_MS) != 1)
                e = ETIMEDOUT;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
                e = errno;
        }
        freeaddrinfo(ai);
        if (e == 0) {
            int one = 1;
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            R->sock = fd;
            return 0;
        }
        snprintf(last, sizeof last, "%s:%s: %s", item, colon + 1, strerror(e));
        if (fd >= 0)
            close(fd);
    }
    snprintf(err, errlen, "cannot reach the harness (%s)", last);
    return -1;
}

/* Make sure buf[0..nslots) hold `bytes` each, poisoned (outside the timed
 * region) so a task that was never run cannot pass on a stale output.  The
 * harness's pattern: bytes a kernel leaves unwritten (a short last band) then
 * come out as in every other mode, and so do the checksums. */
static void buffers(struct rank *R, size_t bytes, int nslots)
{
    if (bytes > R->bufcap) {
        for (int i = 0; i < DEPTH; i++) {
            free(R->buf[i]);
            R->buf[i] = NULL;
        }
        R->bufcap = bytes;
    }
    for (int i = 0; i < nslots; i++) {
        if (!R->buf[i] && !(R->buf[i] = malloc(R->bufcap ? R->bufcap : 1)))
            die(R, "out of memory for %zu bytes of output", R->bufcap);
        memset(R->buf[i], POISON, bytes);
    }
}

/* Tasks [r.begin, r.end) into dst (task t at (t - r.begin) * out_size),
 * with the injected fault consulted first, and their time counted. */
static void run_range(struct rank *R, struct pb_range r, unsigned char *dst,
                      struct pb_mpi_rankstat *st)
{
    double t0 = pb_now();
    for (size_t t = r.begin; t < r.end; t++) {
        if (R->fault.kind != PB_FAULT_NONE)
            pb_fault_maybe(&R->fault, (unsigned)R->rank, t);
        R->k->run(&R->w, t, dst + (t - r.begin) * R->w.out_size);
    }
    st->busy_s += pb_now() - t0;
    st->tasks += r.end - r.begin;
    st->chunks++;
}

/* static: blocks, or chunks dealt round-robin, then MPI_Gatherv to rank 0. */
static void run_static(struct rank *R, const struct pb_plan *plan, struct pb_mpi_rankstat *st,
                       double *t0)
{
    size_t n = R->w.ntasks, os = R->w.out_size;
    int W = R->size;
    struct pb_dispenser d;
    pb_dispenser_init(&d, n, plan);
    int *counts = calloc((size_t)W, sizeof *counts), *displs = calloc((size_t)W, sizeof *displs);
    if (!counts || !displs)
        die(R, "out of memory");
    /* Tasks per rank: every rank works this out the same way. */
    for (int q = 0; q < W; q++) {
        struct pb_dispenser dq;
        pb_dispenser_init(&dq, n, plan);
        size_t cur = 0, tasks = 0;
        struct pb_range r;
        while (pb_dispense(&dq, (unsigned)q, &cur, &r))
            tasks += r.end - r.begin;
        counts[q] = (int)tasks;
    }
    bool blocks = d.chunk == 0;
    size_t mine = (size_t)counts[R->rank];
    if (R->rank == 0)
        buffers(R, blocks ? 0 : (n - mine) * os, 1);   /* staging for the others' chunks */
    else
        buffers(R, mine * os, 1);
    MPI_Barrier(MPI_COMM_WORLD);
    *t0 = pb_now();
    st->cpu_start = sched_getcpu();

    size_t cur = 0, packed = 0;
    struct pb_range r;
    while (pb_dispense(&d, (unsigned)R->rank, &cur, &r)) {
        unsigned char *dst = R->rank == 0 ? R->out + r.begin * os : R->buf[0] + packed * os;
        run_range(R, r, dst, st);
        packed += r.end - r.begin;
    }
    if (R->rank != 0) {
        MPI_Gatherv(R->buf[0], units(R, mine), R->tt, NULL, NULL, NULL, R->tt, 0, MPI_COMM_WORLD);
    } else if (blocks) {
        for (int q = 0, at = 0; q < W; q++) {
            displs[q] = at;
            at += counts[q];
            counts[q] = units(R, (size_t)counts[q]);
        }
        MPI_Gatherv(MPI_IN_PLACE, 0, R->tt, R->out, counts, displs, R->tt, 0, MPI_COMM_WORLD);
    } else {
        counts[0] = 0;   /* rank 0's chunks were computed in place */
        for (int q = 0, at = 0; q < W; q++) {
            displs[q] = at;
            at += counts[q];
            counts[q] = units(R, (size_t)counts[q]);
        }
        MPI_Gatherv(MPI_IN_PLACE, 0, R->tt, R->buf[0], counts, displs, R->tt, 0, MPI_COMM_WORLD);
        /* Unpack: rank q's chunks arrived one after another, in its dealing order. */
        const unsigned char *src = R->buf[0];
        for (int q = 1; q < W; q++) {
            struct pb_dispenser dq;
            pb_dispenser_init(&dq, n, plan);
            size_t c = 0;
            while (pb_dispense(&dq, (unsigned)q, &c, &r)) {
                size_t bytes = (r.end - r.begin) * os;
                memcpy(R->out + r.begin * os, src, bytes);
                src += bytes;
            }
        }
    }
    free(counts);
    free(displs);
}

/* Rank 0's view of one worker rank under dynamic / guided. */
struct worker {
    struct pb_range q[DEPTH];    /* chunks sent, oldest first */
    unsigned n;
    bool active;                 /* not yet told to stop */
};

struct master {
    struct rank *R;
    struct pb_dispenser d;
    struct worker *wk;           /* size entries; [0] unused */
    MPI_Request *req;            /* size - 1: the data of each worker's oldest chunk */
    int *idx;
    int nactive;
    unsigned depth;
};

/* Keep worker i supplied: `depth` chunks while plenty of work is left, one
 * near the end so the tail stays balanced (as forkpool does). */
static void master_fill(struct master *m, int i)
{
    struct worker *wk = &m->wk[i];
    while (wk->n < m->depth) {
        if (wk->n > 0) {
            size_t next = atomic_load_explicit(&m->d.next, memory_order_relaxed);
            size_t left = next < m->d.ntasks ? m->d.ntasks - next : 0;
            if (left < (size_t)m->d.workers * m->d.chunk * m->depth)
                break;
        }
        size_t cur = 0;
        struct pb_range r;
        if (!pb_dispense(&m->d, (unsigned)i, &cur, &r))
            break;
        uint64_t msg[2] = {r.begin, r.end};
        MPI_Send(msg, 2, MPI_UINT64_T, i, TAG_ASSIGN, MPI_COMM_WORLD);
        wk->q[wk->n++] = r;
    }
}

/* Expect the data of worker i's oldest chunk straight into place, or tell it to stop. */
static void master_post(struct master *m, int i)
{
    struct worker *wk = &m->wk[i];
    struct rank *R = m->R;
    if (wk->n == 0) {
        uint64_t stop[2] = {0, 0};
        MPI_Send(stop, 2, MPI_UINT64_T, i, TAG_ASSIGN, MPI_COMM_WORLD);
        wk->active = false;
        m->req[i - 1] = MPI_REQUEST_NULL;
        m->nactive--;
        return;
    }
    struct pb_range r = wk->q[0];
    MPI_Irecv(R->out + r.begin * R->w.out_size, units(R, r.end - r.begin), R->tt, i, TAG_DATA,
              MPI_COMM_WORLD, &m->req[i - 1]);
}

/* Worker chunks m->idx[0..count) have arrived: refill those workers. */
static void master_answer(struct master *m, int count)
{
    for (int j = 0; j < count; j++) {
        int i = m->idx[j] + 1;
        struct worker *wk = &m->wk[i];
        memmove(&wk->q[0], &wk->q[1], (DEPTH - 1) * sizeof wk->q[0]);
        wk->n--;
        master_fill(m, i);
        master_post(m, i);
    }
}

/* Answer every worker whose chunk has arrived (waiting for one when `block`),
 * and again while more arrive: a worker may have finished several chunks
 * during one of rank 0's tasks, and must get as many new ones now. */
static void master_serve(struct master *m, bool block)
{
    for (int count = 1; count > 0 && m->nactive > 0; block = false) {
        count = 0;
        if (block)
            MPI_Waitsome(m->R->size - 1, m->req, &count, m->idx, MPI_STATUSES_IGNORE);
        else
            MPI_Testsome(m->R->size - 1, m->req, &count, m->idx, MPI_STATUSES_IGNORE);
        if (count == MPI_UNDEFINED)
            break;
        master_answer(m, count);
    }
}

static void run_master(struct rank *R, const struct pb_plan *plan, struct pb_mpi_rankstat *st,
                       double *t0)
{
    int W = R->size;
    struct master m = {.R = R, .depth = plan->schedule == PB_SCHED_DYNAMIC ? DEPTH : 1,
                       .nactive = W - 1};
    pb_dispenser_init(&m.d, R->w.ntasks, plan);
    m.wk = calloc((size_t)W, sizeof *m.wk);
    m.req = calloc((size_t)W, sizeof *m.req);
    m.idx = calloc((size_t)W, sizeof *m.idx);
    if (!m.wk || !m.req || !m.idx)
        die(R, "out of memory");
    MPI_Barrier(MPI_COMM_WORLD);
    *t0 = pb_now();
    st->cpu_start = sched_getcpu();
    for (int i = 1; i < W; i++) {
        m.wk[i].active = true;
        master_fill(&m, i);
    }
    for (int i = 1; i < W; i++)
        master_post(&m, i);
    size_t cur = 0, os = R->w.out_size;
    struct pb_range r;
    while (pb_dispense(&m.d, 0, &cur, &r)) {
        /* Task by task, answering the workers in between. */
        for (size_t t = r.begin; t < r.end; t++) {
            double a = pb_now();
            if (R->fault.kind != PB_FAULT_NONE)
                pb_fault_maybe(&R->fault, 0, t);
            R->k->run(&R->w, t, R->out + t * os);
            st->busy_s += pb_now() - a;
            master_serve(&m, false);
        }
        st->tasks += r.end - r.begin;
        st->chunks++;
    }
    while (m.nactive > 0)
        master_serve(&m, true);
    free(m.wk);
    free(m.req);
    free(m.idx);
}

static void run_worker(struct rank *R, const struct pb_plan *plan, struct pb_mpi_rankstat *st)
{
    size_t n = R->w.ntasks;
    size_t chunk = plan->chunk ? plan->chunk : 1;
    size_t most = plan->schedule == PB_SCHED_GUIDED ? (n + (size_t)R->size - 1) / (size_t)R->size
                                                    : 0;
    if (most < chunk)
        most = chunk;
    if (most > n)
        most = n;
    /* A buffer per chunk held, so each is computed while earlier ones are in flight. */
    int nslots = plan->schedule == PB_SCHED_DYNAMIC ? DEPTH : 2;
    buffers(R, most * R->w.out_size, nslots);
    MPI_Barrier(MPI_COMM_WORLD);
    st->cpu_start = sched_getcpu();
    MPI_Request sreq[DEPTH];
    for (int i = 0; i < DEPTH; i++)
        sreq[i] = MPI_REQUEST_NULL;
    int slot = 0;
    for (;;) {
        uint64_t msg[2];
        MPI_Recv(msg, 2, MPI_UINT64_T, 0, TAG_ASSIGN, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (msg[0] >= msg[1])
            break;
        if (msg[1] > n || msg[1] - msg[0] > most)
            die(R, "rank 0 assigned tasks [%llu, %llu) of %zu", (unsigned long long)msg[0],
                (unsigned long long)msg[1], n);
        struct pb_range r = {(size_t)msg[0], (size_t)msg[1]};
        MPI_Wait(&sreq[slot], MPI_STATUS_IGNORE);
        /* Poisoned again: a kernel that leaves bytes of its slice unwritten (blur's
         * short last band) must not ship an earlier chunk's bytes in them. */
        memset(R->buf[slot], POISON, (r.end - r.begin) * R->w.out_size);
        run_range(R, r, R->buf[slot], st);
        MPI_Isend(R->buf[slot], units(R, r.end - r.begin), R->tt, 0, TAG_DATA, MPI_COMM_WORLD,
                  &sreq[slot]);
        slot = (slot + 1) % nslots;
    }
    MPI_Waitall(DEPTH, sreq, MPI_STATUSES_IGNORE);
}

/* One RUN: every rank takes part; rank 0 sends the result to the harness. */
static void run_once(struct rank *R, const struct pb_mpi_cmd *c)
{
    struct pb_plan plan = {.workers = (unsigned)R->size, .chunk = (size_t)c->chunk,
                           .schedule = (enum pb_schedule)c->schedule};
    if (c->schedule > PB_SCHED_GUIDED)
        die(R, "unknown schedule %u", (unsigned)c->schedule);
    struct pb_mpi_rankstat st = {.cpu_start = -1, .cpu_end = -1};
    size_t bytes = R->w.ntasks * R->w.out_size;
    if (R->rank == 0)
        memset(R->out, POISON, bytes);   /* as the harness does: stale bytes never pass */
    double t0 = 0, cpu0 = process_cpu();
    if (plan.schedule == PB_SCHED_STATIC)
        run_static(R, &plan, &st, &t0);
    else if (R->rank == 0)
        run_master(R, &plan, &st, &t0);
    else
        run_worker(R, &plan, &st);
    double wall = pb_now() - t0;
    st.cpu_end = sched_getcpu();
    st.cpu_s = process_cpu() - cpu0;

    struct pb_mpi_rankstat *all = NULL;
    if (R->rank == 0 && !(all = calloc((size_t)R->size, sizeof *all)))
        die(R, "out of memory");
    MPI_Gather(&st, sizeof st, MPI_BYTE, all, sizeof st, MPI_BYTE, 0, MPI_COMM_WORLD);
    if (R->rank == 0) {
        struct pb_mpi_result res = {.magic = PB_MPI_MAGIC, .seq = c->seq, .wall_s = wall,
                                    .bytes = bytes};
        if (pb_io_write_all(R->sock, &res, sizeof res) != 0 ||
            pb_io_write_all(R->sock, all, (size_t)R->size * sizeof *all) != 0 ||
            pb_io_write_all(R->sock, R->out, bytes) != 0)
            die(R, "sending the result to the harness: %s", strerror(errno));
        free(all);
    }
}

int main(int argc, char **argv)
{
    /* Die with mpirun or orted: a rank must never outlive its job. */
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    LSAN_OFF();
    MPI_Init(&argc, &argv);
    LSAN_ON();
    struct rank R = {.sock = -1, .tt = MPI_BYTE};
    MPI_Comm_rank(MPI_COMM_WORLD, &R.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &R.size);
    gethostname(R.host, sizeof R.host - 1);

    char err[PB_MPI_ERR_MAX] = "";
    if (setup(&R, argc, argv, err, sizeof err) != 0 && err[0] == '\0')
        snprintf(err, sizeof err, "setup failed");
    if (err[0] == '\0' && R.w.out_size > 0) {
        MPI_Type_contiguous((int)R.w.out_size, MPI_BYTE, &R.tt);
        MPI_Type_commit(&R.tt);
    }
    size_t bytes = R.w.ntasks * R.w.out_size;
    if (err[0] == '\0' && R.rank == 0 && !(R.out = malloc(bytes ? bytes : 1)))
        snprintf(err, sizeof err, "out of memory for %zu bytes of output", bytes);

    /* Every rank calls the harness and says who it is and whether it is ready;
     * one that could not prepare says why, and the harness ends the session. */
    char cerr[256];
    if (!R.connect || !R.token || call_harness(&R, cerr, sizeof cerr) != 0)
        die(&R, "%s", R.connect && R.token ? cerr : err);
    struct pb_mpi_hello h = {.magic = PB_MPI_MAGIC, .rank = (uint32_t)R.rank,
                             .nranks = (uint32_t)R.size, .pid = (int32_t)getpid(),
                             .errlen = (uint32_t)strlen(err), .ntasks = R.w.ntasks,
                             .out_size = R.w.out_size};
    memcpy(h.token, R.token, PB_MPI_TOKEN_LEN);
    memcpy(h.host, R.host, sizeof h.host);
    if (pb_io_write_all(R.sock, &h, sizeof h) != 0 || pb_io_write_all(R.sock, err, h.errlen) != 0)
        die(&R, "sending the greeting to the harness: %s", strerror(errno));

    for (;;) {
        struct pb_mpi_cmd c;
        /* The harness gone (end of file) reads as QUIT; every rank sees it. */
        if (pb_io_read_all(R.sock, &c, sizeof c) != 1 || c.type != PB_MPI_RUN)
            break;
        if (err[0] != '\0')
            die(&R, "asked to run after it could not prepare: %s", err);
        run_once(&R, &c);
    }
    close(R.sock);
    if (R.prepared && R.k->release)
        R.k->release(&R.w);
    free(R.out);
    for (int i = 0; i < DEPTH; i++)
        free(R.buf[i]);
    if (R.tt != MPI_BYTE)
        MPI_Type_free(&R.tt);
    LSAN_OFF();
    MPI_Finalize();
    LSAN_ON();
    return err[0] != '\0';
}
