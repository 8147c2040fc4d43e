/* queue: pre-forked worker processes sharing ONE task pipe and ONE result
 * pipe, like multiprocessing.JoinableQueue's producer-consumer model, so the
 * cost of a shared queue can be set against forkpool's per-worker pipes.
 *
 * Task queue: the parent writes fixed-size chunk descriptors (struct pb_cmd,
 * 24 bytes) into one pipe that every worker reads.  A write of at most
 * PIPE_BUF bytes is atomic and every write is one whole descriptor, so the
 * pipe only ever holds whole descriptors, and a read of exactly one
 * descriptor takes exactly one (Linux holds the pipe's lock for the whole
 * read): no reader lock is needed, unlike Python's Queue, which pickles
 * messages of any length and so serialises its readers with a lock.
 *
 * Result queue: every worker writes a header and its chunk's output bytes
 * into one pipe.  Outputs are larger than PIPE_BUF (a blur band is tens of
 * KiB), so two writers' bytes could interleave; the writers serialise with a
 * process-shared mutex, exactly as multiprocessing.Queue serialises put()s
 * with its write lock.  The alternative -- a small atomic completion record
 * on the shared pipe and the payload through a per-worker pipe -- would make
 * the "shared" result queue a notification channel only and measure little
 * more than forkpool does.  A worker that dies holding the lock (or halfway
 * through a message) cannot corrupt a run silently: its own supervision pipe
 * reports the death, which fails the run and kills every worker first.
 *
 * Each worker keeps its own supervision pipe (supervise.h) for READY, its
 * statistics at the end, errors, and its exit, so faults are reported as in
 * forkpool: naming the worker and the cause, with nothing left behind.
 * Worker `claim` slots in shared memory say which chunk each worker holds,
 * so a timeout names the workers that were really busy.
 *
 * A queue has no addressee: with a static schedule the same chunks go into the
 * queue, but any worker may take any of them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pb.h"
#include "placement.h"
#include "schedule.h"
#include "supervise.h"

/* Chunks in the queue per worker, as forkpool keeps per worker: one being
 * computed and one waiting, so no worker idles while the parent copies. */
#define DEPTH 2

#define PIPE_BYTES (1 << 20)   /* both pipes widened to this, best effort */

_Static_assert(sizeof(struct pb_cmd) <= PIPE_BUF, "descriptors must be written atomically");

/* Shared between the parent and the workers: an anonymous MAP_SHARED mapping,
 * nothing named, so nothing can be left behind in /dev/shm. */
struct queue_ctl {
    pthread_mutex_t wlock;   /* held while one worker writes one result message */
    struct {
        _Alignas(64) _Atomic size_t claim;   /* 1 + first task of the chunk held, 0 = none */
    } slot[];
};

struct queue_job {
    const struct pb_kernel *k;
    const struct pb_workload *w;
    const struct pb_plan *plan;
    struct queue_ctl *ctl;
    int task_rd, task_wr;    /* the task pipe: workers read, the parent writes */
    int res_rd, res_wr;      /* the result pipe: workers write, the parent reads */
};

static int queue_child(void *arg, unsigned worker, int cmd_fd, int res_fd)
{
    (void)cmd_fd;
    const struct queue_job *job = arg;
    const struct pb_workload *w = job->w;
    struct queue_ctl *ctl = job->ctl;
    /* The parent's ends: a worker never writes tasks nor reads results. */
    close(job->task_wr);
    close(job->res_rd);
    struct pb_worker_stat ws;
    if (pb_child_start(job->plan->placement, worker, res_fd, true, &ws) != 0)
        return 1;
    unsigned char *buf = NULL;   /* the header and the outputs: one write per chunk */
    size_t cap = 0;
    for (;;) {
        struct pb_cmd c;
        if (pb_io_read_all(job->task_rd, &c, sizeof c) != 1)
            return 1;   /* the parent is gone: nobody to tell */
        if (c.type == PB_CMD_STOP)
            break;
        if (c.type != PB_CMD_CHUNK || c.begin >= c.end || c.end > w->ntasks) {
            pb_child_error(res_fd, worker, "bad descriptor (type %u, tasks [%llu, %llu))",
                           (unsigned)c.type, (unsigned long long)c.begin,
                           (unsigned long long)c.end);
            return 1;
        }
        atomic_store_explicit(&ctl->slot[worker].claim, (size_t)c.begin + 1, memory_order_relaxed);
        size_t bytes = pb_child_chunk_msg(job->k, w, worker, c.begin, c.end, &buf, &cap, &ws,
                                          res_fd);
        if (bytes == SIZE_MAX)
            return 1;
        /* Released before the result is visible, so the parent, woken by it,
         * never sees this worker holding a chunk it has already returned. */
        atomic_store_explicit(&ctl->slot[worker].claim, 0, memory_order_release);
        if (pthread_mutex_lock(&ctl->wlock) != 0)
            return 1;
        int wr = pb_io_write_all(job->res_wr, buf, sizeof(struct pb_msg) + bytes);
        pthread_mutex_unlock(&ctl->wlock);
        if (wr != 0)
            return 1;
    }
    free(buf);
    pb_worker_mark_end(&ws);
    struct pb_msg done = {.type = PB_MSG_DONE, .worker = worker, .bytes = sizeof ws};
    if (pb_io_write_all(res_fd, &done, sizeof done) != 0 ||
        pb_io_write_all(res_fd, &ws, sizeof ws) != 0)
        return 1;
    return 0;
}

