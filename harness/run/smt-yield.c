/* The SMT yield measurement (smt-yield.h): a team of threads bound by one of
 * the two plans runs a loop of adds for a fixed time; the figure is the adds
 * per second per core.  Samples of the two plans alternate, so a clock that
 * drifts (turbo, thermal limits) drifts under both. */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pb.h"
#include "placement-smt.h"
#include "smt-yield.h"
#include "stats.h"

const char *const pb_smt_yield_loops[] = {"dependent_adds", "independent_adds", NULL};

/* ---- the loops ------------------------------------------------------------ */

/* ADD(d, s): register operand d += operand s. */
#if defined(__x86_64__)
#define ADD(d, s) "add %" #s ", %" #d "\n\t"
#elif defined(__aarch64__)
#define ADD(d, s) "add %" #d ", %" #d ", %" #s "\n\t"
#endif

#ifdef ADD
#define HAVE_LOOPS 1
/* 16 adds per iteration, all into one register: each waits for the one
 * before (one per cycle), so the core's other units are free for a sibling.
 * The addend is a register: recent Intel cores fold chains of immediate adds
 * at rename.  Returns the adds done. */
static uint64_t dependent_adds(uint64_t iters)
{
    volatile uint64_t one_v = 1;
    uint64_t x = 0, one = one_v;
    for (uint64_t i = 0; i < iters; i++)
        __asm__ volatile(ADD(0, 1) ADD(0, 1) ADD(0, 1) ADD(0, 1) ADD(0, 1) ADD(0, 1)
                         ADD(0, 1) ADD(0, 1) ADD(0, 1) ADD(0, 1) ADD(0, 1) ADD(0, 1)
                         ADD(0, 1) ADD(0, 1) ADD(0, 1) ADD(0, 1)
                         : "+r"(x)
                         : "r"(one));
    return 16 * iters + (x & 0);
}

/* 16 adds per iteration over eight registers: eight independent chains, more
 * than the integer units of today's cores can take at once, so one thread
 * keeps them busy and a sibling finds little left. */
static uint64_t independent_adds(uint64_t iters)
{
    volatile uint64_t one_v = 1;
    uint64_t a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0, one = one_v;
    for (uint64_t i = 0; i < iters; i++)
        __asm__ volatile(ADD(0, 8) ADD(1, 8) ADD(2, 8) ADD(3, 8) ADD(4, 8) ADD(5, 8)
                         ADD(6, 8) ADD(7, 8) ADD(0, 8) ADD(1, 8) ADD(2, 8) ADD(3, 8)
                         ADD(4, 8) ADD(5, 8) ADD(6, 8) ADD(7, 8)
                         : "+r"(a), "+r"(b), "+r"(c), "+r"(d), "+r"(e), "+r"(f), "+r"(g),
                           "+r"(h)
                         : "r"(one));
    return 16 * iters + ((a ^ b ^ c ^ d ^ e ^ f ^ g ^ h) & 0);
}

static uint64_t (*const loop_fns[PB_SMT_YIELD_NLOOPS])(uint64_t) = {dependent_adds,
                                                                  independent_adds};
#else
#define HAVE_LOOPS 0
#endif

/* ---- one sample: a team on one plan ---------------------------------------- */

#define CHUNK 4096   /* iterations between looks at the stop flag: ~25 us */

struct slot {
    _Alignas(64) double adds;
    double secs;
    int rc;
    char err[PB_ERRLEN / 2];   /* a binding error: shorter than what the callers hold */
};

/* The start gate: members say they are ready (bound), then wait for go: 1 to
 * run, -1 to leave at once (a member could not be created). */
struct team {
    const struct pb_placement *pl;
    int loop;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned ready;
    int go;
    atomic_bool stop;
    struct slot *slots;
};

struct member {
    struct team *t;
    unsigned w;
};

static void *member_main(void *arg)
{
    struct member *m = arg;
    struct team *t = m->t;
    struct slot *s = &t->slots[m->w];
    /* A failed binding is reported after the sample; the thread still passes
     * the gate so that nobody waits for it forever. */
    s->rc = pb_placement_bind_thread(t->pl, m->w, s->err, sizeof s->err);
    pthread_mutex_lock(&t->lock);
    t->ready++;
    pthread_cond_broadcast(&t->cond);
    while (t->go == 0)
        pthread_cond_wait(&t->cond, &t->lock);
    int go = t->go;
    pthread_mutex_unlock(&t->lock);
    if (go < 0)
        return NULL;
    double t0 = pb_now();
    uint64_t adds = 0;
#if HAVE_LOOPS
    while (!atomic_load_explicit(&t->stop, memory_order_relaxed))
        adds += loop_fns[t->loop](CHUNK);
#endif
    s->secs = pb_now() - t0;
    s->adds = (double)adds;
    return NULL;
}

