/* Locate the plot scripts and gnuplot; render one chart with fork/exec. */
#define _GNU_SOURCE /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "gnuplot.h"
#include "pb.h"
#include "plotsdir.h"

/* A chart that takes longer than this is stuck, not slow. */
#define RENDER_TIMEOUT_MS 60000

static bool has_scripts(const char *dir)
{
    char p[16384];
    snprintf(p, sizeof p, "%s/speedup.gp", dir);
    return pb_is_file(p);
}

/* True when `dir` is the build directory parbench was built in: only such a
 * binary may use the source tree's scripts, so an installed or copied one
 * never depends on a source tree that may be gone or changed. */
static bool in_build_tree(const char *dir)
{
    char *a = realpath(dir, NULL), *b = realpath(PB_BUILD_BINDIR, NULL);
    bool same = a && b && strcmp(a, b) == 0;
    free(a);
    free(b);
    return same;
}

int pb_plots_dir(const char *override, char *buf, size_t len, char *err, size_t errlen)
{
    if (override) {
        if (!has_scripts(override)) {
            snprintf(err, errlen, "--plots %s: no speedup.gp there", override);
            return -1;
        }
        snprintf(buf, len, "%s", override);
        return 0;
    }
    /* Installed: <bindir>/<PB_PLOTS_FROM_BINDIR>, e.g. bin/../share/parbench/plots. */
    char exe[4096], cand[2][4200];
    pb_exe_dir(exe, sizeof exe);
    size_t n = 0;
    if (exe[0]) {
        snprintf(cand[n++], sizeof cand[0], "%s/%s", exe, PB_PLOTS_FROM_BINDIR);
        if (in_build_tree(exe))
            snprintf(cand[n++], sizeof cand[0], "%s", PB_SOURCE_PLOTS);
    }
    for (size_t i = 0; i < n; i++) {
        if (has_scripts(cand[i])) {
            char *real = realpath(cand[i], NULL);
            snprintf(buf, len, "%s", real ? real : cand[i]);
            free(real);
            return 0;
        }
    }
    snprintf(err, errlen, "the plot scripts (speedup.gp, ...) are not in %s%s%s; use --plots DIR",
             n ? cand[0] : "?", n > 1 ? " or " : "", n > 1 ? cand[n - 1] : "");
    return 1;
}

bool pb_gnuplot_find(char *buf, size_t len)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        return false;
    for (const char *p = path;;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char cand[4200];
        snprintf(cand, sizeof cand, "%.*s/gnuplot", (int)(n ? n : 1), n ? p : ".");
        if (access(cand, X_OK) == 0 && pb_is_file(cand)) {
            snprintf(buf, len, "%s", cand);
            return true;
        }
        if (!end)
            return false;
        p = end + 1;
    }
}

/* The last non-blank line of gnuplot's stderr, with control characters removed. */
static void last_line(const char *text, char *out, size_t len)
{
    const char *best = NULL, *p = text;
    size_t best_n = 0;
    while (*p) {
        size_t n = strcspn(p, "\n");
        if (strspn(p, " \t\r^") < n) {
            best = p;
            best_n = n;
        }
        p += n + (p[n] == '\n');
    }
    size_t j = 0;
    for (size_t i = 0; best && i < best_n && j + 1 < len; i++)
        if ((unsigned char)best[i] >= 0x20)
            out[j++] = best[i];
    out[j] = '\0';
}

