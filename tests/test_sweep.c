/* The sweep with synthetic samples and a fake clock: each stop reason, the
 * interleaved order and its seed, warm-ups, budget, interruption, failures. */
#include <math.h>

#include "check.h"
#include "pb.h"
#include "sweep.h"

enum { MAXC = 8, MAXLOG = 1024 };

/* A fake machine: sample k of configuration c takes gen(c, k) seconds of fake clock. */
struct fake {
    double clock;
    double (*gen)(size_t config, size_t k);
    size_t samples[MAXC], warmups[MAXC];
    size_t log[MAXLOG];             /* configurations in the order their samples ran */
    size_t nlog;
    bool warm_before_sample;        /* every warm-up came before that configuration's samples */
    long fail_config;               /* this one fails on its second sample */
    size_t interrupt_after;         /* interrupted() turns true after this many samples (0 never) */
    unsigned checkpoints;
};

static int f_warmup(void *ctx, size_t c)
{
    struct fake *f = ctx;
    if (f->samples[c] != 0)
        f->warm_before_sample = false;
    f->warmups[c]++;
    f->clock += 0.5;   /* warm-ups cost clock but never count towards the time cap */
    return PB_EXIT_OK;
}

static int f_sample(void *ctx, size_t c, double *t)
{
    struct fake *f = ctx;
    if ((long)c == f->fail_config && f->samples[c] == 1)
        return PB_EXIT_INVALID;
    *t = f->gen(c, f->samples[c]++);
    f->clock += *t;
    if (f->nlog < MAXLOG)
        f->log[f->nlog++] = c;
    return PB_EXIT_OK;
}

static double f_now(void *ctx)
{
    return ((struct fake *)ctx)->clock;
}

static int f_checkpoint(void *ctx, const struct pb_sweep *s)
{
    (void)s;
    ((struct fake *)ctx)->checkpoints++;
    return 0;
}

static int f_interrupted(void *ctx)
{
    struct fake *f = ctx;
    return f->interrupt_after && f->nlog >= f->interrupt_after;
}

static const struct pb_sweep_ops ops = {.warmup = f_warmup, .sample = f_sample, .now = f_now,
                                        .checkpoint = f_checkpoint,
                                        .interrupted = f_interrupted};

static double steady(size_t c, size_t k)   /* within ±0.2%: precise at the first CI */
{
    (void)c;
    return 1.0 + 0.001 * ((double)(k % 5) - 2);
}

static double noisy(size_t c, size_t k)    /* 1.0 / 1.5: never within 2% */
{
    (void)c;
    return k % 2 ? 1.5 : 1.0;
}

static double slow(size_t c, size_t k)     /* 9 s / 11 s, wide */
{
    (void)c;
    return k % 2 ? 11.0 : 9.0;
}

static double very_slow(size_t c, size_t k)
{
    (void)c;
    return 25.0 + (double)k;
}

static double ten(size_t c, size_t k)
{
    (void)c;
    (void)k;
    return 10.0;
}

/* One sweep of `n` configurations; returns the sweep (caller frees). */
static void sweep(struct pb_sweep *s, struct fake *f, size_t n, struct pb_stop_rule rule,
                  bool interleave, uint64_t seed, double budget, bool fail_fast)
{
    f->warm_before_sample = true;
    CHECK(pb_sweep_init(s, n, &rule, interleave, seed, budget, fail_fast) == 0);
    CHECK(pb_sweep_run(s, &ops, f) == 0);
}

static const struct pb_stop_rule adaptive = {.precision = 0.02, .min_reps = 5, .max_reps = 30,
                                             .time_cap_s = 60};

static void test_precision(void)
{
    struct pb_sweep s;
    struct fake f = {.gen = steady, .fail_config = -1};
    sweep(&s, &f, 1, adaptive, true, 1, 0, false);
    /* Five runs give no 95% CI; the sixth does, and it is within 0.2%. */
    CHECK(s.item[0].stop == PB_STOP_PRECISION);
    CHECK_EQ_U(s.item[0].n, 6);
    CHECK_EQ_U(f.warmups[0], 1);
    CHECK_STR(pb_stop_reason_name(s.item[0].stop), "precision");
    pb_sweep_free(&s);

    struct pb_stop_rule r = adaptive;
    r.min_reps = 10;
    f = (struct fake){.gen = steady, .fail_config = -1};
    sweep(&s, &f, 1, r, true, 1, 0, false);
    CHECK(s.item[0].stop == PB_STOP_PRECISION);
    CHECK_EQ_U(s.item[0].n, 10);
    pb_sweep_free(&s);
}

