/* Ratio CIs, their geometric mean, and the ratio chart of a comparison. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "charts.h"
#include "compare-ratio.h"
#include "fsutil.h"
#include "gnuplot.h"
#include "pb.h"
#include "stats.h"
#include "textbuf.h"

/* The two-sided 95% normal quantile: PB_CI_LEVEL is the level of every interval. */
#define Z95 1.959963984540054

/* A record's median CI: the file's, else run/stats.c's from its runs. */
static bool median_ci(const struct pb_rf_record *r, double *lo, double *hi)
{
    if (!isnan(r->ci_low_s) && !isnan(r->ci_high_s)) {
        *lo = r->ci_low_s;
        *hi = r->ci_high_s;
        return true;
    }
    return pb_median_ci(r->times_s, r->ntimes, lo, hi);
}

bool pb_cmp_ratio_ci(const struct pb_rf_record *a, const struct pb_rf_record *b, double *lo,
                     double *hi, double *se_log)
{
    *lo = *hi = *se_log = NAN;
    double alo, ahi, blo, bhi;
    if (!(a->median_s > 0) || !(b->median_s > 0) || !median_ci(a, &alo, &ahi) ||
        !median_ci(b, &blo, &bhi) || !(alo > 0) || !(blo > 0) || ahi < alo || bhi < blo)
        return false;
    double sa = (log(ahi) - log(alo)) / (2 * Z95), sb = (log(bhi) - log(blo)) / (2 * Z95);
    double lr = log(b->median_s / a->median_s);
    *se_log = sqrt(sa * sa + sb * sb);
    *lo = exp(lr - Z95 * *se_log);
    *hi = exp(lr + Z95 * *se_log);
    return true;
}

void pb_cmp_geomean(const struct pb_cmp_pair *p, const char *kernel, const char *params_text,
                    struct pb_cmp_geomean *g)
{
    memset(g, 0, sizeof *g);
    g->gm = g->lo = g->hi = g->min = g->max = NAN;
    double logsum = 0, var = 0;
    for (size_t i = 0; i < p->nrows; i++) {
        const struct pb_cmp_row *r = &p->rows[i];
        if (isnan(r->ratio) || (kernel && (strcmp(r->a->kernel, kernel) != 0 ||
                                           strcmp(r->a->params_text, params_text) != 0)))
            continue;
        g->n++;
        logsum += log(r->ratio);
        if (isnan(r->ratio_se))
            g->n_no_ci++;
        else
            var += r->ratio_se * r->ratio_se;
        if (isnan(g->min) || r->ratio < g->min)
            g->min = r->ratio;
        if (isnan(g->max) || r->ratio > g->max)
            g->max = r->ratio;
    }
    if (!g->n)
        return;
    double m = logsum / (double)g->n;
    g->gm = exp(m);
    if (!g->n_no_ci) {
        double se = sqrt(var) / (double)g->n;
        g->lo = exp(m - Z95 * se);
        g->hi = exp(m + Z95 * se);
    }
}

/* ---- the chart ------------------------------------------------------------------ */

static void num(struct pb_tb *b, double v)
{
    if (isfinite(v))
        pb_tb_printf(b, "%.9g", v);
    else
        pb_tb_puts(b, "NaN");
}

/* The pair's row whose base record is r, or NULL. */
static const struct pb_cmp_row *row_of(const struct pb_cmp_pair *p, const struct pb_rf_record *r)
{
    for (size_t i = 0; i < p->nrows; i++)
        if (p->rows[i].a == r)
            return &p->rows[i];
    return NULL;
}

/* Series: for each input after the first, one per series (mode, schedule) of
 * the base section: colour and marker of the mode, a dash pattern per input. */
