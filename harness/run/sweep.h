/* The sweep: which configuration runs next, and when each one has enough
 * repetitions.  It knows nothing about kernels or modes: it calls back to run
 * a warm-up or a timed repetition and to read the clock, so a unit test can
 * drive it with synthetic samples and a fake clock. */
#ifndef PB_SWEEP_H
#define PB_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a configuration stopped repeating. */
enum pb_stop_reason {
    PB_STOP_NONE,          /* still running */
    PB_STOP_PRECISION,     /* the 95% CI of the median is within the precision target */
    PB_STOP_MAX_REPS,      /* --max-reps reached first */
    PB_STOP_TIME_CAP,      /* another repetition would pass --time-cap */
    PB_STOP_FIXED,         /* --reps N done */
    PB_STOP_FAILED,        /* a run failed or did not validate */
    PB_STOP_INTERRUPTED,   /* SIGINT/SIGTERM, or --fail-fast after another failure */
    PB_STOP_TIME_BUDGET,   /* --time-budget for the whole sweep ran out */
};

/* "precision", "max_reps", "time_cap", "fixed", "failed", "interrupted",
 * "time_budget"; "" for PB_STOP_NONE. */
const char *pb_stop_reason_name(enum pb_stop_reason r);

struct pb_stop_rule {
    double precision;      /* target: CI within this fraction of the median (0.02) */
    unsigned min_reps;     /* never stop for precision below this */
    unsigned max_reps;
    double time_cap_s;     /* clock time of one configuration's timed runs; <= 0: none */
    unsigned fixed_reps;   /* > 0: exactly this many, every other limit ignored */
};

/* Whether a configuration with timings x[0..n), whose timed runs took `spent_s`
 * of clock time, is done: PB_STOP_NONE when it needs another repetition.
 * The time cap wins over min_reps: it is a promise about the clock. */
enum pb_stop_reason pb_stop_decide(const struct pb_stop_rule *r, const double *x, size_t n,
                                   double spent_s);

/* splitmix64: a tiny generator whose sequence is the same on every machine. */
uint64_t pb_splitmix64(uint64_t *state);
/* perm[0..n) = a permutation of 0..n-1 that depends only on (seed, round). */
void pb_permutation(size_t *perm, size_t n, uint64_t seed, uint64_t round);

/* One configuration's progress. */
struct pb_sweep_item {
    enum pb_stop_reason stop;   /* PB_STOP_NONE while it still runs */
    int status;                 /* PB_EXIT_* of its runs; not OK after a failure */
    double *times_s;            /* n timed runs */
    size_t n;
    double spent_s;             /* clock time of its timed runs (execute + validate) */
    size_t order;               /* its position in the first round (interleaved), or its index */
    bool warmed;                /* warm-ups done */
};

struct pb_sweep {
    size_t n;                   /* configurations */
    struct pb_sweep_item *item;
    struct pb_stop_rule rule;
    bool interleave;            /* rounds in shuffled order, else one configuration at a time */
    uint64_t seed;
    double budget_s;            /* clock time for the whole sweep; <= 0: none */
    bool fail_fast;             /* stop everything after the first failed configuration */
    unsigned rounds;            /* rounds started */
    size_t runs;                /* timed runs done */
    double start_s;             /* ops->now() when the sweep began */
    size_t *perm;               /* scratch: the current round's order */
};

/* What a sweep calls.  Statuses are PB_EXIT_* values. */
struct pb_sweep_ops {
    int (*warmup)(void *ctx, size_t config);                 /* untimed runs before the first */
    int (*sample)(void *ctx, size_t config, double *time_s); /* one timed run */
    double (*now)(void *ctx);                                /* the clock, seconds */
    /* After every round (interleaved) or configuration (sequential), and at the end.
     * Nonzero stops the sweep (e.g. the results cannot be written). */
    int (*checkpoint)(void *ctx, const struct pb_sweep *s);
    /* Optional: a run of `config` is about to start (progress display). */
    void (*starting)(void *ctx, const struct pb_sweep *s, size_t config, bool warmup);
    /* Optional: a configuration just stopped (terminal warnings). */
    void (*stopped)(void *ctx, const struct pb_sweep *s, size_t config);
    /* Optional: nonzero when the sweep must stop now (a signal arrived). */
    int (*interrupted)(void *ctx);
};

/* Set up `n` configurations.  Returns 0, or -1 when out of memory. */
int pb_sweep_init(struct pb_sweep *s, size_t n, const struct pb_stop_rule *rule, bool interleave,
                  uint64_t seed, double budget_s, bool fail_fast);
void pb_sweep_free(struct pb_sweep *s);

/* Run until every configuration has stopped.  Interleaved: round r runs one
 * repetition of every configuration still running (its warm-ups first, in its
 * first round) in the order pb_permutation(seed, r) gives, then applies the
 * stop rule to each.  Returns 0, or the nonzero value of a failed checkpoint. */
int pb_sweep_run(struct pb_sweep *s, const struct pb_sweep_ops *ops, void *ctx);

/* Timed runs still possible at most, over every running configuration. */
size_t pb_sweep_max_runs(const struct pb_sweep *s);
/* Seconds left, at least (*lo: every running configuration reaches the fewest
 * runs that could satisfy the rule) and at most (*hi: max reps or time cap),
 * from each configuration's mean clock time per run (the mean over all for
 * those not started), both within the time budget left at `now_s`. */
void pb_sweep_eta(const struct pb_sweep *s, double now_s, double *lo, double *hi);

#endif
