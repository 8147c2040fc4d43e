/* Matching configurations across results files, their ratios and tests, the
 * overlay plot sets and the CSV. */
#define _GNU_SOURCE /* realpath */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "compare.h"
#include "compare-ratio.h"
#include "fmtnum.h"
#include "report.h"

static const char *base_name(const char *dir, char *buf, size_t len)
{
    char *real = realpath(dir, NULL);
    const char *p = real ? real : dir;
    const char *slash = strrchr(p, '/');
    snprintf(buf, len, "%s", slash && slash[1] ? slash + 1 : p);
    free(real);
    return buf;
}

bool pb_compare_real(const struct pb_cmp_row *r)
{
    return r->b && !isnan(r->ratio) && r->mwu.p < 0.05 && !(r->ratio_lo <= 1 && r->ratio_hi >= 1);
}

void pb_compare_label(struct pb_cmp_input *in, size_t n)
{
    bool same_host = false;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            same_host |= strcmp(in[i].rf.sys.host, in[j].rf.sys.host) == 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i].labelled)
            continue;
        if (same_host)
            base_name(in[i].rf.dir, in[i].label, sizeof in[i].label);
        else
            snprintf(in[i].label, sizeof in[i].label, "%s", in[i].rf.sys.host);
    }
    /* Still equal (two dirs of one name, or a name --label also gave): number
     * the one the user did not name. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(in[i].label, in[j].label) == 0) {
                size_t k = in[i].labelled ? j : i;
                char tmp[sizeof in[k].label];
                snprintf(tmp, sizeof tmp, "%.100s #%zu", in[k].label, k + 1);
                memcpy(in[k].label, tmp, sizeof tmp);
                break;
            }
}

/* The value of `key` in "k1=v1,k2=v2", copied to val; false when absent. */
static bool param_value(const char *text, const char *key, size_t klen, char *val, size_t len)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, ",");
        const char *eq = memchr(p, '=', n);
        if (eq && (size_t)(eq - p) == klen && strncmp(p, key, klen) == 0) {
            snprintf(val, len, "%.*s", (int)(n - klen - 1), eq + 1);
            return true;
        }
        p += n + (p[n] == ',');
    }
    return false;
}

/* "hi=3000000 vs hi=200000": the parameters that differ, each side. */
static void param_diff(const char *a, const char *b, char *out, size_t len)
{
    char left[512] = "", right[512] = "";
    size_t nl = 0, nr = 0;
    for (int side = 0; side < 2; side++) {
        const char *x = side ? b : a, *y = side ? a : b;
        for (const char *p = x; *p;) {
            size_t n = strcspn(p, ",");
            const char *eq = memchr(p, '=', n);
            size_t klen = eq ? (size_t)(eq - p) : n;
            char vy[256];
            bool in_y = param_value(y, p, klen, vy, sizeof vy);
            bool differs = !in_y || (eq && (strlen(vy) != n - klen - 1 ||
                                            strncmp(vy, eq + 1, n - klen - 1) != 0));
            if (differs) {
                /* Each side lists its own value of every differing key once. */
                if (side == 0) {
                    nl += (size_t)snprintf(left + nl, nl < sizeof left ? sizeof left - nl : 0,
                                           "%s%.*s", nl ? "," : "", (int)n, p);
                    if (in_y)
                        nr += (size_t)snprintf(right + nr, nr < sizeof right ? sizeof right - nr : 0,
                                               "%s%.*s=%s", nr ? "," : "", (int)klen, p, vy);
                } else if (!in_y) {
                    nr += (size_t)snprintf(right + nr, nr < sizeof right ? sizeof right - nr : 0,
                                           "%s%.*s", nr ? "," : "", (int)n, p);
                }
            }
            p += n + (p[n] == ',');
        }
    }
    if (!left[0] && !right[0])
        snprintf(out, len, "%s vs %s", a, b);
    else
        snprintf(out, len, "%s vs %s", left[0] ? left : "(defaults)", right[0] ? right : "(defaults)");
}

int pb_compare_check_params(const struct pb_cmp_input *in, size_t n, bool force, char *err,
                            size_t errlen)
{
    if (force)
        return 0;
    const struct pb_sections *a = &in[0].ss;
    for (size_t i = 1; i < n; i++) {
        const struct pb_sections *b = &in[i].ss;
        for (size_t k = 0; k < a->n; k++) {
            const char *kernel = a->s[k].kernel;
            const struct pb_section *other = NULL;
            bool common = false;
            for (size_t j = 0; j < b->n; j++) {
                if (strcmp(b->s[j].kernel, kernel) != 0)
                    continue;
                if (!other)
                    other = &b->s[j];
                for (size_t m = 0; m < a->n; m++)
                    common |= strcmp(a->s[m].kernel, kernel) == 0 &&
                              strcmp(a->s[m].params_text, b->s[j].params_text) == 0;
            }
            if (other && !common) {
                char diff[1100];
                param_diff(a->s[k].params_text, other->params_text, diff, sizeof diff);
                snprintf(err, errlen, "%s and %s ran %s with different parameters (%s); use --force",
                         in[0].arg, in[i].arg, kernel, diff);
                return -1;
            }
        }
    }
    return 0;
}

