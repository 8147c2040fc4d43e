/* What keeps a chart readable with a dense ladder and many modes: axis ranges
 * fitted to the data, a log2 worker axis, small sideways offsets between
 * series, legend texts with the Amdahl fit, and the per-run data of the
 * distribution chart. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plotlayout.h"

/* A worker axis from 1 to 16 or more on a linear scale piles 1, 2, 3 and 4 into
 * its first few pixels: from this span on it is log2. */
#define XLOG_SPAN 16.0
/* Sideways offset between neighbouring series: at most this (octaves on a log
 * axis, a fraction of the range on a linear one), and all of them together at
 * most half the narrowest gap between two worker counts. */
#define DODGE_LOG 0.04
#define DODGE_LIN 0.006

static bool finite_pos(double v)
{
    return isfinite(v) && v > 0;
}

/* One number as gnuplot reads it. */
static void num(struct pb_tb *b, double v)
{
    if (!isfinite(v))
        pb_tb_puts(b, "NaN");
    else
        pb_tb_printf(b, "%.6g", v);
}

/* The series that get an offset: those with more than one point, in order. */
static size_t dodged(const struct pb_plot_set *ps, size_t upto)
{
    size_t n = 0;
    for (size_t i = 0; i < upto && i < ps->ns; i++)
        n += !ps->s[i].single && ps->s[i].n > 1;
    return n;
}

static void write_dodge(struct pb_tb *b, const struct pb_plot_set *ps, const double *w, size_t nw,
                        bool xlog)
{
    size_t m = dodged(ps, ps->ns);
    double gap = INFINITY;
    for (size_t k = 1; k < nw; k++)
        gap = fmin(gap, xlog ? log2(w[k] / w[k - 1]) : w[k] - w[k - 1]);
    double step = xlog ? DODGE_LOG : DODGE_LIN * (nw ? w[nw - 1] : 1);
    if (m > 1 && isfinite(gap))
        step = fmin(step, 0.5 * gap / (double)(m - 1));
    pb_tb_printf(b, "dodgestep = ");
    num(b, m > 1 ? step : 0);
    pb_tb_printf(b, "\narray sdodge[%zu] = [", ps->ns ? ps->ns : 1);
    for (size_t i = 0; i < ps->ns; i++) {
        const struct pb_plot_series *s = &ps->s[i];
        double d = !s->single && s->n > 1 ? (double)dodged(ps, i) - (double)(m - 1) / 2 : 0;
        pb_tb_printf(b, "%s%.1f", i ? ", " : "", d);
    }
    pb_tb_puts(b, ps->ns ? "]\n" : "0.0]\n");
}

/* Legend texts: the mode, and its Amdahl fit where there is one. */
static void write_fits(struct pb_tb *b, const struct pb_plot_set *ps)
{
    size_t nfit = 0;
    pb_tb_printf(b, "array sfit[%zu] = [", ps->ns ? ps->ns : 1);
    for (size_t i = 0; i < ps->ns; i++) {
        const struct pb_plot_series *s = &ps->s[i];
        char t[400];
        double f = s->amdahl_f;
        if (f >= -0.05 && f < 1) {
            nfit++;
            /* A negative fit (super-linear, or noise) is drawn as f = 0 and says so. */
            if (s->amdahl_clamped)
                snprintf(t, sizeof t, "%s (f<0)", s->title);
            else
                snprintf(t, sizeof t, "%s (f=%.3f)", s->title, f);
        } else {
            snprintf(t, sizeof t, "%s", s->title);
        }
        pb_tb_puts(b, i ? ", " : "");
        pb_tb_gpstr(b, t);
    }
    pb_tb_printf(b, "%s]\nnfits = %zu\n", ps->ns ? "" : "''", nfit);
}

