/* Write the data and variable files the gnuplot scripts in plots/ read. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charts.h"
#include "fsutil.h"
#include "plotdata.h"
#include "plotlayout.h"
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
    out->single = s->single_worker;
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
        p->times = r->times_s;
        p->ntimes = r->ntimes;
    }
    return 0;
}

/* Worker w's CPU kind in record r, "" when the record does not say
 * (placement.workers[].kind: unbound, a uniform machine, an older file). */
static const char *worker_kind(const struct pb_rf_record *r, int w)
{
    const cJSON *ws = cJSON_GetArrayItem(r->placement_workers, w);
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(ws, "kind");
    return cJSON_IsString(k) ? k->valuestring : "";
}

/* The 1-worker throughput on `kind` in the section: the single-worker (baseline)
 * mode's when it ran there, since speedups are over it, else the best other
 * mode's; NAN when no 1-worker run was on that kind. */
static double kind_rate(const struct pb_section *sec, const char *kind)
{
    double single = NAN, other = NAN;
    for (size_t i = 0; i < sec->nrecs; i++) {
        const struct pb_rf_record *r = sec->recs[i];
        if (!r->valid || r->workers != 1 || !(r->throughput > 0) ||
            strcmp(worker_kind(r, 0), kind) != 0)
            continue;
        if (r->single_worker)
            single = fmax(single, r->throughput);
        else
            other = fmax(other, r->throughput);
    }
    return isnan(single) ? other : single;
}

/* The capacity of record r's workers in units of its speedup baseline, or NAN
 * when a worker's kind or that kind's rate is unknown (*missing: the kind). */
static double record_capacity(const struct pb_section *sec, const struct pb_rf_record *r,
                              const char **missing)
{
    double ref = r->throughput / r->speedup;   /* the baseline's throughput */
    if (!(ref > 0) || !isfinite(ref) || cJSON_GetArraySize(r->placement_workers) != (int)r->workers)
        return NAN;
    double sum = 0;
    for (unsigned w = 0; w < r->workers; w++) {
        const char *k = worker_kind(r, (int)w);
        double rate = k[0] ? kind_rate(sec, k) : NAN;
        if (!(rate > 0)) {
            if (k[0])
                *missing = k;
            return NAN;
        }
        sum += rate / ref;
    }
    return sum;
}

/* On a machine with CPU kinds, the capacity per worker count (from the first
 * valid record at each count that names its workers' kinds). */
static int kind_capacity(const struct pb_section *sec, struct pb_plot_set *ps)
{
    bool kinds = false;
    for (size_t i = 0; i < sec->nrecs && !kinds; i++)
        for (unsigned w = 0; w < sec->recs[i]->workers && !kinds; w++)
            kinds = worker_kind(sec->recs[i], (int)w)[0] != '\0';
    if (!kinds)
        return 0;
    const char *missing = NULL;
    for (size_t i = 0; i < sec->nrecs; i++) {
        const struct pb_rf_record *r = sec->recs[i];
        bool have = false;
        for (size_t j = 0; j < ps->ncap && !have; j++)
            have = ps->cap[j].workers == r->workers;
        double c = !r->valid || have ? NAN : record_capacity(sec, r, &missing);
        if (isnan(c))
            continue;
        struct pb_plot_capacity *cap = realloc(ps->cap, (ps->ncap + 1) * sizeof *cap);
        if (!cap)
            return -1;
        ps->cap = cap;
        ps->cap[ps->ncap++] = (struct pb_plot_capacity){r->workers, c};
    }
    if (missing)
        snprintf(ps->ideal_note, sizeof ps->ideal_note,
                 "ideal: p where no 1-worker run on %.40s cores measured their throughput "
                 "(run the ladder on each kind with --kinds)", missing);
    else if (ps->ncap)
        snprintf(ps->ideal_note, sizeof ps->ideal_note,
                 "ideal: the capacity given, the sum over the workers of their CPU kind's "
                 "1-worker throughput");
    else
        snprintf(ps->ideal_note, sizeof ps->ideal_note,
                 "ideal: p (the workers were not bound to one kind each)");
    return 0;
}

double pb_plot_ideal(const struct pb_plot_set *ps, double workers)
{
    double v = workers;
    for (size_t j = 0; j < ps->ncap; j++)
        if (ps->cap[j].workers == workers)
            v = ps->cap[j].capacity;
    return ps->ideal_cap > 0 && v > ps->ideal_cap ? ps->ideal_cap : v;
}

int pb_plot_from_section(const struct pb_rfile *rf, const struct pb_section *sec,
                         struct pb_plot_set *ps)
{
    memset(ps, 0, sizeof *ps);
    snprintf(ps->name, sizeof ps->name, "%s", sec->slug);
    pb_chart_subject(sec, ps->subject, sizeof ps->subject);
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
        p->amdahl_clamped = s->amdahl_negative;
    }
    if (kind_capacity(sec, ps) != 0)
        return -1;
    /* A container quota below the PUs caps every speedup (preflight.cpu_quota). */
    double q = rf->preflight.present ? rf->preflight.cpu_quota : NAN;
    if (q > 0 && q < rf->sys.pus) {
        ps->ideal_cap = q;
        size_t n = strlen(ps->ideal_note);
        snprintf(ps->ideal_note + n, sizeof ps->ideal_note - n, "%sat most the CPU quota, %.3g CPUs",
                 n ? "; " : "ideal: ", q);
    }
    return 0;
}

