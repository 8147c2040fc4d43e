/* Task distribution shared by every mode. */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/resource.h>

#include "pb.h"
#include "schedule.h"

void pb_dispenser_init(struct pb_dispenser *d, size_t ntasks, const struct pb_plan *plan)
{
    atomic_init(&d->next, 0);
    d->ntasks = ntasks;
    d->workers = plan->workers ? plan->workers : 1;
    d->schedule = plan->schedule;
    d->chunk = plan->chunk;
    if (d->chunk == 0 && d->schedule != PB_SCHED_STATIC)
        d->chunk = 1;   /* like OpenMP: dynamic and guided default to chunks of one */
}

size_t pb_dispenser_max_chunk(const struct pb_dispenser *d)
{
    size_t n = d->ntasks, w = d->workers;
    size_t most = d->chunk;
    if (d->schedule == PB_SCHED_STATIC && d->chunk == 0)
        most = (n + w - 1) / w;
    else if (d->schedule == PB_SCHED_GUIDED && (n + w - 1) / w > most)
        most = (n + w - 1) / w;
    return most < n ? most : n;
}

/* Guided, as libgomp does it: a chunk is the remaining work split across the
 * workers, never below the chunk size; claimed with compare-and-swap. */
static bool dispense_guided(struct pb_dispenser *d, struct pb_range *r)
{
    size_t start = atomic_load_explicit(&d->next, memory_order_relaxed);
    for (;;) {
        if (start >= d->ntasks)
            return false;
        size_t left = d->ntasks - start;
        size_t q = (left + d->workers - 1) / d->workers;
        if (q < d->chunk)
            q = d->chunk;
        if (q > left)
            q = left;
        if (atomic_compare_exchange_weak_explicit(&d->next, &start, start + q,
                                                  memory_order_relaxed, memory_order_relaxed)) {
            r->begin = start;
            r->end = start + q;
            return true;
        }
    }
}

bool pb_dispense(struct pb_dispenser *d, unsigned w, size_t *cursor, struct pb_range *r)
{
    size_t n = d->ntasks;
    switch (d->schedule) {
    case PB_SCHED_STATIC:
        if (d->chunk == 0) {
            /* One contiguous block per worker, sizes differing by at most one. */
            if (*cursor > 0 || w >= d->workers)
                return false;
            *cursor = 1;
            r->begin = n * w / d->workers;
            r->end = n * (w + 1) / d->workers;
            return r->begin < r->end;
        } else {
            /* Round-robin chunks: worker w takes chunks w, w+W, w+2W, ... */
            size_t c = w + *cursor * d->workers;
            if (c >= (n + d->chunk - 1) / d->chunk)
                return false;
            (*cursor)++;
            r->begin = c * d->chunk;
            r->end = r->begin + d->chunk < n ? r->begin + d->chunk : n;
            return true;
        }
    case PB_SCHED_DYNAMIC: {
        size_t start = atomic_fetch_add_explicit(&d->next, d->chunk, memory_order_relaxed);
        if (start >= n)
            return false;
        r->begin = start;
        r->end = start + d->chunk < n ? start + d->chunk : n;
        return true;
    }
    case PB_SCHED_GUIDED:
        return dispense_guided(d, r);
    }
    return false;
}

void pb_run_range(const struct pb_kernel *k, const struct pb_workload *w, struct pb_range r,
                  unsigned char *out, struct pb_worker_stat *ws)
{
    double t0 = pb_now();
    for (size_t t = r.begin; t < r.end; t++)
        k->run(w, t, out + t * w->out_size);
    ws->busy_s += pb_now() - t0;
    ws->tasks += r.end - r.begin;
    ws->chunks++;
}

/* Between mark_start and mark_end the counters hold the negated reading at
 * the start, so mark_end's addition leaves the difference. */
void pb_worker_mark_start(struct pb_worker_stat *ws)
{
    ws->cpu_start = sched_getcpu();
    struct rusage ru;
    ws->cnt = (struct pb_counters){0};
    if (getrusage(RUSAGE_THREAD, &ru) == 0)
        ws->cnt = (struct pb_counters){.minflt = -ru.ru_minflt, .majflt = -ru.ru_majflt,
                                       .nvcsw = -ru.ru_nvcsw, .nivcsw = -ru.ru_nivcsw,
                                       .counted = true};
}

void pb_worker_mark_end(struct pb_worker_stat *ws)
{
    ws->cpu_end = sched_getcpu();
    if (ws->cpu_end != ws->cpu_start)
        ws->migrated = 1;
    struct rusage ru;
    if (ws->cnt.counted && getrusage(RUSAGE_THREAD, &ru) == 0) {
        ws->cnt.minflt += ru.ru_minflt;
        ws->cnt.majflt += ru.ru_majflt;
        ws->cnt.nvcsw += ru.ru_nvcsw;
        ws->cnt.nivcsw += ru.ru_nivcsw;
    } else {
        ws->cnt = (struct pb_counters){0};
    }
}