static void test_max_reps(void)
{
    struct pb_stop_rule r = adaptive;
    r.max_reps = 12;
    struct pb_sweep s;
    struct fake f = {.gen = noisy, .fail_config = -1};
    sweep(&s, &f, 2, r, true, 3, 0, false);
    for (size_t i = 0; i < 2; i++) {
        CHECK(s.item[i].stop == PB_STOP_MAX_REPS);
        CHECK_EQ_U(s.item[i].n, 12);
    }
    CHECK_EQ_U(s.rounds, 12);
    CHECK_EQ_U(f.checkpoints, 12);   /* one per round */
    CHECK_STR(pb_stop_reason_name(PB_STOP_MAX_REPS), "max_reps");
    pb_sweep_free(&s);
}

static void test_time_cap(void)
{
    struct pb_sweep s;
    struct fake f = {.gen = slow, .fail_config = -1};
    sweep(&s, &f, 1, adaptive, true, 1, 0, false);
    /* 9+11+9+11+9+11 = 60: a seventh run of the mean length would pass 60 s. */
    CHECK(s.item[0].stop == PB_STOP_TIME_CAP);
    CHECK_EQ_U(s.item[0].n, 6);
    CHECK_NEAR(s.item[0].spent_s, 60, 1e-9);
    pb_sweep_free(&s);

    /* The cap wins over --min-reps. */
    f = (struct fake){.gen = very_slow, .fail_config = -1};
    sweep(&s, &f, 1, adaptive, true, 1, 0, false);
    CHECK(s.item[0].stop == PB_STOP_TIME_CAP);
    CHECK_EQ_U(s.item[0].n, 2);
    CHECK(s.item[0].spent_s <= 60);
    CHECK_STR(pb_stop_reason_name(PB_STOP_TIME_CAP), "time_cap");
    pb_sweep_free(&s);
}

static void test_fixed(void)
{
    struct pb_stop_rule r = {.fixed_reps = 3, .max_reps = 30, .time_cap_s = 1};
    struct pb_sweep s;
    struct fake f = {.gen = slow, .fail_config = -1};
    sweep(&s, &f, 2, r, false, 0, 0, false);
    for (size_t i = 0; i < 2; i++) {
        CHECK(s.item[i].stop == PB_STOP_FIXED);   /* neither the cap nor the noise matter */
        CHECK_EQ_U(s.item[i].n, 3);
    }
    CHECK_STR(pb_stop_reason_name(PB_STOP_FIXED), "fixed");
    pb_sweep_free(&s);
}

/* The order of an interleaved sweep of 6 configurations x 4 runs. */
static void order_of(uint64_t seed, size_t *log, size_t *order)
{
    struct pb_stop_rule r = {.fixed_reps = 4};
    struct pb_sweep s;
    struct fake f = {.gen = ten, .fail_config = -1};
    sweep(&s, &f, 6, r, true, seed, 0, false);
    CHECK_EQ_U(f.nlog, 24);
    CHECK_EQ_U(s.rounds, 4);
    CHECK(f.warm_before_sample);
    for (size_t c = 0; c < 6; c++) {
        CHECK_EQ_U(f.warmups[c], 1);
        order[c] = s.item[c].order;
        CHECK_EQ_U(f.log[order[c]], c);   /* `order` is its place in the first round */
    }
    /* Every round runs every configuration once. */
    for (size_t round = 0; round < 4; round++) {
        unsigned seen = 0;
        for (size_t k = 0; k < 6; k++)
            seen |= 1u << f.log[round * 6 + k];
        CHECK_EQ_U(seen, 0x3f);
    }
    for (size_t i = 0; i < 24; i++)
        log[i] = f.log[i];
    pb_sweep_free(&s);
}

static void test_interleaving(void)
{
    size_t a[24], b[24], c[24], oa[6], ob[6], oc[6];
    order_of(7, a, oa);
    order_of(7, b, ob);
    order_of(8, c, oc);
    bool same = true, differs = false, rounds_differ = false;
    for (size_t i = 0; i < 24; i++) {
        same &= a[i] == b[i];
        differs |= a[i] != c[i];
        rounds_differ |= i >= 6 && a[i] != a[i - 6];
    }
    CHECK(same);            /* same seed, same order */
    CHECK(differs);         /* another seed, another order */
    CHECK(rounds_differ);   /* each round has its own shuffle */
    for (size_t i = 0; i < 6; i++)
        CHECK_EQ_U(oa[i], ob[i]);

    /* The generator is plain 64-bit integer arithmetic: these values hold on every machine. */
    static const size_t golden[2][8] = {{3, 4, 7, 2, 0, 6, 1, 5}, {4, 0, 2, 3, 6, 1, 5, 7}};
    size_t perm[8];
    for (uint64_t round = 0; round < 2; round++) {
        pb_permutation(perm, 8, 7, round);
        for (size_t i = 0; i < 8; i++)
            CHECK_EQ_U(perm[i], golden[round][i]);
    }

    /* Sequential: one configuration after the other. */
    struct pb_stop_rule r = {.fixed_reps = 2};
    struct pb_sweep s;
    struct fake f = {.gen = ten, .fail_config = -1};
    sweep(&s, &f, 3, r, false, 7, 0, false);
    static const size_t plain[] = {0, 0, 1, 1, 2, 2};
    CHECK_EQ_U(f.nlog, 6);
    for (size_t i = 0; i < 6; i++)
        CHECK_EQ_U(f.log[i], plain[i]);
    CHECK_EQ_U(f.checkpoints, 3);   /* one per configuration */
    pb_sweep_free(&s);
}

