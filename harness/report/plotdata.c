/* Write the data and variable files the gnuplot scripts in plots/ read. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fsutil.h"
#include "plotdata.h"
#include "report-stats.h"
#include "textbuf.h"

/* Whether a registered mode draws in `color`. */
static bool color_taken(const char *color)
{
    for (size_t i = 0; i < pb_nmodes; i++)
        if (pb_modes[i]->style.color && strcasecmp(pb_modes[i]->style.color, color) == 0)
            return true;
    return false;
}

struct pb_plot_style pb_plot_mode_style(const char *mode, size_t nth)
{
    const struct pb_mode *m = pb_mode_find(mode);
    if (m && m->style.color)
        return m->style;
    /* Modes from another build's results: a palette by order of appearance, less the
     * colours of the registered modes, then the same again with another dash. */
    static const char *const colors[] = {"#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
                                         "#aec7e8", "#ffbb78", "#98df8a", "#ff9896",
                                         "#c5b0d5", "#c49c94", "#dbdb8d", "#9edae5"};
    static const int points[] = {1, 2, 3, 8, 10, 12, 14, 1, 2, 3, 8, 10};
    size_t ncolors = sizeof colors / sizeof *colors, avail[sizeof colors / sizeof *colors], n = 0;
    for (size_t i = 0; i < ncolors; i++)
        if (!color_taken(colors[i]))
            avail[n++] = i;
    if (n == 0)
        return (struct pb_plot_style){colors[nth % ncolors], points[nth % ncolors],
                                      2 + (int)(nth / ncolors % 4)};
    size_t k = avail[nth % n];
    return (struct pb_plot_style){colors[k], points[k], 1 + (int)(nth / n % 5)};
}

void pb_plot_set_color(struct pb_plot_series *s, const char *color)
{
    bool ok = color && color[0] == '#' && strlen(color) == 7 &&
              strspn(color + 1, "0123456789abcdefABCDEF") == 6;
    snprintf(s->color, sizeof s->color, "%s", ok ? color : "#7f7f7f");
}

struct pb_plot_series *pb_plot_add_series(struct pb_plot_set *ps, const char *title)
{
    struct pb_plot_series *s = realloc(ps->s, (ps->ns + 1) * sizeof *s);
    if (!s)
        return NULL;
    ps->s = s;
    s = &ps->s[ps->ns++];
    memset(s, 0, sizeof *s);
    snprintf(s->title, sizeof s->title, "%s", title);
    pb_plot_set_color(s, NULL);
    s->dash = s->point = 1;
    s->amdahl_f = NAN;
    s->amdahl_scale = 1;
    return s;
}

/* The median's CI: the file's (schema 2), else from the samples, else none (= median). */
static void median_ci(const struct pb_rf_record *r, double *lo, double *hi)
{
    if (!isnan(r->ci_low_s) && !isnan(r->ci_high_s)) {
        *lo = r->ci_low_s;
        *hi = r->ci_high_s;
    } else if (!pb_rs_median_ci(r->times_s, r->ntimes, lo, hi)) {
        *lo = *hi = r->median_s;
    }
}

int pb_plot_add_points(struct pb_plot_series *out, const struct pb_series *s)
{
    struct pb_plot_point *pt = realloc(out->pt, (out->n + s->npts + 1) * sizeof *pt);
    if (!pt)
        return -1;
    out->pt = pt;
    for (size_t i = 0; i < s->npts; i++) {
        const struct pb_rf_record *r = s->pts[i];
        if (!r->valid || (out->n && out->pt[out->n - 1].workers == r->workers))
            continue;
        struct pb_plot_point *p = &out->pt[out->n++];
        p->workers = r->workers;
        p->median_s = r->median_s;
        median_ci(r, &p->ci_low_s, &p->ci_high_s);
        p->speedup = r->speedup;
        if (!isnan(r->speedup_ci_low) && !isnan(r->speedup_ci_high)) {
            p->speedup_low = r->speedup_ci_low;
            p->speedup_high = r->speedup_ci_high;
        } else if (!isnan(r->speedup) && p->ci_low_s > 0 && p->ci_high_s > 0) {
            /* speedup = serial / median, so the time CI maps to a speedup CI. */
            double serial = r->speedup * r->median_s;
            p->speedup_low = serial / p->ci_high_s;
            p->speedup_high = serial / p->ci_low_s;
        } else {
            p->speedup_low = p->speedup_high = r->speedup;
        }
        double eff = !isnan(r->efficiency) ? r->efficiency : r->speedup / r->workers;
        p->efficiency_pct = 100 * eff;
        p->throughput = r->throughput;
        p->imbalance = r->imbalance;
    }
    return 0;
}

