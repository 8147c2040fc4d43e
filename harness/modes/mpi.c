/* mpi: the tasks run in Open MPI ranks, possibly on several hosts.
 *
 * The harness is not an MPI process and does not link MPI.  A *session* is
 * one `mpirun -np W [--hostfile F] -x PB_MPI_TOKEN [placement] [--mpi-args] parbench-mpi-rank
 * ...`: every rank prepares the same workload from the kernel's parameters
 * and connects back to the harness over TCP (every local IPv4 address is
 * offered, loopback first; a random token proves the caller is ours).  For
 * each RUN command the ranks pass a barrier, run the tasks (static blocks or
 * round-robin chunks gathered with MPI_Gatherv; dynamic and guided chunks
 * handed out by rank 0, each output sent back with its chunk), and rank 0
 * stops the clock once every output is in its buffer: the gather is inside
 * the timed region, like forkpool's pipe copy.  Rank 0 then sends the wall
 * time, each rank's statistics and the assembled output, which lands in
 * `out`, where the kernel's own check validates it as for every other mode.
 *
 * Sessions are kept in a small cache keyed by everything the ranks are
 * started with (kernel, parameters, rank count, placement, hosts, extra
 * arguments), not the schedule or chunk, which travel with each RUN: so a
 * configuration's warm-ups and repetitions, and its other schedules, pay for
 * mpirun once even when the sweep interleaves configurations.  startup_s is
 * that launch (mpirun started .. every rank prepared and connected), reported
 * with each sample of the session.  A failure ends its session (the next call
 * starts afresh); the harness's exit ends them all.  Teardown: QUIT and wait;
 * on a failure, SIGTERM to mpirun (which ends the job on every host), then
 * SIGKILL to its process group and to any rank left on this host.  mpirun
 * gets SIGTERM if the harness dies (PR_SET_PDEATHSIG) and each rank SIGKILL if
 * its mpirun or orted dies, so nothing outlives a crashed harness either.
 * Open MPI's own files -- its session directory and the shared-memory (vader)
 * segments of the ranks -- go into a private directory per session (mode 0700,
 * from mkdtemp: /dev/shm/parbench-mpi.PID.XXXXXX), removed with everything in
 * it when the session ends: a job killed on a crash or a timeout cannot clean
 * up after itself, and would otherwise leave segments in /dev/shm and
 * directories in /tmp. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "mode.h"
#include "mode-mpi.h"
#include "mpi-wire.h"
#include "pb.h"
#include "placement.h"

#define MPI_UNAVAILABLE_TEXT "built without MPI: install libopenmpi-dev and reconfigure"

struct pb_mpi_config pb_mpi_config;

/* What the records need after a run: hosts by rank, and every host seen. */
static char (*last_host)[PB_MPI_HOST_LEN];
static unsigned last_nranks;
static char last_mapping[256];
static char (*seen_host)[PB_MPI_HOST_LEN];
static size_t seen_n;

const char *pb_mpi_rank_host(unsigned rank)
{
    return rank < last_nranks ? last_host[rank] : NULL;
}

const char *pb_mpi_mapping(void)
{
    return last_mapping;
}

size_t pb_mpi_nhosts(void)
{
    return seen_n;
}

const char *pb_mpi_host(size_t i)
{
    return i < seen_n ? seen_host[i] : NULL;
}

#ifndef PB_HAVE_MPI

int pb_mpi_config_check(char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return 0;
}

static int mpi_unavailable(const struct pb_kernel *k, const struct pb_workload *w,
                           const struct pb_plan *plan, void *out, struct pb_sample *s, char *err,
                           size_t errlen)
{
    (void)k, (void)w, (void)plan, (void)out, (void)s;
    snprintf(err, errlen, "mpi: %s", MPI_UNAVAILABLE_TEXT);
    return -1;
}

const struct pb_mode pb_mode_mpi = {
    .name = "mpi",
    .worker = PB_WORKER_RANK,
    .output = PB_OUTPUT_COPIED,
    .runtime = PB_RUNTIME_C,
    .style = {"#9467bd", 6, 1},
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

#define RANK_PROGRAM "parbench-mpi-rank"
#define MAX_MPI_ARGS 64
#define TAIL_BYTES 8192           /* how much of mpirun's output is kept for messages */
_Static_assert(TAIL_BYTES > 4096, "drain_output reads 4096 bytes at a time");
#define STARTUP_MIN_S 60.0        /* launching on a cluster may take longer than one run */
#define QUIT_WAIT_S 10.0          /* a session asked to QUIT must be gone by then */
#define TERM_WAIT_S 3.0           /* after SIGTERM, mpirun gets this long to end the job */
#define VERDICT_WAIT_S 5.0        /* after a rank died, mpirun gets this long to say which
                                     (2 s was too short on a loaded machine: found by the soak) */
#define MAX_SESSIONS 16           /* idle sessions kept (see the cache below) */

/* A growable argv. */
struct strv {
    char **v;
    size_t n, cap;
    bool failed;   /* out of memory somewhere: the whole vector is unusable */
};

__attribute__((format(printf, 2, 3))) static void strv_addf(struct strv *a, const char *fmt, ...)
{
    if (a->failed)
        return;
    if (a->n + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 32;
        char **v = realloc(a->v, cap * sizeof *v);
        if (!v) {
            a->failed = true;
            return;
        }
        a->v = v;
        a->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&a->v[a->n], fmt, ap);
    va_end(ap);
    if (r < 0) {
        a->failed = true;
        return;
    }
    a->v[++a->n] = NULL;
}

static void strv_free(struct strv *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    *a = (struct strv){0};
}

/* The argv joined with a separator no argument contains (for session keys). */
static char *strv_join(const struct strv *a)
{
    size_t len = 1;
    for (size_t i = 0; i < a->n; i++)
        len += strlen(a->v[i]) + 1;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < a->n; i++) {
        size_t l = strlen(a->v[i]);
        memcpy(p, a->v[i], l);
        p += l;
        *p++ = '\x1f';
    }
    *p = '\0';
    return s;
}

/* Split --mpi-args on spaces into `a`.  Returns the number of words, or -1
 * when there are too many. */
static int split_args(const char *text, struct strv *a)
{
    int n = 0;
    for (const char *p = text ? text : ""; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        if (++n > MAX_MPI_ARGS)
            return -1;
        strv_addf(a, "%.*s", (int)(e - p), p);
        p = e;
    }
    return n;
}

