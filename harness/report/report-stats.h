/* Statistics that report and compare compute from a results file's samples:
 * the Mann–Whitney U test (here), and thin names for the order-statistic CI of
 * the median and the Amdahl fit, which live in run/stats.h (one implementation
 * of each for run and report alike). */
#ifndef PB_REPORT_STATS_H
#define PB_REPORT_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct pb_rs_mwu {
    double u;        /* U of the first sample: pairs (a, b) with a > b, ties count 1/2 */
    double p;        /* two-sided p-value; 1 when either sample is empty */
    bool exact;      /* p from the exact distribution (no ties, small samples) */
};

/* Largest sample size per side for which the exact distribution is used. */
#define PB_MWU_EXACT_MAX 30

/* Two-sided Mann–Whitney U test of a[0..na) against b[0..nb): exact when there
 * are no ties and both sizes are at most PB_MWU_EXACT_MAX, otherwise the normal
 * approximation with tie and continuity corrections.  Returns 0, -1 when out of memory. */
int pb_rs_mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct pb_rs_mwu *out);

/* The smallest two-sided p-value the exact test can reach with sizes na, nb
 * (2 / C(na+nb, na)): below 0.05 only from 4 vs 4 samples up. */
double pb_rs_mwu_min_p(size_t na, size_t nb);

/* Distribution-free 95% CI of the median from order statistics (binomial
 * with p = 1/2): pb_median_ci.  False when n < 6, which cannot give 95% coverage. */
bool pb_rs_median_ci(const double *x, size_t n, double *lo, double *hi);

/* Amdahl's law speedup(p) = 1 / (f + (1 - f) / p) fitted to speedups over the
 * baseline: pb_amdahl_fit on t = 1 / speedup with T1 = 1, i.e. least squares of
 * 1/S - 1/p = f (1 - 1/p) over the points with p > 1.  Returns the number of
 * points used (0: no fit); *f and its standard error (NAN with one point). */
size_t pb_rs_amdahl_fit(const double *workers, const double *speedup, size_t n, double *f,
                     double *f_stderr);

#endif