static void test_budget_and_interrupt(void)
{
    /* Budget 35 s of 10 s runs (plus 0.5 s warm-ups): runs start at 0.5, 11 and 21.5
     * (first round), then 31.5 < 35 (second round); at 41.5 the budget is gone. */
    struct pb_stop_rule r = {.fixed_reps = 5};
    struct pb_sweep s;
    struct fake f = {.gen = ten, .fail_config = -1};
    sweep(&s, &f, 3, r, true, 1, 35, false);
    size_t total = 0;
    for (size_t i = 0; i < 3; i++) {
        CHECK(s.item[i].stop == PB_STOP_TIME_BUDGET);
        total += s.item[i].n;
    }
    CHECK_EQ_U(total, 4);
    CHECK_EQ_U(s.runs, 4);
    CHECK_STR(pb_stop_reason_name(PB_STOP_TIME_BUDGET), "time_budget");
    double lo, hi;
    pb_sweep_eta(&s, f.clock, &lo, &hi);
    CHECK_NEAR(lo, 0, 0);
    CHECK_NEAR(hi, 0, 0);
    pb_sweep_free(&s);

    f = (struct fake){.gen = ten, .fail_config = -1, .interrupt_after = 4};
    sweep(&s, &f, 3, r, true, 1, 0, false);
    total = 0;
    for (size_t i = 0; i < 3; i++) {
        CHECK(s.item[i].stop == PB_STOP_INTERRUPTED);
        total += s.item[i].n;
    }
    CHECK_EQ_U(total, 4);       /* what ran is kept */
    CHECK(f.checkpoints >= 1);  /* and written */
    pb_sweep_free(&s);
}

static void test_failure(void)
{
    struct pb_stop_rule r = {.fixed_reps = 3};
    struct pb_sweep s;
    struct fake f = {.gen = ten, .fail_config = 1};
    sweep(&s, &f, 3, r, true, 5, 0, false);
    CHECK(s.item[1].stop == PB_STOP_FAILED);
    CHECK_EQ_U(s.item[1].status, PB_EXIT_INVALID);
    CHECK_EQ_U(s.item[1].n, 1);
    CHECK(s.item[0].stop == PB_STOP_FIXED && s.item[0].n == 3);   /* the others go on */
    CHECK(s.item[2].stop == PB_STOP_FIXED && s.item[2].n == 3);
    pb_sweep_free(&s);

    f = (struct fake){.gen = ten, .fail_config = 1};
    sweep(&s, &f, 3, r, true, 5, 0, true);
    CHECK(s.item[1].stop == PB_STOP_FAILED);
    for (size_t i = 0; i < 3; i += 2)
        CHECK(s.item[i].stop == PB_STOP_INTERRUPTED);   /* --fail-fast */
    pb_sweep_free(&s);
}

static void test_eta(void)
{
    /* Nothing run yet: no estimate of a run's length, so both bounds are 0. */
    struct pb_sweep s;
    CHECK(pb_sweep_init(&s, 2, &adaptive, true, 1, 0, false) == 0);
    double lo, hi;
    pb_sweep_eta(&s, 0, &lo, &hi);
    CHECK_NEAR(lo, 0, 0);
    CHECK_NEAR(hi, 0, 0);
    /* One run of 2 s each: at least 5 more (a CI needs 6), at most 29 more. */
    for (size_t i = 0; i < 2; i++) {
        s.item[i].times_s[s.item[i].n++] = 2;
        s.item[i].spent_s = 2;
    }
    pb_sweep_eta(&s, 0, &lo, &hi);
    CHECK_NEAR(lo, 2 * 5 * 2.0, 1e-9);
    CHECK_NEAR(hi, 2 * 29 * 2.0, 1e-9);
    CHECK_EQ_U(pb_sweep_max_runs(&s), 58);
    pb_sweep_free(&s);
}

int main(void)
{
    test_precision();
    test_max_reps();
    test_time_cap();
    test_fixed();
    test_interleaving();
    test_budget_and_interrupt();
    test_failure();
    test_eta();
    CHECK_DONE();
}