/* The rank program: next to this executable, as the build puts it. */
static int rank_program(char *buf, size_t len, char *err, size_t errlen)
{
    char self[PATH_MAX], eb[128];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0) {
        snprintf(err, errlen, "mpi: readlink /proc/self/exe: %s", pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    if (snprintf(buf, len, "%s/%s", self, RANK_PROGRAM) >= (int)len) {
        snprintf(err, errlen, "mpi: path of %s too long", RANK_PROGRAM);
        return -1;
    }
    if (access(buf, X_OK) != 0) {
        snprintf(err, errlen, "mpi: rank program %s: %s (build the %s target)", buf,
                 pb_strerror(errno, eb, sizeof eb), RANK_PROGRAM);
        return -1;
    }
    return 0;
}

/* `name` as execv needs it: itself when it has a slash, else searched in PATH. */
static int find_program(const char *name, char *buf, size_t len)
{
    if (strchr(name, '/')) {
        snprintf(buf, len, "%s", name);
        return access(buf, X_OK);
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        const char *e = strchr(p, ':');
        size_t dl = e ? (size_t)(e - p) : strlen(p);
        struct stat st;
        if (snprintf(buf, len, "%.*s/%s", (int)dl, dl ? p : ".", name) < (int)len &&
            stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
            return 0;
        if (!e)
            break;
        p = e + 1;
    }
    errno = ENOENT;
    return -1;
}

/* A hostfile: readable, and every non-comment line "HOST [key=value ...]". */
static int check_hostfile(const char *path, char *err, size_t errlen)
{
    char eb[128];
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "--hosts %s: cannot read: %s", path, pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    char line[1024];
    unsigned lineno = 0, hosts = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *save = NULL;
        for (char *tok = strtok_r(line, " \t\r\n", &save), *first = tok; tok;
             tok = strtok_r(NULL, " \t\r\n", &save)) {
            if (tok == first) {
                hosts++;
            } else if (!strchr(tok, '=') || tok[0] == '=') {
                snprintf(err, errlen, "--hosts %s:%u: '%s' is not KEY=VALUE (e.g. slots=4)", path,
                         lineno, tok);
                rc = -1;
                break;
            }
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "--hosts %s: cannot read: %s", path, pb_strerror(errno, eb, sizeof eb));
        rc = -1;
    }
    fclose(f);
    if (rc == 0 && hosts == 0) {
        snprintf(err, errlen, "--hosts %s: names no hosts", path);
        rc = -1;
    }
    return rc;
}

int pb_mpi_config_check(char *err, size_t errlen)
{
    char path[PATH_MAX], eb[128];
    const char *mpirun = pb_mpi_config.mpirun ? pb_mpi_config.mpirun : "mpirun";
    if (find_program(mpirun, path, sizeof path) != 0) {
        if (pb_mpi_config.mpirun)
            snprintf(err, errlen, "--mpirun %s: cannot run it: %s", mpirun,
                     pb_strerror(errno, eb, sizeof eb));
        else
            snprintf(err, errlen, "mpi mode: mpirun is not in PATH (install openmpi-bin or name it "
                     "with --mpirun PATH)");
        return -1;
    }
    if (pb_mpi_config.hosts && check_hostfile(pb_mpi_config.hosts, err, errlen) != 0)
        return -1;
    struct strv a = {0};
    int n = split_args(pb_mpi_config.args, &a);
    strv_free(&a);
    if (n < 0) {
        snprintf(err, errlen, "--mpi-args: more than %d arguments", MAX_MPI_ARGS);
        return -1;
    }
    return rank_program(path, sizeof path, err, errlen);
}

/* One mpirun and its ranks. */
struct mpi_rank {
    int pid;
    int sock;                   /* its connection, -1 until it called */
    char host[PB_MPI_HOST_LEN];
};

struct mpi_session {
    pid_t pid;                  /* mpirun, leader of its own process group; 0 once reaped */
    int status;                 /* its wait status once reaped */
    int out_fd;                 /* read end of mpirun's stdout + stderr, nonblocking; -1 at EOF */
    int listen_fd;              /* where the ranks call back */
    char *key;                  /* what the session runs: mpirun's argv less the callback */
    char rank_path[PATH_MAX];
    char mapping[256];
    char token[PB_MPI_TOKEN_LEN + 1];
    unsigned nranks, connected;
    struct mpi_rank *ranks;
    double startup_s;           /* mpirun started .. every rank prepared and connected */
    double footprint;           /* bytes its ranks hold, roughly: for the cache's bound */
    uint64_t seq;               /* RUN commands sent */
    uint64_t used;              /* the cache clock when it last ran */
    bool hung;                  /* timed out: mpirun will not end the job by itself */
    char files[PATH_MAX];       /* the private directory for Open MPI's files, "" if none */
    char tail[TAIL_BYTES];      /* the last bytes mpirun wrote */
    size_t tail_len;
};

/* Idle sessions, so that the repetitions of a configuration, and its other
 * schedules, reuse one mpirun even when the sweep interleaves configurations.
 * Idle ranks sleep in a blocking read, so they cost memory, not CPU; the
 * cache is bounded in sessions, ranks and (estimated) memory, and the least
 * recently used session goes first. */
static struct mpi_session *cache[MAX_SESSIONS];
static uint64_t cache_clock;

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static void cache_forget(const struct mpi_session *ss)
{
    for (size_t i = 0; i < MAX_SESSIONS; i++)
        if (cache[i] == ss)
            cache[i] = NULL;
}

/* Keep the last TAIL_BYTES of what mpirun writes, so it never blocks on a
 * full pipe and a failure can quote it. */
static void drain_output(struct mpi_session *ss)
{
    while (ss->out_fd >= 0) {
        char buf[4096];
        ssize_t r = read(ss->out_fd, buf, sizeof buf);
        if (r > 0) {
            size_t n = (size_t)r;   /* < TAIL_BYTES: buf is the smaller */
            if (ss->tail_len + n > TAIL_BYTES) {
                size_t drop = ss->tail_len + n - TAIL_BYTES;
                memmove(ss->tail, ss->tail + drop, ss->tail_len - drop);
                ss->tail_len -= drop;
            }
            memcpy(ss->tail + ss->tail_len, buf, n);
            ss->tail_len += n;
        } else if (r == 0) {
            close_fd(&ss->out_fd);
        } else if (errno != EINTR) {
            return;   /* EAGAIN: nothing more now */
        }
    }
}

/* Reap mpirun if it has exited.  Returns true once it is gone. */
static bool mpirun_reaped(struct mpi_session *ss, bool block)
{
    if (ss->pid <= 0)
        return true;
    int st;
    pid_t r;
    do
        r = waitpid(ss->pid, &st, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == ss->pid || (r < 0 && errno == ECHILD)) {
        ss->status = r == ss->pid ? st : 0;
        ss->pid = 0;
        return true;
    }
    return false;
}

/* Wait up to `s` seconds for mpirun to exit, draining its output. */
static bool wait_mpirun(struct mpi_session *ss, double s)
{
    double end = pb_now() + s;
    while (!mpirun_reaped(ss, false)) {
        if (pb_now() >= end)
            return false;
        struct pollfd p = {.fd = ss->out_fd, .events = POLLIN};
        if (ss->out_fd >= 0)
            poll(&p, 1, 20);
        else
            nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
        drain_output(ss);
    }
    drain_output(ss);
    return true;
}

/* Kill any rank of the session on this host that outlived mpirun (ranks run
 * in process groups of their own, so the group kill misses them).  A pid is
 * only killed while it is still our rank program. */
static void kill_local_ranks(const struct mpi_session *ss)
{
    char host[PB_MPI_HOST_LEN] = "";
    gethostname(host, sizeof host - 1);
    for (unsigned i = 0; ss->ranks && i < ss->nranks; i++) {
        if (ss->ranks[i].pid <= 0 || strcmp(ss->ranks[i].host, host) != 0)
            continue;
        char link[64], exe[PATH_MAX];
        snprintf(link, sizeof link, "/proc/%d/exe", ss->ranks[i].pid);
        ssize_t n = readlink(link, exe, sizeof exe - 1);
        if (n <= 0)
            continue;
        exe[n] = '\0';
        if (strcmp(exe, ss->rank_path) == 0)
            kill(ss->ranks[i].pid, SIGKILL);
    }
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    remove(path);
    return 0;   /* whatever could not go, the rest still should */
}

/* End a session and free it.  Graceful: QUIT to every rank, then wait for
 * mpirun to finish the job.  Otherwise (or when that does not work): SIGTERM
 * to mpirun so it ends the job on every host, then SIGKILL to its process
 * group and to any of its ranks left on this host. */
static void session_end(struct mpi_session *ss, bool graceful)
{
    if (!ss)
        return;
    cache_forget(ss);
    if (ss->pid > 0 && graceful && ss->connected == ss->nranks) {
        struct pb_mpi_cmd q = {.type = PB_MPI_QUIT};
        /* Each socket is idle, so a 32-byte command goes into its empty send buffer. */
        for (unsigned i = 0; i < ss->nranks && graceful; i++)
            graceful = send(ss->ranks[i].sock, &q, sizeof q, MSG_NOSIGNAL) == (ssize_t)sizeof q;
        if (graceful)
            graceful = wait_mpirun(ss, QUIT_WAIT_S);
    }
    for (unsigned i = 0; ss->ranks && i < ss->nranks; i++)
        close_fd(&ss->ranks[i].sock);
    close_fd(&ss->listen_fd);
    if (ss->pid > 0) {
        graceful = false;
        kill(ss->pid, SIGTERM);
        if (!wait_mpirun(ss, TERM_WAIT_S)) {
            kill(-ss->pid, SIGKILL);
            kill(ss->pid, SIGKILL);
            mpirun_reaped(ss, true);
        }
    }
    if (!graceful || !WIFEXITED(ss->status) || WEXITSTATUS(ss->status) != 0)
        kill_local_ranks(ss);
    close_fd(&ss->out_fd);
    if (ss->files[0])
        nftw(ss->files, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(ss->key);
    free(ss->ranks);
    free(ss);
}

static pid_t cache_owner;   /* the process whose exit ends the sessions */

static void sessions_atexit(void)
{
    /* A forked child that called exit() by mistake must not end the parent's sessions. */
    if (getpid() != cache_owner)
        return;
    for (size_t i = 0; i < MAX_SESSIONS; i++)
        if (cache[i])
            session_end(cache[i], true);
}

/* One line from mpirun's output that says what went wrong: our ranks' own
 * messages first, then Open MPI's verdict on a dead rank, then the first
 * line of its message box. */
static void mpirun_reason(const struct mpi_session *ss, char *buf, size_t len)
{
    char text[TAIL_BYTES + 1];
    memcpy(text, ss->tail, ss->tail_len);
    text[ss->tail_len] = '\0';
    static const char *const keys[] = {RANK_PROGRAM ":", "parbench: cannot run",
                                       "noticed that process rank",
                                       "Process name:", "exited on signal", "not enough slots",
                                       "ORTE was unable", "could not", "Could not", "not found",
                                       "error", "Error", "ERROR"};
    const char *found = NULL;
    for (size_t k = 0; !found && k < sizeof keys / sizeof keys[0]; k++)
        found = strstr(text, keys[k]);
    /* "Process name: [[JOB,1],RANK]\n  Exit code: N": say it in words. */
    const char *code = found ? strstr(found, "Exit code:") : NULL;
    const char *name = found ? strstr(found, "],") : NULL;
    int rank, status;
    if (found && strncmp(found, "Process name:", 13) == 0 && code && name &&
        sscanf(name, "],%d]", &rank) == 1 && sscanf(code, "Exit code: %d", &status) == 1) {
        snprintf(buf, len, "rank %d exited with status %d", rank, status);
        return;
    }
    const char *line = NULL;
    if (found) {
        line = found;
        while (line > text && line[-1] != '\n')
            line--;
    } else {
        /* The first line with words in it that is not a box border. */
        for (const char *p = text; *p;) {
            const char *q = p;
            while (*q == ' ' || *q == '\t' || *q == '-' || *q == '\r')
                q++;
            if (*q && *q != '\n') {
                line = p;
                break;
            }
            const char *nl = strchr(p, '\n');
            p = nl ? nl + 1 : p + strlen(p);
        }
    }
    if (!line) {
        snprintf(buf, len, "no output");
        return;
    }
    /* That line plus its continuation (Open MPI wraps sentences), as one line. */
    size_t o = 0;
    int newlines = 0;
    bool space = false;
    for (const char *p = line; *p && o + 1 < len; p++) {
        if (*p == '\n' && (++newlines == 3 || p[1] == '\n' || p[1] == '-' || p[1] == '\0'))
            break;
        if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < len)
            buf[o++] = ' ';
        space = false;
        buf[o++] = (unsigned char)*p < ' ' ? ' ' : *p;
    }
    buf[o] = '\0';
}

/* Fail the session: message "mpi: ...", plus how mpirun ended and what it said
 * when it did; the session is torn down and forgotten.  Returns -1. */
__attribute__((format(printf, 4, 5))) static int session_fail(struct mpi_session *ss, char *err,
                                                              size_t errlen, const char *fmt, ...)
{
    char what[PB_ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* Give mpirun a moment: a dead rank makes it print its verdict and exit. */
    bool gone = wait_mpirun(ss, pb_stop_signal || ss->hung ? 0 : VERDICT_WAIT_S);
    char why[300];
    mpirun_reason(ss, why, sizeof why);
    if (gone && WIFEXITED(ss->status))
        snprintf(err, errlen, "mpi: %s; mpirun exited with status %d: %s", what,
                 WEXITSTATUS(ss->status), why);
    else if (gone && WIFSIGNALED(ss->status))
        snprintf(err, errlen, "mpi: %s; mpirun killed by signal %d: %s", what,
                 WTERMSIG(ss->status), why);
    else if (strcmp(why, "no output") != 0)   /* it said something before it was stopped */
        snprintf(err, errlen, "mpi: %s (mpirun pid %d and its ranks killed): %s", what,
                 (int)ss->pid, why);
    else
        snprintf(err, errlen, "mpi: %s (mpirun pid %d and its ranks killed)", what, (int)ss->pid);
    session_end(ss, false);
    return -1;
}

/* Wait until `fd` is ready for `events` (mpirun's output drained meanwhile).
 * Returns 0; 1 when `fd` hung up or mpirun exited; -1 on the deadline or a
 * signal, with `why` saying which. */
static int wait_ready(struct mpi_session *ss, int fd, short events, double deadline, char *why,
                      size_t len)
{
    for (;;) {
        if (pb_stop_signal) {
            snprintf(why, len, "interrupted");
            return -1;
        }
        double left = deadline - pb_now();
        if (left <= 0) {
            snprintf(why, len, "timed out");
            return -1;
        }
        struct pollfd p[2] = {{.fd = fd, .events = events}, {.fd = ss->out_fd, .events = POLLIN}};
        int ms = (int)ceil((left < 0.2 ? left : 0.2) * 1e3);   /* look at mpirun now and then */
        int r = poll(p, ss->out_fd >= 0 ? 2 : 1, ms);
        if (r < 0 && errno != EINTR) {
            char eb[128];
            snprintf(why, len, "poll: %s", pb_strerror(errno, eb, sizeof eb));
            return -1;
        }
        if (r > 0 && ss->out_fd >= 0 && p[1].revents)
            drain_output(ss);
        if (r > 0 && (p[0].revents & events))
            return 0;
        if (r > 0 && (p[0].revents & (POLLHUP | POLLERR)))
            return 1;
        if (mpirun_reaped(ss, false))
            return 1;
    }
}

/* Read exactly `len` bytes from `fd` by `deadline`.  Returns 0; 1 when the
 * peer closed or mpirun exited first; -1 on the deadline, a signal or an
 * error, with `why` saying which. */
static int read_exact(struct mpi_session *ss, int fd, void *buf, size_t len, double deadline,
                      char *why, size_t wlen)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t r = recv(fd, p, len, 0);
        if (r > 0) {
            p += r;
            len -= (size_t)r;
        } else if (r == 0) {
            snprintf(why, wlen, "closed the connection");
            return 1;
        } else if (errno == EAGAIN) {
            int w = wait_ready(ss, fd, POLLIN, deadline, why, wlen);
            if (w > 0) {
                snprintf(why, wlen, "the job ended");
                return 1;
            }
            if (w < 0)
                return -1;
        } else if (errno != EINTR) {
            char eb[128];
            snprintf(why, wlen, "%s", pb_strerror(errno, eb, sizeof eb));
            return -1;
        }
    }
    return 0;
}

