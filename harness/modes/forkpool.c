/* forkpool: a pool of worker processes forked before the timed region, like
 * Python's multiprocessing.Pool.map(chunksize=...).  The parent hands out
 * chunk descriptors over a pipe per worker; each worker computes into its own
 * private memory and sends the output bytes back through its result pipe,
 * where the parent checks the header and copies them into place. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb.h"
#include "memplace.h"
#include "placement.h"
#include "schedule.h"
#include "supervise.h"

/* Chunks a worker may have outstanding.  Two lets a worker start its next
 * chunk while the parent is still copying the last one out of the pipe, which
 * halves the per-chunk cost of small tasks; near the end of a dynamic or
 * guided run it drops to one, so the tail stays balanced. */
#ifndef PB_FORKPOOL_DEPTH
#define PB_FORKPOOL_DEPTH 2   /* -DPB_FORKPOOL_DEPTH=1 builds the unpipelined variant, to compare */
#endif
#define DEPTH PB_FORKPOOL_DEPTH

/* What lives across runs: the result-pipe capacity the last run was granted,
 * for its record's mode_facts (the pipes are the mode's data path, and a
 * smaller grant than asked means more syscalls per chunk). */
struct forkpool_state {
    long pipe_bytes;
};

static int forkpool_open(const struct pb_mode_args *args, void **state, char *err,
                         size_t errlen)
{
    (void)args;
    *state = calloc(1, sizeof(struct forkpool_state));
    if (!*state) {
        snprintf(err, errlen, "forkpool: out of memory");
        return -1;
    }
    return 0;
}

static void forkpool_close(void *state)
{
    free(state);
}

static void forkpool_facts(void *state, const struct pb_plan *plan, struct pb_facts *out)
{
    (void)plan;
    const struct forkpool_state *st = state;
    if (st && st->pipe_bytes > 0)
        pb_facts_add(out, "pipe_bytes", "%ld", st->pipe_bytes);
}

struct forkpool_job {
    const struct pb_kernel *k;
    const struct pb_workload *w;
    const struct pb_plan *plan;
};

/* A worker: bind, report ready, then run the chunks it is sent until STOP. */
static int forkpool_child(void *arg, unsigned worker, int cmd_fd, int res_fd)
{
    const struct forkpool_job *job = arg;
    const struct pb_workload *w = job->w;
    struct pb_worker_stat ws;
    if (pb_child_start(job->plan->placement, worker, res_fd, false, &ws) != 0)
        return 1;
    /* One buffer holds the header and the outputs, so each chunk is one write.
     * It is sized for the largest chunk and written before READY: a worker of
     * a long-lived pool has its buffer warm, and one forked for this run would
     * otherwise fault it in (and, under a hypervisor that shadows page tables,
     * trap on each first touch) inside the timed region.  The cost is in
     * startup_s; the counters start after it. */
    struct pb_dispenser d;
    pb_dispenser_init(&d, w->ntasks, job->plan);
    size_t most = pb_dispenser_max_chunk(&d) * w->out_size;
    size_t cap = sizeof(struct pb_msg) + most;
    unsigned char *buf = pb_child_msg_buffer(most, worker, res_fd);
    if (!buf)
        return 1;
    memset(buf, 0, cap);
    pb_worker_mark_start(&ws);
    struct pb_msg ready = {.type = PB_MSG_READY, .worker = worker};
    if (pb_io_write_all(res_fd, &ready, sizeof ready) != 0) {
        free(buf);
        return 1;
    }
    for (;;) {
        struct pb_cmd c;
        if (pb_io_read_all(cmd_fd, &c, sizeof c) != 1)
            return 1;   /* the parent is gone or broke the protocol: nobody to tell */
        if (c.type == PB_CMD_STOP)
            break;
        if (c.type != PB_CMD_CHUNK || c.begin >= c.end || c.end > w->ntasks) {
            pb_child_error(res_fd, worker, "bad command (type %u, tasks [%llu, %llu))",
                           (unsigned)c.type, (unsigned long long)c.begin,
                           (unsigned long long)c.end);
            return 1;
        }
        size_t bytes = pb_child_chunk_msg(job->k, w, worker, c.begin, c.end, &buf, &cap, &ws,
                                          res_fd);
        if (bytes == SIZE_MAX)
            return 1;
        if (pb_io_write_all(res_fd, buf, sizeof(struct pb_msg) + bytes) != 0)
            return 1;
    }
    /* after STOP, outside the timed region: where its result buffer's pages are */
    pb_mem_note_buffer(job->plan, buf, cap, &ws);
    free(buf);
    pb_worker_mark_end(&ws);
    struct pb_msg done = {.type = PB_MSG_DONE, .worker = worker, .bytes = sizeof ws};
    if (pb_io_write_all(res_fd, &done, sizeof done) != 0 ||
        pb_io_write_all(res_fd, &ws, sizeof ws) != 0)
        return 1;
    return 0;
}