int pb_plot_from_section(const struct pb_rfile *rf, const struct pb_section *sec,
                         struct pb_plot_set *ps)
{
    memset(ps, 0, sizeof *ps);
    snprintf(ps->name, sizeof ps->name, "%s", sec->slug);
    snprintf(ps->subject, sizeof ps->subject, "%s (%s)", sec->kernel, sec->params_text);
    snprintf(ps->machine, sizeof ps->machine, "%s \xc2\xb7 %s", rf->sys.host, rf->sys.cpu_model);
    snprintf(ps->unit, sizeof ps->unit, "%s", sec->unit[0] ? sec->unit : "units");
    for (size_t i = 0; i < sec->nseries; i++) {
        const struct pb_series *s = &sec->series[i];
        struct pb_plot_series *p = pb_plot_add_series(ps, s->title);
        if (!p || pb_plot_add_points(p, s))
            return -1;
        /* Unregistered modes before this one, each counted at its first series. */
        size_t unknown = 0;
        for (size_t j = 0; j < i; j++) {
            bool first = true;
            for (size_t k = 0; k < j && first; k++)
                first = strcmp(sec->series[k].mode, sec->series[j].mode) != 0;
            unknown += first && strcmp(sec->series[j].mode, s->mode) != 0 &&
                       !pb_mode_find(sec->series[j].mode);
        }
        struct pb_plot_style st = pb_plot_mode_style(s->mode, unknown);
        pb_plot_set_color(p, st.color);
        p->point = st.point;
        /* Several schedules of one mode: same colour, a dash pattern each. */
        int nth = 0, same = 0;
        for (size_t j = 0; j < sec->nseries; j++) {
            if (strcmp(sec->series[j].mode, s->mode) != 0)
                continue;
            if (j < i)
                nth++;
            same++;
        }
        p->dash = same > 1 ? nth + 1 : st.dash;
        p->amdahl_f = s->amdahl_f;
        p->amdahl_scale = s->amdahl_scale;
    }
    return 0;
}

void pb_plot_free(struct pb_plot_set *ps)
{
    for (size_t i = 0; i < ps->ns; i++)
        free(ps->s[i].pt);
    free(ps->s);
    memset(ps, 0, sizeof *ps);
}

/* One number as gnuplot reads it. */
static void num(struct pb_tb *b, double v)
{
    if (isnan(v) || isinf(v))
        pb_tb_puts(b, "NaN");
    else
        pb_tb_printf(b, "%.9g", v);
}

/* A comment line: anything but a line break. */
static void comment(struct pb_tb *b, const char *s)
{
    pb_tb_puts(b, "# ");
    for (; *s; s++)
        pb_tb_putn(b, *s == '\n' || *s == '\r' ? " " : s, 1);
    pb_tb_puts(b, "\n");
}