/* read_exact from rank `rank`, failing the session when it does not work;
 * `span` is how long the deadline allowed, for the message. */
static int recv_all(struct mpi_session *ss, unsigned rank, void *buf, size_t len, double deadline,
                    double span, const char *what, char *err, size_t errlen)
{
    char why[128];
    int r = read_exact(ss, ss->ranks[rank].sock, buf, len, deadline, why, sizeof why);
    if (r == 0)
        return 0;
    if (r > 0)
        return session_fail(ss, err, errlen, "rank %u (on %s) %s before sending %s", rank,
                            ss->ranks[rank].host, why, what);
    if (strcmp(why, "timed out") == 0) {
        ss->hung = true;
        return session_fail(ss, err, errlen, "timed out after %.1f s waiting for %s from the %u "
                            "ranks", span, what, ss->nranks);
    }
    return session_fail(ss, err, errlen, "%s waiting for %s from rank %u", why, what, rank);
}

/* Every IPv4 address of this host that is up, loopback first: rank 0 tries
 * them in turn, so it finds the harness from this host or any other. */
static int callback_addresses(int port, struct strv *out, char *err, size_t errlen)
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
    strv_addf(out, "--connect");
    strv_addf(out, "%s", list);
    free(list);
    return 0;
}

/* mpirun's placement arguments for the plan, and the ranks' own binding
 * (--cpus is applied by each rank itself, in parbench's order). */