/* Adds per second per core of one sample, or -1 with err. */
static int sample(const struct pb_placement *pl, unsigned cores, int loop, double seconds,
                  double *per_core, char *err, size_t errlen)
{
    unsigned n = pb_placement_workers(pl);
    struct team t = {.pl = pl, .loop = loop};
    pthread_t *th = calloc(n, sizeof *th);
    struct member *m = calloc(n, sizeof *m);
    t.slots = aligned_alloc(64, n * sizeof *t.slots);
    int rc = -1;
    unsigned started = 0;
    if (!th || !m || !t.slots) {
        snprintf(err, errlen, "out of memory for %u threads", n);
        goto out;
    }
    memset(t.slots, 0, n * sizeof *t.slots);
    atomic_init(&t.stop, false);
    pthread_mutex_init(&t.lock, NULL);
    pthread_cond_init(&t.cond, NULL);
    for (; started < n; started++) {
        m[started] = (struct member){&t, started};
        int e = pthread_create(&th[started], NULL, member_main, &m[started]);
        if (e != 0) {
            char eb[128];
            snprintf(err, errlen, "pthread_create: %s", pb_strerror(e, eb, sizeof eb));
            break;
        }
    }
    /* Every member bound and waiting, then all go at once (or leave, when
     * one could not be created). */
    pthread_mutex_lock(&t.lock);
    while (t.ready < started)
        pthread_cond_wait(&t.cond, &t.lock);
    t.go = started == n ? 1 : -1;
    pthread_cond_broadcast(&t.cond);
    pthread_mutex_unlock(&t.lock);
    if (started == n) {
        struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
        nanosleep(&ts, NULL);
        atomic_store(&t.stop, true);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&t.lock);
    pthread_cond_destroy(&t.cond);
    if (started < n)
        goto out;
    double total = 0;
    for (unsigned i = 0; i < n; i++) {
        if (t.slots[i].rc != 0) {
            snprintf(err, errlen, "%s", t.slots[i].err);
            goto out;
        }
        total += t.slots[i].secs > 0 ? t.slots[i].adds / t.slots[i].secs : 0;
    }
    *per_core = total / cores;
    rc = 0;
out:
    free(th);
    free(m);
    free(t.slots);
    return rc;
}

/* ---- the block ------------------------------------------------------------- */