struct queue_run {
    struct pb_super sv;
    struct pb_dispenser disp;
    struct queue_job job;
    struct pb_sample *s;
    struct pb_range *pending;   /* chunks in the queue or being computed, cap entries */
    size_t npending, cap;
    size_t *cursor;             /* static schedule: each worker's position */
    unsigned next_worker;       /* static schedule: whose chunks go in next */
    bool drained;               /* the dispenser has nothing left */
};

/* The next chunk to queue.  Static chunks are taken from each worker's share
 * in turn, so the queue holds every worker's first chunks first. */
static bool queue_next(struct queue_run *run, struct pb_range *r)
{
    struct pb_dispenser *d = &run->disp;
    if (d->schedule != PB_SCHED_STATIC)
        return pb_dispense(d, 0, &run->cursor[0], r);
    for (unsigned k = 0; k < d->workers; k++) {
        unsigned i = (run->next_worker + k) % d->workers;
        if (pb_dispense(d, i, &run->cursor[i], r)) {
            run->next_worker = i + 1;
            return true;
        }
    }
    return false;
}

/* Write one descriptor into the task pipe.  Never blocks: the pipe is sized
 * for every descriptor the run can have queued at once. */
static int queue_push(struct queue_run *run, const struct pb_cmd *c)
{
    for (;;) {
        ssize_t r = write(run->job.task_wr, c, sizeof *c);
        if (r == (ssize_t)sizeof *c)
            return 0;
        if (r < 0 && errno == EINTR)
            continue;
        char eb[128];
        return pb_super_fail(&run->sv, "writing the task pipe: %s",
                             r < 0 ? pb_strerror(errno, eb, sizeof eb) : "short write");
    }
}

/* Keep DEPTH chunks per worker in the queue while work is left. */
static int queue_fill(struct queue_run *run)
{
    while (!run->drained && run->npending < run->cap) {
        struct pb_range r;
        if (!queue_next(run, &r)) {
            run->drained = true;
            break;
        }
        struct pb_cmd c = {.type = PB_CMD_CHUNK, .begin = r.begin, .end = r.end};
        if (queue_push(run, &c) != 0)
            return -1;
        run->pending[run->npending++] = r;
    }
    return 0;
}

/* A worker's own pipe spoke during the run: an error, its exit, or a message
 * out of turn.  Always fails the run. */
static int queue_worker_spoke(struct queue_run *run, unsigned slot)
{
    struct pb_msg m;
    if (pb_super_recv(&run->sv, slot, &m) != 0)
        return -1;
    return pb_super_fail(&run->sv, "worker %u sent an unexpected message (type %u) during the run",
                         slot, (unsigned)m.type);
}

/* The busy flags a timeout message reads, from the workers' claims. */
static void queue_mark_busy(struct queue_run *run)
{
    for (unsigned i = 0; i < run->sv.nslots; i++)
        run->sv.child[i].busy =
            atomic_load_explicit(&run->job.ctl->slot[i].claim, memory_order_acquire) != 0;
}

/* Read exactly `len` bytes of the result pipe, watching every worker's own
 * pipe (and the deadline) while waiting. */