static void placement_args(const struct pb_plan *plan, struct strv *a, struct strv *rank_args,
                           char *mapping, size_t len)
{
    const struct pb_placement *pl = plan->placement;
    enum pb_bind b = pl ? pb_placement_bind_kind(pl) : PB_BIND_NONE;
    bool scatter = pl && pb_placement_policy(pl) == PB_POLICY_SCATTER;
    bool over = pb_placement_oversubscribed(pl);
    size_t first = a->n;
    if (pl && pb_placement_cpus(pl) && pb_placement_binds(pl)) {
        strv_addf(a, "--bind-to");
        strv_addf(a, "none");
        if (over)
            strv_addf(a, "--oversubscribe");
        /* Each rank's planned cpuset, ';'-separated: rank r binds to entry r. */
        size_t cap = 64 * (size_t)plan->workers + 1, o = 0;
        char *sets = calloc(1, cap);
        for (unsigned w = 0; sets && w < plan->workers; w++) {
            char one[256];
            pb_placement_cpuset_text(pl, w, one, sizeof one);
            int n = snprintf(sets + o, cap - o, "%s%s", w ? ";" : "", one);
            if (n > 0 && (size_t)n < cap - o)
                o += (size_t)n;
        }
        strv_addf(rank_args, "--cpusets");
        strv_addf(rank_args, "%s", sets ? sets : "");
        if (!sets)
            rank_args->failed = true;
        free(sets);
        snprintf(mapping, len, "--bind-to none%s; ranks bind themselves to --cpus %s",
                 over ? " --oversubscribe" : "", pb_placement_cpus(pl));
        return;
    }
    switch (b) {
    case PB_BIND_NONE:
        /* parbench's "the OS decides" allows any number of workers. */
        strv_addf(a, "--bind-to");
        strv_addf(a, "none");
        strv_addf(a, "--oversubscribe");
        break;
    case PB_BIND_CORE:
    case PB_BIND_PU: {
        bool pu = b == PB_BIND_PU;
        if (pu)
            strv_addf(a, "--use-hwthread-cpus");
        strv_addf(a, "--map-by");
        strv_addf(a, "%s", scatter ? "socket" : pu ? "hwthread" : "core");
        strv_addf(a, "--bind-to");
        strv_addf(a, "%s%s", pu ? "hwthread" : "core", over ? ":overload-allowed" : "");
        if (over)
            strv_addf(a, "--oversubscribe");
        break;
    }
    }
    size_t o = 0;
    mapping[0] = '\0';
    for (size_t i = first; i < a->n && !a->failed; i++) {
        int n = snprintf(mapping + o, len - o, "%s%s", o ? " " : "", a->v[i]);
        if (n > 0 && (size_t)n < len - o)
            o += (size_t)n;
    }
}

