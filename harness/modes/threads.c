/* threads: POSIX threads created for each run, each bound to its cpuset,
 * taking static blocks or dynamic chunks from an atomic counter and writing
 * outputs in place.  The C counterpart of Python's threading without a GIL. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "pb.h"
#include "memplace.h"
#include "placement.h"
#include "schedule.h"

/* Start line and finish line.  A condition variable rather than a barrier, so
 * the run can be called off when fewer threads than planned could be created. */
struct threads_gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned ready;        /* workers bound and waiting to start */
    unsigned done;         /* workers finished */
    int go;                /* 1: start, -1: call off */
};

struct threads_run {
    const struct pb_kernel *k;
    const struct pb_workload *w;
    const struct pb_plan *plan;
    unsigned char *out;
    struct pb_dispenser disp;
    struct threads_gate gate;
    struct pb_sample *s;
};

struct threads_worker {
    struct threads_run *run;
    unsigned index;
    double cpu_s;
    int failed;
    char err[PB_ERRLEN];
};

static void *threads_main(void *arg)
{
    struct threads_worker *tw = arg;
    struct threads_run *r = tw->run;
    struct threads_gate *g = &r->gate;
    /* A local copy, stored in the shared array once at the end (mode.h). */
    struct pb_worker_stat local = {.cpu_start = -1, .cpu_end = -1};
    struct pb_worker_stat *ws = &local;

    tw->failed = pb_placement_bind_thread(r->plan->placement, tw->index, tw->err, sizeof tw->err);
    pb_worker_mark_start(ws);
    pthread_mutex_lock(&g->lock);
    g->ready++;
    pthread_cond_broadcast(&g->cond);
    while (g->go == 0)
        pthread_cond_wait(&g->cond, &g->lock);
    int go = g->go;
    pthread_mutex_unlock(&g->lock);

    double c0 = pb_thread_cpu();
    struct pb_range range;
    size_t cursor = 0;
    while (go > 0 && !tw->failed && !pb_stop_signal &&
           pb_dispense(&r->disp, tw->index, &cursor, &range))
        pb_run_range(r->k, r->w, range, r->out, ws);
    tw->cpu_s = pb_thread_cpu() - c0;
    pb_worker_mark_end(ws);
    r->s->workers[tw->index] = local;   /* published to the caller by the lock below */

    pthread_mutex_lock(&g->lock);
    g->done++;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

/* Wait until `*counter` reaches `target`; the caller holds no lock. */
static void gate_wait(struct threads_gate *g, const unsigned *counter, unsigned target)
{
    pthread_mutex_lock(&g->lock);
    while (*counter < target)
        pthread_cond_wait(&g->cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
}

static void gate_open(struct threads_gate *g, int go)
{
    pthread_mutex_lock(&g->lock);
    g->go = go;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

static int threads_execute(const struct pb_kernel *k, const struct pb_workload *w,
                           const struct pb_plan *plan, void *out, struct pb_sample *s,
                           char *err, size_t errlen)
{
    unsigned n = plan->workers;
    struct threads_run r = {.k = k, .w = w, .plan = plan, .out = out, .s = s};
    struct threads_worker *tw = calloc(n, sizeof *tw);
    pthread_t *tid = calloc(n, sizeof *tid);
    if (!tw || !tid) {
        free(tw);
        free(tid);
        snprintf(err, errlen, "threads: out of memory for %u workers", n);
        return -1;
    }
    if (pb_mem_place_shares("threads", plan, w, out, err, errlen) != 0) {
        free(tw);
        free(tid);
        return -1;
    }
    pb_dispenser_init(&r.disp, w->ntasks, plan);
    pthread_mutex_init(&r.gate.lock, NULL);
    pthread_cond_init(&r.gate.cond, NULL);

    int rc = 0;
    double t_create = pb_now();
    unsigned started = 0;
    for (; started < n; started++) {
        tw[started] = (struct threads_worker){.run = &r, .index = started};
        int e = pthread_create(&tid[started], NULL, threads_main, &tw[started]);
        if (e != 0) {
            char eb[128];
            snprintf(err, errlen, "threads: pthread_create for worker %u: %s", started,
                     pb_strerror(e, eb, sizeof eb));
            rc = -1;
            break;
        }
    }
    gate_wait(&r.gate, &r.gate.ready, started);
    double t0 = pb_now();
    gate_open(&r.gate, rc == 0 ? 1 : -1);
    gate_wait(&r.gate, &r.gate.done, started);
    s->wall_s = pb_now() - t0;
    s->startup_s = t0 - t_create;
    for (unsigned i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    pthread_cond_destroy(&r.gate.cond);
    pthread_mutex_destroy(&r.gate.lock);
    pb_mem_note_shares(plan, w, out, s);

    s->cpu_s = 0;
    for (unsigned i = 0; rc == 0 && i < n; i++) {
        s->cpu_s += tw[i].cpu_s;
        if (tw[i].failed) {
            snprintf(err, errlen, "threads: worker %u: %s", i, tw[i].err);
            rc = -1;
        }
    }
    if (rc == 0 && pb_stop_signal) {
        snprintf(err, errlen, "threads: interrupted");
        rc = -1;
    }
    free(tw);
    free(tid);
    return rc;
}

const struct pb_mode pb_mode_threads = {
    .name = "threads",
    .worker = PB_WORKER_THREAD,
    .shared_counter = true,
    .output = PB_OUTPUT_IN_PLACE,
    .runtime = PB_RUNTIME_C,
    .style = {"#1f77b4", 5, 1},
    .summary = "POSIX threads per run, bound to cores; static blocks or an atomic chunk counter; in place",
    .execute = threads_execute,
};
