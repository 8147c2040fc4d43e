/* One mpi session's mpirun: started through proc.h in a process group of its
 * own that gets SIGTERM if the harness dies (mpirun then ends its job on every
 * host), with its output kept (the last 8 KiB) to quote when a run fails, and
 * Open MPI's own files in a private directory per session.  Teardown: QUIT
 * and wait; on a failure, SIGTERM to mpirun, then SIGKILL to its process group
 * and to any rank left on this host (ranks run in process groups of their
 * own). */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mpi-internal.h"
#include "pb.h"

#define QUIT_WAIT_S 10.0          /* a session asked to QUIT must be gone by then */
#define TERM_WAIT_S 3.0           /* after SIGTERM, mpirun gets this long to end the job */
#define VERDICT_WAIT_S 5.0        /* after a rank died, mpirun gets this long to say which
                                     (2 s was too short on a loaded machine: found by the soak) */

struct pb_mpi_session *pb_mpi_session_new(unsigned nranks, const char *key, const char *rank_path,
                                          const char *mapping, bool remote, char *err,
                                          size_t errlen)
{
    struct pb_mpi_session *ss = calloc(1, sizeof *ss);
    if (ss)
        ss->ranks = calloc(nranks, sizeof *ss->ranks);
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
    ss->mpirun.out_fd = ss->mpirun.err_fd = ss->listen_fd = -1;
    ss->nranks = nranks;
    ss->rank_path = rank_path;
    ss->remote_files = remote;
    for (unsigned i = 0; i < nranks; i++)
        ss->ranks[i].sock = -1;
    snprintf(ss->mapping, sizeof ss->mapping, "%s", mapping);
    unsigned char rnd[PB_MPI_TOKEN_LEN / 2];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        char eb[128];
        snprintf(err, errlen, "mpi: getrandom for the session token: %s",
                 pb_strerror(errno, eb, sizeof eb));
        pb_mpi_session_end(ss, false);
        return NULL;
    }
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(ss->token + 2 * i, 3, "%02x", rnd[i]);
    return ss;
}

/* The session's private directory for Open MPI's files, in /dev/shm (where
 * the segments belong) or else $TMPDIR or /tmp.  Returns 0 or -1. */
static int make_files_dir(struct pb_mpi_session *ss, char *err, size_t errlen)
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

int pb_mpi_launch(struct pb_mpi_session *ss, char *const argv[], char *err, size_t errlen)
{
    if (make_files_dir(ss, err, errlen) != 0)
        return -1;
    /* mpirun's environment: ours, with the session's token, and Open MPI's
     * session directory and (when every rank is on this host) its shared-memory
     * segments in ss->files.  Remote hosts lack that directory, so their
     * segments stay where Open MPI puts them. */
    char tmpdir[PATH_MAX + 64], vader[PATH_MAX + 64], token[64];
    snprintf(tmpdir, sizeof tmpdir, "OMPI_MCA_orte_tmpdir_base=%s", ss->files);
    snprintf(vader, sizeof vader, "OMPI_MCA_btl_vader_backing_directory=%s", ss->files);
    snprintf(token, sizeof token, "%s=%s", PB_MPI_TOKEN_ENV, ss->token);
    const char *env[] = {tmpdir, token, ss->remote_files ? NULL : vader, NULL};
    const struct pb_proc_opts o = {.env_add = env, .out = PB_PROC_CAPTURE,
                                   .err = PB_PROC_WITH_STDOUT, .term_wait_s = TERM_WAIT_S,
                                   .death_signal = SIGTERM};
    char why[PB_ERRLEN];
    if (pb_proc_start(&ss->mpirun, argv, &o, why, sizeof why) != PB_PROC_OK) {
        snprintf(err, errlen, "mpi: %s", why);
        return -1;
    }
    return 0;
}

bool pb_mpi_job_gone(struct pb_mpi_session *ss)
{
    pb_proc_drain(&ss->mpirun);
    return pb_proc_reap(&ss->mpirun, false);
}

/* Kill any rank of the session on this host that outlived mpirun (ranks run
 * in process groups of their own, so the group kill misses them).  A pid is
 * only killed while it is still our rank program. */
static void kill_local_ranks(const struct pb_mpi_session *ss)
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

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

void pb_mpi_session_end(struct pb_mpi_session *ss, bool graceful)
{
    if (!ss)
        return;
    if (ss->cache)
        pb_mpi_cache_forget(ss->cache, ss);
    struct pb_proc *job = &ss->mpirun;
    if (job->pid > 0 && graceful && ss->connected == ss->nranks)
        graceful = pb_mpi_send_quit(ss) && pb_proc_wait(job, pb_now() + QUIT_WAIT_S);
    for (unsigned i = 0; ss->ranks && i < ss->nranks; i++)
        close_fd(&ss->ranks[i].sock);
    close_fd(&ss->listen_fd);
    if (job->pid > 0) {
        graceful = false;
        pb_proc_stop(job);
    }
    if (!graceful || !WIFEXITED(job->status) || WEXITSTATUS(job->status) != 0)
        kill_local_ranks(ss);
    pb_proc_release(job);
    if (ss->files[0])
        nftw(ss->files, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(ss->key);
    free(ss->ranks);
    free(ss);
}

/* One line from mpirun's output that says what went wrong: our ranks' own
 * messages first, then Open MPI's verdict on a dead rank, then the first
 * line of its message box.  False when mpirun said nothing. */
static bool mpirun_verdict(const struct pb_mpi_session *ss, char *buf, size_t len)
{
    const char *text = ss->mpirun.out.text;
    static const char *const keys[] = {PB_MPI_RANK_PROGRAM ":", "parbench: cannot run",
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
        return true;
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
        buf[0] = '\0';
        return false;
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
    return true;
}

int pb_mpi_session_fail(struct pb_mpi_session *ss, char *err, size_t errlen, const char *fmt, ...)
{
    char what[PB_ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* Give mpirun a moment: a dead rank makes it print its verdict and exit. */
    struct pb_proc *job = &ss->mpirun;
    bool gone = pb_proc_wait(job, pb_now() + (pb_stop_signal || ss->hung ? 0 : VERDICT_WAIT_S));
    char why[300];
    bool said = mpirun_verdict(ss, why, sizeof why);
    if (gone && WIFEXITED(job->status))
        snprintf(err, errlen, "mpi: %s; mpirun exited with status %d: %s", what,
                 WEXITSTATUS(job->status), said ? why : "no output");
    else if (gone && WIFSIGNALED(job->status))
        snprintf(err, errlen, "mpi: %s; mpirun killed by signal %d: %s", what,
                 WTERMSIG(job->status), said ? why : "no output");
    else
        snprintf(err, errlen, "mpi: %s (mpirun pid %d and its ranks killed)%s%s", what,
                 (int)job->pid, said ? ": " : "", said ? why : "");
    pb_mpi_session_end(ss, false);
    return -1;
}