static void write_dat(struct pb_tb *b, const struct pb_plot_set *ps)
{
    comment(b, "parbench plot data: one block per series, blocks separated by two blank lines");
    comment(b, ps->subject);
    for (size_t i = 0; i < ps->ns; i++) {
        const struct pb_plot_series *s = &ps->s[i];
        if (i)
            pb_tb_puts(b, "\n\n");
        char c[300];
        snprintf(c, sizeof c, "series %zu: %s", i + 1, s->title);
        comment(b, c);
        comment(b, "workers median_s ci_low_s ci_high_s speedup speedup_low speedup_high "
                   "efficiency_pct throughput imbalance");
        /* An empty block would shift gnuplot's index numbers: keep one undefined line. */
        if (s->n == 0)
            pb_tb_puts(b, "NaN NaN NaN NaN NaN NaN NaN NaN NaN NaN\n");
        for (size_t j = 0; j < s->n; j++) {
            const struct pb_plot_point *p = &s->pt[j];
            const double v[] = {p->workers,     p->median_s,     p->ci_low_s,     p->ci_high_s,
                                p->speedup,     p->speedup_low,  p->speedup_high,
                                p->efficiency_pct, p->throughput, p->imbalance};
            for (size_t k = 0; k < sizeof v / sizeof *v; k++) {
                if (k)
                    pb_tb_puts(b, " ");
                num(b, v[k]);
            }
            pb_tb_puts(b, "\n");
        }
    }
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Every worker count of any series, sorted and unique.  Returns the count, or -1. */
static long worker_counts(const struct pb_plot_set *ps, double **out)
{
    size_t total = 0, n = 0;
    for (size_t i = 0; i < ps->ns; i++)
        total += ps->s[i].n;
    double *w = malloc((total + 1) * sizeof *w);
    if (!w)
        return -1;
    for (size_t i = 0; i < ps->ns; i++)
        for (size_t j = 0; j < ps->s[i].n; j++)
            w[n++] = ps->s[i].pt[j].workers;
    qsort(w, n, sizeof *w, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || w[u - 1] != w[i])
            w[u++] = w[i];
    *out = w;
    return (long)u;
}

/* Rows by worker count, three columns (median, CI low, CI high) per series; '-' is missing. */
static void write_bars(struct pb_tb *b, const struct pb_plot_set *ps, const double *w, size_t nw)
{
    comment(b, "parbench plot data: median time by worker count; per series: median_s ci_low_s "
               "ci_high_s; '-' where a series has no valid run");
    comment(b, ps->subject);
    for (size_t k = 0; k < nw; k++) {
        num(b, w[k]);
        for (size_t i = 0; i < ps->ns; i++) {
            const struct pb_plot_point *p = NULL;
            for (size_t j = 0; j < ps->s[i].n && !p; j++)
                if (ps->s[i].pt[j].workers == w[k])
                    p = &ps->s[i].pt[j];
            if (!p || isnan(p->median_s)) {
                pb_tb_puts(b, " - - -");
                continue;
            }
            pb_tb_puts(b, " ");
            num(b, p->median_s);
            pb_tb_puts(b, " ");
            num(b, p->ci_low_s);
            pb_tb_puts(b, " ");
            num(b, p->ci_high_s);
        }
        pb_tb_puts(b, "\n");
    }
}

static void array_str(struct pb_tb *b, const char *name, const struct pb_plot_set *ps)
{
    pb_tb_printf(b, "array %s[%zu] = [", name, ps->ns);
    for (size_t i = 0; i < ps->ns; i++) {
        if (i)
            pb_tb_puts(b, ", ");
        pb_tb_gpstr(b, ps->s[i].title);
    }
    pb_tb_puts(b, "]\n");
}

/* A style per series: 'c' colour (a string), 'd' dash type, 'p' point type. */
static void array_style(struct pb_tb *b, const char *name, const struct pb_plot_set *ps, char which)
{
    pb_tb_printf(b, "array %s[%zu] = [", name, ps->ns);
    for (size_t i = 0; i < ps->ns; i++) {
        const struct pb_plot_series *s = &ps->s[i];
        pb_tb_puts(b, i ? ", " : "");
        if (which == 'c')
            pb_tb_gpstr(b, s->color);
        else
            pb_tb_printf(b, "%d", which == 'd' ? s->dash : s->point);
    }
    pb_tb_puts(b, "]\n");
}

static void write_vars(struct pb_tb *b, const struct pb_plot_set *ps, const double *w, size_t nw)
{
    pb_tb_puts(b, "# parbench plot variables (generated): loaded by the scripts in plots/\n");
    pb_tb_printf(b, "datafile = '%s.dat'\nbarsfile = '%s-bars.dat'\n", ps->name, ps->name);
    pb_tb_puts(b, "subject = ");
    pb_tb_gpstr(b, ps->subject);
    pb_tb_puts(b, "\nmachine = ");
    pb_tb_gpstr(b, ps->machine);
    pb_tb_puts(b, "\nunit = ");
    pb_tb_gpstr(b, ps->unit);
    pb_tb_printf(b, "\nnseries = %zu\n", ps->ns);
    array_str(b, "stitle", ps);
    array_style(b, "scolor", ps, 'c');
    array_style(b, "sdash", ps, 'd');
    array_style(b, "spoint", ps, 'p');
    /* A fraction outside [0, 1) means Amdahl's model does not fit: no curve. */
    pb_tb_printf(b, "array samdahl[%zu] = [", ps->ns);
    for (size_t i = 0; i < ps->ns; i++) {
        double f = ps->s[i].amdahl_f;
        pb_tb_puts(b, i ? ", " : "");
        num(b, f >= -0.05 && f < 1 ? f : NAN);
    }
    pb_tb_printf(b, "]\narray samdahlk[%zu] = [", ps->ns);
    for (size_t i = 0; i < ps->ns; i++) {
        pb_tb_puts(b, i ? ", " : "");
        num(b, ps->s[i].amdahl_scale);
    }
    pb_tb_printf(b, "]\nnworkers = %zu\narray wlist[%zu] = [", nw ? nw : 1, nw ? nw : 1);
    for (size_t k = 0; k < nw; k++)
        pb_tb_printf(b, "%s%.0f", k ? ", " : "", w[k]);
    if (!nw)
        pb_tb_puts(b, "1");
    double minmed = INFINITY, maxmed = 0, maxthr = 0;
    for (size_t i = 0; i < ps->ns; i++)
        for (size_t j = 0; j < ps->s[i].n; j++) {
            double m = ps->s[i].pt[j].median_s, t = ps->s[i].pt[j].throughput;
            if (m > 0 && m < minmed)
                minmed = m;
            if (m > maxmed)
                maxmed = m;
            if (t > maxthr)
                maxthr = t;
        }
    /* Times spanning more than 30x make small bars unreadable on a linear axis. */
    pb_tb_printf(b, "]\nmaxw = %.0f\ntlog = %d\n", nw ? w[nw - 1] : 1,
                 isfinite(minmed) && maxmed / minmed > 30 ? 1 : 0);
    /* Axis units chosen here so tick labels are short round numbers. */
    double ts = maxmed >= 1 ? 1 : maxmed >= 1e-3 ? 1e3 : 1e6;
    pb_tb_printf(b, "tscale = %g\ntunit = '%s'\n", ts,
                 ts == 1 ? "s" : ts == 1e3 ? "ms" : "\xc2\xb5s");
    static const char *const words[] = {"", "thousand ", "million ", "billion ", "trillion "};
    int k = 0;
    double scale = 1;
    while (k < 4 && maxthr >= scale * 1000) {
        scale *= 1000;
        k++;
    }
    pb_tb_printf(b, "thrscale = %g\nthrwords = '%s'\n", scale, words[k]);
}

int pb_plot_write(const char *dir, const struct pb_plot_set *ps, char *err, size_t errlen)
{
    double *w = NULL;
    long nw = worker_counts(ps, &w);
    if (nw < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct pb_tb dat = {0}, bars = {0}, vars = {0};
    write_dat(&dat, ps);
    write_bars(&bars, ps, w, (size_t)nw);
    write_vars(&vars, ps, w, (size_t)nw);
    free(w);
    int rc = 0;
    if (dat.oom || bars.oom || vars.oom) {
        snprintf(err, errlen, "out of memory writing plot data");
        rc = -1;
    }
    const struct {
        const char *suffix;
        struct pb_tb *b;
    } files[] = {{".dat", &dat}, {"-bars.dat", &bars}, {".gpvars", &vars}};
    for (size_t i = 0; i < 3 && rc == 0; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s%s", dir, ps->name, files[i].suffix);
        rc = pb_write_text(path, pb_tb_str(files[i].b), err, errlen);
    }
    pb_tb_free(&dat);
    pb_tb_free(&bars);
    pb_tb_free(&vars);
    return rc;
}
