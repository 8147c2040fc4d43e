/* spawn: a fresh fork() per chunk, at most `workers` children alive, like
 * starting a multiprocessing.Process per job and joining it.  Each child binds
 * itself to its slot's cpuset, computes its chunk into private memory, sends
 * it through its own pipe and exits; the parent checks and copies the bytes,
 * reaps the child and forks the next.  Process creation is what it shows. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb.h"
#include "memplace.h"
#include "placement.h"
#include "schedule.h"
#include "supervise.h"

struct spawn_job {
    const struct pb_kernel *k;
    const struct pb_workload *w;
    const struct pb_plan *plan;
    struct pb_range r;          /* the chunk of the child forked next */
};

static int spawn_child(void *arg, unsigned slot, int cmd_fd, int res_fd)
{
    (void)cmd_fd;
    const struct spawn_job *job = arg;
    const struct pb_workload *w = job->w;
    struct pb_worker_stat ws;
    if (pb_child_start(job->plan->placement, slot, res_fd, false, &ws) != 0)
        return 1;
    size_t bytes = (job->r.end - job->r.begin) * w->out_size;
    unsigned char *buf = pb_child_msg_buffer(bytes, slot, res_fd);
    if (!buf)
        return 1;
    pb_child_run_range(job->k, w, job->r, slot, buf + sizeof(struct pb_msg), &ws);
    /* one move_pages(2) over the chunk just written: spawn's timed region holds
     * everything a child does, and this is a small part of its fork and exit */
    pb_mem_note_buffer(job->plan, buf + sizeof(struct pb_msg), bytes, &ws);
    pb_worker_mark_end(&ws);
    struct pb_msg m = {.type = PB_MSG_CHUNK, .worker = slot, .begin = job->r.begin,
                       .end = job->r.end, .bytes = bytes};
    memcpy(buf, &m, sizeof m);
    struct pb_msg done = {.type = PB_MSG_DONE, .worker = slot, .bytes = sizeof ws};
    if (pb_io_write_all(res_fd, buf, sizeof m + bytes) != 0 ||
        pb_io_write_all(res_fd, &done, sizeof done) != 0 ||
        pb_io_write_all(res_fd, &ws, sizeof ws) != 0)
        return 1;
    return 0;
}

/* The child in `slot` has something to say: its chunk (checked against the
 * range it was forked for, copied into place), its statistics, its exit. */
static int spawn_collect(struct pb_super *sv, unsigned slot, struct pb_range r,
                         const struct pb_workload *w, unsigned char *out, struct pb_worker_stat *ws)
{
    struct pb_msg m;
    if (pb_super_recv(sv, slot, &m) != 0)
        return -1;
    size_t bytes = (r.end - r.begin) * w->out_size;
    if (m.type != PB_MSG_CHUNK || m.begin != r.begin || m.end != r.end || m.bytes != bytes)
        return pb_super_fail(sv, "worker %u sent a message (type %u, tasks [%llu, %llu), %llu "
                             "bytes) that is not its chunk [%zu, %zu) of %zu bytes", slot,
                             (unsigned)m.type, (unsigned long long)m.begin,
                             (unsigned long long)m.end, (unsigned long long)m.bytes, r.begin,
                             r.end, bytes);
    if (pb_super_read(sv, slot, out + r.begin * w->out_size, bytes) != 0)
        return -1;
    struct pb_worker_stat got;
    if (pb_super_recv(sv, slot, &m) != 0)
        return -1;
    if (m.type != PB_MSG_DONE || m.bytes != sizeof got)
        return pb_super_fail(sv, "worker %u sent an unexpected message (type %u) instead of "
                             "its statistics", slot, (unsigned)m.type);
    if (pb_super_read(sv, slot, &got, sizeof got) != 0)
        return -1;
    if (!pb_worker_stat_sane(&got, w->ntasks) || got.tasks != r.end - r.begin || got.chunks != 1)
        return pb_super_fail(sv, "worker %u reported %zu tasks in %zu chunks for a chunk of %zu",
                             slot, got.tasks, got.chunks, r.end - r.begin);
    if (pb_super_reap(sv, slot) != 0)
        return -1;
    if (ws->chunks == 0)
        ws->cpu_start = got.cpu_start;
    ws->cpu_end = got.cpu_end;
    ws->migrated |= got.migrated || (ws->chunks > 0 && got.cpu_start != ws->cpu_end);
    ws->busy_s += got.busy_s;
    ws->tasks += got.tasks;
    /* the slot's memory: one node while every child's buffer was on it */
    if (got.mem_known) {
        ws->mem_node = !ws->mem_known || ws->mem_node == got.mem_node ? got.mem_node : -1;
        ws->mem_known = 1;
    }
    /* The slot's counters: the sum over the children it forked, counted when all were. */
    struct pb_counters *c = &ws->cnt;
    if (ws->chunks == 0)
        *c = got.cnt;
    else if (c->counted && got.cnt.counted)
        *c = (struct pb_counters){.minflt = c->minflt + got.cnt.minflt,
                                  .majflt = c->majflt + got.cnt.majflt,
                                  .nvcsw = c->nvcsw + got.cnt.nvcsw,
                                  .nivcsw = c->nivcsw + got.cnt.nivcsw, .counted = true};
    else
        c->counted = false;
    ws->chunks++;
    return 0;
}

