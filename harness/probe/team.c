/* Threads that take samples together: a team of pinned threads in lock step,
 * for the probes that load several cores at once (stream, clock), and a duo
 * of two pinned threads taking turns (futex, c2c). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb.h"
#include "probe.h"

struct team {
    const struct pb_probe_ctx *c;
    const struct pb_probe_team *t;
    struct pb_placement *pl;
    pthread_barrier_t start, end;
    pthread_mutex_t gate_mu;     /* the gate: threads wait until every thread exists */
    pthread_cond_t gate_cv;
    int gate;                    /* 0 wait, 1 go, -1 leave (a thread could not start) */
    struct member *ms;
    _Atomic int stop;
    _Atomic int bind_failed;
    char bind_err[PB_ERRLEN];    /* the first thread's binding error */
};

/* One per thread, a cache line each: when its last step began and ended. */
struct member {
    _Alignas(64) struct team *tm;
    unsigned w;
    double t0, t1;
};

static void *member_main(void *arg)
{
    struct member *m = arg;
    struct team *tm = m->tm;
    char err[PB_ERRLEN];
    pthread_mutex_lock(&tm->gate_mu);
    while (tm->gate == 0)
        pthread_cond_wait(&tm->gate_cv, &tm->gate_mu);
    int go = tm->gate;
    pthread_mutex_unlock(&tm->gate_mu);
    if (go < 0)
        return NULL;
    /* A failed binding is reported afterwards; the thread still takes part,
     * since the barriers count it. */
    if (pb_placement_bind_thread(tm->pl, m->w, err, sizeof err) != 0 &&
        atomic_exchange(&tm->bind_failed, 1) == 0)
        snprintf(tm->bind_err, sizeof tm->bind_err, "%s", err);
    if (tm->t->setup)
        tm->t->setup(tm->t->arg, m->w);
    pthread_barrier_wait(&tm->end);
    for (;;) {
        pthread_barrier_wait(&tm->start);
        if (atomic_load(&tm->stop))
            return NULL;
        m->t0 = pb_now();
        tm->t->step(tm->t->arg, m->w);
        m->t1 = pb_now();
        pthread_barrier_wait(&tm->end);
    }
}

/* The sample spans the first thread's start to the last thread's end, as the
 * threads saw them: this thread may be woken late from a barrier, and its
 * own clock would then miss part of the work. */
static int team_sample(void *arg, double *x, char *err, size_t errlen)
{
    struct team *tm = arg;
    (void)err;
    (void)errlen;
    pthread_barrier_wait(&tm->start);
    pthread_barrier_wait(&tm->end);
    double t0 = tm->ms[0].t0, t1 = tm->ms[0].t1;
    for (unsigned w = 1; w < tm->t->threads; w++) {
        if (tm->ms[w].t0 < t0)
            t0 = tm->ms[w].t0;
        if (tm->ms[w].t1 > t1)
            t1 = tm->ms[w].t1;
    }
    *x = tm->t->value(tm->t->arg, t1 - t0);
    return 0;
}

