/* Statistics against hand-computed values: median, the order-statistic CI of
 * the median, MAD outliers, Karp–Flatt and the Amdahl fit. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "stats.h"
#include "sweep.h"

static void test_summary(void)
{
    const double x[] = {5, 1, 4, 2, 3};
    struct pb_summary s;
    pb_summarise(x, 5, &s);
    CHECK_EQ_U(s.n, 5);
    CHECK_NEAR(s.min, 1, 0);
    CHECK_NEAR(s.max, 5, 0);
    CHECK_NEAR(s.median, 3, 0);
    CHECK_NEAR(s.mean, 3, 1e-15);
    CHECK_NEAR(s.stddev, sqrt(2.5), 1e-12);
    CHECK_NEAR(s.cv, sqrt(2.5) / 3, 1e-12);
    CHECK_NEAR(s.mad, 1, 0);        /* |x - 3| = 2,2,1,1,0 -> median 1 */
    CHECK(!s.has_ci);               /* no 95% CI from 5 samples */
    CHECK(isnan(pb_ci_rel(&s)));
    CHECK(isnan(s.ci_low) && isnan(s.ci_high));

    const double even[] = {4, 1, 3, 2};
    CHECK_NEAR(pb_median(even, 4), 2.5, 0);
    CHECK_NEAR(pb_median(x, 5), 3, 0);
    CHECK_NEAR(pb_median(x, 0), 0, 0);
    pb_summarise(x, 0, &s);
    CHECK_EQ_U(s.n, 0);
    CHECK(!s.has_ci);
}

/* Type-7 quantiles, checked against numpy.percentile's defaults by hand. */
static void test_quantile(void)
{
    const double x[] = {5, 1, 4, 2, 3};
    CHECK_NEAR(pb_quantile(x, 5, 0.5), 3, 0);           /* the median */
    CHECK_NEAR(pb_quantile(x, 5, 0), 1, 0);
    CHECK_NEAR(pb_quantile(x, 5, 1), 5, 0);
    CHECK_NEAR(pb_quantile(x, 5, 0.05), 1.2, 1e-12);    /* 0.2 of the way from 1 to 2 */
    CHECK_NEAR(pb_quantile(x, 5, 0.95), 4.8, 1e-12);
    const double even[] = {4, 1, 3, 2};
    CHECK_NEAR(pb_quantile(even, 4, 0.5), pb_median(even, 4), 0);
    CHECK_NEAR(pb_quantile(even, 4, 0.05), 1.15, 1e-12);
    const double one[] = {7};
    CHECK_NEAR(pb_quantile(one, 1, 0.95), 7, 0);
    CHECK(isnan(pb_quantile(x, 0, 0.5)));
    CHECK(isnan(pb_quantile(x, 5, 1.5)));
    CHECK(x[0] == 5 && x[1] == 1);                      /* not modified */
}

static void test_ci_ranks(void)
{
    size_t lo = 99, hi = 99;
    /* n = 5: the widest interval [x(1), x(5)] covers 1 - 2/32 = 93.75% < 95%. */
    CHECK(!pb_median_ci_ranks(5, 0.95, &lo, &hi));
    CHECK(!pb_median_ci_ranks(1, 0.95, &lo, &hi));
    /* n = 6: [x(1), x(6)] covers 1 - 2/64 = 96.9%. */
    CHECK(pb_median_ci_ranks(6, 0.95, &lo, &hi));
    CHECK_EQ_U(lo, 0);
    CHECK_EQ_U(hi, 5);
    /* n = 10: P(B <= 1) = 11/1024 = 1.07% <= 2.5% < P(B <= 2) = 56/1024: [x(2), x(9)]. */
    CHECK(pb_median_ci_ranks(10, 0.95, &lo, &hi));
    CHECK_EQ_U(lo, 1);
    CHECK_EQ_U(hi, 8);
    /* n = 30: P(B <= 9) = 2.14% <= 2.5% < P(B <= 10) = 4.94%: [x(10), x(21)]. */
    CHECK(pb_median_ci_ranks(30, 0.95, &lo, &hi));
    CHECK_EQ_U(lo, 9);
    CHECK_EQ_U(hi, 20);
    /* n = 100: the textbook [x(40), x(61)]. */
    CHECK(pb_median_ci_ranks(100, 0.95, &lo, &hi));
    CHECK_EQ_U(lo, 39);
    CHECK_EQ_U(hi, 60);

    /* The bounds themselves: samples 1..n in a scrambled order. */
    double x[30];
    for (size_t i = 0; i < 30; i++)
        x[i] = (double)((i * 7) % 30 + 1);
    struct pb_summary s;
    pb_summarise(x, 10, &s);   /* the first ten: 1, 8, 15, 22, 29, 6, 13, 20, 27, 4 */
    CHECK(s.has_ci);
    CHECK_NEAR(s.ci_low, 4, 0);    /* sorted: 1 4 6 8 13 15 20 22 27 29 */
    CHECK_NEAR(s.ci_high, 27, 0);
    CHECK_NEAR(s.median, 14, 0);
    CHECK_NEAR(pb_ci_rel(&s), 13.0 / 14, 1e-12);   /* 27 - 14 > 14 - 4 */
    pb_summarise(x, 30, &s);
    CHECK_NEAR(s.ci_low, 10, 0);
    CHECK_NEAR(s.ci_high, 21, 0);
    CHECK_NEAR(s.median, 15.5, 0);
}