static int spawn_execute(const struct pb_kernel *k, const struct pb_workload *w,
                         const struct pb_plan *plan, void *out, struct pb_sample *s, char *err,
                         size_t errlen)
{
    unsigned n = plan->workers;
    struct pb_super sv;
    struct spawn_job job = {.k = k, .w = w, .plan = plan};
    struct pb_dispenser disp;
    size_t *cursor = calloc(n, sizeof *cursor);
    struct pb_range *range = calloc(n, sizeof *range);
    bool *drained = calloc(n, sizeof *drained);   /* the slot has no work left */
    if (!cursor || !range || !drained) {
        free(cursor);
        free(range);
        free(drained);
        snprintf(err, errlen, "spawn: out of memory for %u workers", n);
        return -1;
    }
    int rc = -1;
    if (pb_super_init(&sv, "spawn", n, plan->timeout_s, err, errlen) != 0)
        goto out;
    /* Without --chunk, dynamic chunks follow multiprocessing.Pool.map's default chunksize,
     * ceil(tasks / (4 x workers)): a fork per task would measure little but fork(). */
    struct pb_plan chunked = *plan;
    if (chunked.chunk == 0 && chunked.schedule == PB_SCHED_DYNAMIC)
        chunked.chunk = (w->ntasks + 4 * (size_t)n - 1) / (4 * (size_t)n);
    pb_dispenser_init(&disp, w->ntasks, &chunked);
    double t0 = pb_now();
    s->startup_s = 0;
    for (;;) {
        unsigned alive = 0;
        for (unsigned i = 0; i < n; i++) {
            if (sv.child[i].pid == 0 && !drained[i]) {
                if (!pb_dispense(&disp, i, &cursor[i], &job.r)) {
                    drained[i] = true;
                    continue;
                }
                range[i] = job.r;
                if (pb_super_fork(&sv, i, i, false, spawn_child, &job) != 0)
                    goto out;
                sv.child[i].busy = true;
            }
            alive += sv.child[i].pid != 0;
        }
        if (alive == 0)
            break;
        unsigned i;
        if (pb_super_wait(&sv, &i) != 0 ||
            spawn_collect(&sv, i, range[i], w, out, &s->workers[i]) != 0)
            goto out;
    }
    s->wall_s = pb_now() - t0;
    s->cpu_s = sv.cpu_s;
    rc = 0;
out:
    pb_super_free(&sv);
    free(cursor);
    free(range);
    free(drained);
    return rc;
}

/* The page-table entries one fork of the harness copies, counted from
 * /proc/self/smaps_rollup: fork copies the entries of private anonymous memory
 * (every prepared input, of every kernel in the sweep), one per 4 KiB page and
 * one per 2 MiB transparent huge page, and skips shared mappings (the output
 * arrays), which children fault in again.  So this is the part of spawn's
 * per-chunk cost that depends on what else was prepared (issue 17), as a
 * count; VmPTE would not show it (a copied huge page still reserves a page
 * table for a later split).  -1 when it cannot be read. */
static long fork_ptes(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "re");
    if (!f)
        return -1;
    long anon_kb = -1, huge_kb = -1, v;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "Anonymous: %ld kB", &v) == 1)
            anon_kb = v;
        else if (sscanf(line, "AnonHugePages: %ld kB", &v) == 1)
            huge_kb = v;
    }
    fclose(f);
    if (anon_kb < 0 || huge_kb < 0 || huge_kb > anon_kb)
        return -1;
    return (anon_kb - huge_kb) / 4 + huge_kb / 2048;
}

static void spawn_facts(void *state, const struct pb_plan *plan, struct pb_facts *out)
{
    (void)state;
    (void)plan;
    long n = fork_ptes();
    if (n >= 0)
        pb_facts_add(out, "fork_ptes", "%ld", n);
}

const struct pb_mode pb_mode_spawn = {
    .name = "spawn",
    .worker_per_chunk = true,
    .worker = PB_WORKER_PROCESS,
    .output = PB_OUTPUT_COPIED,
    .runtime = PB_RUNTIME_C,
    .style = {"#ff7f0e", 4, 1},
    .summary = "a fresh fork() per chunk, at most one per worker (like a Process per job); "
               "outputs come back through a pipe per child",
    .facts = spawn_facts,
    .execute = spawn_execute,
};
