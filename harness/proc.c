/* Child programs: spawn, capture, deadline, stop, reap (see proc.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pb.h"
#include "proc.h"

extern char **environ;

const char *pb_proc_status_name(enum pb_proc_status s)
{
    static const char *const names[] = {
        [PB_PROC_OK] = "ok", [PB_PROC_NOT_FOUND] = "not found",
        [PB_PROC_START_FAILED] = "could not start", [PB_PROC_TIMED_OUT] = "timed out",
        [PB_PROC_INTERRUPTED] = "interrupted", [PB_PROC_SIGNALLED] = "killed by a signal",
        [PB_PROC_EXIT_NONZERO] = "exited with an error", [PB_PROC_RUNNING] = "running"};
    return (size_t)s < sizeof names / sizeof names[0] && names[s] ? names[s] : "?";
}

int pb_proc_find(const char *name, char *buf, size_t len)
{
    struct stat st;
    if (strchr(name, '/')) {
        if ((size_t)snprintf(buf, len, "%s", name) >= len) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (stat(buf, &st) != 0)
            return -1;
        if (!S_ISREG(st.st_mode)) {
            errno = EACCES;
            return -1;
        }
        return access(buf, X_OK);
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path;;) {
        const char *e = strchr(p, ':');
        size_t dl = e ? (size_t)(e - p) : strlen(p);
        /* An empty PATH entry means the current directory. */
        int n = snprintf(buf, len, "%.*s/%s", (int)(dl ? dl : 1), dl ? p : ".", name);
        if (n > 0 && (size_t)n < len && stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
            access(buf, X_OK) == 0)
            return 0;
        if (!e)
            break;
        p = e + 1;
    }
    errno = ENOENT;
    return -1;
}

/* Our environment with `add` replacing the entries of the same names and
 * joining the rest; NULL when out of memory.  Only the array is new. */
static char **child_env(const char *const *add)
{
    size_t n = 0, na = 0;
    while (environ[n])
        n++;
    while (add && add[na])
        na++;
    char **env = malloc((n + na + 1) * sizeof *env);
    if (!env)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        bool replaced = false;
        for (size_t a = 0; a < na && !replaced; a++) {
            size_t kl = strcspn(add[a], "=");
            replaced = strncmp(environ[i], add[a], kl + 1) == 0;
        }
        if (!replaced)
            env[o++] = environ[i];
    }
    for (size_t a = 0; a < na; a++)
        env[o++] = (char *)add[a];
    env[o] = NULL;
    return env;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* `from` as the child's descriptor `to` (after fork: async-signal-safe only). */
static int move_fd(int from, int to)
{
    if (from == to)
        return fcntl(to, F_SETFD, 0);   /* created close-on-exec: keep it across exec */
    return dup2(from, to) < 0 ? -1 : 0;
}

/* Where a child failed before its program ran. */
enum { STAGE_FDS = 1, STAGE_CWD, STAGE_EXEC };

