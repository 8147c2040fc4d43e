/* Child processes for the process modes: fork, pipes, deadlines, reaping. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "memplace.h"
#include "pb.h"
#include "placement.h"
#include "supervise.h"

/* Result pipes are widened to this, so a chunk of blur rows crosses in one or
 * two writes rather than sixteen 64 KiB ones.  Best effort: the per-user pipe
 * allowance (fs/pipe-user-pages-soft) or fs/pipe-max-size may refuse it; what
 * was granted is kept in sv->pipe_bytes (forkpool's pipe_bytes fact). */
#define PIPE_BYTES (1 << 20)

#define ERROR_TEXT_MAX 1024   /* longest ERROR message accepted from a worker */

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

int pb_super_init(struct pb_super *sv, const char *mode, unsigned nslots, double timeout_s,
                  char *err, size_t errlen)
{
    *sv = (struct pb_super){.mode = mode, .nslots = nslots, .start_s = pb_now(),
                            .timeout_s = timeout_s, .err = err, .errlen = errlen};
    unsigned n = nslots ? nslots : 1;
    sv->child = calloc(n, sizeof *sv->child);
    sv->pfd = calloc(n + 1, sizeof *sv->pfd);   /* + 1: pb_super_wait_fd's own descriptor */
    sv->pslot = calloc(n + 1, sizeof *sv->pslot);
    if (!sv->child || !sv->pfd || !sv->pslot) {
        free(sv->child);   /* not pb_super_free: the slots hold no descriptors yet */
        free(sv->pfd);
        free(sv->pslot);
        *sv = (struct pb_super){0};
        snprintf(err, errlen, "%s: out of memory for %u workers", mode, nslots);
        return -1;
    }
    for (unsigned i = 0; i < nslots; i++)
        sv->child[i] = (struct pb_child){.cmd_fd = -1, .res_fd = -1};
    (void)pb_fault_get();   /* read here, in the parent, so children share one parse */
    pb_fault_next_run();
    return 0;
}