/* The parent's view of one worker: the chunks sent and not yet returned. */
struct forkpool_worker {
    struct pb_range queue[DEPTH];
    unsigned queued;
    size_t cursor;          /* the worker's position in a static schedule */
    bool ready;
};

struct forkpool_run {
    struct pb_super sv;
    struct pb_dispenser disp;
    struct forkpool_worker *fw;
    struct pb_sample *s;
    size_t outstanding;     /* chunks sent, not yet returned, over all workers */
};

/* Keep worker i supplied: up to DEPTH chunks while plenty of work is left. */
static int forkpool_fill(struct forkpool_run *run, unsigned i)
{
    struct forkpool_worker *fw = &run->fw[i];
    struct pb_dispenser *d = &run->disp;
    while (fw->queued < DEPTH) {
        if (fw->queued > 0 && d->schedule != PB_SCHED_STATIC) {
            size_t next = atomic_load_explicit(&d->next, memory_order_relaxed);
            size_t left = next < d->ntasks ? d->ntasks - next : 0;
            if (left < (size_t)d->workers * d->chunk * DEPTH)
                break;
        }
        struct pb_range r;
        if (!pb_dispense(d, i, &fw->cursor, &r))
            break;
        struct pb_cmd c = {.type = PB_CMD_CHUNK, .begin = r.begin, .end = r.end};
        if (pb_super_send(&run->sv, i, &c) != 0)
            return -1;
        fw->queue[fw->queued++] = r;
        run->outstanding++;
        run->sv.child[i].busy = true;
    }
    return 0;
}

/* Take one CHUNK message from worker i: it must be the oldest chunk that
 * worker was sent, with exactly its bytes, which go straight into place. */
static int forkpool_collect(struct forkpool_run *run, unsigned i, const struct pb_workload *w,
                            unsigned char *out)
{
    struct pb_super *sv = &run->sv;
    struct forkpool_worker *fw = &run->fw[i];
    struct pb_msg m;
    if (pb_super_recv(sv, i, &m) != 0)
        return -1;
    if (m.type != PB_MSG_CHUNK || fw->queued == 0)
        return pb_super_fail(sv, "worker %u sent an unexpected message (type %u)", i,
                             (unsigned)m.type);
    struct pb_range r = fw->queue[0];
    if (m.begin != r.begin || m.end != r.end)
        return pb_super_fail(sv, "worker %u returned tasks [%llu, %llu) but was given [%zu, %zu)",
                             i, (unsigned long long)m.begin, (unsigned long long)m.end, r.begin,
                             r.end);
    size_t bytes = (r.end - r.begin) * w->out_size;
    if (m.bytes != bytes)
        return pb_super_fail(sv, "worker %u sent %llu bytes for tasks [%zu, %zu), expected %zu", i,
                             (unsigned long long)m.bytes, r.begin, r.end, bytes);
    if (pb_super_read(sv, i, out + r.begin * w->out_size, bytes) != 0)
        return -1;
    memmove(&fw->queue[0], &fw->queue[1], (DEPTH - 1) * sizeof fw->queue[0]);
    fw->queued--;
    run->outstanding--;
    sv->child[i].busy = fw->queued > 0;
    struct pb_worker_stat *ws = &run->s->workers[i];
    ws->tasks += r.end - r.begin;
    ws->chunks++;
    return 0;
}

