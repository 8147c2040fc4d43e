/* The child-process helper (proc.h): a program that exits 0, non-zero, is
 * killed by a signal, hangs past its deadline (also one that ignores SIGTERM),
 * does not exist, writes more than the capture bound; environment additions,
 * working directory, merged streams, a long-lived child stopped by the caller;
 * and pb_read_exact (fdio.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fdio.h"
#include "pb.h"
#include "proc.h"

static struct pb_proc p;   /* 16 KiB of captures: not on the stack */
static char err[PB_ERRLEN];

static enum pb_proc_status sh(const char *script, const struct pb_proc_opts *o)
{
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    err[0] = '\0';
    return pb_proc_run(&p, argv, o, err, sizeof err);
}

/* True when pid is gone or a zombie (reparented, not yet reaped by init). */
static bool gone(pid_t pid)
{
    for (int i = 0; i < 200; i++) {
        char path[64], stat[256] = "";
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "r");
        if (!f)
            return true;
        bool ok = fgets(stat, sizeof stat, f) != NULL;
        fclose(f);
        const char *paren = strrchr(stat, ')');
        if (ok && paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'))
            return true;
        nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
    }
    return false;
}

static int wait_pipe(void *ctx, int fd)
{
    int *calls = ctx;
    (*calls)++;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return poll(&pfd, 1, 5000) == 1 ? 0 : 1;
}

