/* Statistics of repeated timings. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorted copy of x, or NULL when out of memory. */
static double *sorted_copy(const double *x, size_t n)
{
    double *s = malloc((n ? n : 1) * sizeof *s);
    if (s) {
        memcpy(s, x, n * sizeof *s);
        qsort(s, n, sizeof *s, cmp_double);
    }
    return s;
}

static double median_sorted(const double *s, size_t n)
{
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

double pb_median(const double *x, size_t n)
{
    if (n == 0)
        return 0;
    double *s = sorted_copy(x, n);
    if (!s)
        return NAN;
    double m = median_sorted(s, n);
    free(s);
    return m;
}

/* ln P(B = k), B ~ binomial(n, 1/2). */
double pb_quantile(const double *x, size_t n, double q)
{
    if (n == 0 || !(q >= 0 && q <= 1))
        return NAN;
    double *s = sorted_copy(x, n);
    if (!s)
        return NAN;
    /* Type 7: position q (n - 1) between the order statistics, so p0 is the
     * minimum, p100 the maximum and p50 the median exactly. */
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)pos;
    double v = lo + 1 < n ? s[lo] + (pos - (double)lo) * (s[lo + 1] - s[lo]) : s[lo];
    free(s);
    return v;
}

static double ln_pmf_half(size_t n, size_t k)
{
    return lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1) -
           (double)n * 0.693147180559945309417;   /* ln 2 */
}

double pb_binom_half_cdf(size_t n, size_t k)
{
    if (k >= n)
        return 1;
    /* The upper half by symmetry, so the sum below only ever shrinks. */
    if (2 * k >= n)
        return 1 - pb_binom_half_cdf(n, n - k - 1);
    /* P(B <= k) = P(B = k) * sum_{j <= k} P(B = j) / P(B = k).  P(B = k) alone
     * is taken in log space (2^-n underflows from n = 1075); the ratios follow
     * from P(B = j - 1) / P(B = j) = j / (n - j + 1) < 1 below the middle, all
     * positive and shrinking, so the sum is stable and stops once a term no
     * longer changes it (about 3,000 terms at n = 100,000). */
    double sum = 1, term = 1;
    for (size_t j = k; j > 0; j--) {
        term *= (double)j / (double)(n - j + 1);
        double next = sum + term;
        if (next == sum)
            break;
        sum = next;
    }
    return exp(ln_pmf_half(n, k) + log(sum));
}

bool pb_median_ci_ranks(size_t n, double level, size_t *lo, size_t *hi)
{
    /* [x(k+1), x(n-k)] (1-based) misses the median when at most k samples fall
     * on one side, so its coverage is 1 - 2 P(B <= k), B ~ binomial(n, 1/2).
     * Take the largest k (with x(k+1) below x(n-k)) whose tail stays within
     * (1 - level) / 2: P(B <= k) grows with k, so a bisection finds it. */
    double tail = (1 - level) / 2;
    if (n < 2 || pb_binom_half_cdf(n, 0) > tail)
        return false;
    size_t good = 0, bad = (n - 2) / 2 + 1;   /* cdf(good) <= tail; bad: past the last k */
    while (bad - good > 1) {
        size_t mid = good + (bad - good) / 2;
        if (pb_binom_half_cdf(n, mid) <= tail)
            good = mid;
        else
            bad = mid;
    }
    *lo = good;
    *hi = n - 1 - good;
    return true;
}

bool pb_median_ci(const double *x, size_t n, double *lo, double *hi)
{
    *lo = *hi = NAN;
    size_t a, b;
    if (!pb_median_ci_ranks(n, PB_CI_LEVEL, &a, &b))
        return false;
    double *s = sorted_copy(x, n);
    if (!s)
        return false;
    *lo = s[a];
    *hi = s[b];
    free(s);
    return true;
}

double pb_ci_rel(const struct pb_summary *s)
{
    if (!s->has_ci || !(s->median > 0))
        return NAN;
    double below = s->median - s->ci_low, above = s->ci_high - s->median;
    return (below > above ? below : above) / s->median;
}

/* Median absolute deviation of x[0..n) around its median m; `dev` is scratch for n values. */
static double mad_of(const double *x, size_t n, double m, double *dev)
{
    for (size_t i = 0; i < n; i++)
        dev[i] = fabs(x[i] - m);
    qsort(dev, n, sizeof *dev, cmp_double);
    return median_sorted(dev, n);
}

size_t pb_outliers(const double *x, size_t n, size_t *idx)
{
    /* Below five the MAD is the spread of two or three points, and flags by chance. */
    if (n < PB_MAD_MIN_N)
        return 0;
    double *s = sorted_copy(x, n);
    double *dev = malloc(n * sizeof *dev);
    size_t count = 0;
    if (s && dev) {
        double m = median_sorted(s, n);
        double limit = PB_MAD_K * 1.4826 * mad_of(x, n, m, dev);
        for (size_t i = 0; i < n; i++)
            if (fabs(x[i] - m) > limit) {
                if (idx)
                    idx[count] = i;
                count++;
            }
    }
    free(s);
    free(dev);
    return count;
}

