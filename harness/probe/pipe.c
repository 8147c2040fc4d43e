/* Probe: pipes between two processes pinned to two different CPUs.
 *   pipe.round_trip           1 byte there and 1 byte back (the floor of any
 *                             request/reply over pipes: forkpool's dispatch)
 *   pipe.bandwidth            one way, in writes of the default pipe size
 *   pipe.bandwidth_large_pipe one way, the pipe enlarged with F_SETPIPE_SZ and
 *                             written in writes of its new size
 *   pipe.bandwidth_fresh_child  one way from a process forked for it (pipe-fresh.c)
 * The measuring side is a thread of parbench pinned to the first CPU of the
 * pair; the other side a forked child pinned to the second.  The bandwidth
 * sample ends when the child acknowledges the last byte, so it includes one
 * wake-up, negligible against the megabytes moved. */
#define _GNU_SOURCE /* F_SETPIPE_SZ, sched_setaffinity */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pb.h"
#include "probe.h"

#define LARGE_PIPE_BYTES (1u << 20)   /* or /proc/sys/fs/pipe-max-size when smaller */

enum child_kind { ECHO, SINK };

struct pipe_job {
    const struct pb_probe_ctx *c;
    enum child_kind kind;
    size_t want_pipe_bytes;   /* 0: leave the pipe as the kernel made it */
    size_t pipe_bytes;        /* what F_GETPIPE_SZ says the data pipe holds */
    size_t write_bytes;       /* one write() of the bandwidth samples */
    size_t total_bytes;       /* bytes per bandwidth sample */
    unsigned round_trips;     /* round trips per latency sample */
    int to_child, from_child;
    unsigned char *buf;
    double *x;
    size_t n;
    int rc;
    char err[PB_ERRLEN];
};

int pb_probe_xfer(int fd, void *buf, size_t len, bool writing)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t r = writing ? write(fd, p, len) : read(fd, p, len);
        if (r < 0 && errno == EINTR && !pb_stop_signal)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        p += r;
        len -= (size_t)r;
    }
    return 1;
}

/* The child: pinned, then echo every byte, or swallow total_bytes and ack. */
__attribute__((noreturn)) static void child_main(const struct pipe_job *j, int in, int out,
                                                  int cpu)
{
    if (j->c->pinned) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((size_t)cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0)
            _exit(PB_PROBE_EXIT_PIN);
    }
    unsigned char b = 0;
    if (j->kind == ECHO) {
        while (pb_probe_xfer(in, &b, 1, false) == 1)
            if (pb_probe_xfer(out, &b, 1, true) != 1)
                _exit(1);
        _exit(0);
    }
    for (;;) {
        size_t got = 0;
        while (got < j->total_bytes) {
            ssize_t r = read(in, j->buf, j->write_bytes);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                _exit(r == 0 && got == 0 ? 0 : 1);
            got += (size_t)r;
        }
        if (pb_probe_xfer(out, &b, 1, true) != 1)
            _exit(1);
    }
}

static int round_trip_sample(void *arg, double *x, char *err, size_t errlen)
{
    struct pipe_job *j = arg;
    unsigned char b = 1;
    double t0 = pb_now();
    for (unsigned i = 0; i < j->round_trips; i++) {
        if (pb_probe_xfer(j->to_child, &b, 1, true) != 1 || pb_probe_xfer(j->from_child, &b, 1, false) != 1) {
            snprintf(err, errlen, "the echoing child stopped answering");
            return -1;
        }
    }
    *x = (pb_now() - t0) / j->round_trips;
    return 0;
}

static int bandwidth_sample(void *arg, double *x, char *err, size_t errlen)
{
    struct pipe_job *j = arg;
    unsigned char ack;
    double t0 = pb_now();
    for (size_t sent = 0; sent < j->total_bytes; sent += j->write_bytes) {
        if (pb_probe_xfer(j->to_child, j->buf, j->write_bytes, true) != 1) {
            snprintf(err, errlen, "writing to the child: %s", strerror(errno));
            return -1;
        }
    }
    if (pb_probe_xfer(j->from_child, &ack, 1, false) != 1) {
        snprintf(err, errlen, "the reading child did not acknowledge");
        return -1;
    }
    *x = (double)j->total_bytes / (pb_now() - t0);
    return 0;
}