enum pb_proc_status pb_proc_start(struct pb_proc *p, char *const argv[],
                                  const struct pb_proc_opts *o, char *err, size_t errlen)
{
    static const struct pb_proc_opts none = {0};
    o = o ? o : &none;
    *p = (struct pb_proc){.out_fd = -1, .err_fd = -1,
                          .timeout_s = o->timeout_s > 0 ? o->timeout_s : PB_PROC_TIMEOUT_DEFAULT_S,
                          .term_wait_s = o->term_wait_s > 0 ? o->term_wait_s : 2.0};
    snprintf(p->name, sizeof p->name, "%s", argv[0]);
    char exe[4096], eb[128];
    if (pb_proc_find(argv[0], exe, sizeof exe) != 0) {
        int e = errno;
        if (e == ENOENT && !strchr(argv[0], '/'))
            snprintf(err, errlen, "%s: not found in PATH", argv[0]);
        else
            snprintf(err, errlen, "%s: cannot run it: %s", argv[0], pb_strerror(e, eb, sizeof eb));
        return e == ENOENT ? PB_PROC_NOT_FOUND : PB_PROC_START_FAILED;
    }
    /* Everything the child needs is made before fork(): after it, only
     * async-signal-safe calls, since the harness may have other threads. */
    char **env = child_env(o->env_add);
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, execp[2] = {-1, -1};
    if (!env) {
        snprintf(err, errlen, "%s: out of memory for its environment", p->name);
        return PB_PROC_START_FAILED;
    }
    bool ok = pipe2(execp, O_CLOEXEC) == 0;
    if (ok && o->out == PB_PROC_CAPTURE)
        ok = pipe2(outp, O_CLOEXEC) == 0;
    if (ok && o->err == PB_PROC_CAPTURE)
        ok = pipe2(errp, O_CLOEXEC) == 0;
    int devnull = ok ? open("/dev/null", O_RDWR | O_CLOEXEC) : -1;
    pid_t parent = getpid(), pid = devnull >= 0 ? fork() : -1;
    if (pid < 0) {
        snprintf(err, errlen, "%s: cannot start it: %s: %s", p->name,
                 !ok ? "pipe" : devnull < 0 ? "/dev/null" : "fork", pb_strerror(errno, eb, sizeof eb));
        int *fds[] = {&outp[0], &outp[1], &errp[0], &errp[1], &execp[0], &execp[1], &devnull};
        for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
            close_fd(fds[i]);
        free(env);
        return PB_PROC_START_FAILED;
    }
    if (pid == 0) {
        setpgid(0, 0);
        if (prctl(PR_SET_PDEATHSIG, o->death_signal ? o->death_signal : SIGKILL) != 0 ||
            getppid() != parent)
            _exit(126);
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigemptyset(&dfl.sa_mask);
        sigaction(SIGINT, &dfl, NULL);
        sigaction(SIGTERM, &dfl, NULL);
        sigaction(SIGPIPE, &dfl, NULL);
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        int out = o->out == PB_PROC_CAPTURE ? outp[1] : devnull;
        int er = o->err == PB_PROC_CAPTURE ? errp[1] : o->err == PB_PROC_WITH_STDOUT ? out : devnull;
        /* What failed, for the parent: {stage, errno}. */
        int fail[2] = {0, 0};
        /* stdin: nothing (mpirun would forward it to rank 0). */
        if (move_fd(devnull, 0) != 0 || move_fd(out, 1) != 0 || move_fd(er, 2) != 0)
            fail[0] = STAGE_FDS;
        else if (o->cwd && chdir(o->cwd) != 0)
            fail[0] = STAGE_CWD;
        else {
            execve(exe, argv, env);
            fail[0] = STAGE_EXEC;
        }
        fail[1] = errno;
        ssize_t w = write(execp[1], fail, sizeof fail);
        (void)w;
        _exit(127);
    }
    setpgid(pid, pid);   /* also here, so the group exists before either side goes on */
    free(env);
    close(devnull);
    close_fd(&outp[1]);
    close_fd(&errp[1]);
    close_fd(&execp[1]);
    p->pid = pid;
    p->out_fd = outp[0];
    p->err_fd = errp[0];
    /* The exec pipe closes on a successful exec, or says what failed. */
    int fail[2] = {0, 0};
    ssize_t r;
    do
        r = read(execp[0], fail, sizeof fail);
    while (r < 0 && errno == EINTR);
    close(execp[0]);
    if (r == (ssize_t)sizeof fail) {
        pb_proc_reap(p, true);
        pb_proc_release(p);
        pb_strerror(fail[1], eb, sizeof eb);
        if (fail[0] == STAGE_CWD)
            snprintf(err, errlen, "%s: cannot enter %s to run it: %s", p->name, o->cwd, eb);
        else
            snprintf(err, errlen, "%s: cannot run it: %s%s", p->name,
                     fail[0] == STAGE_FDS ? "redirecting its output: " : "", eb);
        return fail[0] == STAGE_EXEC && fail[1] == ENOENT ? PB_PROC_NOT_FOUND
                                                          : PB_PROC_START_FAILED;
    }
    if (p->out_fd >= 0)
        fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
    if (p->err_fd >= 0)
        fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
    return PB_PROC_OK;
}

/* Read what `fd` has now into `c`, keeping the last PB_PROC_CAPTURE_MAX bytes. */
static void drain_fd(int *fd, struct pb_proc_capture *c)
{
    _Static_assert(PB_PROC_CAPTURE_MAX > 4096, "one read must fit the capture");
    while (*fd >= 0) {
        char buf[4096];
        ssize_t r = read(*fd, buf, sizeof buf);
        if (r > 0) {
            size_t n = (size_t)r;
            c->total += n;
            if (c->len + n > PB_PROC_CAPTURE_MAX) {   /* n < PB_PROC_CAPTURE_MAX (asserted) */
                size_t drop = c->len + n - PB_PROC_CAPTURE_MAX;
                memmove(c->text, c->text + drop, c->len - drop);
                c->len -= drop;
            }
            memcpy(c->text + c->len, buf, n);
            c->len += n;
            c->text[c->len] = '\0';
        } else if (r == 0) {
            close_fd(fd);
        } else if (errno != EINTR) {
            return;   /* EAGAIN: nothing more now */
        }
    }
}

void pb_proc_drain(struct pb_proc *p)
{
    drain_fd(&p->out_fd, &p->out);
    drain_fd(&p->err_fd, &p->err);
}

bool pb_proc_reap(struct pb_proc *p, bool block)
{
    if (p->pid <= 0)
        return true;
    int st;
    pid_t r;
    do
        r = waitpid(p->pid, &st, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == p->pid || (r < 0 && errno == ECHILD)) {
        p->status = r == p->pid ? st : 0;
        p->pid = 0;
        return true;
    }
    return false;
}