/* The fault PARBENCH_FAULT asks for, as the rank program's --fault text. */
static void fault_arg(struct strv *a)
{
    const struct pb_fault *f = pb_fault_get();
    static const char *const kinds[] = {[PB_FAULT_CRASH] = "crash", [PB_FAULT_EXIT] = "exit",
                                        [PB_FAULT_HANG] = "hang", [PB_FAULT_RAISE] = "raise"};
    if (f->kind == PB_FAULT_NONE || !f->any_run)   /* ranks outlive runs: no RUN for them */
        return;
    strv_addf(a, "--fault");
    strv_addf(a, "%s:%u:%zu", kinds[f->kind], f->worker, f->task);
}

/* mpirun's whole argv, less the callback address and token, which differ
 * per session: that much is the session's key. */
static int session_argv(const struct pb_kernel *k, const struct pb_plan *plan, struct strv *a,
                        char *rank_path, size_t rank_len, char *mapping, size_t maplen, char *err,
                        size_t errlen)
{
    char mpirun[PATH_MAX], eb[128];
    const char *name = pb_mpi_config.mpirun ? pb_mpi_config.mpirun : "mpirun";
    if (find_program(name, mpirun, sizeof mpirun) != 0) {
        snprintf(err, errlen, "mpi: cannot run %s: %s", name, pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    if (rank_program(rank_path, rank_len, err, errlen) != 0)
        return -1;
    struct strv rank_args = {0};
    strv_addf(a, "%s", mpirun);
    strv_addf(a, "-np");
    strv_addf(a, "%u", plan->workers);
    if (geteuid() == 0)
        strv_addf(a, "--allow-run-as-root");   /* Open MPI refuses root without it */
    if (pb_mpi_config.hosts) {
        strv_addf(a, "--hostfile");
        strv_addf(a, "%s", pb_mpi_config.hosts);
    }
    strv_addf(a, "-x");   /* the token, from mpirun's environment to every rank's */
    strv_addf(a, "%s", PB_MPI_TOKEN_ENV);
    placement_args(plan, a, &rank_args, mapping, maplen);
    if (split_args(pb_mpi_config.args, a) < 0) {
        strv_free(&rank_args);
        snprintf(err, errlen, "--mpi-args: more than %d arguments", MAX_MPI_ARGS);
        return -1;
    }
    strv_addf(a, "%s", rank_path);
    strv_addf(a, "--kernel");
    strv_addf(a, "%s", k->name);
    strv_addf(a, "--size");
    strv_addf(a, "%s", pb_size_name(plan->params->size));
    for (size_t i = 0; i < k->nparams; i++) {
        strv_addf(a, "--param");
        strv_addf(a, "%s=%s", k->params[i].name, plan->params->text[i]);
    }
    for (size_t i = 0; i < rank_args.n; i++)
        strv_addf(a, "%s", rank_args.v[i]);
    fault_arg(a);
    bool failed = rank_args.failed;
    strv_free(&rank_args);
    if (a->failed || failed) {
        snprintf(err, errlen, "mpi: out of memory building the mpirun command");
        return -1;
    }
    return 0;
}

static int listen_socket(int *port, char *err, size_t errlen)
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
    *port = ntohs(sa.sin_port);
    return fd;
}

/* The session's private directory for Open MPI's files, in /dev/shm (where
 * the segments belong) or else $TMPDIR or /tmp.  Returns 0 or -1. */
static int make_files_dir(struct mpi_session *ss, char *err, size_t errlen)
{
    const char *base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    base = base && *base ? base : "/tmp";
    /* Named after this process, so that what a run left can be told from another's. */
    snprintf(ss->files, sizeof ss->files, "%s/parbench-mpi.%ld.XXXXXX", base, (long)getpid());
    if (!mkdtemp(ss->files)) {
        char eb[128];
        snprintf(err, errlen, "mpi: a private directory in %s for Open MPI's files: %s", base,
                 pb_strerror(errno, eb, sizeof eb));
        ss->files[0] = '\0';
        return -1;
    }
    return 0;
}

/* mpirun's environment: ours, with the session's token, and Open MPI's session
 * directory and (when every rank is on this host) its shared-memory segments
 * in ss->files.  Remote hosts lack that directory, so their segments stay
 * where Open MPI puts them. */
static void mpirun_env(const struct mpi_session *ss, struct strv *env)
{
    static const char *const ours[] = {"OMPI_MCA_orte_tmpdir_base=",
                                       "OMPI_MCA_btl_vader_backing_directory=",
                                       PB_MPI_TOKEN_ENV "="};
    for (char **e = environ; *e; e++) {
        bool replaced = false;
        for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
            replaced |= strncmp(*e, ours[i], strlen(ours[i])) == 0;
        if (!replaced)
            strv_addf(env, "%s", *e);
    }
    strv_addf(env, "%s%s", ours[0], ss->files);
    if (!pb_mpi_config.hosts)
        strv_addf(env, "%s%s", ours[1], ss->files);
    strv_addf(env, "%s%s", ours[2], ss->token);
}

/* Start mpirun in a process group of its own (the terminal's ^C reaches the
 * harness only, which then ends the job) that dies with the harness. */
static int spawn_mpirun(struct mpi_session *ss, char *const argv[], char *err, size_t errlen)
{
    char eb[128];
    struct strv env = {0};
    mpirun_env(ss, &env);
    if (env.failed) {
        strv_free(&env);
        snprintf(err, errlen, "mpi: out of memory for mpirun's environment");
        return -1;
    }
    int outp[2];
    if (pipe2(outp, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "mpi: pipe: %s", pb_strerror(errno, eb, sizeof eb));
        strv_free(&env);
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "mpi: fork: %s", pb_strerror(errno, eb, sizeof eb));
        close(outp[0]);
        close(outp[1]);
        strv_free(&env);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        /* SIGTERM, not SIGKILL: mpirun then ends its job on every host. */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
            _exit(126);
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigemptyset(&dfl.sa_mask);
        sigaction(SIGINT, &dfl, NULL);
        sigaction(SIGTERM, &dfl, NULL);
        sigaction(SIGPIPE, &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int devnull = open("/dev/null", O_RDONLY);
        /* mpirun forwards its stdin to rank 0: give it nothing to steal. */
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outp[1], 1) < 0 || dup2(outp[1], 2) < 0)
            _exit(126);
        execve(argv[0], argv, env.v);
        dprintf(2, "parbench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    strv_free(&env);
    setpgid(pid, pid);   /* also here, so the group exists before either side goes on */
    close(outp[1]);
    fcntl(outp[0], F_SETFL, O_NONBLOCK);
    ss->pid = pid;
    ss->out_fd = outp[0];
    return 0;
}

/* Say where the ranks run when some are on another host: "mpi: 4 ranks on 2
 * hosts: a (ranks 0-1), b (ranks 2-3)", once per distinct answer. */
static void report_hosts(const struct mpi_session *ss)
{
    static char last[1024];
    char host[PB_MPI_HOST_LEN] = "", text[1024], list[900] = "";
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
        return;
    snprintf(text, sizeof text, "%u ranks on %zu host%s: %s", ss->nranks, nhosts,
             nhosts > 1 ? "s" : "", list);
    if (strcmp(text, last) != 0) {
        snprintf(last, sizeof last, "%s", text);
        pb_info("mpi: %s", text);
    }
}

/* Accept one connection and read its HELLO.  Returns 0 when a rank of this
 * session was added; 1 when the caller was a stranger (turned away); -1 when
 * the session failed (err filled, session gone). */
static int accept_rank(struct mpi_session *ss, const struct pb_workload *w, double deadline,
                       double span, char *err, size_t errlen)
{
    int fd = accept4(ss->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return 1;
    struct pb_mpi_hello h;
    char why[128];
    /* A stranger gets a short deadline, so it cannot hold the session up. */
    double d = pb_now() + 5.0 < deadline ? pb_now() + 5.0 : deadline;
    int r = read_exact(ss, fd, &h, sizeof h, d, why, sizeof why);
    if (r != 0 || h.magic != PB_MPI_MAGIC || memcmp(h.token, ss->token, PB_MPI_TOKEN_LEN) != 0) {
        close(fd);
        if (r < 0 && strcmp(why, "timed out") != 0)
            return session_fail(ss, err, errlen, "%s waiting for the ranks to call", why);
        return 1;
    }
    h.host[PB_MPI_HOST_LEN - 1] = '\0';
    if (h.nranks != ss->nranks || h.rank >= ss->nranks || ss->ranks[h.rank].sock >= 0 ||
        h.errlen > PB_MPI_ERR_MAX) {
        close(fd);
        return session_fail(ss, err, errlen, "a rank called as rank %u of %u (expected one of %u "
                            "ranks, each once)", (unsigned)h.rank, (unsigned)h.nranks, ss->nranks);
    }
    struct mpi_rank *rk = &ss->ranks[h.rank];
    *rk = (struct mpi_rank){.pid = h.pid, .sock = fd};
    memcpy(rk->host, h.host, PB_MPI_HOST_LEN);
    ss->connected++;
    if (h.errlen > 0) {
        char text[PB_MPI_ERR_MAX + 1];
        if (recv_all(ss, h.rank, text, h.errlen, deadline, span, "its error", err, errlen) != 0)
            return -1;
        text[h.errlen] = '\0';
        for (char *p = text; *p; p++)
            if ((unsigned char)*p < ' ')
                *p = ' ';
        snprintf(err, errlen, "mpi: rank %u on %s: %s", (unsigned)h.rank, rk->host, text);
        session_end(ss, false);
        return -1;
    }
    if (h.ntasks != w->ntasks || h.out_size != w->out_size)
        return session_fail(ss, err, errlen,
                            "rank %u on %s prepared %llu tasks of %llu bytes, the harness %zu "
                            "of %zu (do the inputs differ between hosts?)", (unsigned)h.rank,
                            rk->host, (unsigned long long)h.ntasks,
                            (unsigned long long)h.out_size, w->ntasks, w->out_size);
    return 0;
}

/* Wait until every rank has called back and said it is ready. */
static int session_hello(struct mpi_session *ss, const struct pb_workload *w, double deadline,
                         double span, char *err, size_t errlen)
{
    char why[128];
    while (ss->connected < ss->nranks) {
        int r = wait_ready(ss, ss->listen_fd, POLLIN, deadline, why, sizeof why);
        if (r < 0 && strcmp(why, "timed out") == 0) {
            ss->hung = true;
            return session_fail(ss, err, errlen, "timed out after %.1f s waiting for the ranks to "
                                "start (%u of %u called back)", span, ss->connected, ss->nranks);
        }
        if (r < 0)
            return session_fail(ss, err, errlen, "%s waiting for the ranks to start", why);
        if (r > 0 && ss->pid == 0)
            return session_fail(ss, err, errlen, "the job ended before the ranks were ready "
                                "(%u of %u called back)", ss->connected, ss->nranks);
        if (r == 0 && accept_rank(ss, w, deadline, span, err, errlen) < 0)
            return -1;
    }
    return 0;
}

/* Room for a session of `nranks` ranks holding about `footprint` bytes:
 * idle sessions are ended, least recently used first, until it fits.
 * Returns a free slot. */
static size_t cache_make_room(unsigned nranks, double footprint)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    unsigned max_ranks = cpus > 4 ? 2 * (unsigned)cpus : 8;
    double max_bytes = pages > 0 && page > 0 ? (double)pages * (double)page / 4 : 1e9;
    for (;;) {
        unsigned ranks = nranks;
        double bytes = footprint;
        size_t live = 0, oldest = MAX_SESSIONS, free_slot = MAX_SESSIONS;
        for (size_t i = 0; i < MAX_SESSIONS; i++) {
            if (!cache[i]) {
                free_slot = free_slot < MAX_SESSIONS ? free_slot : i;
                continue;
            }
            live++;
            ranks += cache[i]->nranks;
            bytes += cache[i]->footprint;
            if (oldest == MAX_SESSIONS || cache[i]->used < cache[oldest]->used)
                oldest = i;
        }
        if (free_slot < MAX_SESSIONS && (live == 0 || (ranks <= max_ranks && bytes <= max_bytes)))
            return free_slot;
        session_end(cache[oldest], true);
    }
}

/* Start a session running `argv` (the key plus the callback added here). */
static struct mpi_session *session_start(struct strv *argv, const char *key, const char *rank_path,
                                         const char *mapping, const struct pb_workload *w,
                                         const struct pb_plan *plan, char *err, size_t errlen)
{
    double footprint = (double)w->ntasks * (double)w->out_size * 2 * (plan->workers + 1);
    size_t slot = cache_make_room(plan->workers, footprint);
    struct mpi_session *ss = calloc(1, sizeof *ss);
    if (ss)
        ss->ranks = calloc(plan->workers, sizeof *ss->ranks);
    if (ss)
        ss->key = strdup(key);
    if (!ss || !ss->ranks || !ss->key) {
        if (ss) {
            free(ss->ranks);
            free(ss->key);
        }
        free(ss);
        snprintf(err, errlen, "mpi: out of memory");
        return NULL;
    }
    ss->out_fd = ss->listen_fd = -1;
    ss->nranks = plan->workers;
    ss->footprint = footprint;
    for (unsigned i = 0; i < ss->nranks; i++)
        ss->ranks[i].sock = -1;
    snprintf(ss->rank_path, sizeof ss->rank_path, "%s", rank_path);
    snprintf(ss->mapping, sizeof ss->mapping, "%s", mapping);
    unsigned char rnd[PB_MPI_TOKEN_LEN / 2];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        snprintf(err, errlen, "mpi: getrandom for the session token: %s", strerror(errno));
        session_end(ss, false);
        return NULL;
    }
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(ss->token + 2 * i, 3, "%02x", rnd[i]);
    int port;
    ss->listen_fd = listen_socket(&port, err, errlen);
    if (ss->listen_fd < 0 || callback_addresses(port, argv, err, errlen) != 0) {
        session_end(ss, false);
        return NULL;
    }
    if (argv->failed) {
        snprintf(err, errlen, "mpi: out of memory building the mpirun command");
        session_end(ss, false);
        return NULL;
    }
    if (cache_owner != getpid() && atexit(sessions_atexit) == 0)
        cache_owner = getpid();
    double t0 = pb_now();
    if (make_files_dir(ss, err, errlen) != 0 || spawn_mpirun(ss, argv->v, err, errlen) != 0) {
        session_end(ss, false);
        return NULL;
    }
    cache[slot] = ss;
    double span = plan->timeout_s > STARTUP_MIN_S ? plan->timeout_s : STARTUP_MIN_S;
    if (session_hello(ss, w, t0 + span, span, err, errlen) != 0)
        return NULL;
    ss->startup_s = pb_now() - t0;
    report_hosts(ss);
    return ss;
}