int pb_probe_team_run(const struct pb_probe_ctx *c, const struct pb_probe_team *t,
                      struct pb_placement *pl, double *xs, size_t *nx, char *err, size_t errlen)
{
    struct team tm = {.c = c, .t = t, .pl = pl};
    /* aligned_alloc: calloc's 16-byte alignment would break the _Alignas(64). */
    struct member *ms = aligned_alloc(64, t->threads * sizeof *ms);
    pthread_t *th = calloc(t->threads, sizeof *th);
    *nx = 0;
    if (!ms || !th) {
        free(ms);
        free(th);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memset(ms, 0, t->threads * sizeof *ms);
    tm.ms = ms;
    pthread_mutex_init(&tm.gate_mu, NULL);
    pthread_cond_init(&tm.gate_cv, NULL);
    pthread_barrier_init(&tm.start, NULL, t->threads + 1);
    pthread_barrier_init(&tm.end, NULL, t->threads + 1);
    atomic_init(&tm.stop, 0);
    atomic_init(&tm.bind_failed, 0);
    int rc = -1;
    unsigned started = 0;
    for (; started < t->threads; started++) {
        ms[started].tm = &tm;
        ms[started].w = started;
        int e = pthread_create(&th[started], NULL, member_main, &ms[started]);
        if (e != 0) {
            char eb[128];
            snprintf(err, errlen, "pthread_create: %s", pb_strerror(e, eb, sizeof eb));
            break;
        }
    }
    /* The barriers count every thread: without all of them nothing could
     * move, so the ones started leave at the gate. */
    pthread_mutex_lock(&tm.gate_mu);
    tm.gate = started < t->threads ? -1 : 1;
    pthread_cond_broadcast(&tm.gate_cv);
    pthread_mutex_unlock(&tm.gate_mu);
    if (started == t->threads) {
        pthread_barrier_wait(&tm.end);   /* every thread bound and set up */
        rc = pb_probe_sample(c, team_sample, &tm, xs, nx, err, errlen);
        atomic_store(&tm.stop, 1);
        pthread_barrier_wait(&tm.start);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (rc == 0 && atomic_load(&tm.bind_failed)) {
        snprintf(err, errlen, "%s", tm.bind_err);
        rc = -1;
    }
    pthread_barrier_destroy(&tm.start);
    pthread_barrier_destroy(&tm.end);
    pthread_cond_destroy(&tm.gate_cv);
    pthread_mutex_destroy(&tm.gate_mu);
    free(ms);
    free(th);
    return rc;
}

void pb_probe_team_setup(const struct pb_probe_ctx *c, const struct pb_placement *pl,
                         unsigned threads, cJSON *setup)
{
    char where[8192] = "", one[256];
    for (unsigned w = 0; w < threads && pb_placement_binds(pl); w++) {
        pb_placement_cpuset_text(pl, w, one, sizeof one);
        size_t used = strlen(where);
        snprintf(where + used, sizeof where - used, "%s%s", w ? " " : "", one);
    }
    cJSON_AddStringToObject(setup, "cpusets", where);
    cJSON_AddBoolToObject(setup, "pinned", c->pinned);
}

/* ---- the duo ---------------------------------------------------------------- */

struct duo {
    const struct pb_probe_ctx *c;
    const struct pb_probe_duo *d;
    double *xs;
    size_t n;
    int rc;
    char err[PB_ERRLEN];
    char respond_err[PB_ERRLEN];   /* the responder's pinning error */
};

static void *duo_respond(void *arg)
{
    struct duo *u = arg;
    pb_probe_pin(u->c, u->d->b, false, u->respond_err, sizeof u->respond_err);
    u->d->respond(u->d->arg);
    return NULL;
}

/* On the thread pinned to cpus[a]. */
static void *duo_sample(void *arg)
{
    struct duo *u = arg;
    pthread_t th;
    int e = pthread_create(&th, NULL, duo_respond, u);
    if (e != 0) {
        char eb[128];
        snprintf(u->err, sizeof u->err, "pthread_create: %s", pb_strerror(e, eb, sizeof eb));
        u->rc = -1;
        return NULL;
    }
    u->rc = pb_probe_sample(u->c, u->d->sample, u->d->arg, u->xs, &u->n, u->err, sizeof u->err);
    u->d->stop(u->d->arg);
    pthread_join(th, NULL);
    if (u->rc == 0 && u->respond_err[0]) {
        snprintf(u->err, sizeof u->err, "%s", u->respond_err);
        u->rc = -1;
    }
    return NULL;
}

int pb_probe_duo_run(const struct pb_probe_ctx *c, const struct pb_probe_duo *d, double *xs,
                     size_t *nx, char *err, size_t errlen)
{
    struct duo u = {.c = c, .d = d, .xs = xs};
    *nx = 0;
    if (pb_probe_on_cpu(c, d->a, duo_sample, &u, err, errlen) != 0)
        return -1;
    if (u.rc != 0) {
        snprintf(err, errlen, "%s", u.err);
        return -1;
    }
    *nx = u.n;
    return 0;
}