static int queue_read(struct queue_run *run, void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t r = read(run->job.res_rd, p, len);
        if (r > 0) {
            p += r;
            len -= (size_t)r;
            continue;
        }
        if (r == 0)
            return pb_super_fail(&run->sv, "the result pipe was closed by every worker");
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN) {
            char eb[128];
            return pb_super_fail(&run->sv, "reading the result pipe: %s",
                                 pb_strerror(errno, eb, sizeof eb));
        }
        queue_mark_busy(run);
        unsigned slot;
        int w = pb_super_wait_fd(&run->sv, run->job.res_rd, &slot);
        if (w < 0)
            return -1;
        if (w == 0)
            return queue_worker_spoke(run, slot);
    }
    return 0;
}

/* One result message: a chunk that is pending, with exactly its bytes, which
 * go straight into place. */
static int queue_collect(struct queue_run *run, const struct pb_workload *w, unsigned char *out)
{
    struct pb_super *sv = &run->sv;
    struct pb_msg m;
    if (queue_read(run, &m, sizeof m) != 0)
        return -1;
    if (m.type != PB_MSG_CHUNK || m.worker >= sv->nslots)
        return pb_super_fail(sv, "the result pipe carried a message of type %u from worker %u",
                             (unsigned)m.type, (unsigned)m.worker);
    size_t k = 0;
    while (k < run->npending && (run->pending[k].begin != m.begin || run->pending[k].end != m.end))
        k++;
    if (k == run->npending)
        return pb_super_fail(sv, "worker %u returned tasks [%llu, %llu), which were not queued",
                             (unsigned)m.worker, (unsigned long long)m.begin,
                             (unsigned long long)m.end);
    struct pb_range r = run->pending[k];
    size_t bytes = (r.end - r.begin) * w->out_size;
    if (m.bytes != bytes)
        return pb_super_fail(sv, "worker %u sent %llu bytes for tasks [%zu, %zu), expected %zu",
                             (unsigned)m.worker, (unsigned long long)m.bytes, r.begin, r.end,
                             bytes);
    if (queue_read(run, out + r.begin * w->out_size, bytes) != 0)
        return -1;
    run->pending[k] = run->pending[--run->npending];
    struct pb_worker_stat *ws = &run->s->workers[m.worker];
    ws->tasks += r.end - r.begin;
    ws->chunks++;
    return 0;
}

