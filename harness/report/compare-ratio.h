/* Ratios of medians with their uncertainty: a 95% CI for each configuration's
 * B/A ratio, the geometric mean of a pair's ratios with its CI, and the ratio
 * chart (plots/compare-ratio.gp) of each kernel. */
#ifndef PB_COMPARE_RATIO_H
#define PB_COMPARE_RATIO_H

#include <stdbool.h>
#include <stddef.h>

#include "charts.h"
#include "resultsfile.h"

struct pb_comparison;
struct pb_cmp_pair;

/* The 95% CI of median(b) / median(a).  Each median's CI is run/stats.c's
 * distribution-free order-statistic interval (the file's ci_low_s/ci_high_s, or
 * pb_median_ci of the runs); on the log scale half its width over z = 1.96 is
 * taken as that median's standard error, and the ratio's is the root sum of
 * squares of the two (independent samples; the delta method).  Sets *lo, *hi
 * and *se_log (the log ratio's standard error); false, all NAN, when either
 * median has no CI (fewer than 6 runs and none in the file). */
bool pb_cmp_ratio_ci(const struct pb_rf_record *a, const struct pb_rf_record *b, double *lo,
                     double *hi, double *se_log);

struct pb_cmp_geomean {
    size_t n;                   /* ratios in it (configurations valid in both) */
    size_t n_no_ci;             /* of which without a CI: then lo/hi are NAN */
    double gm, lo, hi;          /* geometric mean and its 95% CI */
    double min, max;            /* the smallest and largest ratio */
};

/* The geometric mean of the pair's ratios, over the configurations of `kernel`
 * and `params_text` (NULL: every configuration).  Its CI is exp(mean log r ±
 * 1.96 sqrt(Σ se_i²) / n): measurement noise only, the configurations taken
 * as they are (not as a sample of all possible ones). */
void pb_cmp_geomean(const struct pb_cmp_pair *p, const char *kernel, const char *params_text,
                    struct pb_cmp_geomean *g);

/* Draw base section k's ratio chart into plotdir as SLUG-ratio.svg/.png (its
 * data in SLUG-ratio.dat and .gpvars).  Returns 1 drawn, 0 not (charts off),
 * -1 when the data could not be written (err). */
int pb_cmp_ratio_chart(const struct pb_comparison *c, size_t k, struct pb_charts *ch,
                       const char *plotdir, char *err, size_t errlen);

#endif
