/* Probe figure pipe.bandwidth_fresh_child: a chunk's output leaving a process
 * started for it, as spawn's children send theirs.  A forked child pinned to
 * the pair's second CPU writes a buffer it has just allocated and filled, so
 * its pages are faulted in (not timed), then, on the parent's word, sends it
 * through a 1 MiB pipe and exits; the sample is the bytes over the time from
 * that word until the parent, pinned to the first CPU, has read every byte
 * (into shared memory, as spawn's parent into the output array) and reaped
 * the child.
 *
 * Why not pipe.bandwidth: under a hypervisor that shadows the guest's page
 * tables, the first access of a new address space to each page traps to the
 * host, and the kernel's copy out of the child's buffer is such an access;
 * the child's exit then tears those pages down.  Measured on this project's
 * VM: 9 MB from a fresh child took 55-75 ms, the same bytes from a long-lived
 * writer about 2 ms.  On bare metal the two figures agree. */
#define _GNU_SOURCE /* F_SETPIPE_SZ, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pb.h"
#include "probe.h"

struct fresh_job {
    const struct pb_probe_ctx *c;
    size_t bytes;             /* sent per sample */
    size_t pipe_bytes;        /* the pipe's capacity as granted (last sample) */
    unsigned char *sink;      /* the parent's buffer, touched once before the samples */
};

/* The child: pinned, its buffer filled, one byte to say so, then the buffer
 * on the parent's word. */
__attribute__((noreturn)) static void fresh_child(const struct fresh_job *j, int go, int data)
{
    char err[PB_ERRLEN];
    if (pb_probe_pin(j->c, (unsigned)j->c->pair[1], true, err, sizeof err) != 0)
        _exit(PB_PROBE_EXIT_PIN);
    unsigned char *buf = malloc(j->bytes);
    if (!buf)
        _exit(PB_PROBE_EXIT_NOMEM);
    memset(buf, 0x5a, j->bytes);   /* a kernel's output, written before it is sent */
    unsigned char b = 1;
    if (pb_probe_xfer(data, &b, 1, true) != 1 || pb_probe_xfer(go, &b, 1, false) != 1 ||
        pb_probe_xfer(data, buf, j->bytes, true) != 1)
        _exit(1);
    _exit(0);
}

static int fresh_sample(void *arg, double *x, char *err, size_t errlen)
{
    struct fresh_job *j = arg;
    int go[2] = {-1, -1}, data[2] = {-1, -1};
    char eb[128];
    int rc = -1;
    pid_t pid = -1;
    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(data, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe2: %s", pb_strerror(errno, eb, sizeof eb));
        goto out;
    }
    /* As spawn's result pipes (modes/supervise.c): best effort, capacity recorded. */
    (void)fcntl(data[1], F_SETPIPE_SZ, (int)pb_probe_large_pipe_bytes());
    int sz = fcntl(data[1], F_GETPIPE_SZ);
    j->pipe_bytes = sz > 0 ? (size_t)sz : 0;
    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", pb_strerror(errno, eb, sizeof eb));
        goto out;
    }
    if (pid == 0) {
        close(go[1]);
        close(data[0]);
        fresh_child(j, go[0], data[1]);
    }
    close(go[0]);
    close(data[1]);
    go[0] = data[1] = -1;
    unsigned char b = 1;
    if (pb_probe_xfer(data[0], &b, 1, false) != 1) {
        snprintf(err, errlen, "the sending child stopped before it was ready");
        goto out;
    }
    double t0 = pb_now();
    if (pb_probe_xfer(go[1], &b, 1, true) != 1 || pb_probe_xfer(data[0], j->sink, j->bytes, false) != 1) {
        snprintf(err, errlen, "the sending child stopped before sending %zu bytes", j->bytes);
        goto out;
    }
    int reaped = pb_probe_reap(pid, "the sending child", err, errlen);
    pid = -1;
    double t = pb_now() - t0;
    if (reaped != 0)
        goto out;
    *x = (double)j->bytes / t;
    rc = 0;
out:
    for (int i = 0; i < 2; i++) {
        if (go[i] >= 0)
            close(go[i]);
        if (data[i] >= 0)
            close(data[i]);
    }
    if (pid > 0) {   /* it failed half way: nothing must outlive the sample */
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    return rc;
}

int pb_probe_pipe_fresh(const struct pb_probe_ctx *c, cJSON *figures, char *err, size_t errlen)
{
    struct fresh_job j = {.c = c, .bytes = c->quick ? (4u << 20) : (16u << 20)};
    double *x = calloc(c->reps.max_n, sizeof *x);
    /* Shared, as the output array spawn's parent reads into (pb_output_alloc):
     * private memory would be copy-on-write after every fork, and the parent's
     * copy-on-write faults would be timed as the child's sending (they halved
     * the figure here). */
    j.sink = mmap(NULL, j.bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!x || j.sink == MAP_FAILED) {
        free(x);
        if (j.sink != MAP_FAILED)
            munmap(j.sink, j.bytes);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memset(j.sink, 0, j.bytes);
    size_t n = 0;
    int rc = pb_probe_sample_on_cpu(c, (unsigned)c->pair[0], fresh_sample, &j, x, &n, err,
                                    errlen);
    if (rc == 0) {
        cJSON *s = pb_probe_pair_setup(c);
        cJSON_AddStringToObject(s, "direction", "a freshly forked child to its parent");
        cJSON_AddNumberToObject(s, "pipe_bytes", (double)j.pipe_bytes);
        cJSON_AddNumberToObject(s, "bytes_per_sample", (double)j.bytes);
        pb_probe_figure(figures, "pipe.bandwidth_fresh_child", "pipe",
                        "one-way bandwidth from a child forked for the sample, its buffer "
                        "just written, until the parent has read it all and reaped the child",
                        "B/s", 0, x, n, s);
    }
    free(x);
    munmap(j.sink, j.bytes);
    return rc;
}