static size_t seen_cap;   /* room in seen_host */

static void remember_hosts(const struct mpi_session *ss)
{
    char (*h)[PB_MPI_HOST_LEN] = realloc(last_host, ss->nranks * sizeof *h);
    if (!h)
        return;
    last_host = h;
    last_nranks = ss->nranks;
    snprintf(last_mapping, sizeof last_mapping, "%s", ss->mapping);
    for (unsigned i = 0; i < ss->nranks; i++) {
        memcpy(last_host[i], ss->ranks[i].host, PB_MPI_HOST_LEN);
        bool known = false;
        for (size_t j = 0; j < seen_n && !known; j++)
            known = strcmp(seen_host[j], ss->ranks[i].host) == 0;
        if (known)
            continue;
        if (seen_n == seen_cap) {
            size_t cap = seen_cap ? seen_cap * 2 : 8;
            char (*s)[PB_MPI_HOST_LEN] = realloc(seen_host, cap * sizeof *s);
            if (!s)
                return;
            seen_host = s;
            seen_cap = cap;
        }
        memcpy(seen_host[seen_n++], ss->ranks[i].host, PB_MPI_HOST_LEN);
    }
}

/* One RUN in session `ss`: the command to every rank, the result from rank 0
 * into `out` and `s`. */
static int session_run(struct mpi_session *ss, const struct pb_workload *w,
                       const struct pb_plan *plan, void *out, struct pb_sample *s, char *err,
                       size_t errlen)
{
    struct pb_mpi_cmd c = {.type = PB_MPI_RUN, .schedule = (uint32_t)plan->schedule,
                           .chunk = plan->chunk, .seq = ++ss->seq};
    double span = plan->timeout_s > 0 ? plan->timeout_s : 1e9;
    double deadline = pb_now() + span;
    char eb[128];
    ss->used = ++cache_clock;
    drain_output(ss);
    for (unsigned i = 0; i < ss->nranks; i++) {
        ssize_t r;
        do
            r = send(ss->ranks[i].sock, &c, sizeof c, MSG_NOSIGNAL);
        while (r < 0 && errno == EINTR);
        if (r != (ssize_t)sizeof c)
            return session_fail(ss, err, errlen, "sending RUN to rank %u (on %s): %s", i,
                                ss->ranks[i].host,
                                r < 0 ? pb_strerror(errno, eb, sizeof eb) : "short write");
    }
    struct pb_mpi_result res;
    char what[64];
    snprintf(what, sizeof what, "the result of run %llu", (unsigned long long)c.seq);
    if (recv_all(ss, 0, &res, sizeof res, deadline, span, what, err, errlen) != 0)
        return -1;
    size_t bytes = w->ntasks * w->out_size;
    if (res.magic != PB_MPI_MAGIC || res.seq != c.seq || res.bytes != bytes ||
        !isfinite(res.wall_s) || res.wall_s < 0)
        return session_fail(ss, err, errlen,
                            "rank 0 sent a malformed result (run %llu, %llu bytes; expected run "
                            "%llu, %zu bytes)", (unsigned long long)res.seq,
                            (unsigned long long)res.bytes, (unsigned long long)c.seq, bytes);
    struct pb_mpi_rankstat *st = calloc(ss->nranks, sizeof *st);
    if (!st)
        return session_fail(ss, err, errlen, "out of memory for %u ranks", ss->nranks);
    if (recv_all(ss, 0, st, ss->nranks * sizeof *st, deadline, span, what, err, errlen) != 0 ||
        recv_all(ss, 0, out, bytes, deadline, span, what, err, errlen) != 0) {
        free(st);
        return -1;
    }
    uint64_t tasks = 0;
    s->cpu_s = 0;
    for (unsigned i = 0; i < ss->nranks; i++) {
        if (!isfinite(st[i].busy_s) || st[i].busy_s < 0 || st[i].tasks > w->ntasks ||
            st[i].chunks > st[i].tasks || !isfinite(st[i].cpu_s)) {
            free(st);
            return session_fail(ss, err, errlen, "rank %u reported impossible statistics", i);
        }
        tasks += st[i].tasks;
        s->cpu_s += st[i].cpu_s;
        if (i < s->nworkers)
            s->workers[i] = (struct pb_worker_stat){
                .busy_s = st[i].busy_s, .tasks = (size_t)st[i].tasks,
                .chunks = (size_t)st[i].chunks, .cpu_start = st[i].cpu_start,
                .cpu_end = st[i].cpu_end, .migrated = st[i].cpu_start != st[i].cpu_end};
    }
    free(st);
    if (tasks != w->ntasks)
        return session_fail(ss, err, errlen, "the ranks ran %llu tasks of %zu",
                            (unsigned long long)tasks, w->ntasks);
    s->wall_s = res.wall_s;
    /* Every sample reports its session's launch, paid once per configuration
     * (mpirun start .. all ranks prepared and connected). */
    s->startup_s = ss->startup_s;
    remember_hosts(ss);
    return 0;
}