/* After STOP: worker i's own statistics, checked against what it returned. */
static int queue_finish(struct queue_run *run, unsigned i, size_t ntasks)
{
    return pb_super_collect(&run->sv, i, ntasks, &run->s->workers[i]);
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* The shared pipes and the control block.  Returns 0, or -1 with `err` set. */
static int queue_setup(struct queue_run *run, unsigned n, char *err, size_t errlen)
{
    char eb[128];
    struct queue_job *job = &run->job;
    size_t ctl_bytes = sizeof(struct queue_ctl) + n * sizeof job->ctl->slot[0];
    job->ctl = mmap(NULL, ctl_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (job->ctl == MAP_FAILED) {
        job->ctl = NULL;
        snprintf(err, errlen, "queue: mmap of %zu bytes for the control block: %s", ctl_bytes,
                 pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    pthread_mutexattr_t a;
    if (pthread_mutexattr_init(&a) != 0 ||
        pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) != 0 ||
        pthread_mutex_init(&job->ctl->wlock, &a) != 0) {
        snprintf(err, errlen, "queue: cannot make a process-shared mutex");
        return -1;
    }
    pthread_mutexattr_destroy(&a);
    for (unsigned i = 0; i < n; i++)
        atomic_init(&job->ctl->slot[i].claim, 0);
    int t[2], r[2];
    if (pipe2(t, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "queue: task pipe: %s", pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    job->task_rd = t[0];
    job->task_wr = t[1];
    if (pipe2(r, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "queue: result pipe: %s", pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    job->res_rd = r[0];
    job->res_wr = r[1];
    (void)fcntl(job->task_wr, F_SETPIPE_SZ, PIPE_BYTES);
    (void)fcntl(job->res_rd, F_SETPIPE_SZ, PIPE_BYTES);
    /* The parent's ends never block: every wait is a poll with the deadline. */
    fcntl(job->task_wr, F_SETFL, O_NONBLOCK);
    fcntl(job->res_rd, F_SETFL, O_NONBLOCK);
    int size = fcntl(job->task_wr, F_GETPIPE_SZ);
    size_t need = (size_t)n * (DEPTH + 1) * sizeof(struct pb_cmd);   /* queued chunks + STOPs */
    if (size > 0 && (size_t)size < need) {
        snprintf(err, errlen, "queue: the task pipe holds %d bytes; %u workers need %zu", size, n,
                 need);
        return -1;
    }
    return 0;
}

static int queue_execute(const struct pb_kernel *k, const struct pb_workload *w,
                         const struct pb_plan *plan, void *out, struct pb_sample *s, char *err,
                         size_t errlen)
{
    unsigned n = plan->workers;
    struct queue_run run = {.s = s, .cap = (size_t)n * DEPTH,
                            .job = {.k = k, .w = w, .plan = plan,
                                    .task_rd = -1, .task_wr = -1, .res_rd = -1, .res_wr = -1}};
    int rc = -1;
    bool sv_up = false;
    run.pending = calloc(run.cap, sizeof *run.pending);
    run.cursor = calloc(n, sizeof *run.cursor);
    if (!run.pending || !run.cursor) {
        snprintf(err, errlen, "queue: out of memory for %u workers", n);
        goto out;
    }
    if (queue_setup(&run, n, err, errlen) != 0)
        goto out;
    if (pb_super_init(&run.sv, "queue", n, plan->timeout_s, err, errlen) != 0)
        goto out;
    sv_up = true;
    double t_start = pb_now();
    for (unsigned i = 0; i < n; i++)
        if (pb_super_fork(&run.sv, i, i, false, queue_child, &run.job) != 0)
            goto out;
    /* The workers' ends, held by them only: nothing else ever reads tasks or writes results. */
    close_fd(&run.job.task_rd);
    close_fd(&run.job.res_wr);
    for (unsigned got = 0; got < n; got++) {
        unsigned i;
        struct pb_msg m;
        if (pb_super_wait(&run.sv, &i) != 0 || pb_super_recv(&run.sv, i, &m) != 0)
            goto out;
        if (m.type != PB_MSG_READY || run.sv.child[i].finished) {
            pb_super_fail(&run.sv, "worker %u sent an unexpected message (type %u) at start", i,
                          (unsigned)m.type);
            goto out;
        }
        run.sv.child[i].finished = true;   /* not listened to until the run needs it */
    }
    for (unsigned i = 0; i < n; i++)
        run.sv.child[i].finished = false;
    double t0 = pb_now();
    s->startup_s = t0 - t_start;

    pb_dispenser_init(&run.disp, w->ntasks, plan);
    if (queue_fill(&run) != 0)
        goto out;
    while (run.npending > 0)
        if (queue_collect(&run, w, out) != 0 || queue_fill(&run) != 0)
            goto out;
    s->wall_s = pb_now() - t0;

    struct pb_cmd stop = {.type = PB_CMD_STOP};
    for (unsigned i = 0; i < n; i++)
        if (queue_push(&run, &stop) != 0)
            goto out;
    for (unsigned i = 0; i < n; i++)
        if (queue_finish(&run, i, w->ntasks) != 0)
            goto out;
    s->cpu_s = run.sv.cpu_s;
    rc = 0;
out:
    if (sv_up)
        pb_super_free(&run.sv);   /* kills and reaps first: no worker still holds the lock */
    close_fd(&run.job.task_rd);
    close_fd(&run.job.task_wr);
    close_fd(&run.job.res_rd);
    close_fd(&run.job.res_wr);
    if (run.job.ctl) {
        pthread_mutex_destroy(&run.job.ctl->wlock);
        munmap(run.job.ctl, sizeof(struct queue_ctl) + n * sizeof run.job.ctl->slot[0]);
    }
    free(run.pending);
    free(run.cursor);
    return rc;
}

const struct pb_mode pb_mode_queue = {
    .name = "queue",
    .worker = PB_WORKER_PROCESS,
    .output = PB_OUTPUT_COPIED,
    .runtime = PB_RUNTIME_C,
    .style = {"#8c564b", 3, 1},
    .summary = "pre-forked processes (like multiprocessing.JoinableQueue) take chunk descriptors "
               "from one shared pipe and put outputs on one shared pipe, copied into place",
    .execute = queue_execute,
};