/* After STOP: worker i's own statistics, checked against what it was given. */
static int forkpool_finish(struct forkpool_run *run, unsigned i, size_t ntasks)
{
    return pb_super_collect(&run->sv, i, ntasks, &run->s->workers[i]);
}

static int forkpool_execute(const struct pb_kernel *k, const struct pb_workload *w,
                            const struct pb_plan *plan, void *out, struct pb_sample *s,
                            char *err, size_t errlen)
{
    unsigned n = plan->workers;
    struct forkpool_run run = {.s = s};
    struct forkpool_job job = {.k = k, .w = w, .plan = plan};
    if (pb_super_init(&run.sv, "forkpool", n, plan->timeout_s, err, errlen) != 0)
        return -1;
    int rc = -1;
    run.fw = calloc(n, sizeof *run.fw);
    if (!run.fw) {
        pb_super_fail(&run.sv, "out of memory for %u workers", n);
        goto out;
    }
    double t_start = pb_now();
    for (unsigned i = 0; i < n; i++)
        if (pb_super_fork(&run.sv, i, i, true, forkpool_child, &job) != 0)
            goto out;
    for (unsigned got = 0; got < n; got++) {
        unsigned i;
        struct pb_msg m;
        if (pb_super_wait(&run.sv, &i) != 0 || pb_super_recv(&run.sv, i, &m) != 0)
            goto out;
        if (m.type != PB_MSG_READY || run.fw[i].ready) {
            pb_super_fail(&run.sv, "worker %u sent an unexpected message (type %u) at start", i,
                          (unsigned)m.type);
            goto out;
        }
        run.fw[i].ready = true;
    }
    double t0 = pb_now();
    s->startup_s = t0 - t_start;

    pb_dispenser_init(&run.disp, w->ntasks, plan);
    for (unsigned i = 0; i < n; i++)
        if (forkpool_fill(&run, i) != 0)
            goto out;
    while (run.outstanding > 0) {
        unsigned i;
        if (pb_super_wait(&run.sv, &i) != 0 || forkpool_collect(&run, i, w, out) != 0 ||
            forkpool_fill(&run, i) != 0)
            goto out;
    }
    s->wall_s = pb_now() - t0;

    struct pb_cmd stop = {.type = PB_CMD_STOP};
    for (unsigned i = 0; i < n; i++)
        if (pb_super_send(&run.sv, i, &stop) != 0)
            goto out;
    for (unsigned i = 0; i < n; i++)
        if (forkpool_finish(&run, i, w->ntasks) != 0)
            goto out;
    s->cpu_s = run.sv.cpu_s;
    if (plan->state)
        ((struct forkpool_state *)plan->state)->pipe_bytes = run.sv.pipe_bytes;
    rc = 0;
out:
    pb_super_free(&run.sv);
    free(run.fw);
    return rc;
}

const struct pb_mode pb_mode_forkpool = {
    .name = "forkpool",
    .worker = PB_WORKER_PROCESS,
    .output = PB_OUTPUT_COPIED,
    .runtime = PB_RUNTIME_C,
    .style = {"#d62728", 11, 1},
    .summary = "pre-forked processes (like multiprocessing.Pool); chunks go out and outputs "
               "come back over pipes, copied into place",
    .open = forkpool_open,
    .close = forkpool_close,
    .facts = forkpool_facts,
    .execute = forkpool_execute,
};
