/* Timing one configuration: warm-ups, timed repetitions, validation of every run. */
#define _DEFAULT_SOURCE   /* MAP_ANONYMOUS, syscall */
#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "measure.h"
#include "placement.h"
#include "stats.h"

void *pb_output_alloc(size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    /* Huge pages where the kernel allows them for shared memory
     * (transparent_hugepage/shmem_enabled "advise" or "within_size"): shm's
     * children, forked per run, touch every page of the output before the
     * clock starts (shm.c), and with 2 MiB pages that is 512 times fewer
     * pages.  Advice only: ignored where shmem THP is "never". */
#ifdef MADV_HUGEPAGE
    if (bytes >= (2u << 20))
        (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

void pb_output_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes ? bytes : 1);
}

uint64_t pb_checksum(const void *data, size_t len)
{
    /* FNV-1a, 64 bit: enough to show two modes produced the same bytes. */
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

int pb_outcome_init(struct pb_outcome *o, unsigned workers, size_t cap)
{
    memset(o, 0, sizeof *o);
    o->stop = PB_STOP_NONE;
    o->nworkers = workers;
    o->cap = cap;
    size_t n = cap ? cap : 1;
    o->times_s = calloc(n, sizeof *o->times_s);
    o->startup_s = calloc(n, sizeof *o->startup_s);
    o->cpu_s = calloc(n, sizeof *o->cpu_s);
    o->imbalance = calloc(n, sizeof *o->imbalance);
    bool counters_ok = true;
    for (int k = 0; k < PB_NCOUNTERS; k++)
        counters_ok = (o->counters[k] = calloc(n, sizeof *o->counters[k])) && counters_ok;
    o->last = calloc(workers ? workers : 1, sizeof *o->last);
    o->scratch = calloc(workers ? workers : 1, sizeof *o->scratch);
    o->off_plan = calloc(workers ? workers : 1, sizeof *o->off_plan);
    if (!o->times_s || !o->startup_s || !o->cpu_s || !o->imbalance || !o->last || !o->scratch ||
        !o->off_plan || !counters_ok) {
        pb_outcome_free(o);
        o->status = PB_EXIT_FAIL;
        snprintf(o->error, sizeof o->error, "out of memory for %zu runs of %u workers", cap,
                 workers);
        return -1;
    }
    for (unsigned i = 0; i < workers; i++)
        o->last[i].cpu_start = o->last[i].cpu_end = -1;
    return 0;
}

void pb_outcome_free(struct pb_outcome *o)
{
    free(o->times_s);
    free(o->startup_s);
    free(o->cpu_s);
    free(o->imbalance);
    for (int k = 0; k < PB_NCOUNTERS; k++) {
        free(o->counters[k]);
        o->counters[k] = NULL;
    }
    free(o->last);
    free(o->scratch);
    free(o->off_plan);
    o->times_s = o->startup_s = o->cpu_s = o->imbalance = NULL;
    o->last = o->scratch = NULL;
    o->off_plan = NULL;
    o->nruns = o->cap = 0;
}

static double worker_imbalance(const struct pb_worker_stat *ws, unsigned n)
{
    double max = 0, sum = 0;
    for (unsigned i = 0; i < n; i++) {
        sum += ws[i].busy_s;
        if (ws[i].busy_s > max)
            max = ws[i].busy_s;
    }
    return sum > 0 ? max / (sum / n) : 1;
}

/* Run r's counters: the sum over its workers, or -1 when one was not counted. */
static void run_counters(const struct pb_worker_stat *ws, unsigned n, struct pb_outcome *o,
                         size_t r)
{
    double sum[PB_NCOUNTERS] = {0};
    bool counted = n > 0;
    for (unsigned i = 0; i < n; i++) {
        const struct pb_counters *c = &ws[i].cnt;
        counted = counted && c->counted;
        sum[PB_CNT_MINFLT] += (double)c->minflt;
        sum[PB_CNT_MAJFLT] += (double)c->majflt;
        sum[PB_CNT_NVCSW] += (double)c->nvcsw;
        sum[PB_CNT_NIVCSW] += (double)c->nivcsw;
    }
    for (int k = 0; k < PB_NCOUNTERS; k++)
        o->counters[k][r] = counted ? sum[k] : -1;
}

double pb_counter_median(const struct pb_outcome *o, enum pb_counter which)
{
    if (o->nruns == 0 || !o->counters[which])
        return NAN;
    for (size_t r = 0; r < o->nruns; r++)
        if (o->counters[which][r] < 0)
            return NAN;
    return pb_median(o->counters[which], o->nruns);
}

const char *pb_hw_counters_why(void)
{
    static char why[160];
    if (why[0])
        return why;
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.type = PERF_TYPE_HARDWARE;
    a.size = sizeof a;
    a.config = PERF_COUNT_HW_CPU_CYCLES;
    a.disabled = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
    if (fd < 0) {
        char eb[128];
        snprintf(why, sizeof why, "perf_event_open: %s", pb_strerror(errno, eb, sizeof eb));
    } else {
        close((int)fd);
        snprintf(why, sizeof why, "available, not read by this build");
    }
    return why;
}

/* One run: poison the output, execute, validate.  Returns a PB_EXIT_* status. */
static int run_once(const struct pb_config *c, void *out, struct pb_sample *s, char *err,
                    size_t errlen)
{
    const struct pb_workload *w = c->w;
    /* Poison first, so stale bytes from an earlier run can never pass the check. */
    memset(out, 0xA5, w->ntasks * w->out_size);
    memset(s->workers, 0, s->nworkers * sizeof *s->workers);
    for (unsigned i = 0; i < s->nworkers; i++)
        s->workers[i].cpu_start = s->workers[i].cpu_end = -1;
    s->wall_s = s->startup_s = 0;
    s->cpu_s = -1;
    if (pb_stop_signal) {
        snprintf(err, errlen, "interrupted");
        return PB_EXIT_SIGINT;
    }
    if (c->mode->execute(c->kernel, w, &c->plan, out, s, err, errlen) != 0)
        return pb_stop_signal ? PB_EXIT_SIGINT : PB_EXIT_FAIL;
    char why[PB_ERRLEN - 64];   /* room for the prefix below */
    if (c->kernel->check(w, out, why, sizeof why) != 0) {
        snprintf(err, errlen, "validation failed: %s", why);
        return PB_EXIT_INVALID;
    }
    return PB_EXIT_OK;
}

int pb_measure_warmup(const struct pb_config *c, void *out, struct pb_outcome *o)
{
    struct pb_sample s = {.nworkers = o->nworkers, .workers = o->scratch};
    o->status = PB_EXIT_OK;
    for (unsigned i = 0; i < c->warmup && o->status == PB_EXIT_OK; i++)
        o->status = run_once(c, out, &s, o->error, sizeof o->error);
    return o->status;
}

int pb_measure_once(const struct pb_config *c, void *out, struct pb_outcome *o)
{
    if (o->nruns >= o->cap) {
        snprintf(o->error, sizeof o->error, "no room for another timed run (%zu)", o->cap);
        return o->status = PB_EXIT_FAIL;
    }
    unsigned nw = o->nworkers;
    struct pb_sample s = {.nworkers = nw, .workers = o->scratch};
    /* The quota's throttling counters around the run: how long its workers waited. */
    struct pb_throttle t0, t1;
    bool known = pb_throttle_read(c->quota, &t0);
    o->status = run_once(c, out, &s, o->error, sizeof o->error);
    if (o->status != PB_EXIT_OK)
        return o->status;
    known = known && pb_throttle_read(c->quota, &t1);
    o->throttle_known = (o->nruns == 0 || o->throttle_known) && known;
    if (known && t1.nr_throttled >= t0.nr_throttled) {
        o->throttled.nr_throttled += t1.nr_throttled - t0.nr_throttled;
        o->throttled.throttled_s += t1.throttled_s - t0.throttled_s;
    }
    size_t r = o->nruns++;
    o->times_s[r] = s.wall_s;
    o->startup_s[r] = s.startup_s;
    o->cpu_s[r] = s.cpu_s;
    o->imbalance[r] = worker_imbalance(s.workers, nw);
    run_counters(s.workers, nw, o, r);
    for (unsigned k = 0; k < nw; k++) {
        const struct pb_worker_stat *ws = &s.workers[k];
        if (ws->cpu_start >= 0 &&
            (!pb_placement_has_cpu(c->plan.placement, k, ws->cpu_start) ||
             !pb_placement_has_cpu(c->plan.placement, k, ws->cpu_end)))
            o->off_plan[k]++;
    }
    memcpy(o->last, s.workers, nw * sizeof *o->last);
    /* Every run is validated; one checksum per configuration is enough to compare modes. */
    if (r == 0)
        o->checksum = pb_checksum(out, c->w->ntasks * c->w->out_size);
    return o->status;
}

int pb_measure(const struct pb_config *c, void *out, struct pb_outcome *o)
{
    if (pb_outcome_init(o, c->plan.workers, c->reps) != 0)
        return o->status;
    if (pb_measure_warmup(c, out, o) != PB_EXIT_OK)
        return o->status;
    while (o->nruns < c->reps && pb_measure_once(c, out, o) == PB_EXIT_OK)
        ;
    return o->status;
}