/* The median CI where the old report-side code (2^-n in linear space) underflowed
 * from n = 1075 and gave an inverted interval; --reps accepts up to 100,000.
 * Reference values computed independently with Python's exact integers:
 *   S = sum(math.comb(n, j) for j in range(k + 1)); float(Fraction(S, 2**n))
 * and k = the largest with 40 * S <= 2**n (P(B <= k) <= 2.5%) and k <= (n - 2) // 2,
 * found by an exact integer recurrence over n; that recurrence's k matched
 * pb_median_ci_ranks for every n from 1 to 100,000 when this test was written. */
static void test_ci_exact(void)
{
    static const struct {
        size_t n, k;                 /* CI [x(k+1), x(n-k)], 1-based */
        double cdf_k, cdf_k1;        /* P(B <= k) <= 2.5% < P(B <= k + 1) */
    } ref[] = {
        {30, 9, 0.02138697262853384, 0.04936857335269451},
        {2000, 955, 0.023276410245891905, 0.025851105410910725},
        {100000, 49689, 0.024777857334762465, 0.025147028677331814},
    };
    size_t lo, hi;
    CHECK(!pb_median_ci_ranks(5, 0.95, &lo, &hi));
    CHECK_NEAR(pb_binom_half_cdf(5, 0), 1.0 / 32, 1e-15);   /* 3.1% > 2.5%: no k works */
    for (size_t i = 0; i < sizeof ref / sizeof *ref; i++) {
        size_t n = ref[i].n, k = ref[i].k;
        CHECK(pb_median_ci_ranks(n, 0.95, &lo, &hi));
        CHECK_EQ_U(lo, k);
        CHECK_EQ_U(hi, n - 1 - k);
        CHECK_NEAR(pb_binom_half_cdf(n, k) / ref[i].cdf_k, 1, 1e-9);
        CHECK_NEAR(pb_binom_half_cdf(n, k + 1) / ref[i].cdf_k1, 1, 1e-9);
        /* Symmetry: P(B <= n - k - 1) = 1 - P(B <= k). */
        CHECK_NEAR(pb_binom_half_cdf(n, n - k - 1), 1 - ref[i].cdf_k, 1e-9);
    }
    CHECK_NEAR(pb_binom_half_cdf(7, 7), 1, 0);

    /* On samples: n = 100,000 values 1..n reversed; the CI is [k + 1, n - k], around the median. */
    enum { N = 100000 };
    double *x = malloc(N * sizeof *x);
    CHECK(x != NULL);
    if (!x)
        return;
    for (size_t i = 0; i < N; i++)
        x[i] = (double)(N - i);
    double a, b;
    CHECK(pb_median_ci(x, N, &a, &b));
    CHECK_NEAR(a, 49690, 0);
    CHECK_NEAR(b, 50311, 0);
    CHECK(a <= pb_median(x, N) && pb_median(x, N) <= b);
    CHECK(pb_median_ci(x, 2000, &a, &b));   /* 100000 .. 98001 */
    CHECK_NEAR(a, 98000 + 956, 0);
    CHECK_NEAR(b, 98000 + 2000 - 955, 0);
    CHECK(!pb_median_ci(x, 5, &a, &b));
    CHECK(isnan(a) && isnan(b));
    free(x);
}

static void test_outliers(void)
{
    /* median 10.025; |x - m| sorted .025 .025 .075 .075 .125 2.975: MAD .075,
     * limit 3 * 1.4826 * .075 = 0.334: only 13 is out. */
    const double a[] = {10, 10.1, 9.9, 10.05, 9.95, 13};
    size_t idx[6];
    CHECK_EQ_U(pb_outliers(a, 6, idx), 1);
    CHECK_EQ_U(idx[0], 5);
    struct pb_summary s;
    pb_summarise(a, 6, &s);
    CHECK_EQ_U(s.n_outliers, 1);
    CHECK_NEAR(s.mad, 0.075, 1e-12);

    /* A slow first run, the usual cold-cache symptom. */
    const double b[] = {20, 10, 10.1, 9.9, 10.05, 9.95};
    CHECK_EQ_U(pb_outliers(b, 6, idx), 1);
    CHECK_EQ_U(idx[0], 0);

    /* Just inside the limit stays in: median 10, MAD 1, limit 4.4478. */
    const double c[] = {9, 10, 11, 10, 14.4};
    CHECK_EQ_U(pb_outliers(c, 5, NULL), 0);
    const double d[] = {9, 10, 11, 10, 14.5};
    CHECK_EQ_U(pb_outliers(d, 5, idx), 1);
    CHECK_EQ_U(idx[0], 4);

    /* Fewer than five timings: no rule is applied. */
    const double four[] = {1, 1.01, 0.99, 100};
    CHECK_EQ_U(pb_outliers(four, 4, NULL), 0);
}