/* On the pinned thread: make the pipes, fork the child, take the samples. */
static void *measure(void *arg)
{
    struct pipe_job *j = arg;
    int down[2] = {-1, -1}, up[2] = {-1, -1};
    char eb[128];
    j->rc = -1;
    if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0) {
        snprintf(j->err, sizeof j->err, "pipe2: %s", pb_strerror(errno, eb, sizeof eb));
        goto out;
    }
    if (j->want_pipe_bytes &&
        fcntl(down[1], F_SETPIPE_SZ, (int)j->want_pipe_bytes) < 0) {
        snprintf(j->err, sizeof j->err, "fcntl(F_SETPIPE_SZ, %zu): %s", j->want_pipe_bytes,
                 pb_strerror(errno, eb, sizeof eb));
        goto out;
    }
    int sz = fcntl(down[1], F_GETPIPE_SZ);
    j->pipe_bytes = sz > 0 ? (size_t)sz : 0;
    if (j->kind == SINK && j->write_bytes == 0)
        j->write_bytes = j->pipe_bytes ? j->pipe_bytes : 65536;
    if (j->kind == SINK) {
        j->total_bytes -= j->total_bytes % j->write_bytes;
        j->buf = calloc(1, j->write_bytes);
        if (!j->buf) {
            snprintf(j->err, sizeof j->err, "out of memory for a %zu-byte buffer", j->write_bytes);
            goto out;
        }
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(j->err, sizeof j->err, "fork: %s", pb_strerror(errno, eb, sizeof eb));
        goto out;
    }
    if (pid == 0) {
        /* The parent's ends, or the child would never see end-of-file. */
        close(down[1]);
        close(up[0]);
        child_main(j, down[0], up[1], j->c->cpus[j->c->pair[1]]);
    }
    close(down[0]);
    close(up[1]);
    down[0] = up[1] = -1;
    j->to_child = down[1];
    j->from_child = up[0];
    j->rc = pb_probe_sample(j->c, j->kind == ECHO ? round_trip_sample : bandwidth_sample, j, j->x,
                            &j->n, j->err, sizeof j->err);
    /* EOF tells the child to leave; then reap it. */
    close(down[1]);
    down[1] = -1;
    char why[PB_ERRLEN];
    if (pb_probe_reap(pid, "the pipe child", why, sizeof why) != 0 && j->rc == 0) {
        snprintf(j->err, sizeof j->err, "%s", why);
        j->rc = -1;
    }
out:
    for (int i = 0; i < 2; i++) {
        if (down[i] >= 0)
            close(down[i]);
        if (up[i] >= 0)
            close(up[i]);
    }
    free(j->buf);
    j->buf = NULL;
    return NULL;
}

int pb_probe_reap(pid_t pid, const char *who, char *err, size_t errlen)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status);
    snprintf(err, errlen, "%s %s %d%s", who,
             WIFEXITED(status) ? "exited with" : "was killed by signal", code,
             !WIFEXITED(status) ? ""
             : code == PB_PROBE_EXIT_PIN ? " (sched_setaffinity failed)"
             : code == PB_PROBE_EXIT_NOMEM ? " (out of memory)"
                                           : "");
    return -1;
}

size_t pb_probe_large_pipe_bytes(void)
{
    FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
    unsigned long long max = 0;
    if (f) {
        if (fscanf(f, "%llu", &max) != 1)
            max = 0;
        fclose(f);
    }
    return max > 0 && max < LARGE_PIPE_BYTES ? (size_t)max : LARGE_PIPE_BYTES;
}

cJSON *pb_probe_pair_setup(const struct pb_probe_ctx *c)
{
    cJSON *s = cJSON_CreateObject();
    cJSON *cp = cJSON_AddArrayToObject(s, "cpus");
    cJSON_AddItemToArray(cp, cJSON_CreateNumber(c->cpus[c->pair[0]]));
    cJSON_AddItemToArray(cp, cJSON_CreateNumber(c->cpus[c->pair[1]]));
    cJSON_AddBoolToObject(s, "pinned", c->pinned);
    return s;
}

int pb_probe_pipe(const struct pb_probe_ctx *c, cJSON *figures, cJSON *root, char *err,
                  size_t errlen)
{
    (void)root;
    if (c->pair[1] < 0) {
        snprintf(err, errlen, "needs two CPUs, %u available", c->ncpus);
        return 1;
    }
    double *x = calloc(c->reps.max_n, sizeof *x);
    if (!x) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t total = c->quick ? (4u << 20) : (64u << 20);
    struct pipe_job jobs[3] = {
        {.c = c, .kind = ECHO, .round_trips = c->quick ? 20 : 1000},
        {.c = c, .kind = SINK, .total_bytes = total},
        {.c = c, .kind = SINK, .total_bytes = total, .want_pipe_bytes = pb_probe_large_pipe_bytes()},
    };
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) {
        struct pipe_job *j = &jobs[i];
        j->x = x;
        if (pb_probe_on_cpu(c, (unsigned)c->pair[0], measure, j, err, errlen) != 0) {
            rc = -1;
            break;
        }
        if (j->rc != 0) {
            snprintf(err, errlen, "%s", j->err);
            rc = -1;
            break;
        }
        cJSON *s = pb_probe_pair_setup(c);
        if (j->kind == ECHO) {
            cJSON_AddNumberToObject(s, "message_bytes", 1);
            cJSON_AddNumberToObject(s, "round_trips_per_sample", j->round_trips);
            pb_probe_figure(figures, "pipe.round_trip", "pipe",
                            "1 byte to the other process and 1 byte back", "s", 0, x, j->n, s);
            continue;
        }
        cJSON_AddStringToObject(s, "direction", "parent to child");
        cJSON_AddNumberToObject(s, "pipe_bytes", (double)j->pipe_bytes);
        cJSON_AddNumberToObject(s, "write_bytes", (double)j->write_bytes);
        cJSON_AddNumberToObject(s, "bytes_per_sample", (double)j->total_bytes);
        if (j->want_pipe_bytes)
            pb_probe_figure(figures, "pipe.bandwidth_large_pipe", "pipe",
                            "one-way bandwidth, pipe enlarged with F_SETPIPE_SZ", "B/s", 0, x,
                            j->n, s);
        else
            pb_probe_figure(figures, "pipe.bandwidth", "pipe",
                            "one-way bandwidth, default pipe size", "B/s", 0, x, j->n, s);
    }
    free(x);
    return rc == 0 ? pb_probe_pipe_fresh(c, figures, err, errlen) : rc;
}