/* Axis ranges fitted to the data, each keeping its reference line (ideal, 100 %, 1.0) in view. */
static void write_ranges(struct pb_tb *b, const struct pb_plot_set *ps, double maxw)
{
    double smin = 1, smax = 1, emin = 100, emax = 100, imax = 1, imin = 1;
    for (size_t i = 0; i < ps->ns; i++)
        for (size_t j = 0; j < ps->s[i].n; j++) {
            const struct pb_plot_point *p = &ps->s[i].pt[j];
            if (finite_pos(p->speedup_low))
                smin = fmin(smin, p->speedup_low);
            if (finite_pos(p->speedup_high))
                smax = fmax(smax, p->speedup_high);
            double elo = 100 * p->speedup_low / p->workers, ehi = 100 * p->speedup_high / p->workers;
            if (finite_pos(elo))
                emin = fmin(emin, elo);
            if (finite_pos(ehi))
                emax = fmax(emax, ehi);
            if (isfinite(p->imbalance)) {
                imax = fmax(imax, p->imbalance);
                imin = fmin(imin, p->imbalance);
            }
        }
    /* Speedup on a log axis: from a little under the lowest CI to a little over the ideal. */
    pb_tb_puts(b, "spmin = ");
    num(b, smin / 1.25);
    pb_tb_puts(b, "\nspmax = ");
    num(b, fmax(smax, maxw) * 1.25);
    /* Efficiency: tens of percent around the data, 100 % always in view with room above. */
    double lo = floor((emin - 3) / 10) * 10, hi = ceil((emax + 3) / 10) * 10;
    lo = fmax(0, fmin(lo, 90));
    pb_tb_printf(b, "\neffmin = %.0f\neffmax = %.0f\n", lo, fmax(hi, lo + 20));
    /* Imbalance is max / mean >= 1: from just under 1 (its reference line shows) to
     * a little over the worst, at least 1.05 so noise of 0.1 % does not look like a trend. */
    double top = fmax(1.05, 1 + (imax - 1) * 1.15);
    double bottom = fmin(1, imin) - (top - fmin(1, imin)) * 0.04;
    pb_tb_puts(b, "imbmin = ");
    num(b, bottom);
    pb_tb_puts(b, "\nimbmax = ");
    num(b, top);
    pb_tb_puts(b, "\n");
}

void pb_plot_write_layout(struct pb_tb *b, const struct pb_plot_set *ps, const double *w, size_t nw)
{
    bool xlog = nw >= 4 && w[0] > 0 && w[nw - 1] / w[0] >= XLOG_SPAN;
    pb_tb_printf(b, "xlog = %d\n", xlog);
    write_dodge(b, ps, w, nw, xlog);
    write_fits(b, ps);
    write_ranges(b, ps, nw ? w[nw - 1] : 1);
}

/* A "#rrggbb" colour as the integer `lc rgb variable` reads. */
static long color_int(const char *c)
{
    return c[0] == '#' ? strtol(c + 1, NULL, 16) : 0x7f7f7f;
}

/* The point of series s at `workers` that has timed runs, or NULL. */
static const struct pb_plot_point *runs_at(const struct pb_plot_series *s, double workers)
{
    for (size_t j = 0; j < s->n; j++)
        if (s->pt[j].workers == workers && s->pt[j].ntimes > 0 && s->pt[j].median_s > 0)
            return &s->pt[j];
    return NULL;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The y axis of the distribution chart, +-lim %: wide enough for nearly every run
 * (3 x the 95th percentile of |deviation|, at least 2 %), so that one
 * disturbed run of +35 % does not flatten every other strip to a line; runs
 * beyond are drawn at the edge with their value written beside them. */
static double runs_limit(const struct pb_plot_set *ps)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < ps->ns; i++)
        for (size_t j = 0; j < ps->s[i].n; j++)
            n += ps->s[i].pt[j].median_s > 0 ? ps->s[i].pt[j].ntimes : 0;
    double *d = malloc((n + 1) * sizeof *d);
    if (!d)
        return 100;
    for (size_t i = 0; i < ps->ns; i++)
        for (size_t j = 0; j < ps->s[i].n; j++) {
            const struct pb_plot_point *p = &ps->s[i].pt[j];
            for (size_t r = 0; p->median_s > 0 && r < p->ntimes; r++)
                d[k++] = fabs(100 * (p->times[r] / p->median_s - 1));
        }
    double lim = 2, max = 0;
    if (k) {
        qsort(d, k, sizeof *d, cmp_double);
        max = d[k - 1];
        lim = fmax(lim, 3 * d[(size_t)(0.95 * (double)(k - 1))]);
    }
    free(d);
    return max <= lim * 1.2 ? fmax(max, 2) : lim;
}