static double rusage_s(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec * 1e-6 +
           (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec * 1e-6;
}

/* Blocking reap of a child that was killed or is exiting.  EINTR (our own
 * SIGINT handler) is retried: the child is already on its way out. */
static void reap_blocking(struct pb_super *sv, struct pb_child *c)
{
    struct rusage ru;
    int status;
    pid_t r;
    do
        r = wait4(c->pid, &status, 0, &ru);
    while (r < 0 && errno == EINTR);
    if (r == c->pid)
        sv->cpu_s += rusage_s(&ru);
    c->pid = 0;
    c->busy = false;
}

static void kill_all(struct pb_super *sv)
{
    for (unsigned i = 0; i < sv->nslots; i++)
        if (sv->child[i].pid > 0)
            kill(sv->child[i].pid, SIGKILL);
    for (unsigned i = 0; i < sv->nslots; i++) {
        struct pb_child *c = &sv->child[i];
        close_fd(&c->cmd_fd);
        close_fd(&c->res_fd);
        if (c->pid > 0)
            reap_blocking(sv, c);
    }
}

void pb_super_free(struct pb_super *sv)
{
    if (sv->child)
        kill_all(sv);
    free(sv->child);
    free(sv->pfd);
    free(sv->pslot);
    sv->child = NULL;
    sv->pfd = NULL;
    sv->pslot = NULL;
}

int pb_super_fail(struct pb_super *sv, const char *fmt, ...)
{
    if (!sv->failed) {
        sv->failed = true;
        int n = snprintf(sv->err, sv->errlen, "%s: ", sv->mode);
        if (n >= 0 && (size_t)n < sv->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(sv->err + n, sv->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    kill_all(sv);
    return -1;
}

static int fail_errno(struct pb_super *sv, const struct pb_child *c, const char *what, int e)
{
    char eb[128];
    return pb_super_fail(sv, "%s worker %u (pid %d): %s", what, c->worker, (int)c->pid,
                         pb_strerror(e, eb, sizeof eb));
}

/* Milliseconds left before the run's deadline (rounded up, so 0 means it has
 * passed), or -1 when there is no deadline. */
static int remaining_ms(const struct pb_super *sv)
{
    if (sv->timeout_s <= 0)
        return -1;
    double left = sv->start_s + sv->timeout_s - pb_now();
    if (left <= 0)
        return 0;
    return left > 1e6 ? 1000000000 : (int)ceil(left * 1e3);
}

/* Fail the run because the deadline passed, naming the workers still busy
 * (or, when none is, every worker still alive). */
static int fail_timeout(struct pb_super *sv)
{
    char names[256] = "";
    size_t len = 0;
    unsigned named = 0, more = 0;
    bool any_busy = false;
    for (unsigned i = 0; i < sv->nslots; i++)
        any_busy |= sv->child[i].pid > 0 && sv->child[i].busy;
    for (unsigned i = 0; i < sv->nslots; i++) {
        const struct pb_child *c = &sv->child[i];
        if (c->pid <= 0 || (any_busy && !c->busy))
            continue;
        if (named == 4) {
            more++;
            continue;
        }
        int n = snprintf(names + len, sizeof names - len, "%s%u (pid %d)", named ? ", " : "",
                         c->worker, (int)c->pid);
        if (n > 0 && (size_t)n < sizeof names - len)
            len += (size_t)n;
        named++;
    }
    if (named == 0)
        return pb_super_fail(sv, "timed out after %.1f s", sv->timeout_s);
    char tail[32] = "";
    if (more)
        snprintf(tail, sizeof tail, " and %u more", more);
    return pb_super_fail(sv, "timed out after %.1f s; worker%s %s%s still running", sv->timeout_s,
                         named + more > 1 ? "s" : "", names, tail);
}

/* Wait until `fd` is ready for `events`, failing the run on timeout or signal. */
static int wait_fd(struct pb_super *sv, int fd, short events)
{
    for (;;) {
        if (pb_stop_signal)
            return pb_super_fail(sv, "interrupted");
        int ms = remaining_ms(sv);
        if (ms == 0)
            return fail_timeout(sv);
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, ms);
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR) {
            char eb[128];
            return pb_super_fail(sv, "poll: %s", pb_strerror(errno, eb, sizeof eb));
        }
    }
}

static void describe_status(int status, char *buf, size_t len)
{
    if (WIFSIGNALED(status))
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    else if (WIFEXITED(status))
        snprintf(buf, len, "exited before its work was done");
    else
        snprintf(buf, len, "ended with wait status 0x%x", (unsigned)status);
}

/* Wait for the child in `c` to exit now that its pipe is closed, without
 * ever blocking past the deadline: a child that closed its pipe but lingers
 * is treated as hung.  Returns 0 with *status set, or -1 (run failed). */
static int wait_exit(struct pb_super *sv, struct pb_child *c, int *status)
{
    for (unsigned tries = 0;;) {
        struct rusage ru;
        pid_t r = wait4(c->pid, status, WNOHANG, &ru);
        if (r == c->pid) {
            sv->cpu_s += rusage_s(&ru);
            c->pid = 0;
            c->busy = false;
            return 0;
        }
        if (r < 0 && errno != EINTR) {
            char eb[128];
            pid_t pid = c->pid;
            c->pid = 0;   /* not ours to reap any more */
            return pb_super_fail(sv, "waitpid for worker %u (pid %d): %s", c->worker, (int)pid,
                                 pb_strerror(errno, eb, sizeof eb));
        }
        if (pb_stop_signal)
            return pb_super_fail(sv, "interrupted");
        if (remaining_ms(sv) == 0)
            return fail_timeout(sv);
        /* It closed its pipe on the way out and is a zombie within
         * microseconds: yield first, sleep only if it is slow to go. */
        if (++tries < 1000)
            sched_yield();
        else
            nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
}

/* The child in `slot` closed its pipe (or broke the command pipe): it has
 * exited or is exiting.  Reap it and fail the run saying how it ended. */
static int child_gone(struct pb_super *sv, unsigned slot)
{
    struct pb_child *c = &sv->child[slot];
    close_fd(&c->cmd_fd);
    close_fd(&c->res_fd);
    pid_t pid = c->pid;
    int status;
    if (wait_exit(sv, c, &status) != 0)
        return -1;
    char how[128];
    describe_status(status, how, sizeof how);
    return pb_super_fail(sv, "worker %u (pid %d) %s", c->worker, (int)pid, how);
}

int pb_super_fork(struct pb_super *sv, unsigned slot, unsigned worker, bool with_cmd,
                  pb_child_main child_main, void *arg)
{
    struct pb_child *c = &sv->child[slot];
    int res[2] = {-1, -1}, cmd[2] = {-1, -1};
    char eb[128];
    if (pipe2(res, O_CLOEXEC) != 0 || (with_cmd && pipe2(cmd, O_CLOEXEC) != 0)) {
        int e = errno;
        close_fd(&res[0]);
        close_fd(&res[1]);
        return pb_super_fail(sv, "pipe for worker %u: %s", worker, pb_strerror(e, eb, sizeof eb));
    }
    (void)fcntl(res[0], F_SETPIPE_SZ, PIPE_BYTES);
    int granted = fcntl(res[0], F_GETPIPE_SZ);
    if (granted > 0 && (sv->pipe_bytes == 0 || granted < sv->pipe_bytes))
        sv->pipe_bytes = granted;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close_fd(&res[0]);
        close_fd(&res[1]);
        close_fd(&cmd[0]);
        close_fd(&cmd[1]);
        return pb_super_fail(sv, "fork for worker %u: %s", worker, pb_strerror(e, eb, sizeof eb));
    }
    if (pid == 0) {
        /* Die with the parent.  The signal is tied to the forking thread, which
         * is the harness's main thread for the whole run.  The re-check closes
         * the window where the parent died before prctl took effect. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(126);
        struct sigaction ign = {.sa_handler = SIG_IGN};
        sigemptyset(&ign.sa_mask);
        sigaction(SIGINT, &ign, NULL);
        sigaction(SIGTERM, &ign, NULL);
        for (unsigned i = 0; i < sv->nslots; i++) {
            close_fd(&sv->child[i].cmd_fd);
            close_fd(&sv->child[i].res_fd);
        }
        close(res[0]);
        if (with_cmd)
            close(cmd[1]);
        _exit(child_main(arg, worker, cmd[0], res[1]));
    }
    close(res[1]);
    close_fd(&cmd[0]);
    /* The parent's ends never block, so every wait goes through poll() and its deadline. */
    fcntl(res[0], F_SETFL, O_NONBLOCK);
    if (with_cmd)
        fcntl(cmd[1], F_SETFL, O_NONBLOCK);
    *c = (struct pb_child){.pid = pid, .worker = worker, .cmd_fd = cmd[1], .res_fd = res[0]};
    return 0;
}

int pb_super_wait(struct pb_super *sv, unsigned *slot)
{
    return pb_super_wait_fd(sv, -1, slot) < 0 ? -1 : 0;
}

int pb_super_wait_fd(struct pb_super *sv, int fd, unsigned *slot)
{
    for (;;) {
        if (pb_stop_signal)
            return pb_super_fail(sv, "interrupted");
        int ms = remaining_ms(sv);
        if (ms == 0)
            return fail_timeout(sv);
        /* Start after the slot served last, so no worker is starved. */
        nfds_t n = 0;
        for (unsigned k = 0; k < sv->nslots; k++) {
            unsigned i = (sv->rotor + k) % sv->nslots;
            if (sv->child[i].res_fd >= 0 && !sv->child[i].finished) {
                sv->pfd[n] = (struct pollfd){.fd = sv->child[i].res_fd, .events = POLLIN};
                sv->pslot[n++] = i;
            }
        }
        if (n == 0 && fd < 0)
            return pb_super_fail(sv, "no worker left to wait for");
        /* The extra descriptor goes last: a worker's own pipe (its error or its
         * exit) is looked at first, so a death is reported as such. */
        if (fd >= 0)
            sv->pfd[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
        int r = poll(sv->pfd, n, ms);
        if (r < 0 && errno != EINTR) {
            char eb[128];
            return pb_super_fail(sv, "poll: %s", pb_strerror(errno, eb, sizeof eb));
        }
        for (nfds_t k = 0; r > 0 && k < n; k++)
            if (sv->pfd[k].revents) {
                if (fd >= 0 && k == n - 1)
                    return 1;
                *slot = sv->pslot[k];
                sv->rotor = sv->pslot[k] + 1;
                return 0;
            }
    }
}

int pb_super_read(struct pb_super *sv, unsigned slot, void *buf, size_t len)
{
    struct pb_child *c = &sv->child[slot];
    unsigned char *p = buf;
    while (len > 0) {
        if (c->res_fd < 0)
            return pb_super_fail(sv, "worker %u: reading a closed pipe", c->worker);
        ssize_t r = read(c->res_fd, p, len);
        if (r > 0) {
            p += r;
            len -= (size_t)r;
        } else if (r == 0) {
            return child_gone(sv, slot);
        } else if (errno == EAGAIN) {
            if (wait_fd(sv, c->res_fd, POLLIN) != 0)
                return -1;
        } else if (errno != EINTR) {
            return fail_errno(sv, c, "reading from", errno);
        } else if (pb_stop_signal) {
            return pb_super_fail(sv, "interrupted");
        }
    }
    return 0;
}

int pb_super_recv(struct pb_super *sv, unsigned slot, struct pb_msg *m)
{
    struct pb_child *c = &sv->child[slot];
    if (pb_super_read(sv, slot, m, sizeof *m) != 0)
        return -1;
    if (m->worker != c->worker)
        return pb_super_fail(sv, "worker %u (pid %d) sent a message signed as worker %u",
                             c->worker, (int)c->pid, (unsigned)m->worker);
    if (m->type == PB_MSG_ERROR) {
        char text[ERROR_TEXT_MAX + 1];
        size_t n = m->bytes < ERROR_TEXT_MAX ? (size_t)m->bytes : ERROR_TEXT_MAX;
        if (pb_super_read(sv, slot, text, n) != 0)
            return -1;
        text[n] = '\0';
        for (size_t i = 0; i < n; i++)   /* one line, printable: it ends up in a log line */
            if ((unsigned char)text[i] < ' ' || text[i] == 0x7f)
                text[i] = ' ';
        return pb_super_fail(sv, "worker %u: %s", c->worker, text);
    }
    if (m->type < PB_MSG_READY || m->type > PB_MSG_ERROR)
        return pb_super_fail(sv, "worker %u (pid %d) sent a message of unknown type %u",
                             c->worker, (int)c->pid, (unsigned)m->type);
    return 0;
}

int pb_super_send(struct pb_super *sv, unsigned slot, const struct pb_cmd *cmd)
{
    struct pb_child *c = &sv->child[slot];
    const unsigned char *p = (const unsigned char *)cmd;
    size_t len = sizeof *cmd;
    while (len > 0) {
        if (c->cmd_fd < 0)
            return pb_super_fail(sv, "worker %u: writing a closed pipe", c->worker);
        ssize_t r = write(c->cmd_fd, p, len);
        if (r > 0) {
            p += r;
            len -= (size_t)r;
        } else if (r < 0 && errno == EAGAIN) {
            if (wait_fd(sv, c->cmd_fd, POLLOUT) != 0)
                return -1;
        } else if (r < 0 && errno == EPIPE) {
            return child_gone(sv, slot);
        } else if (r < 0 && errno != EINTR) {
            return fail_errno(sv, c, "writing to", errno);
        } else if (pb_stop_signal) {
            return pb_super_fail(sv, "interrupted");
        }
    }
    return 0;
}

int pb_super_reap(struct pb_super *sv, unsigned slot)
{
    struct pb_child *c = &sv->child[slot];
    close_fd(&c->cmd_fd);
    /* Its last message was read: what comes now must be the end of the pipe. */
    while (c->res_fd >= 0) {
        unsigned char extra;
        ssize_t r = read(c->res_fd, &extra, 1);
        if (r == 0) {
            close_fd(&c->res_fd);
        } else if (r > 0) {
            return pb_super_fail(sv, "worker %u (pid %d) sent data after its last message",
                                 c->worker, (int)c->pid);
        } else if (errno == EAGAIN) {
            if (wait_fd(sv, c->res_fd, POLLIN) != 0)
                return -1;
        } else if (errno != EINTR) {
            return fail_errno(sv, c, "reading from", errno);
        } else if (pb_stop_signal) {
            return pb_super_fail(sv, "interrupted");
        }
    }
    pid_t pid = c->pid;
    int status;
    if (pid <= 0)
        return 0;
    if (wait_exit(sv, c, &status) != 0)
        return -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char how[128];
        describe_status(status, how, sizeof how);
        return pb_super_fail(sv, "worker %u (pid %d) %s", c->worker, (int)pid, how);
    }
    return 0;
}

int pb_io_write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t r = write(fd, p, len);
        if (r > 0) {
            p += r;
            len -= (size_t)r;
        } else if (r < 0 && errno != EINTR) {
            return -1;
        }
    }
    return 0;
}

int pb_io_read_all(int fd, void *buf, size_t len)
{
    unsigned char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, p + got, len - got);
        if (r > 0)
            got += (size_t)r;
        else if (r == 0)
            return got == 0 ? 0 : -1;
        else if (errno != EINTR)
            return -1;
    }
    return 1;
}