static void test_karp_flatt(void)
{
    CHECK_NEAR(pb_karp_flatt(1.6, 2), 0.25, 1e-15);          /* (0.625 - 0.5) / 0.5 */
    CHECK_NEAR(pb_karp_flatt(3, 4), 1.0 / 9, 1e-15);         /* (1/3 - 1/4) / (3/4) */
    CHECK_NEAR(pb_karp_flatt(8, 8), 0, 1e-15);               /* perfect scaling */
    CHECK(isnan(pb_karp_flatt(1, 1)));
    CHECK(isnan(pb_karp_flatt(0, 4)));
    /* Where Amdahl's law holds exactly, Karp–Flatt gives its f at every p. */
    for (double p = 2; p <= 64; p *= 2)
        CHECK_NEAR(pb_karp_flatt(1 / (0.1 + 0.9 / p), p), 0.1, 1e-12);
}

static void test_amdahl(void)
{
    enum { REPS = 8 };
    static const double counts[] = {1, 2, 4, 8, 16};
    double p[5 * REPS], t[5 * REPS];
    size_t n = 0;
    for (size_t i = 0; i < 5; i++)
        for (size_t r = 0; r < REPS; r++, n++) {
            p[n] = counts[i];
            t[n] = 2.0 * (0.1 + 0.9 / counts[i]);
        }
    struct pb_amdahl fit;
    CHECK(pb_amdahl_fit(p, t, n, NAN, &fit) == 0);
    CHECK_NEAR(fit.f, 0.1, 1e-6);
    CHECK_NEAR(fit.t1_s, 2.0, 1e-9);
    CHECK_NEAR(fit.f_stderr, 0, 1e-9);
    CHECK_EQ_U(fit.points, 5);
    CHECK_EQ_U(fit.samples, n);

    /* The same with 3% multiplicative noise from a fixed seed. */
    uint64_t state = 42;
    for (size_t i = 0; i < n; i++) {
        double u = (double)(pb_splitmix64(&state) >> 11) / 9007199254740992.0;   /* [0, 1) */
        t[i] *= 1 + 0.03 * (2 * u - 1);
    }
    CHECK(pb_amdahl_fit(p, t, n, NAN, &fit) == 0);
    CHECK(fit.f_stderr > 0 && fit.f_stderr < 0.02);
    CHECK_NEAR(fit.f, 0.1, 0.02);
    CHECK(fabs(fit.f - 0.1) < 4 * fit.f_stderr);

    /* Two timings are an exact fit with nothing left to estimate an error. */
    const double p2[] = {1, 4}, t2[] = {1.0, 0.325};   /* f = 0.1 */
    CHECK(pb_amdahl_fit(p2, t2, 2, NAN, &fit) == 0);
    CHECK_NEAR(fit.f, 0.1, 1e-12);
    CHECK(isnan(fit.f_stderr));

    /* T1 known (a report's fit of speedups over a baseline): through the origin,
     * the p = 1 timings left out as they say nothing about f. */
    const double p3[] = {1, 2, 4, 8}, t3[] = {2.0, 1.1, 0.65, 0.425};   /* 2 (0.1 + 0.9 / p) */
    CHECK(pb_amdahl_fit(p3, t3, 4, 2.0, &fit) == 0);
    CHECK_NEAR(fit.f, 0.1, 1e-12);
    CHECK_NEAR(fit.t1_s, 2.0, 0);
    CHECK_NEAR(fit.f_stderr, 0, 1e-9);
    CHECK_EQ_U(fit.samples, 3);
    CHECK_EQ_U(fit.points, 3);
    CHECK(pb_amdahl_fit(p3, t3, 1, 2.0, &fit) != 0);   /* only p = 1 */
    CHECK(pb_amdahl_fit(p3, t3, 4, 0, &fit) != 0);     /* T1 must be positive */

    /* One worker count cannot separate f from T1. */
    const double p1[] = {2, 2, 2}, t1[] = {1, 1.1, 0.9};
    CHECK(pb_amdahl_fit(p1, t1, 3, NAN, &fit) != 0);
    CHECK(pb_amdahl_fit(p1, t1, 0, NAN, &fit) != 0);
}

int main(void)
{
    test_summary();
    test_quantile();
    test_ci_ranks();
    test_ci_exact();
    test_outliers();
    test_karp_flatt();
    test_amdahl();
    CHECK_DONE();
}
