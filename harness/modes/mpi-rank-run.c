/* parbench-mpi-rank: one RUN of the tasks under each schedule (see the top of
 * mpi-rank.c for how the schedules map onto MPI). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mode.h"
#include "mpi-rank.h"
#include "pb.h"
#include "schedule.h"
#include "supervise.h"

#define POISON 0xA5              /* measure.c's pattern */
enum { TAG_ASSIGN = 1, TAG_DATA = 2 };

/* MPI counts are in tasks of type tt; tasks that write nothing send nothing. */
static int units(const struct rank *R, size_t tasks)
{
    return R->w.out_size ? (int)tasks : 0;
}

static double process_cpu(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Make sure buf[0..nslots) hold `bytes` each, poisoned (outside the timed
 * region) so a task that was never run cannot pass on a stale output.  The
 * harness's pattern: bytes a kernel leaves unwritten (a short last band) then
 * come out as in every other mode, and so do the checksums. */
static void buffers(struct rank *R, size_t bytes, int nslots)
{
    if (bytes > R->bufcap) {
        for (int i = 0; i < DEPTH; i++) {
            free(R->buf[i]);
            R->buf[i] = NULL;
        }
        R->bufcap = bytes;
    }
    for (int i = 0; i < nslots; i++) {
        if (!R->buf[i] && !(R->buf[i] = malloc(R->bufcap ? R->bufcap : 1)))
            pb_rank_die(R, "out of memory for %zu bytes of output", R->bufcap);
        memset(R->buf[i], POISON, bytes);
    }
}

/* Tasks [r.begin, r.end) into dst (task t at (t - r.begin) * out_size),
 * with the injected fault consulted first, and their time counted. */
static void run_range(struct rank *R, struct pb_range r, unsigned char *dst,
                      struct pb_mpi_rankstat *st)
{
    double t0 = pb_now();
    for (size_t t = r.begin; t < r.end; t++) {
        if (R->fault.kind != PB_FAULT_NONE)
            pb_fault_maybe(&R->fault, (unsigned)R->rank, t);
        R->k->run(&R->w, t, dst + (t - r.begin) * R->w.out_size);
    }
    st->busy_s += pb_now() - t0;
    st->tasks += r.end - r.begin;
    st->chunks++;
}

/* static: blocks, or chunks dealt round-robin, then MPI_Gatherv to rank 0. */
static void run_static(struct rank *R, const struct pb_plan *plan, struct pb_mpi_rankstat *st,
                       double *t0)
{
    size_t n = R->w.ntasks, os = R->w.out_size;
    int W = R->size;
    struct pb_dispenser d;
    pb_dispenser_init(&d, n, plan);
    int *counts = calloc((size_t)W, sizeof *counts), *displs = calloc((size_t)W, sizeof *displs);
    if (!counts || !displs)
        pb_rank_die(R, "out of memory");
    /* Tasks per rank: every rank works this out the same way. */
    for (int q = 0; q < W; q++) {
        struct pb_dispenser dq;
        pb_dispenser_init(&dq, n, plan);
        size_t cur = 0, tasks = 0;
        struct pb_range r;
        while (pb_dispense(&dq, (unsigned)q, &cur, &r))
            tasks += r.end - r.begin;
        counts[q] = (int)tasks;
    }
    bool blocks = d.chunk == 0;
    size_t mine = (size_t)counts[R->rank];
    if (R->rank == 0)
        buffers(R, blocks ? 0 : (n - mine) * os, 1);   /* staging for the others' chunks */
    else
        buffers(R, mine * os, 1);
    MPI_Barrier(MPI_COMM_WORLD);
    *t0 = pb_now();
    st->cpu_start = sched_getcpu();

    size_t cur = 0, packed = 0;
    struct pb_range r;
    while (pb_dispense(&d, (unsigned)R->rank, &cur, &r)) {
        unsigned char *dst = R->rank == 0 ? R->out + r.begin * os : R->buf[0] + packed * os;
        run_range(R, r, dst, st);
        packed += r.end - r.begin;
    }
    if (R->rank != 0) {
        MPI_Gatherv(R->buf[0], units(R, mine), R->tt, NULL, NULL, NULL, R->tt, 0, MPI_COMM_WORLD);
    } else if (blocks) {
        for (int q = 0, at = 0; q < W; q++) {
            displs[q] = at;
            at += counts[q];
            counts[q] = units(R, (size_t)counts[q]);
        }
        MPI_Gatherv(MPI_IN_PLACE, 0, R->tt, R->out, counts, displs, R->tt, 0, MPI_COMM_WORLD);
    } else {
        counts[0] = 0;   /* rank 0's chunks were computed in place */
        for (int q = 0, at = 0; q < W; q++) {
            displs[q] = at;
            at += counts[q];
            counts[q] = units(R, (size_t)counts[q]);
        }
        MPI_Gatherv(MPI_IN_PLACE, 0, R->tt, R->buf[0], counts, displs, R->tt, 0, MPI_COMM_WORLD);
        /* Unpack: rank q's chunks arrived one after another, in its dealing order. */
        const unsigned char *src = R->buf[0];
        for (int q = 1; q < W; q++) {
            struct pb_dispenser dq;
            pb_dispenser_init(&dq, n, plan);
            size_t c = 0;
            while (pb_dispense(&dq, (unsigned)q, &c, &r)) {
                size_t bytes = (r.end - r.begin) * os;
                memcpy(R->out + r.begin * os, src, bytes);
                src += bytes;
            }
        }
    }
    free(counts);
    free(displs);
}

/* Rank 0's view of one worker rank under dynamic / guided. */
struct worker {
    struct pb_range q[DEPTH];    /* chunks sent, oldest first */
    unsigned n;
    bool active;                 /* not yet told to stop */
};

struct master {
    struct rank *R;
    struct pb_dispenser d;
    struct worker *wk;           /* size entries; [0] unused */
    MPI_Request *req;            /* size - 1: the data of each worker's oldest chunk */
    int *idx;
    int nactive;
    unsigned depth;
};

/* Keep worker i supplied: `depth` chunks while plenty of work is left, one
 * near the end so the tail stays balanced (as forkpool does). */
static void master_fill(struct master *m, int i)
{
    struct worker *wk = &m->wk[i];
    while (wk->n < m->depth) {
        if (wk->n > 0) {
            size_t next = atomic_load_explicit(&m->d.next, memory_order_relaxed);
            size_t left = next < m->d.ntasks ? m->d.ntasks - next : 0;
            if (left < (size_t)m->d.workers * m->d.chunk * m->depth)
                break;
        }
        size_t cur = 0;
        struct pb_range r;
        if (!pb_dispense(&m->d, (unsigned)i, &cur, &r))
            break;
        uint64_t msg[2] = {r.begin, r.end};
        MPI_Send(msg, 2, MPI_UINT64_T, i, TAG_ASSIGN, MPI_COMM_WORLD);
        wk->q[wk->n++] = r;
    }
}

/* Expect the data of worker i's oldest chunk straight into place, or tell it to stop. */
static void master_post(struct master *m, int i)
{
    struct worker *wk = &m->wk[i];
    struct rank *R = m->R;
    if (wk->n == 0) {
        uint64_t stop[2] = {0, 0};
        MPI_Send(stop, 2, MPI_UINT64_T, i, TAG_ASSIGN, MPI_COMM_WORLD);
        wk->active = false;
        m->req[i - 1] = MPI_REQUEST_NULL;
        m->nactive--;
        return;
    }
    struct pb_range r = wk->q[0];
    MPI_Irecv(R->out + r.begin * R->w.out_size, units(R, r.end - r.begin), R->tt, i, TAG_DATA,
              MPI_COMM_WORLD, &m->req[i - 1]);
}

/* Worker chunks m->idx[0..count) have arrived: refill those workers. */
static void master_answer(struct master *m, int count)
{
    for (int j = 0; j < count; j++) {
        int i = m->idx[j] + 1;
        struct worker *wk = &m->wk[i];
        memmove(&wk->q[0], &wk->q[1], (DEPTH - 1) * sizeof wk->q[0]);
        wk->n--;
        master_fill(m, i);
        master_post(m, i);
    }
}

/* Answer every worker whose chunk has arrived (waiting for one when `block`),
 * and again while more arrive: a worker may have finished several chunks
 * during one of rank 0's tasks, and must get as many new ones now. */
static void master_serve(struct master *m, bool block)
{
    for (int count = 1; count > 0 && m->nactive > 0; block = false) {
        count = 0;
        if (block)
            MPI_Waitsome(m->R->size - 1, m->req, &count, m->idx, MPI_STATUSES_IGNORE);
        else
            MPI_Testsome(m->R->size - 1, m->req, &count, m->idx, MPI_STATUSES_IGNORE);
        if (count == MPI_UNDEFINED)
            break;
        master_answer(m, count);
    }
}

static void run_master(struct rank *R, const struct pb_plan *plan, struct pb_mpi_rankstat *st,
                       double *t0)
{
    int W = R->size;
    struct master m = {.R = R, .depth = plan->schedule == PB_SCHED_DYNAMIC ? DEPTH : 1,
                       .nactive = W - 1};
    pb_dispenser_init(&m.d, R->w.ntasks, plan);
    m.wk = calloc((size_t)W, sizeof *m.wk);
    m.req = calloc((size_t)W, sizeof *m.req);
    m.idx = calloc((size_t)W, sizeof *m.idx);
    if (!m.wk || !m.req || !m.idx)
        pb_rank_die(R, "out of memory");
    MPI_Barrier(MPI_COMM_WORLD);
    *t0 = pb_now();
    st->cpu_start = sched_getcpu();
    for (int i = 1; i < W; i++) {
        m.wk[i].active = true;
        master_fill(&m, i);
    }
    for (int i = 1; i < W; i++)
        master_post(&m, i);
    size_t cur = 0, os = R->w.out_size;
    struct pb_range r;
    while (pb_dispense(&m.d, 0, &cur, &r)) {
        /* Task by task, answering the workers in between. */
        for (size_t t = r.begin; t < r.end; t++) {
            double a = pb_now();
            if (R->fault.kind != PB_FAULT_NONE)
                pb_fault_maybe(&R->fault, 0, t);
            R->k->run(&R->w, t, R->out + t * os);
            st->busy_s += pb_now() - a;
            master_serve(&m, false);
        }
        st->tasks += r.end - r.begin;
        st->chunks++;
    }
    while (m.nactive > 0)
        master_serve(&m, true);
    free(m.wk);
    free(m.req);
    free(m.idx);
}

static void run_worker(struct rank *R, const struct pb_plan *plan, struct pb_mpi_rankstat *st)
{
    size_t n = R->w.ntasks;
    size_t chunk = plan->chunk ? plan->chunk : 1;
    size_t most = plan->schedule == PB_SCHED_GUIDED ? (n + (size_t)R->size - 1) / (size_t)R->size
                                                    : 0;
    if (most < chunk)
        most = chunk;
    if (most > n)
        most = n;
    /* A buffer per chunk held, so each is computed while earlier ones are in flight. */
    int nslots = plan->schedule == PB_SCHED_DYNAMIC ? DEPTH : 2;
    buffers(R, most * R->w.out_size, nslots);
    MPI_Barrier(MPI_COMM_WORLD);
    st->cpu_start = sched_getcpu();
    MPI_Request sreq[DEPTH];
    for (int i = 0; i < DEPTH; i++)
        sreq[i] = MPI_REQUEST_NULL;
    int slot = 0;
    for (;;) {
        uint64_t msg[2];
        MPI_Recv(msg, 2, MPI_UINT64_T, 0, TAG_ASSIGN, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (msg[0] >= msg[1])
            break;
        if (msg[1] > n || msg[1] - msg[0] > most)
            pb_rank_die(R, "rank 0 assigned tasks [%llu, %llu) of %zu", (unsigned long long)msg[0],
                (unsigned long long)msg[1], n);
        struct pb_range r = {(size_t)msg[0], (size_t)msg[1]};
        MPI_Wait(&sreq[slot], MPI_STATUS_IGNORE);
        /* Poisoned again: a kernel that leaves bytes of its slice unwritten (blur's
         * short last band) must not ship an earlier chunk's bytes in them. */
        memset(R->buf[slot], POISON, (r.end - r.begin) * R->w.out_size);
        run_range(R, r, R->buf[slot], st);
        MPI_Isend(R->buf[slot], units(R, r.end - r.begin), R->tt, 0, TAG_DATA, MPI_COMM_WORLD,
                  &sreq[slot]);
        slot = (slot + 1) % nslots;
    }
    MPI_Waitall(DEPTH, sreq, MPI_STATUSES_IGNORE);
}

/* One RUN: every rank takes part; rank 0 sends the result to the harness. */
void pb_rank_run_once(struct rank *R, const struct pb_mpi_cmd *c)
{
    struct pb_plan plan = {.workers = (unsigned)R->size, .chunk = (size_t)c->chunk,
                           .schedule = (enum pb_schedule)c->schedule};
    if (c->schedule > PB_SCHED_GUIDED)
        pb_rank_die(R, "unknown schedule %u", (unsigned)c->schedule);
    struct pb_mpi_rankstat st = {.cpu_start = -1, .cpu_end = -1};
    size_t bytes = R->w.ntasks * R->w.out_size;
    if (R->rank == 0)
        memset(R->out, POISON, bytes);   /* as the harness does: stale bytes never pass */
    double t0 = 0, cpu0 = process_cpu();
    if (plan.schedule == PB_SCHED_STATIC)
        run_static(R, &plan, &st, &t0);
    else if (R->rank == 0)
        run_master(R, &plan, &st, &t0);
    else
        run_worker(R, &plan, &st);
    double wall = pb_now() - t0;
    st.cpu_end = sched_getcpu();
    st.cpu_s = process_cpu() - cpu0;

    struct pb_mpi_rankstat *all = NULL;
    if (R->rank == 0 && !(all = calloc((size_t)R->size, sizeof *all)))
        pb_rank_die(R, "out of memory");
    MPI_Gather(&st, sizeof st, MPI_BYTE, all, sizeof st, MPI_BYTE, 0, MPI_COMM_WORLD);
    if (R->rank == 0) {
        struct pb_mpi_result res = {.magic = PB_MPI_MAGIC, .seq = c->seq, .wall_s = wall,
                                    .bytes = bytes};
        if (pb_io_write_all(R->sock, &res, sizeof res) != 0 ||
            pb_io_write_all(R->sock, all, (size_t)R->size * sizeof *all) != 0 ||
            pb_io_write_all(R->sock, R->out, bytes) != 0)
            pb_rank_die(R, "sending the result to the harness: %s", strerror(errno));
        free(all);
    }
}