static void write_files(const struct pb_comparison *c, size_t k, struct pb_tb *dat, struct pb_tb *vars)
{
    const struct pb_section *sec = &c->in[0].ss.s[k];
    size_t nser = (c->n - 1) * sec->nseries, j = 0;
    struct pb_tb titles = {0}, colors = {0}, dashes = {0}, points = {0};
    pb_tb_puts(dat, "# parbench compare: ratio of medians to the first input, by workers\n"
                    "# columns: series workers ratio ratio_ci_low ratio_ci_high\n");
    unsigned maxw = 1;
    for (size_t i = 1; i < c->n; i++) {
        const struct pb_cmp_pair *p = &c->pairs[i - 1];
        size_t unregistered = 0;
        for (size_t s = 0; s < sec->nseries; s++, j++) {
            const struct pb_series *se = &sec->series[s];
            bool known = pb_mode_find(se->mode) != NULL;
            struct pb_plot_style st = pb_plot_mode_style(se->mode, known ? 0 : unregistered++);
            pb_tb_printf(dat, "%s# series %zu: %s / %s, %s\n", j ? "\n\n" : "", j + 1, c->in[i].label,
                         c->in[0].label, se->title);
            pb_tb_printf(&titles, "%s", j ? ", " : "");
            char t[400];
            snprintf(t, sizeof t, "%s: %s", c->in[i].label, se->title);
            pb_tb_gpstr(&titles, t);
            pb_tb_printf(&colors, "%s", j ? ", " : "");
            pb_tb_gpstr(&colors, st.color && st.color[0] == '#' && strlen(st.color) == 7 &&
                                         strspn(st.color + 1, "0123456789abcdefABCDEF") == 6
                                     ? st.color
                                     : "#7f7f7f");
            pb_tb_printf(&dashes, "%s%zu", j ? ", " : "", (i - 1) % 5 + 1);
            pb_tb_printf(&points, "%s%d", j ? ", " : "", st.point);
            size_t written = 0;
            for (size_t q = 0; q < se->npts; q++) {
                const struct pb_cmp_row *r = row_of(p, se->pts[q]);
                if (!r || isnan(r->ratio))
                    continue;
                unsigned w = se->pts[q]->workers;
                maxw = w > maxw ? w : maxw;
                bool ci = !isnan(r->ratio_lo);
                pb_tb_printf(dat, "%zu %u ", j + 1, w);
                num(dat, r->ratio);
                pb_tb_puts(dat, " ");
                num(dat, ci ? r->ratio_lo : r->ratio);
                pb_tb_puts(dat, " ");
                num(dat, ci ? r->ratio_hi : r->ratio);
                pb_tb_puts(dat, "\n");
                written++;
            }
            if (!written)   /* an empty block would shift gnuplot's index numbers */
                pb_tb_puts(dat, "NaN NaN NaN NaN NaN\n");
        }
    }
    pb_tb_puts(vars, "# parbench compare ratio chart variables (generated): plots/compare-ratio.gp\n");
    pb_tb_printf(vars, "datafile = '%s-ratio.dat'\nsubject = ", sec->slug);
    char subject[700];
    pb_chart_subject(sec, subject, sizeof subject);
    pb_tb_gpstr(vars, subject);
    pb_tb_puts(vars, "\nbaseline = ");
    pb_tb_gpstr(vars, c->in[0].label);
    pb_tb_printf(vars, "\nnseries = %zu\narray stitle[%zu] = [%s]\narray scolor[%zu] = [%s]\n"
                       "array sdash[%zu] = [%s]\narray spoint[%zu] = [%s]\n",
                 nser, nser, pb_tb_str(&titles), nser, pb_tb_str(&colors), nser, pb_tb_str(&dashes),
                 nser, pb_tb_str(&points));
    /* The geometric mean of each input's ratios for this kernel, a line each. */
    size_t ng = c->n - 1;
    struct pb_tb gt = {0}, gm = {0}, gd = {0};
    for (size_t i = 1; i < c->n; i++) {
        struct pb_cmp_geomean g;
        pb_cmp_geomean(&c->pairs[i - 1], sec->kernel, sec->params_text, &g);
        char t[400];
        if (isnan(g.lo))
            snprintf(t, sizeof t, "%s: geometric mean %.3f (no CI)", c->in[i].label, g.gm);
        else
            snprintf(t, sizeof t, "%s: geometric mean %.3f [%.3f, %.3f]", c->in[i].label, g.gm,
                     g.lo, g.hi);
        pb_tb_puts(&gt, i > 1 ? ", " : "");
        pb_tb_gpstr(&gt, t);
        pb_tb_puts(&gm, i > 1 ? ", " : "");
        num(&gm, g.gm);
        pb_tb_printf(&gd, "%s%zu", i > 1 ? ", " : "", (i - 1) % 5 + 1);
    }
    pb_tb_printf(vars, "ngm = %zu\narray gtitle[%zu] = [%s]\narray gmean[%zu] = [%s]\n"
                       "array gdash[%zu] = [%s]\nmaxw = %u\n",
                 ng, ng, pb_tb_str(&gt), ng, pb_tb_str(&gm), ng, pb_tb_str(&gd), maxw);
    pb_tb_puts(vars, "array wlist[");
    /* The worker counts of the base section, for the ticks. */
    unsigned ws[64];
    size_t nw = 0;
    for (size_t s = 0; s < sec->nseries; s++)
        for (size_t q = 0; q < sec->series[s].npts; q++) {
            unsigned w = sec->series[s].pts[q]->workers;
            size_t at = 0;
            while (at < nw && ws[at] < w)
                at++;
            if ((at < nw && ws[at] == w) || nw == 64)
                continue;
            memmove(ws + at + 1, ws + at, (nw - at) * sizeof *ws);
            ws[at] = w;
            nw++;
        }
    if (!nw)
        ws[nw++] = 1;
    pb_tb_printf(vars, "%zu] = [", nw);
    for (size_t q = 0; q < nw; q++)
        pb_tb_printf(vars, "%s%u", q ? ", " : "", ws[q]);
    pb_tb_printf(vars, "]\nnworkers = %zu\n", nw);
    dat->oom |= titles.oom || colors.oom || dashes.oom || points.oom;
    vars->oom |= gt.oom || gm.oom || gd.oom;
    pb_tb_free(&titles);
    pb_tb_free(&colors);
    pb_tb_free(&dashes);
    pb_tb_free(&points);
    pb_tb_free(&gt);
    pb_tb_free(&gm);
    pb_tb_free(&gd);
}