static int mpi_execute(const struct pb_kernel *k, const struct pb_workload *w,
                       const struct pb_plan *plan, void *out, struct pb_sample *s, char *err,
                       size_t errlen)
{
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
    struct strv a = {0};
    char rank_path[PATH_MAX], mapping[256];
    if (session_argv(k, plan, &a, rank_path, sizeof rank_path, mapping, sizeof mapping, err,
                     errlen) != 0) {
        strv_free(&a);
        return -1;
    }
    char *key = strv_join(&a);
    if (!key) {
        strv_free(&a);
        snprintf(err, errlen, "mpi: out of memory");
        return -1;
    }
    struct mpi_session *ss = NULL;
    for (size_t i = 0; i < MAX_SESSIONS && !ss; i++)
        if (cache[i] && strcmp(cache[i]->key, key) == 0)
            ss = cache[i];
    if (ss && ss->pid > 0 && !mpirun_reaped(ss, false)) {
        /* Idle since its last run: anything it printed meanwhile is stale. */
        drain_output(ss);
        ss->tail_len = 0;
    } else if (ss) {
        session_fail(ss, err, errlen, "the session ended while idle");
        ss = NULL;
    }
    if (!ss)
        ss = session_start(&a, key, rank_path, mapping, w, plan, err, errlen);
    free(key);
    strv_free(&a);
    if (!ss)
        return -1;
    return session_run(ss, w, plan, out, s, err, errlen);
}

