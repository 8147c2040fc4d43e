/* Statistics of repeated timings: summaries, a confidence interval of the
 * median, outliers, and the scaling formulas (Karp–Flatt, Amdahl fit).
 * The one statistics module: `parbench run` (records, stop rule, analysis) and
 * `parbench report`/`compare` (report-stats.h, a thin layer adding the
 * Mann–Whitney test) compute every interval and fit here. */
#ifndef PB_STATS_H
#define PB_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* Confidence level of every interval parbench reports. */
#define PB_CI_LEVEL 0.95
/* A sample is an outlier when |x - median| > PB_MAD_K * 1.4826 * MAD, among
 * at least PB_MAD_MIN_N samples. */
#define PB_MAD_K 3.0
#define PB_MAD_MIN_N 5

struct pb_summary {
    size_t n;
    double min, max, median, mean, stddev;   /* stddev: sample (n-1) */
    double cv;                                /* stddev / mean */
    bool has_ci;                              /* false when n is too small for a 95% CI */
    double ci_low, ci_high;                   /* 95% CI of the median (order statistics) */
    double mad;                               /* median absolute deviation, unscaled */
    size_t n_outliers;                        /* samples outside the MAD rule */
};

/* Summarise x[0..n) (not modified).  n == 0 gives all zeros. */
void pb_summarise(const double *x, size_t n, struct pb_summary *s);
/* Median of x[0..n) (not modified); 0 when n == 0. */
double pb_median(const double *x, size_t n);

/* The q-quantile (0 <= q <= 1) of x[0..n) (not modified), interpolated
 * linearly between the order statistics (R's type 7, NumPy's default): the
 * p5/p50/p95 of records and tables, p50 equal to the median.  NAN when
 * n == 0, q is out of range or memory runs out. */
double pb_quantile(const double *x, size_t n, double q);

/* The distribution-free confidence interval of a median: with n samples
 * sorted, [x[*lo], x[*hi]] (0-based) covers the true median with probability
 * at least `level`, from the binomial(n, 1/2) distribution of how many samples
 * fall below it.  The narrowest symmetric pair is chosen.  Returns false when
 * no pair reaches `level` (n < 6 at 95%).  Exact for every n (no underflow:
 * the binomial terms are taken in log space), checked for every n up to 100,000. */
bool pb_median_ci_ranks(size_t n, double level, size_t *lo, size_t *hi);

/* P(B <= k) for B ~ binomial(n, 1/2), to about 1e-9 relative or better for
 * n up to 10^6 (1 when k >= n). */
double pb_binom_half_cdf(size_t n, size_t k);

/* The 95% CI of the median of x[0..n) (not modified): the samples at the ranks
 * pb_median_ci_ranks gives.  False (and NANs) when n < 6 or out of memory. */
bool pb_median_ci(const double *x, size_t n, double *lo, double *hi);

/* The CI's larger distance from the median, as a fraction of the median
 * (0.012 for "±1.2%"); NAN without a CI. */
double pb_ci_rel(const struct pb_summary *s);

/* Indexes (ascending) of the samples outside the MAD rule, written to
 * idx[0..n) when idx is not NULL; returns how many (0 when n < PB_MAD_MIN_N). */
size_t pb_outliers(const double *x, size_t n, size_t *idx);

/* Karp–Flatt experimentally determined serial fraction at p workers:
 * (1/speedup - 1/p) / (1 - 1/p).  NAN at p <= 1 or speedup <= 0. */
double pb_karp_flatt(double speedup, double p);

/* Amdahl's law fitted to timings: T(p) = T1 * (f + (1 - f) / p). */
struct pb_amdahl {
    double f;           /* serial fraction */
    double f_stderr;    /* its standard error; NAN when nothing is left to estimate it */
    double t1_s;        /* the fitted time at one worker */
    size_t samples;     /* timings used */
    size_t points;      /* distinct worker counts */
};

/* The one Amdahl fit, over the pairs (p[i], t[i]).
 * t1_s NAN (T1 unknown, as `parbench run` fits raw timings): least squares of
 * T = a + b / p, so T1 = a + b and f = a / (a + b); the standard error comes
 * from the residuals by the delta method (NAN with fewer than 3 timings); it
 * needs 2 distinct worker counts.
 * t1_s > 0 (T1 known, as when a report fits speedups over a baseline: t = 1 /
 * speedup with t1_s = 1): least squares through the origin of
 * T/T1 - 1/p = f (1 - 1/p) over the timings with p > 1 (at p = 1 they say
 * nothing about f); standard error from the residuals (NAN with one timing).
 * `samples` counts the timings used.  Returns 0, or -1 when the fit is
 * impossible (too few points, or T1 <= 0). */
int pb_amdahl_fit(const double *p, const double *t, size_t n, double t1_s, struct pb_amdahl *fit);

#endif