static bool same_config(const struct pb_rf_record *a, const struct pb_rf_record *b, bool params)
{
    return strcmp(a->kernel, b->kernel) == 0 && strcmp(a->mode, b->mode) == 0 &&
           a->workers == b->workers && strcmp(a->schedule, b->schedule) == 0 &&
           (!params || strcmp(a->params_text, b->params_text) == 0);
}

/* The 95% CI of a record's median: the file's, else from its runs. */
static bool record_ci(const struct pb_rf_record *r, double *lo, double *hi)
{
    if (!isnan(r->ci_low_s) && !isnan(r->ci_high_s)) {
        *lo = r->ci_low_s;
        *hi = r->ci_high_s;
        return true;
    }
    return pb_rs_median_ci(r->times_s, r->ntimes, lo, hi);
}

static int build_pair(struct pb_comparison *c, struct pb_cmp_pair *p)
{
    const struct pb_rfile *a = &c->in[0].rf, *b = &c->in[p->other].rf;
    p->rows = calloc(a->nrec ? a->nrec : 1, sizeof *p->rows);
    bool *used = calloc(b->nrec ? b->nrec : 1, sizeof *used);
    p->only_b = calloc(b->nrec ? b->nrec : 1, sizeof *p->only_b);
    if (!p->rows || !used || !p->only_b) {
        free(used);
        return -1;
    }
    for (size_t i = 0; i < a->nrec; i++) {
        const struct pb_rf_record *ra = &a->rec[i], *rb = NULL;
        for (int pass = 0; pass < (c->force ? 2 : 1) && !rb; pass++)
            for (size_t j = 0; j < b->nrec && !rb; j++)
                if (!used[j] && same_config(ra, &b->rec[j], pass == 0)) {
                    rb = &b->rec[j];
                    used[j] = true;
                }
        struct pb_cmp_row *row = &p->rows[p->nrows++];
        *row = (struct pb_cmp_row){.a = ra, .b = rb, .ratio = NAN, .ratio_lo = NAN,
                                   .ratio_hi = NAN, .ratio_se = NAN, .min_p = 1, .ci_overlap = -1};
        row->mwu.p = NAN;
        if (!rb || !ra->valid || !rb->valid || !(ra->median_s > 0))
            continue;
        row->ratio = rb->median_s / ra->median_s;
        pb_cmp_ratio_ci(ra, rb, &row->ratio_lo, &row->ratio_hi, &row->ratio_se);
        if (pb_rs_mann_whitney(ra->times_s, ra->ntimes, rb->times_s, rb->ntimes, &row->mwu)) {
            free(used);
            return -1;
        }
        row->min_p = pb_rs_mwu_min_p(ra->ntimes, rb->ntimes);
        double alo, ahi, blo, bhi;
        if (record_ci(ra, &alo, &ahi) && record_ci(rb, &blo, &bhi))
            row->ci_overlap = !(ahi < blo || bhi < alo);
    }
    for (size_t j = 0; j < b->nrec; j++)
        if (!used[j])
            p->only_b[p->nonly_b++] = &b->rec[j];
    free(used);
    return 0;
}

int pb_compare_build(struct pb_comparison *c)
{
    c->pairs = calloc(c->n, sizeof *c->pairs);
    if (!c->pairs)
        return -1;
    for (size_t i = 1; i < c->n; i++) {
        c->pairs[i - 1].other = i;
        if (build_pair(c, &c->pairs[i - 1]))
            return -1;
    }
    return pb_cmp_differs_build(c->in, c->n, &c->differs);
}

void pb_compare_free(struct pb_comparison *c)
{
    for (size_t i = 0; c->pairs && i + 1 < c->n; i++) {
        free(c->pairs[i].rows);
        free(c->pairs[i].only_b);
    }
    free(c->pairs);
    c->pairs = NULL;
    pb_cmp_differs_free(&c->differs);
}

/* Input i's section matching base section k: same parameters, or (forced) same kernel. */
static const struct pb_section *match_section(const struct pb_comparison *c, size_t i, size_t k)
{
    const struct pb_section *a = &c->in[0].ss.s[k];
    const struct pb_section *s = pb_section_find(&c->in[i].ss, a->kernel, a->params_text);
    for (size_t j = 0; !s && c->force && j < c->in[i].ss.n; j++)
        if (strcmp(c->in[i].ss.s[j].kernel, a->kernel) == 0)
            s = &c->in[i].ss.s[j];
    return s;
}