void pb_child_error(int fd, unsigned worker, const char *fmt, ...)
{
    char text[ERROR_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    struct pb_msg m = {.type = PB_MSG_ERROR, .worker = worker, .bytes = len};
    if (pb_io_write_all(fd, &m, sizeof m) == 0)
        (void)pb_io_write_all(fd, text, len);
}

int pb_child_start(const struct pb_placement *pl, unsigned worker, int res_fd, bool say_ready,
                   struct pb_worker_stat *ws)
{
    char err[PB_ERRLEN];
    /* its CPUs, then its memory policy (memplace.c; a no-op without --membind) */
    if (pb_placement_bind_process(pl, worker, err, sizeof err) != 0 ||
        pb_mem_child_init(pl, worker, err, sizeof err) != 0) {
        pb_child_error(res_fd, worker, "%s", err);
        return -1;
    }
    *ws = (struct pb_worker_stat){.cpu_start = -1, .cpu_end = -1};
    pb_worker_mark_start(ws);
    struct pb_msg ready = {.type = PB_MSG_READY, .worker = worker};
    return say_ready && pb_io_write_all(res_fd, &ready, sizeof ready) != 0 ? -1 : 0;
}

void pb_child_run_range(const struct pb_kernel *k, const struct pb_workload *w, struct pb_range r,
                        unsigned worker, unsigned char *dst, struct pb_worker_stat *ws)
{
    const struct pb_fault *f = pb_fault_get();
    double t0 = pb_now();
    for (size_t t = r.begin; t < r.end; t++) {
        if (f->kind != PB_FAULT_NONE)
            pb_fault_maybe(f, worker, t);
        k->run(w, t, dst + (t - r.begin) * w->out_size);
    }
    ws->busy_s += pb_now() - t0;
    ws->tasks += r.end - r.begin;
    ws->chunks++;
}

bool pb_worker_stat_sane(const struct pb_worker_stat *ws, size_t ntasks)
{
    return isfinite(ws->busy_s) && ws->busy_s >= 0 && ws->busy_s < 1e9 && ws->tasks <= ntasks &&
           ws->chunks <= ws->tasks && ws->cpu_start >= -1 && ws->cpu_start < (1 << 20) &&
           ws->cpu_end >= -1 && ws->cpu_end < (1 << 20) && (ws->migrated == 0 || ws->migrated == 1) &&
           (!ws->cnt.counted || (ws->cnt.minflt >= 0 && ws->cnt.majflt >= 0 &&
                                 ws->cnt.nvcsw >= 0 && ws->cnt.nivcsw >= 0)) &&
           (ws->mem_known == 0 || (ws->mem_known == 1 && ws->mem_node >= -1 &&
                                   ws->mem_node < (1 << 16)));
}

int pb_super_collect(struct pb_super *sv, unsigned i, size_t ntasks, struct pb_worker_stat *ws)
{
    struct pb_msg m;
    struct pb_worker_stat got;
    if (pb_super_recv(sv, i, &m) != 0)
        return -1;
    if (m.type != PB_MSG_DONE || m.bytes != sizeof got)
        return pb_super_fail(sv, "worker %u sent an unexpected message (type %u, %llu bytes) "
                             "instead of its statistics", i, (unsigned)m.type,
                             (unsigned long long)m.bytes);
    if (pb_super_read(sv, i, &got, sizeof got) != 0)
        return -1;
    if (!pb_worker_stat_sane(&got, ntasks) || got.tasks != ws->tasks || got.chunks != ws->chunks)
        return pb_super_fail(sv, "worker %u reported %zu tasks in %zu chunks; it handled %zu in %zu",
                             i, got.tasks, got.chunks, ws->tasks, ws->chunks);
    ws->busy_s = got.busy_s;
    ws->cpu_start = got.cpu_start;
    ws->cpu_end = got.cpu_end;
    ws->migrated = got.migrated;
    ws->cnt = got.cnt;
    ws->mem_known = got.mem_known;
    ws->mem_node = got.mem_node;
    return pb_super_reap(sv, i);
}

unsigned char *pb_child_msg_buffer(size_t outputs, unsigned worker, int fd)
{
    unsigned char *buf = malloc(sizeof(struct pb_msg) + outputs);
    char err[PB_ERRLEN];
    if (!buf) {
        pb_child_error(fd, worker, "out of memory for %zu bytes of output", outputs);
        return NULL;
    }
    if (pb_mem_child_buffer(buf, sizeof(struct pb_msg) + outputs, err, sizeof err) != 0) {
        pb_child_error(fd, worker, "%s", err);
        free(buf);
        return NULL;
    }
    return buf;
}

size_t pb_child_chunk_msg(const struct pb_kernel *k, const struct pb_workload *w, unsigned worker,
                          uint64_t begin, uint64_t end, unsigned char **buf, size_t *cap,
                          struct pb_worker_stat *ws, int fd)
{
    size_t bytes = (size_t)(end - begin) * w->out_size;
    if (sizeof(struct pb_msg) + bytes > *cap) {
        free(*buf);
        *cap = sizeof(struct pb_msg) + bytes;
        if ((*buf = pb_child_msg_buffer(bytes, worker, fd)) == NULL)
            return SIZE_MAX;
    }
    struct pb_range r = {(size_t)begin, (size_t)end};
    pb_child_run_range(k, w, r, worker, *buf + sizeof(struct pb_msg), ws);
    struct pb_msg m = {.type = PB_MSG_CHUNK, .worker = worker, .begin = begin, .end = end,
                       .bytes = bytes};
    memcpy(*buf, &m, sizeof m);
    return bytes;
}