int main(void)
{
    struct pb_proc_opts cap = {.out = PB_PROC_CAPTURE, .err = PB_PROC_CAPTURE};

    /* Exits 0: both streams captured, apart. */
    CHECK_EQ_U(sh("echo hello; echo oops >&2", &cap), PB_PROC_OK);
    CHECK_STR(p.out.text, "hello\n");
    CHECK_STR(p.err.text, "oops\n");
    CHECK_EQ_U(p.pid, 0);
    CHECK(p.out_fd < 0 && p.err_fd < 0);

    /* Exits non-zero: the message names the program and the status. */
    CHECK_EQ_U(sh("echo first >&2; echo 'bad thing' >&2; exit 3", &cap), PB_PROC_EXIT_NONZERO);
    CHECK_STR(err, "sh exited with status 3");
    CHECK(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 3);
    char line[64];
    pb_proc_line(p.err.text, true, line, sizeof line);
    CHECK_STR(line, "bad thing");
    pb_proc_line(p.err.text, false, line, sizeof line);
    CHECK_STR(line, "first");
    pb_proc_line("\n  \n", false, line, sizeof line);
    CHECK_STR(line, "");

    /* Killed by a signal. */
    CHECK_EQ_U(sh("kill -SEGV $$", &cap), PB_PROC_SIGNALLED);
    CHECK_STR(err, "sh killed by signal 11");

    /* Hangs past the deadline: stopped, and its own children with it. */
    struct pb_proc_opts quick = {.out = PB_PROC_CAPTURE, .timeout_s = 0.3, .term_wait_s = 0.3};
    CHECK_EQ_U(sh("sleep 30 & echo $!; wait", &quick), PB_PROC_TIMED_OUT);
    CHECK(strstr(err, "sh timed out after 0.3 s") == err);
    pid_t grandchild = (pid_t)atoi(p.out.text);
    CHECK(grandchild > 0);
    CHECK(grandchild > 0 && gone(grandchild));
    /* ... also when it ignores SIGTERM (SIGKILL follows). */
    CHECK_EQ_U(sh("trap '' TERM; sleep 30 & echo $!; wait", &quick), PB_PROC_TIMED_OUT);
    grandchild = (pid_t)atoi(p.out.text);
    CHECK(grandchild > 0 && gone(grandchild));

    /* Does not exist, in PATH or as a path; exists but cannot be run. */
    char *missing[] = {"parbench-no-such-program", NULL};
    CHECK_EQ_U(pb_proc_run(&p, missing, &cap, err, sizeof err), PB_PROC_NOT_FOUND);
    CHECK_STR(err, "parbench-no-such-program: not found in PATH");
    char *missing_path[] = {"/nonexistent/prog", NULL};
    CHECK_EQ_U(pb_proc_run(&p, missing_path, &cap, err, sizeof err), PB_PROC_NOT_FOUND);
    CHECK(strstr(err, "/nonexistent/prog: cannot run it: ") == err);
    char *not_exec[] = {"/etc/passwd", NULL};
    CHECK_EQ_U(pb_proc_run(&p, not_exec, &cap, err, sizeof err), PB_PROC_START_FAILED);
    CHECK(strstr(err, "/etc/passwd: cannot run it") == err);
    /* exec itself fails (a bad working directory): reported as such, no child left. */
    struct pb_proc_opts badcwd = {.cwd = "/nonexistent-dir"};
    CHECK_EQ_U(sh("true", &badcwd), PB_PROC_START_FAILED);
    CHECK(strstr(err, "sh: cannot enter /nonexistent-dir to run it: ") == err);
    CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);

    /* More than the capture bound: the last bytes kept, every byte counted, no deadlock. */
    CHECK_EQ_U(sh("head -c 100000 /dev/zero | tr '\\0' a; printf END", &cap), PB_PROC_OK);
    CHECK_EQ_U(p.out.len, PB_PROC_CAPTURE_MAX);
    CHECK_EQ_U(p.out.total, 100003);
    CHECK_EQ_U(strlen(p.out.text), PB_PROC_CAPTURE_MAX);
    CHECK(strcmp(p.out.text + PB_PROC_CAPTURE_MAX - 4, "aEND") == 0);

    /* Environment additions replace and join; the working directory; stderr into stdout. */
    setenv("PB_PROC_T2", "old", 1);
    const char *env[] = {"PB_PROC_T1=one", "PB_PROC_T2=new", NULL};
    struct pb_proc_opts o = {.env_add = env, .cwd = "/", .out = PB_PROC_CAPTURE,
                             .err = PB_PROC_WITH_STDOUT};
    CHECK_EQ_U(sh("echo \"$PB_PROC_T1 $PB_PROC_T2 $(pwd)\"; echo e >&2; env | grep -c PB_PROC_T2",
                  &o), PB_PROC_OK);
    CHECK_STR(p.out.text, "one new /\ne\n1\n");
    CHECK_STR(getenv("PB_PROC_T2"), "old");
    /* Discarded streams: nothing captured, no descriptor held. */
    CHECK_EQ_U(sh("echo x; echo y >&2", NULL), PB_PROC_OK);
    CHECK_EQ_U(p.out.len + p.err.len, 0);

    /* Long-lived: started, talked to, stopped by the caller. */
    char *argv[] = {"sh", "-c", "echo ready; exec sleep 30", NULL};
    CHECK_EQ_U(pb_proc_start(&p, argv, &quick, err, sizeof err), PB_PROC_OK);
    for (int i = 0; i < 250 && !strstr(p.out.text, "ready"); i++) {
        struct pollfd pfd = {.fd = p.out_fd, .events = POLLIN};
        poll(&pfd, 1, 20);
        pb_proc_drain(&p);
    }
    CHECK_STR(p.out.text, "ready\n");
    CHECK(!pb_proc_reap(&p, false));
    CHECK_EQ_U(pb_proc_outcome(&p), PB_PROC_RUNNING);
    CHECK(!pb_proc_wait(&p, pb_now() + 0.05));
    pb_proc_stop(&p);
    CHECK_EQ_U(p.pid, 0);
    CHECK_EQ_U(pb_proc_outcome(&p), PB_PROC_SIGNALLED);
    CHECK(WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGTERM);
    CHECK(p.out_fd < 0);
    CHECK_STR(pb_proc_status_name(PB_PROC_TIMED_OUT), "timed out");

    /* pb_read_exact: whole, in pieces through the wait callback, and a short end. */
    int fds[2];
    CHECK(pipe(fds) == 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    char buf[16] = "";
    size_t got = 99;
    int calls = 0;
    CHECK(write(fds[1], "abc", 3) == 3);
    pid_t writer = fork();
    if (writer == 0) {
        nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
        _exit(write(fds[1], "defgh", 5) == 5 ? 0 : 1);
    }
    CHECK_EQ_U(pb_read_exact(fds[0], buf, 6, &got, wait_pipe, &calls), PB_READ_OK);
    CHECK_EQ_U(got, 6);
    CHECK(memcmp(buf, "abcdef", 6) == 0);
    CHECK(calls >= 1);
    waitpid(writer, NULL, 0);
    close(fds[1]);
    CHECK_EQ_U(pb_read_exact(fds[0], buf, 4, &got, wait_pipe, &calls), PB_READ_EOF);
    CHECK_EQ_U(got, 2);
    CHECK(memcmp(buf, "gh", 2) == 0);
    close(fds[0]);
    CHECK(pipe(fds) == 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    CHECK_EQ_U(pb_read_exact(fds[0], buf, 1, &got, NULL, NULL), PB_READ_ERROR);
    CHECK_EQ_U(got, 0);
    close(fds[0]);
    close(fds[1]);
    CHECK_DONE();
}