/* The idle sessions' mpirun processes and descriptors, for the harness's leak check. */
static struct pb_held mpi_held(void *state)
{
    (void)state;
    struct pb_held h = {0, 0};
    for (size_t i = 0; i < MAX_SESSIONS; i++) {
        const struct mpi_session *ss = cache[i];
        if (!ss)
            continue;
        h.children += ss->pid > 0;
        h.fds += (ss->listen_fd >= 0) + (ss->out_fd >= 0);
        for (unsigned r = 0; ss->ranks && r < ss->nranks; r++)
            h.fds += ss->ranks[r].sock >= 0;
    }
    return h;
}

/* Counted (ps -L) with Open MPI 4.1 on one host: mpirun runs 4 threads and each rank 3.
 * Ranks on other hosts are counted as if local: which ones are cannot be told before
 * mpirun maps them. */
static unsigned mpi_tasks_started(unsigned workers)
{
    return 3 * workers + 4;
}

const struct pb_mode pb_mode_mpi = {
    .name = "mpi",
    .worker = PB_WORKER_RANK,
    .output = PB_OUTPUT_COPIED,
    .runtime = PB_RUNTIME_C,
    .style = {"#9467bd", 6, 1},
    .summary = "Open MPI ranks started by mpirun (one host or many); static blocks gathered "
               "with MPI_Gatherv or chunks handed out by rank 0; outputs travel through MPI",
    .execute = mpi_execute,
    .held = mpi_held,
    .tasks_started = mpi_tasks_started,
};

#endif