/* Wait until it exits or `deadline`, draining; `stoppable`: also give up on
 * SIGINT/SIGTERM to the harness.  True once gone. */
static bool wait_until(struct pb_proc *p, double deadline, bool stoppable)
{
    while (!pb_proc_reap(p, false)) {
        double left = deadline - pb_now();
        if (left <= 0 || (stoppable && pb_stop_signal))
            return false;
        struct pollfd pfd[2];
        nfds_t n = 0;
        if (p->out_fd >= 0)
            pfd[n++] = (struct pollfd){.fd = p->out_fd, .events = POLLIN};
        if (p->err_fd >= 0)
            pfd[n++] = (struct pollfd){.fd = p->err_fd, .events = POLLIN};
        /* Nothing tells us of the exit but SIGCHLD, which is not ours: look now and then. */
        int ms = (int)ceil((left < 0.02 ? left : 0.02) * 1e3);
        if (n > 0)
            poll(pfd, n, ms);
        else
            nanosleep(&(struct timespec){.tv_nsec = (long)ms * 1000000L}, NULL);
        pb_proc_drain(p);
    }
    pb_proc_drain(p);
    return true;
}

bool pb_proc_wait(struct pb_proc *p, double deadline)
{
    return wait_until(p, deadline, false);
}

void pb_proc_stop(struct pb_proc *p)
{
    if (p->pid > 0) {
        pid_t group = p->pid;
        /* SIGTERM to the program alone, so it can end what it started its own
         * way (mpirun ends its job on every host). */
        kill(p->pid, SIGTERM);
        if (!wait_until(p, pb_now() + p->term_wait_s, false)) {
            kill(-group, SIGKILL);
            kill(p->pid, SIGKILL);
            pb_proc_reap(p, true);
        } else {
            kill(-group, SIGKILL);   /* whatever it left behind in its group */
        }
    }
    pb_proc_drain(p);
    pb_proc_release(p);
}

void pb_proc_release(struct pb_proc *p)
{
    close_fd(&p->out_fd);
    close_fd(&p->err_fd);
}

enum pb_proc_status pb_proc_outcome(const struct pb_proc *p)
{
    if (p->pid > 0)
        return PB_PROC_RUNNING;
    if (p->timed_out)
        return PB_PROC_TIMED_OUT;
    if (p->interrupted)
        return PB_PROC_INTERRUPTED;
    if (WIFSIGNALED(p->status))
        return PB_PROC_SIGNALLED;
    return WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0 ? PB_PROC_OK : PB_PROC_EXIT_NONZERO;
}

void pb_proc_describe(const struct pb_proc *p, char *buf, size_t len)
{
    switch (pb_proc_outcome(p)) {
    case PB_PROC_RUNNING:
        snprintf(buf, len, "%s (pid %d) is still running", p->name, (int)p->pid);
        break;
    case PB_PROC_TIMED_OUT:
        snprintf(buf, len, "%s timed out after %.1f s (stopped)", p->name, p->timeout_s);
        break;
    case PB_PROC_INTERRUPTED:
        snprintf(buf, len, "%s stopped: interrupted", p->name);
        break;
    case PB_PROC_SIGNALLED:
        snprintf(buf, len, "%s killed by signal %d", p->name, WTERMSIG(p->status));
        break;
    default:
        snprintf(buf, len, "%s exited with status %d", p->name,
                 WIFEXITED(p->status) ? WEXITSTATUS(p->status) : -1);
        break;
    }
}

enum pb_proc_status pb_proc_run(struct pb_proc *p, char *const argv[],
                                const struct pb_proc_opts *o, char *err, size_t errlen)
{
    enum pb_proc_status s = pb_proc_start(p, argv, o, err, errlen);
    if (s != PB_PROC_OK)
        return s;
    if (!wait_until(p, pb_now() + p->timeout_s, true)) {
        if (pb_stop_signal)
            p->interrupted = true;
        else
            p->timed_out = true;
        pb_proc_stop(p);
    }
    pb_proc_drain(p);
    pb_proc_release(p);
    s = pb_proc_outcome(p);
    if (s != PB_PROC_OK)
        pb_proc_describe(p, err, errlen);
    return s;
}

void pb_proc_line(const char *text, bool last, char *buf, size_t len)
{
    const char *best = NULL;
    size_t best_n = 0;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        if (strspn(p, " \t\r^-") < n) {
            best = p;
            best_n = n;
            if (!last)
                break;
        }
        p += n + (p[n] == '\n');
    }
    size_t j = 0;
    for (size_t i = 0; best && i < best_n && j + 1 < len; i++)
        if ((unsigned char)best[i] >= 0x20 && best[i] != 0x7f)
            buf[j++] = best[i];
    if (len > 0)
        buf[j] = '\0';
}