void pb_plot_write_runs(struct pb_tb *runs, struct pb_tb *vars, const struct pb_plot_set *ps,
                        const double *w, size_t nw)
{
    pb_tb_puts(runs, "# parbench plot data: every timed run of every configuration, grouped by "
                     "worker count, a slot per series\n");
    pb_tb_puts(runs, "# x deviation_pct(clipped to the axis) time_s color(0xrrggbb) pointtype "
                     "series clipped(1; 2: the farthest of its strip) deviation_pct\n");
    double lim = runs_limit(ps), lo = 0, hi = 0;
    struct pb_tb gx = {0}, gn = {0}, gsep = {0};
    size_t ng = 0, nruns = 0;
    double x0 = 0;
    for (size_t k = 0; k < nw; k++) {
        size_t slot = 0;
        for (size_t i = 0; i < ps->ns; i++) {
            const struct pb_plot_point *p = runs_at(&ps->s[i], w[k]);
            if (!p)
                continue;
            /* Of a strip's runs beyond the axis, the farthest on each side gets its value
             * written (clipped = 2), the others only their marker at the edge (1). */
            size_t far[2] = {SIZE_MAX, SIZE_MAX};
            for (size_t r = 0; r < p->ntimes; r++) {
                double dev = 100 * (p->times[r] / p->median_s - 1);
                int side = dev > 0;
                if (fabs(dev) > lim && (far[side] == SIZE_MAX ||
                                        fabs(dev) > fabs(p->times[far[side]] / p->median_s - 1) * 100))
                    far[side] = r;
            }
            for (size_t r = 0; r < p->ntimes; r++) {
                /* Spread a strip's runs across its slot in a fixed pattern (golden ratio),
                 * so equal times stay apart and the picture does not change between renders. */
                double jitter = (fmod((double)r * 0.618034, 1.0) - 0.5) * 0.6;
                double dev = 100 * (p->times[r] / p->median_s - 1);
                lo = fmin(lo, fmax(-lim, dev));
                hi = fmax(hi, fmin(lim, dev));
                pb_tb_printf(runs, "%.4f ", x0 + (double)slot + jitter);
                num(runs, fmax(-lim, fmin(lim, dev)));
                pb_tb_puts(runs, " ");
                num(runs, p->times[r]);
                pb_tb_printf(runs, " %ld %d %zu %d ", color_int(ps->s[i].color), ps->s[i].point,
                             i + 1, r == far[0] || r == far[1] ? 2 : fabs(dev) > lim);
                num(runs, dev);
                pb_tb_puts(runs, "\n");
                nruns++;
            }
            slot++;
        }
        if (!slot)
            continue;
        pb_tb_puts(&gx, ng ? ", " : "");
        pb_tb_printf(&gx, "%.2f", x0 + (double)(slot - 1) / 2);
        pb_tb_printf(&gn, "%s%.0f", ng ? ", " : "", w[k]);
        if (ng)
            pb_tb_printf(&gsep, "%s%.2f", ng > 1 ? ", " : "", x0 - 1.25);
        ng++;
        x0 += (double)slot + 1.5;   /* a gap of 1.5 slots between worker counts */
    }
    if (nruns == 0)
        pb_tb_puts(runs, "NaN NaN NaN 0 1 0 0 NaN\n");
    pb_tb_printf(vars, "runsfile = '%s-runs.dat'\nnruns = %zu\nngroups = %zu\nrunsylim = ", ps->name,
                 nruns, ng);
    num(vars, lim);
    /* The axis: what the runs reach (a run is never more than 100 % faster than
     * its median), with a margin, and at least +-1 % so a quiet machine's strips
     * are not magnified into noise. */
    double pad = 0.08 * (hi - lo);
    pb_tb_puts(vars, "\nrunsymin = ");
    num(vars, fmin(-1, lo - pad));
    pb_tb_puts(vars, "\nrunsymax = ");
    num(vars, fmax(1, hi + pad));
    pb_tb_printf(vars, "\narray gx[%zu] = [%s]\narray gn[%zu] = [%s]\n", ng ? ng : 1,
                 ng ? pb_tb_str(&gx) : "0", ng ? ng : 1, ng ? pb_tb_str(&gn) : "0");
    pb_tb_printf(vars, "nsep = %zu\narray gsep[%zu] = [%s]\nrunsxmax = %.2f\n", ng > 1 ? ng - 1 : 0,
                 ng > 1 ? ng - 1 : 1, ng > 1 ? pb_tb_str(&gsep) : "0", ng ? x0 - 2.5 : 1);
    vars->oom |= gx.oom || gn.oom || gsep.oom;
    pb_tb_free(&gx);
    pb_tb_free(&gn);
    pb_tb_free(&gsep);
}