void pb_plot_free(struct pb_plot_set *ps)
{
    for (size_t i = 0; i < ps->ns; i++)
        free(ps->s[i].pt);
    free(ps->s);
    free(ps->cap);
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

/* A style per series: 'c' colour (a string), 'd' dash type, 'p' point type,
 * 's' 1 for a single-worker baseline (drawn on top, larger). */
static void array_style(struct pb_tb *b, const char *name, const struct pb_plot_set *ps, char which)
{
    pb_tb_printf(b, "array %s[%zu] = [", name, ps->ns);
    for (size_t i = 0; i < ps->ns; i++) {
        const struct pb_plot_series *s = &ps->s[i];
        pb_tb_puts(b, i ? ", " : "");
        if (which == 'c')
            pb_tb_gpstr(b, s->color);
        else
            pb_tb_printf(b, "%d", which == 'd' ? s->dash : which == 'p' ? s->point : s->single);
    }
    pb_tb_puts(b, "]\n");
}

/* The ideal line as points (sidealx, sidealy): each worker count, plus the
 * quota where min(p, quota) bends between two of them; idealdiffers is 1 when
 * it is not plainly p (the scripts then draw p dashed beside it). */
static void write_ideal(struct pb_tb *b, const struct pb_plot_set *ps, const double *w, size_t nw)
{
    double *x = malloc((2 * nw + 1) * sizeof *x);
    size_t n = 0;
    if (!x) {
        b->oom = true;
        return;
    }
    for (size_t k = 0; k < nw; k++) {
        if (ps->ideal_cap > 1 && ps->ncap == 0 && ps->ideal_cap < w[k] &&
            (k == 0 || ps->ideal_cap > w[k - 1]))
            x[n++] = ps->ideal_cap;
        x[n++] = w[k];
    }
    if (n == 0)
        x[n++] = 1;
    bool differs = false;
    pb_tb_printf(b, "nideal = %zu\narray sidealx[%zu] = [", n, n);
    for (size_t k = 0; k < n; k++) {
        pb_tb_puts(b, k ? ", " : "");
        num(b, x[k]);
    }
    pb_tb_printf(b, "]\narray sidealy[%zu] = [", n);
    for (size_t k = 0; k < n; k++) {
        double y = pb_plot_ideal(ps, x[k]);
        differs |= fabs(y - x[k]) > 1e-9 * x[k];
        pb_tb_puts(b, k ? ", " : "");
        num(b, y);
    }
    pb_tb_printf(b, "]\nidealdiffers = %d\nidealcap = ", differs);
    num(b, ps->ideal_cap > 0 ? ps->ideal_cap : NAN);
    pb_tb_puts(b, "\nidealnote = ");
    pb_tb_gpstr(b, ps->ideal_note);
    pb_tb_puts(b, "\n");
    free(x);
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
    pb_tb_puts(b, "]\n");
    write_ideal(b, ps, w, nw);
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
    pb_tb_printf(b, "maxw = %.0f\ntlog = %d\n", nw ? w[nw - 1] : 1,
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
    pb_plot_write_layout(b, ps, w, nw);
    array_style(b, "ssingle", ps, 's');
}

int pb_plot_write(const char *dir, const struct pb_plot_set *ps, char *err, size_t errlen)
{
    double *w = NULL;
    long nw = worker_counts(ps, &w);
    if (nw < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct pb_tb dat = {0}, bars = {0}, runs = {0}, vars = {0};
    write_dat(&dat, ps);
    write_bars(&bars, ps, w, (size_t)nw);
    write_vars(&vars, ps, w, (size_t)nw);
    pb_plot_write_runs(&runs, &vars, ps, w, (size_t)nw);
    free(w);
    int rc = 0;
    if (dat.oom || bars.oom || runs.oom || vars.oom) {
        snprintf(err, errlen, "out of memory writing plot data");
        rc = -1;
    }
    const struct {
        const char *suffix;
        struct pb_tb *b;
    } files[] = {{".dat", &dat}, {"-bars.dat", &bars}, {"-runs.dat", &runs}, {".gpvars", &vars}};
    for (size_t i = 0; i < sizeof files / sizeof *files && rc == 0; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s%s", dir, ps->name, files[i].suffix);
        rc = pb_write_text(path, pb_tb_str(files[i].b), err, errlen);
    }
    pb_tb_free(&dat);
    pb_tb_free(&bars);
    pb_tb_free(&runs);
    pb_tb_free(&vars);
    return rc;
}