/* Collect the child's stderr until EOF or the deadline. False on timeout. */
static bool drain(int fd, char *buf, size_t cap)
{
    size_t used = 0;
    double deadline = pb_now() + RENDER_TIMEOUT_MS / 1000.0;
    for (;;) {
        int left = (int)((deadline - pb_now()) * 1000);
        if (left <= 0)
            return false;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r == 0 ? false : true;
        /* Keep the tail when it overflows: gnuplot's error comes last. */
        if (used + 1 >= cap) {
            memmove(buf, buf + cap / 2, used - cap / 2);
            used -= cap / 2;
        }
        ssize_t got = read(fd, buf + used, cap - 1 - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return true;
        used += (size_t)got;
        buf[used] = '\0';
    }
}

/* The private directory gnuplot wrote into, with whatever it left there. */
static void remove_tmp(const char *tmpdir, const char *out)
{
    static const char *const ext[] = {".svg", ".png"};
    for (size_t i = 0; i < 2; i++) {
        char p[8400];
        snprintf(p, sizeof p, "%s/%s%s", tmpdir, out, ext[i]);
        unlink(p);
    }
    rmdir(tmpdir);
}

int pb_gnuplot_render(const char *gnuplot, const char *plotsdir, const char *script,
                      const char *workdir, const char *vars, const char *out, char *err,
                      size_t errlen)
{
    char scriptpath[4200], tmpdir[4200], tmpbase[300], eb[128];
    snprintf(scriptpath, sizeof scriptpath, "%s/%s.gp", plotsdir, script);
    /* gnuplot writes into a fresh 0700 directory of ours, never to a name that
     * someone else could have planted (a symlink) in a shared output directory;
     * the finished files are renamed into place. */
    snprintf(tmpdir, sizeof tmpdir, "%s/.render.XXXXXX", workdir);
    if (!mkdtemp(tmpdir)) {
        snprintf(err, errlen, "a directory in %s for gnuplot's output: %s", workdir,
                 pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    snprintf(tmpbase, sizeof tmpbase, "%s/%s", strrchr(tmpdir, '/') + 1, out);
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(err, errlen, "pipe: %s", pb_strerror(errno, eb, sizeof eb));
        rmdir(tmpdir);
        return -1;
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", pb_strerror(errno, eb, sizeof eb));
        close(fds[0]);
        close(fds[1]);
        rmdir(tmpdir);
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
        }
        dup2(fds[1], STDERR_FILENO);
        if (fds[1] != STDERR_FILENO)
            close(fds[1]);
        if (chdir(workdir) != 0) {
            dprintf(STDERR_FILENO, "cannot enter %s: %s\n", workdir, strerror(errno));
            _exit(127);
        }
        char *argv[] = {(char *)gnuplot, "-c", scriptpath, (char *)vars, tmpbase, NULL};
        execv(gnuplot, argv);
        dprintf(STDERR_FILENO, "cannot run %s: %s\n", gnuplot, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    char text[8192] = "";
    bool finished = drain(fds[0], text, sizeof text);
    close(fds[0]);
    if (!finished)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!finished) {
        snprintf(err, errlen, "%s.gp: gnuplot took more than %d s", script, RENDER_TIMEOUT_MS / 1000);
        remove_tmp(tmpdir, out);
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char line[400];
        last_line(text, line, sizeof line);
        snprintf(err, errlen, "%s.gp: gnuplot %s %d: %s", script,
                 WIFEXITED(status) ? "exited with" : "killed by signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                 line[0] ? line : "(no message)");
        remove_tmp(tmpdir, out);
        return -1;
    }
    static const char *const ext[] = {".svg", ".png"};
    for (size_t i = 0; i < 2; i++) {
        char from[8400], to[8400];
        snprintf(from, sizeof from, "%s/%s%s", tmpdir, out, ext[i]);
        snprintf(to, sizeof to, "%s/%s%s", workdir, out, ext[i]);
        struct stat st;
        if (stat(from, &st) != 0 || st.st_size == 0) {
            snprintf(err, errlen, "%s.gp: gnuplot wrote no %s file", script, ext[i] + 1);
            remove_tmp(tmpdir, out);
            return -1;
        }
        if (rename(from, to) != 0) {
            snprintf(err, errlen, "renaming %s to %s: %s", from, to, pb_strerror(errno, eb, sizeof eb));
            remove_tmp(tmpdir, out);
            return -1;
        }
    }
    rmdir(tmpdir);
    return 0;
}