void pb_summarise(const double *x, size_t n, struct pb_summary *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    out->ci_low = out->ci_high = NAN;
    if (n == 0)
        return;
    double *s = sorted_copy(x, n);
    double *dev = malloc(n * sizeof *dev);
    if (!s || !dev) {
        free(s);
        free(dev);
        out->median = out->mean = NAN;
        return;
    }
    out->min = s[0];
    out->max = s[n - 1];
    out->median = median_sorted(s, n);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    out->mean = sum / (double)n;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (s[i] - out->mean) * (s[i] - out->mean);
    out->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
    out->cv = out->mean > 0 ? out->stddev / out->mean : 0;
    size_t lo, hi;
    if (pb_median_ci_ranks(n, PB_CI_LEVEL, &lo, &hi)) {
        out->has_ci = true;
        out->ci_low = s[lo];
        out->ci_high = s[hi];
    }
    out->mad = mad_of(x, n, out->median, dev);
    out->n_outliers = pb_outliers(x, n, NULL);
    free(s);
    free(dev);
}

double pb_karp_flatt(double speedup, double p)
{
    if (!(p > 1) || !(speedup > 0))
        return NAN;
    return (1 / speedup - 1 / p) / (1 - 1 / p);
}

/* T/T1 - 1/p = f (1 - 1/p) through the origin, T1 known. */
static int amdahl_known_t1(const double *p, const double *t, size_t n, double t1,
                           struct pb_amdahl *fit)
{
    double sxx = 0, sxy = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(p[i] > 1) || !isfinite(t[i]))
            continue;
        double x = 1 - 1 / p[i], y = t[i] / t1 - 1 / p[i];
        sxx += x * x;
        sxy += x * y;
        m++;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = p[j] == p[i] && isfinite(t[j]);
        fit->points += !seen;
    }
    fit->samples = m;
    if (m == 0 || !(sxx > 0))
        return -1;
    fit->t1_s = t1;
    fit->f = sxy / sxx;
    if (m >= 2) {
        double rss = 0;
        for (size_t i = 0; i < n; i++) {
            if (!(p[i] > 1) || !isfinite(t[i]))
                continue;
            double x = 1 - 1 / p[i], y = t[i] / t1 - 1 / p[i];
            rss += (y - fit->f * x) * (y - fit->f * x);
        }
        fit->f_stderr = sqrt(rss / (double)(m - 1) / sxx);
    }
    return 0;
}

int pb_amdahl_fit(const double *p, const double *t, size_t n, double t1_s, struct pb_amdahl *fit)
{
    memset(fit, 0, sizeof *fit);
    fit->f = fit->f_stderr = fit->t1_s = NAN;
    if (!isnan(t1_s))
        return t1_s > 0 ? amdahl_known_t1(p, t, n, t1_s, fit) : -1;
    fit->samples = n;
    if (n < 2)
        return -1;
    /* Linear in u = 1/p: T = a + b u, with a = T1 f and b = T1 (1 - f). */
    double su = 0, st = 0;
    for (size_t i = 0; i < n; i++) {
        su += 1 / p[i];
        st += t[i];
    }
    double mu = su / (double)n, mt = st / (double)n;
    double sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double du = 1 / p[i] - mu;
        sxx += du * du;
        sxy += du * (t[i] - mt);
    }
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = p[j] == p[i];
        fit->points += !seen;
    }
    if (fit->points < 2 || !(sxx > 0))
        return -1;
    double b = sxy / sxx, a = mt - b * mu;
    double t1 = a + b;
    if (!(t1 > 0))
        return -1;
    fit->t1_s = t1;
    fit->f = a / t1;
    if (n > 2) {
        double ssr = 0;
        for (size_t i = 0; i < n; i++) {
            double r = t[i] - (a + b / p[i]);
            ssr += r * r;
        }
        double s2 = ssr / (double)(n - 2);
        double var_a = s2 * (1 / (double)n + mu * mu / sxx);
        double var_b = s2 / sxx;
        double cov_ab = -mu * s2 / sxx;
        /* Delta method: f = a / (a + b), df/da = b / T1^2, df/db = -a / T1^2. */
        double ga = b / (t1 * t1), gb = -a / (t1 * t1);
        double var_f = ga * ga * var_a + gb * gb * var_b + 2 * ga * gb * cov_ab;
        fit->f_stderr = sqrt(var_f > 0 ? var_f : 0);
    }
    return 0;
}
