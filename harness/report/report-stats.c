/* Mann–Whitney U for report/compare, and the report layer's names for the
 * median CI and the Amdahl fit, which are stats.c's (the one statistics module). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report-stats.h"
#include "stats.h"

struct tagged {
    double v;
    int from_a;
};

static int cmp_tagged(const void *x, const void *y)
{
    double a = ((const struct tagged *)x)->v, b = ((const struct tagged *)y)->v;
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
    return pb_median_ci(x, n, lo, hi);
}

size_t pb_rs_amdahl_fit(const double *workers, const double *speedup, size_t n, double *f,
                        double *f_stderr)
{
    /* A speedup over the baseline is the time in units of the baseline's: fit
     * t = 1 / speedup with T1 known to be 1 (report-series.c's fallback when a
     * file has no analysis[] fit of its own). */
    *f = *f_stderr = NAN;
    double *t = malloc((n ? n : 1) * sizeof *t);
    if (!t)
        return 0;
    for (size_t i = 0; i < n; i++)
        t[i] = speedup[i] > 0 && isfinite(speedup[i]) ? 1 / speedup[i] : NAN;
    struct pb_amdahl fit;
    int rc = pb_amdahl_fit(workers, t, n, 1, &fit);
    free(t);
    if (rc != 0)
        return 0;
    *f = fit.f;
    *f_stderr = fit.f_stderr;
    return fit.samples;
}