int pb_compare_plot_set(const struct pb_comparison *c, size_t k, struct pb_plot_set *ps)
{
    const struct pb_section *a = &c->in[0].ss.s[k];
    memset(ps, 0, sizeof *ps);
    snprintf(ps->name, sizeof ps->name, "%s", a->slug);
    pb_chart_subject(a, ps->subject, sizeof ps->subject);   /* short title; full parameters in the text */
    snprintf(ps->unit, sizeof ps->unit, "%s", a->unit[0] ? a->unit : "units");
    /* "a vs b · CPU" when every input ran on the same CPU model, else each with its own. */
    bool one_cpu = true;
    for (size_t i = 1; i < c->n; i++)
        one_cpu &= strcmp(c->in[i].rf.sys.cpu_model, c->in[0].rf.sys.cpu_model) == 0;
    size_t used = 0;
    for (size_t i = 0; i < c->n && used + 1 < sizeof ps->machine; i++) {
        int w = snprintf(ps->machine + used, sizeof ps->machine - used, one_cpu ? "%s%s" : "%s%s (%s)",
                         i ? " vs " : "", c->in[i].label, c->in[i].rf.sys.cpu_model);
        used += w > 0 ? (size_t)w : 0;
    }
    if (one_cpu && used + 1 < sizeof ps->machine)
        snprintf(ps->machine + used, sizeof ps->machine - used, " \xc2\xb7 %s",
                 c->in[0].rf.sys.cpu_model);
    /* A mode looks as in the report (its descriptor's colour and marker), an
     * input has its own dash pattern: solid for the first, then dashed, dotted... */
    const char *unknown[16];
    size_t nunknown = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct pb_section *s = match_section(c, i, k);
        for (size_t j = 0; s && j < s->nseries; j++) {
            const struct pb_series *se = &s->series[j];
            size_t m = 0;
            if (!pb_mode_find(se->mode)) {
                while (m < nunknown && strcmp(unknown[m], se->mode) != 0)
                    m++;
                if (m == nunknown && nunknown < 16)
                    unknown[nunknown++] = se->mode;
            }
            struct pb_plot_style st = pb_plot_mode_style(se->mode, m);
            char title[300];
            snprintf(title, sizeof title, "%s: %s", c->in[i].label, se->title);
            struct pb_plot_series *p = pb_plot_add_series(ps, title);
            if (!p || pb_plot_add_points(p, se))
                return -1;
            pb_plot_set_color(p, st.color);
            p->dash = (int)(i % 5) + 1;
            p->point = st.point;
        }
    }
    return 0;
}

/* A CSV field, quoted when it holds a separator, quote or line break. */
static void csv_str(struct pb_tb *b, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        pb_tb_puts(b, s);
        return;
    }
    pb_tb_puts(b, "\"");
    for (; *s; s++)
        if (*s == '"')
            pb_tb_puts(b, "\"\"");
        else
            pb_tb_putn(b, s, 1);
    pb_tb_puts(b, "\"");
}

static void csv_num(struct pb_tb *b, double v)
{
    if (!isnan(v))
        pb_tb_printf(b, "%.9g", v);
}

void pb_compare_csv(struct pb_tb *b, const struct pb_comparison *c)
{
    pb_tb_puts(b, "kernel,params,mode,schedule,workers,label_a,label_b,median_a_s,median_b_s,"
                  "ratio,p_value,p_exact,significant,ci_overlap,status_a,status_b,ratio_ci_low,"
                  "ratio_ci_high,real_difference\n");
    for (size_t k = 0; k + 1 < c->n; k++) {
        const struct pb_cmp_pair *p = &c->pairs[k];
        for (size_t i = 0; i < p->nrows; i++) {
            const struct pb_cmp_row *r = &p->rows[i];
            if (!r->b)
                continue;
            const char *text[] = {r->a->kernel, r->a->params_text, r->a->mode, r->a->schedule};
            for (size_t j = 0; j < 4; j++) {
                csv_str(b, text[j]);
                pb_tb_puts(b, ",");
            }
            pb_tb_printf(b, "%u,", r->a->workers);
            csv_str(b, c->in[0].label);
            pb_tb_puts(b, ",");
            csv_str(b, c->in[p->other].label);
            pb_tb_puts(b, ",");
            csv_num(b, r->a->median_s);
            pb_tb_puts(b, ",");
            csv_num(b, r->b->median_s);
            pb_tb_puts(b, ",");
            csv_num(b, r->ratio);
            pb_tb_puts(b, ",");
            csv_num(b, r->mwu.p);
            pb_tb_printf(b, ",%s,%s,%s,", isnan(r->mwu.p) ? "" : r->mwu.exact ? "true" : "false",
                         isnan(r->mwu.p) ? "" : r->mwu.p < 0.05 ? "true" : "false",
                         r->ci_overlap < 0 ? "" : r->ci_overlap ? "true" : "false");
            csv_str(b, r->a->status);
            pb_tb_puts(b, ",");
            csv_str(b, r->b->status);
            pb_tb_puts(b, ",");
            csv_num(b, r->ratio_lo);
            pb_tb_puts(b, ",");
            csv_num(b, r->ratio_hi);
            /* As the document says it: significant and the ratio's CI excludes 1. */
            pb_tb_printf(b, ",%s\n", isnan(r->mwu.p) ? "" : pb_compare_real(r) ? "true" : "false");
        }
    }
}