static void add_num(cJSON *o, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

/* {"cores": N, "cpusets": ["0", "2", ...]}: where one plan puts its workers. */
static cJSON *plan_json(const struct pb_placement *pl, unsigned cores)
{
    cJSON *o = cJSON_CreateObject(), *sets = cJSON_CreateArray();
    cJSON_AddNumberToObject(o, "cores", cores);
    for (unsigned w = 0; w < pb_placement_workers(pl); w++) {
        char set[64];
        pb_placement_cpuset_text(pl, w, set, sizeof set);
        cJSON_AddItemToArray(sets, cJSON_CreateString(set));
    }
    cJSON_AddItemToObject(o, "cpusets", sets);
    return o;
}

void pb_smt_yield_figures(cJSON *out, const struct pb_summary *s1, const struct pb_summary *s2,
                          unsigned p)
{
    add_num(out, "spread_per_core", s1->median);
    add_num(out, "packed_per_core", s2->median);
    add_num(out, "spread_total", s1->median * p);
    add_num(out, "packed_total", s2->median * (p / 2));
    add_num(out, "yield", s1->median > 0 ? s2->median / s1->median : NAN);
    /* From the medians' 95% CIs, the widest ratio they allow: conservative. */
    bool ci = s1->has_ci && s2->has_ci && s1->ci_low > 0;
    add_num(out, "yield_low", ci ? s2->ci_low / s1->ci_high : NAN);
    add_num(out, "yield_high", ci ? s2->ci_high / s1->ci_low : NAN);
}

int pb_smt_yield_time(const struct pb_placement *sp, const struct pb_placement *pk, int loop,
                      const struct pb_smt_yield_opts *yo, cJSON *out, char *err, size_t errlen)
{
    if (!HAVE_LOOPS || loop < 0 || loop >= PB_SMT_YIELD_NLOOPS) {
        snprintf(err, errlen, "no add loop %d on this architecture", loop);
        return -1;
    }
    unsigned p = pb_placement_workers(sp), ns = yo->samples;
    double *xs = calloc(ns, sizeof *xs), *xp = calloc(ns, sizeof *xp), warm;
    int rc = -1;
    if (!xs || !xp) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    /* One untimed sample of each first: the clock ramps up, pages fault in. */
    if (sample(sp, p, loop, yo->sample_s / 2, &warm, err, errlen) != 0 ||
        sample(pk, p / 2, loop, yo->sample_s / 2, &warm, err, errlen) != 0)
        goto out;
    for (unsigned i = 0; i < ns; i++) {
        if (pb_stop_signal) {
            snprintf(err, errlen, "interrupted");
            goto out;
        }
        /* Alternate which plan goes first, so neither always follows the other. */
        bool packed_first = i % 2;
        if (sample(packed_first ? pk : sp, packed_first ? p / 2 : p, loop, yo->sample_s,
                   packed_first ? &xp[i] : &xs[i], err, errlen) != 0 ||
            sample(packed_first ? sp : pk, packed_first ? p : p / 2, loop, yo->sample_s,
                   packed_first ? &xs[i] : &xp[i], err, errlen) != 0)
            goto out;
    }
    struct pb_summary s1, s2;
    pb_summarise(xs, ns, &s1);
    pb_summarise(xp, ns, &s2);
    cJSON_AddStringToObject(out, "loop", pb_smt_yield_loops[loop]);
    cJSON_AddStringToObject(out, "unit", "adds/s");
    pb_smt_yield_figures(out, &s1, &s2, p);
    rc = 0;
out:
    free(xs);
    free(xp);
    return rc;
}

size_t pb_smt_yield_counts(struct pb_topo *t, const struct pb_place_opts *o,
                           const unsigned *workers, size_t n, unsigned *out, size_t max)
{
    struct pb_place_opts po = *o;
    po.cpus = NULL;   /* the pair chooses its CPUs (a --cpus run gets none: see pb_smt_yield) */
    char err[PB_ERRLEN];
    size_t k = 0;
    /* The most a pair may take: every core with SMT of the kinds chosen. */
    unsigned most = 0;
    for (unsigned p = 2; p <= pb_topo_cores(t); p += 2) {
        struct pb_placement *a = NULL, *b = NULL;
        if (pb_placement_make_smt_pair(&a, &b, t, p, &po, err, sizeof err) != 0)
            break;
        pb_placement_free(a);
        pb_placement_free(b);
        most = p;
    }
    if (most == 0)
        return 0;
    for (size_t i = 0; i < n && k < max; i++) {
        bool dup = false;
        for (size_t j = 0; j < k; j++)
            dup |= out[j] == workers[i];
        if (workers[i] >= 2 && workers[i] % 2 == 0 && workers[i] <= most && !dup)
            out[k++] = workers[i];
    }
    if (k == 0 && max >= 1) {
        out[k++] = 2;
        if (most > 2 && max >= 2)
            out[k++] = most;
    }
    return k;
}

/* Why nothing can be measured here, or NULL when it can. */
static const char *cannot_measure(struct pb_topo *t, const struct pb_place_opts *o, char *why,
                                  size_t len)
{
    if (o->cpus) {
        snprintf(why, len, "--cpus chooses the CPUs, and the SMT yield needs its own plans");
        return why;
    }
    if (pb_topo_smt_cores(t) == 0) {
        snprintf(why, len, "%s has no SMT (one PU per core)", pb_topo_source(t));
        return why;
    }
    if (!HAVE_LOOPS) {
        snprintf(why, len, "the add loops are not written for this architecture");
        return why;
    }
    if (!pb_topo_can_bind(t, why, len))
        return why;
    return NULL;
}

static const struct pb_smt_yield_opts defaults = {.sample_s = 0.05, .samples = 7,
                                                  .kernel_s = 2};

double pb_smt_yield_seconds(size_t n, size_t nworks, const struct pb_smt_yield_opts *yo)
{
    if (!yo)
        yo = &defaults;
    /* per count: each loop on both plans, a half-length warm-up and the
     * samples; each kernel its budget (its warm-up runs not counted) */
    return (double)n * (PB_SMT_YIELD_NLOOPS * 2 * (yo->samples + 0.5) * yo->sample_s +
                        (double)nworks * yo->kernel_s);
}

cJSON *pb_smt_yield(struct pb_topo *t, const struct pb_place_opts *o, const unsigned *counts,
                    size_t n, const struct pb_smt_work *works, size_t nworks, bool measure,
                    const struct pb_smt_yield_opts *yo)
{
    if (!yo)
        yo = &defaults;
    cJSON *j = cJSON_CreateObject(), *pairs = cJSON_CreateArray();
    if (!j || !pairs) {
        cJSON_Delete(j);
        cJSON_Delete(pairs);
        return NULL;
    }
    char why[PB_ERRLEN] = "";
    const char *skip = cannot_measure(t, o, why, sizeof why);
    if (!skip && n == 0)
        skip = "no even worker count of 2 or more fits the cores with SMT";
    if (!skip && !measure)
        skip = "planned only";
    cJSON_AddNumberToObject(j, "sample_s", yo->sample_s);
    cJSON_AddNumberToObject(j, "samples", yo->samples);
    cJSON_AddNumberToObject(j, "kernel_s", yo->kernel_s);
    cJSON_AddStringToObject(j, "policy", pb_policy_name(o->policy));
    cJSON_AddStringToObject(j, "kinds", o->kinds ? o->kinds : "all");
    for (size_t i = 0; i < n && !o->cpus; i++) {
        struct pb_placement *sp = NULL, *pk = NULL;
        char err[PB_ERRLEN - 32];   /* room for the prefix in `why` */
        if (pb_placement_make_smt_pair(&sp, &pk, t, counts[i], o, err, sizeof err) != 0) {
            if (!skip) {
                snprintf(why, sizeof why, "%s", err);
                skip = why;
            }
            continue;
        }
        cJSON *pair = cJSON_CreateObject(), *loops = cJSON_CreateArray();
        cJSON *kernels = cJSON_CreateArray();
        cJSON_AddNumberToObject(pair, "workers", counts[i]);
        cJSON_AddItemToObject(pair, "spread", plan_json(sp, counts[i]));
        cJSON_AddItemToObject(pair, "packed", plan_json(pk, counts[i] / 2));
        cJSON_AddItemToObject(pair, "loops", loops);
        cJSON_AddItemToObject(pair, "kernels", kernels);
        cJSON_AddItemToArray(pairs, pair);
        for (int l = 0; !skip && l < PB_SMT_YIELD_NLOOPS; l++) {
            cJSON *lo = cJSON_CreateObject();
            cJSON_AddItemToArray(loops, lo);
            if (pb_smt_yield_time(sp, pk, l, yo, lo, err, sizeof err) != 0) {
                snprintf(why, sizeof why, "%u workers: %s", counts[i], err);
                skip = why;
            }
        }
        /* A kernel that fails says so in its entry; the others still count. */
        for (size_t k = 0; !skip && k < nworks && !pb_stop_signal; k++) {
            cJSON *ko = cJSON_CreateObject();
            cJSON_AddItemToArray(kernels, ko);
            if (pb_smt_yield_kernel(sp, pk, &works[k], yo->kernel_s, yo->samples, ko, err,
                                    sizeof err) != 0) {
                cJSON_Delete(cJSON_DetachItemFromArray(kernels, cJSON_GetArraySize(kernels) - 1));
                ko = cJSON_CreateObject();
                cJSON_AddStringToObject(ko, "kernel", works[k].k->name);
                cJSON_AddStringToObject(ko, "error", err);
                cJSON_AddItemToArray(kernels, ko);
            }
        }
        if (pb_stop_signal && !skip)
            skip = "interrupted";
        pb_placement_free(sp);
        pb_placement_free(pk);
    }
    /* A failure part way leaves no half-measured pairs behind. */
    if (skip) {
        cJSON *pair;
        cJSON_ArrayForEach(pair, pairs) {
            cJSON_ReplaceItemInObjectCaseSensitive(pair, "loops", cJSON_CreateArray());
            cJSON_ReplaceItemInObjectCaseSensitive(pair, "kernels", cJSON_CreateArray());
        }
    }
    cJSON_AddBoolToObject(j, "measured", !skip);
    if (skip)
        cJSON_AddStringToObject(j, "skipped", skip);
    else
        cJSON_AddNullToObject(j, "skipped");
    cJSON_AddItemToObject(j, "pairs", pairs);
    return j;
}
