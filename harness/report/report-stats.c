/* Mann–Whitney U, order-statistic median CI and Amdahl fit for report/compare. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report-stats.h"

struct tagged {
    double v;
    int from_a;
};

static int cmp_tagged(const void *x, const void *y)
{
    double a = ((const struct tagged *)x)->v, b = ((const struct tagged *)y)->v;
    return (a > b) - (a < b);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* P(U <= u) under H0 with no ties, by counting the arrangements of na a's and
 * nb b's with at most u (a > b) pairs: N(i, j, u) = N(i-1, j, u-j) + N(i, j-1, u). */
static int exact_cdf(size_t na, size_t nb, double u, double *cdf)
{
    size_t umax = na * nb, w = umax + 1;
    /* cnt[j][k]: arrangements of i a's and j b's with U = k, for the current i. */
    double *prev = calloc((nb + 1) * w, sizeof *prev), *cur = calloc((nb + 1) * w, sizeof *cur);
    if (!prev || !cur) {
        free(prev);
        free(cur);
        return -1;
    }
    for (size_t j = 0; j <= nb; j++)
        prev[j * w] = 1;   /* i = 0: one arrangement, U = 0 */
    for (size_t i = 1; i <= na; i++) {
        memset(cur, 0, (nb + 1) * w * sizeof *cur);
        cur[0] = 1;        /* j = 0 */
        for (size_t j = 1; j <= nb; j++)
            for (size_t k = 0; k <= i * j; k++)
                cur[j * w + k] = (k >= j ? prev[j * w + k - j] : 0) + cur[(j - 1) * w + k];
        double *t = prev;
        prev = cur;
        cur = t;
    }
    double total = 0, below = 0;
    for (size_t k = 0; k <= umax; k++) {
        total += prev[nb * w + k];
        if ((double)k <= u + 1e-9)
            below += prev[nb * w + k];
    }
    free(prev);
    free(cur);
    *cdf = below / total;
    return 0;
}

int pb_rs_mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct pb_rs_mwu *out)
{
    *out = (struct pb_rs_mwu){.u = NAN, .p = 1, .exact = false};
    if (na == 0 || nb == 0)
        return 0;
    size_t n = na + nb;
    struct tagged *t = malloc(n * sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < na; i++)
        t[i] = (struct tagged){a[i], 1};
    for (size_t i = 0; i < nb; i++)
        t[na + i] = (struct tagged){b[i], 0};
    qsort(t, n, sizeof *t, cmp_tagged);
    /* Average ranks over ties; the tie term sum(t^3 - t) corrects the variance. */
    double rank_a = 0, ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && t[j].v == t[i].v)
            j++;
        double avg = (double)(i + 1 + j) / 2, len = (double)(j - i);
        for (size_t k = i; k < j; k++)
            if (t[k].from_a)
                rank_a += avg;
        ties += len * len * len - len;
        i = j;
    }
    free(t);
    double fa = (double)na, fb = (double)nb, fn = (double)n;
    out->u = rank_a - fa * (fa + 1) / 2;
    double mean = fa * fb / 2;
    if (ties == 0 && na <= PB_MWU_EXACT_MAX && nb <= PB_MWU_EXACT_MAX) {
        double lo, hi;
        /* U is symmetric about its mean: P(U >= u) = P(U <= na nb - u). */
        if (exact_cdf(na, nb, out->u, &lo) || exact_cdf(na, nb, fa * fb - out->u, &hi))
            return -1;
        double p = 2 * fmin(lo, hi);
        out->p = p > 1 ? 1 : p;
        out->exact = true;
        return 0;
    }
    double var = fa * fb / 12 * ((fn + 1) - ties / (fn * (fn - 1)));
    if (var <= 0) {
        out->p = 1;   /* every value tied: no evidence of a difference */
        return 0;
    }
    double z = (fabs(out->u - mean) - 0.5) / sqrt(var);
    out->p = z <= 0 ? 1 : erfc(z / sqrt(2));
    return 0;
}

double pb_rs_mwu_min_p(size_t na, size_t nb)
{
    /* C(na+nb, na) as a product of ratios, exact enough for any realistic size. */
    double c = 1;
    for (size_t i = 1; i <= na; i++)
        c = c * (double)(nb + i) / (double)i;
    double p = 2 / c;
    return p > 1 ? 1 : p;
}

bool pb_rs_median_ci(const double *x, size_t n, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (n < 6)
        return false;
    /* Largest k with P(Bin(n, 1/2) <= k - 1) <= 0.025: the CI is [x(k), x(n-k+1)]. */
    double pk = pow(0.5, (double)n), cdf = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        cdf += pk;                       /* P(B <= i) */
        if (cdf > 0.025)
            break;
        k = i + 1;
        pk = pk * (double)(n - i) / (double)(i + 1);
    }
    if (k == 0)
        return false;
    double *s = malloc(n * sizeof *s);
    if (!s)
        return false;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    *lo = s[k - 1];
    *hi = s[n - k];
    free(s);
    return true;
}

size_t pb_rs_amdahl_fit(const double *workers, const double *speedup, size_t n, double *f,
                     double *f_stderr)
{
    *f = *f_stderr = NAN;
    double sxx = 0, sxy = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(workers[i] > 1) || !(speedup[i] > 0) || !isfinite(speedup[i]))
            continue;
        double x = 1 - 1 / workers[i], y = 1 / speedup[i] - 1 / workers[i];
        sxx += x * x;
        sxy += x * y;
        m++;
    }
    if (m == 0 || sxx <= 0)
        return 0;
    *f = sxy / sxx;
    if (m >= 2) {
        double rss = 0;
        for (size_t i = 0; i < n; i++) {
            if (!(workers[i] > 1) || !(speedup[i] > 0) || !isfinite(speedup[i]))
                continue;
            double x = 1 - 1 / workers[i], y = 1 / speedup[i] - 1 / workers[i];
            rss += (y - *f * x) * (y - *f * x);
        }
        *f_stderr = sqrt(rss / (double)(m - 1) / sxx);
    }
    return m;
}