static int write_one(const char *dir, const char *name, struct pb_tb *b, char *err, size_t errlen)
{
    char path[PB_PATH_MAX];
    int rc = pb_path_join(path, dir, name, err, errlen);
    if (rc == 0 && b->oom) {
        snprintf(err, errlen, "out of memory writing %s", path);
        rc = -1;
    }
    if (rc == 0)
        rc = pb_write_text(path, pb_tb_str(b), err, errlen);
    pb_tb_free(b);
    return rc;
}

int pb_cmp_ratio_chart(const struct pb_comparison *c, size_t k, struct pb_charts *ch,
                       const char *plotdir, char *err, size_t errlen)
{
    const struct pb_section *sec = &c->in[0].ss.s[k];
    struct pb_tb dat = {0}, vars = {0};
    write_files(c, k, &dat, &vars);
    char name[96], vname[96];
    snprintf(name, sizeof name, "%s-ratio.dat", sec->slug);
    snprintf(vname, sizeof vname, "%s-ratio.gpvars", sec->slug);
    if (write_one(plotdir, name, &dat, err, errlen) != 0) {
        pb_tb_free(&vars);
        return -1;
    }
    if (write_one(plotdir, vname, &vars, err, errlen) != 0)
        return -1;
    /* No other input ran this kernel's configurations: no chart to show. */
    bool any = false;
    for (size_t i = 0; i + 1 < c->n && !any; i++)
        for (size_t r = 0; r < c->pairs[i].nrows && !any; r++)
            any = !isnan(c->pairs[i].rows[r].ratio) &&
                  strcmp(c->pairs[i].rows[r].a->kernel, sec->kernel) == 0 &&
                  strcmp(c->pairs[i].rows[r].a->params_text, sec->params_text) == 0;
    if (ch->off || sec->nseries == 0 || !any)
        return 0;
    char out[96], e[PB_ERRLEN];
    snprintf(out, sizeof out, "%s-ratio", sec->slug);
    if (pb_gnuplot_render(ch->gnuplot, ch->plotsdir, "compare-ratio", plotdir, vname, out, e,
                          sizeof e) != 0) {
        pb_warn("%s: no ratio charts", e);
        ch->off = true;
        snprintf(ch->why, sizeof ch->why, "gnuplot failed: %s", e);
        return 0;
    }
    return 1;
}
