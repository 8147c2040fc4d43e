/* The SMT yield (issue 16): what a core's second hardware thread adds.  For a
 * worker count p, p threads bound one per core (the first PU of p cores) are
 * timed against p threads packed two per core (both PUs of p/2 cores), both
 * plans from pb_placement_make_smt_pair.  Two loops bracket what a kernel can
 * expect: a chain of dependent adds leaves most of a core idle (latency-bound:
 * the sibling fills the gaps, yield near 2x), eight independent chains keep
 * the integer units busy (throughput-bound: the sibling finds them taken,
 * yield near 1x).  The yield is throughput per core with two threads over
 * throughput per core with one. */
#ifndef PB_SMT_YIELD_H
#define PB_SMT_YIELD_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "mode.h"
#include "placement.h"

struct pb_summary;

struct pb_smt_yield_opts {
    double sample_s;      /* the length of one sample, seconds (default 0.05) */
    unsigned samples;     /* timed samples per plan and loop (default 7: a 95% CI), and the
                             most per plan and kernel */
    double kernel_s;      /* the time one kernel's samples may take at one count, both plans
                             (default 2; at least 3 samples each whatever it costs) */
};

/* A kernel of the run with its prepared input, timed on both plans too. */
struct pb_smt_work {
    const struct pb_kernel *k;
    const struct pb_workload *w;
    const struct pb_params *params;
    void *out;            /* w->ntasks * w->out_size bytes, poisoned before every run */
    double timeout_s;     /* a run longer than this fails */
};

/* The worker counts to measure: those of `workers` (the run's ladder) that are
 * even, at least 2 and fit the cores with SMT (of o->kinds); when none does,
 * 2 and the largest even count that fits.  Returns how many it wrote to
 * out[0..max); 0 when no pair can be planned here. */
size_t pb_smt_yield_counts(struct pb_topo *t, const struct pb_place_opts *o,
                           const unsigned *workers, size_t n, unsigned *out, size_t max);

/* The "smt_yield" block of the pre-flight: the two plans of every count in
 * counts[0..n) (which PUs each uses) and, when `measure` and this machine can
 * bind and has the loops, each loop's throughput per core on both plans with
 * the yield, then the same for each of works[0..nworks) ("kernels"; one that
 * fails carries "error" instead of figures).  Otherwise "measured" is false
 * and "skipped" says why; the plans are there whenever they can be made (also
 * on a synthetic or XML topology).  NULL only when out of memory. */
cJSON *pb_smt_yield(struct pb_topo *t, const struct pb_place_opts *o, const unsigned *counts,
                    size_t n, const struct pb_smt_work *works, size_t nworks, bool measure,
                    const struct pb_smt_yield_opts *yo);

/* About how long pb_smt_yield measures `n` worker counts and `nworks`
 * kernels with `yo` (NULL: the defaults), seconds. */
double pb_smt_yield_seconds(size_t n, size_t nworks, const struct pb_smt_yield_opts *yo);

/* Time one loop (0: dependent adds, 1: independent adds) on two plans of the
 * same worker count p, `spread` counted as p cores and `packed` as p/2, into
 * `out`: loop, unit, spread_per_core, packed_per_core (medians of yo->samples
 * samples of yo->sample_s seconds, the plans alternating), spread_total,
 * packed_total, yield (packed over spread per core) and yield_low/high (the
 * widest ratio the two medians' 95% CIs allow).  pb_smt_yield calls it with
 * the pair plans; tests call it with any two plans this machine can bind.
 * Returns 0, or -1 with err (a thread could not start or be bound, no loop
 * here, or interrupted). */
int pb_smt_yield_time(const struct pb_placement *spread, const struct pb_placement *packed,
                      int loop, const struct pb_smt_yield_opts *yo, cJSON *out, char *err,
                      size_t errlen);

/* smt-yield-kernels.c: time kernel `wk` with the threads mode (dynamic) on
 * both plans, spending about budget_s on the samples (3 to max_samples per
 * plan, after a validated warm-up run of each), into `out`: kernel, mode,
 * schedule, unit, samples and the figures of pb_smt_yield_time, in the
 * kernel's work unit per second.  Returns 0, or -1 with err (failed, invalid,
 * interrupted). */
int pb_smt_yield_kernel(const struct pb_placement *spread, const struct pb_placement *packed,
                        const struct pb_smt_work *wk, double budget_s, unsigned max_samples,
                        cJSON *out, char *err, size_t errlen);

/* Add the figures both measurements share to `out`: spread_per_core and
 * packed_per_core (the medians of `spread` and `packed`, per-core rates),
 * the totals for p workers, the yield and its bounds from the CIs. */
void pb_smt_yield_figures(cJSON *out, const struct pb_summary *spread,
                          const struct pb_summary *packed, unsigned p);

/* The loops' names, as "loop" in the block says them, and their count. */
extern const char *const pb_smt_yield_loops[];
#define PB_SMT_YIELD_NLOOPS 2

#endif
