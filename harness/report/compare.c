/* Matching configurations across results files, their ratios and tests, and
 * the comparison document. */
#define _GNU_SOURCE /* realpath */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "fmtnum.h"
#include "report.h"

/* Colour per input (Okabe-Ito, colour-blind friendly): blue, orange, green, ... */
static const char *const input_color[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                          "#CC79A7", "#56B4E9", "#8C6D1F", "#555555"};

static const char *base_name(const char *dir, char *buf, size_t len)
{
    char *real = realpath(dir, NULL);
    const char *p = real ? real : dir;
    const char *slash = strrchr(p, '/');
    snprintf(buf, len, "%s", slash && slash[1] ? slash + 1 : p);
    free(real);
    return buf;
}

void pb_compare_label(struct pb_cmp_input *in, size_t n)
{
    bool same_host = false;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            same_host |= strcmp(in[i].rf.sys.host, in[j].rf.sys.host) == 0;
    for (size_t i = 0; i < n; i++) {
        if (same_host)
            base_name(in[i].rf.dir, in[i].label, sizeof in[i].label);
        else
            snprintf(in[i].label, sizeof in[i].label, "%s", in[i].rf.sys.host);
    }
    /* Still equal (two dirs of one name): number them. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(in[i].label, in[j].label) == 0) {
                char tmp[sizeof in[i].label];
                snprintf(tmp, sizeof tmp, "%.100s #%zu", in[i].label, i + 1);
                memcpy(in[i].label, tmp, sizeof tmp);
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
        *row = (struct pb_cmp_row){.a = ra, .b = rb, .ratio = NAN, .min_p = 1, .ci_overlap = -1};
        row->mwu.p = NAN;
        if (!rb || !ra->valid || !rb->valid || !(ra->median_s > 0))
            continue;
        row->ratio = rb->median_s / ra->median_s;
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
    return 0;
}

void pb_compare_free(struct pb_comparison *c)
{
    for (size_t i = 0; c->pairs && i + 1 < c->n; i++) {
        free(c->pairs[i].rows);
        free(c->pairs[i].only_b);
    }
    free(c->pairs);
    c->pairs = NULL;
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
    snprintf(ps->subject, sizeof ps->subject, "%s (%s)", a->kernel, a->params_text);
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
    /* Modes in order of first appearance: each gets a dash pattern. */
    const char *modes[16];
    size_t nmodes = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct pb_section *s = match_section(c, i, k);
        for (size_t j = 0; s && j < s->nseries; j++) {
            const struct pb_series *se = &s->series[j];
            size_t m = 0;
            while (m < nmodes && strcmp(modes[m], se->title) != 0)
                m++;
            if (m == nmodes && nmodes < 16)
                modes[nmodes++] = se->title;
            char title[300];
            snprintf(title, sizeof title, "%s: %s", c->in[i].label, se->title);
            struct pb_plot_series *p = pb_plot_add_series(ps, title);
            if (!p || pb_plot_add_points(p, se))
                return -1;
            pb_plot_set_color(p, input_color[i % (sizeof input_color / sizeof *input_color)]);
            p->dash = (int)(m < 16 ? m : 15) % 5 + 1;
            p->point = pb_plot_mode_style(se->mode, m).point;
        }
    }
    return 0;
}

/* "0.012", "<0.001", or "–". */
static const char *p_text(double p, char *buf, size_t len)
{
    if (isnan(p))
        snprintf(buf, len, "\xe2\x80\x93");
    else if (p < 0.001)
        snprintf(buf, len, "<0.001");
    else
        snprintf(buf, len, "%.3f", p);
    return buf;
}

/* Whether the difference is real, in words. */
static const char *verdict(const struct pb_cmp_row *r, char *buf, size_t len)
{
    if (!r->b)
        snprintf(buf, len, "\xe2\x80\x93");
    else if (!r->a->valid || !r->b->valid)
        snprintf(buf, len, "no comparison: %s %s%s%s", !r->a->valid ? "A" : "B",
                 !r->a->valid ? r->a->status : r->b->status,
                 (!r->a->valid ? r->a->error : r->b->error)[0] ? ": " : "",
                 !r->a->valid ? r->a->error : r->b->error);
    else if (r->mwu.p < 0.05)
        snprintf(buf, len, "yes, %s", r->ratio > 1 ? "slower" : "faster");
    else if (r->min_p >= 0.05)
        snprintf(buf, len, "can't tell (%zu vs %zu runs)", r->a->ntimes, r->b->ntimes);
    else
        snprintf(buf, len, "no");
    return buf;
}

static void inputs_table(struct pb_doc *d, const struct pb_comparison *c)
{
    static const char *const head[] = {"label", "results", "host", "CPU", "cores / PUs", "started",
                                       "command line"};
    pb_doc_table(d, 7, head, "lllllll");
    for (size_t i = 0; i < c->n; i++) {
        const struct pb_cmp_input *in = &c->in[i];
        char cores[64];
        snprintf(cores, sizeof cores, "%.0f / %.0f", in->rf.sys.cores, in->rf.sys.pus);
        struct pb_tb cmd = {0};
        if (in->rf.sys.command_line)
            pb_shell_join(&cmd, in->rf.sys.command_line);
        const char *cells[] = {in->label, in->rf.path, in->rf.sys.host, in->rf.sys.cpu_model,
                               cores, in->rf.sys.start_time, pb_tb_str(&cmd)};
        pb_doc_row(d, false, cells);
        pb_tb_free(&cmd);
    }
    pb_doc_table_end(d);
}

static void summary(struct pb_doc *d, const struct pb_comparison *c, const struct pb_cmp_pair *p)
{
    const char *la = c->in[0].label, *lb = c->in[p->other].label;
    size_t n = 0, slower = 0, faster = 0, can_tell = 0;
    double logsum = 0;
    const struct pb_cmp_row *lo = NULL, *hi = NULL;
    for (size_t i = 0; i < p->nrows; i++) {
        const struct pb_cmp_row *r = &p->rows[i];
        if (isnan(r->ratio))
            continue;
        n++;
        logsum += log(r->ratio);
        if (!lo || r->ratio < lo->ratio)
            lo = r;
        if (!hi || r->ratio > hi->ratio)
            hi = r;
        can_tell += r->min_p < 0.05;
        if (r->mwu.p < 0.05)
            r->ratio > 1 ? slower++ : faster++;
    }
    if (!n) {
        pb_doc_item(d, "%s vs %s: no configuration valid in both.", lb, la);
        return;
    }
    char wl[32], wh[32];
    snprintf(wl, sizeof wl, "%u worker%s", lo->a->workers, lo->a->workers == 1 ? "" : "s");
    snprintf(wh, sizeof wh, "%u worker%s", hi->a->workers, hi->a->workers == 1 ? "" : "s");
    pb_doc_item(d,
                "%s vs %s: %zu configuration%s valid in both; %s / %s median time ratio: geometric "
                "mean %.3f, from %.3f (%s %s at %s) to %.3f (%s %s at %s).",
                lb, la, n, n == 1 ? "" : "s", lb, la, exp(logsum / (double)n), lo->ratio,
                lo->a->kernel, lo->a->mode, wl, hi->ratio, hi->a->kernel, hi->a->mode, wh);
    if (can_tell)
        pb_doc_item(d, "%s vs %s: %zu real difference%s (Mann-Whitney p < 0.05): %zu slower, %zu "
                       "faster; %zu configuration%s within noise.",
                    lb, la, slower + faster, slower + faster == 1 ? "" : "s", slower, faster,
                    n - slower - faster, n - slower - faster == 1 ? "" : "s");
    if (can_tell < n)
        pb_doc_item(d,
                    "%s vs %s: %zu configuration%s had too few runs for the test to reach p < 0.05 "
                    "(3 vs 3 runs cannot go below p = 0.10; run with 5 or more).",
                    lb, la, n - can_tell, n - can_tell == 1 ? "" : "s");
}

static void pair_table(struct pb_doc *d, const struct pb_comparison *c, const struct pb_cmp_pair *p,
                       const struct pb_section *sec)
{
    const char *la = c->in[0].label, *lb = c->in[p->other].label;
    char hma[160], hmb[160], hr[300];
    snprintf(hma, sizeof hma, "median %s", la);
    snprintf(hmb, sizeof hmb, "median %s", lb);
    snprintf(hr, sizeof hr, "%s / %s", lb, la);
    const char *head[] = {"mode", "schedule", "workers", hma, hmb, hr, "p (Mann-Whitney)",
                          "real difference?", "95% CIs"};
    size_t rows = 0;
    for (size_t i = 0; i < p->nrows; i++)
        rows += p->rows[i].b && strcmp(p->rows[i].a->kernel, sec->kernel) == 0 &&
                strcmp(p->rows[i].a->params_text, sec->params_text) == 0;
    if (!rows) {
        pb_doc_para(d, "note", "%s has no configuration of this kernel to compare with %s.", lb, la);
        return;
    }
    pb_doc_para(d, NULL, "%s compared with %s:", lb, la);
    pb_doc_table(d, 9, head, "llrrrrrll");
    for (size_t i = 0; i < p->nrows; i++) {
        const struct pb_cmp_row *r = &p->rows[i];
        if (!r->b || strcmp(r->a->kernel, sec->kernel) != 0 ||
            strcmp(r->a->params_text, sec->params_text) != 0)
            continue;
        char w[16], ma[48], mb[48], ratio[48], pv[32], v[700];
        snprintf(w, sizeof w, "%u", r->a->workers);
        pb_fmt_time(r->a->ntimes ? r->a->median_s : NAN, ma, sizeof ma);
        pb_fmt_time(r->b->ntimes ? r->b->median_s : NAN, mb, sizeof mb);
        if (isnan(r->ratio))
            snprintf(ratio, sizeof ratio, "\xe2\x80\x93");
        else
            snprintf(ratio, sizeof ratio, "%.3f (%+.1f%%)", r->ratio, 100 * (r->ratio - 1));
        const char *ci = r->ci_overlap < 0 ? "\xe2\x80\x93" : r->ci_overlap ? "overlap" : "disjoint";
        const char *cells[] = {r->a->mode, r->a->schedule, w, ma, mb, ratio,
                               p_text(r->mwu.p, pv, sizeof pv), verdict(r, v, sizeof v), ci};
        pb_doc_row(d, !r->a->valid || !r->b->valid, cells);
    }
    pb_doc_table_end(d);
}

static void only_in_one(struct pb_doc *d, const struct pb_comparison *c)
{
    size_t total = 0;
    for (size_t k = 0; k + 1 < c->n; k++) {
        const struct pb_cmp_pair *p = &c->pairs[k];
        total += p->nonly_b;
        for (size_t i = 0; i < p->nrows; i++)
            total += !p->rows[i].b;
    }
    pb_doc_heading(d, 2, "only-in-one", "Configurations in only one input");
    if (!total) {
        pb_doc_para(d, NULL, "None: every configuration ran in every input.");
        return;
    }
    for (size_t k = 0; k + 1 < c->n; k++) {
        const struct pb_cmp_pair *p = &c->pairs[k];
        const char *la = c->in[0].label, *lb = c->in[p->other].label;
        for (size_t i = 0; i < p->nrows; i++) {
            const struct pb_rf_record *r = p->rows[i].a;
            if (!p->rows[i].b)
                pb_doc_item(d, "only in %s (not in %s): %s (%s) %s, %u workers, %s", la, lb,
                            r->kernel, r->params_text, r->mode, r->workers, r->schedule);
        }
        for (size_t i = 0; i < p->nonly_b; i++) {
            const struct pb_rf_record *r = p->only_b[i];
            pb_doc_item(d, "only in %s (not in %s): %s (%s) %s, %u workers, %s", lb, la, r->kernel,
                        r->params_text, r->mode, r->workers, r->schedule);
        }
    }
}

void pb_compare_doc(struct pb_doc *d, enum pb_doc_kind kind, const struct pb_comparison *c,
                    const bool *plotted, const char *no_plots)
{
    struct pb_tb t = {0};
    pb_tb_puts(&t, "parbench compare: ");
    for (size_t i = 0; i < c->n; i++)
        pb_tb_printf(&t, "%s%s", i ? " vs " : "", c->in[i].label);
    pb_doc_begin(d, kind, pb_tb_str(&t));
    pb_doc_heading(d, 1, "top", pb_tb_str(&t));
    pb_tb_free(&t);
    pb_doc_para(d, NULL,
                "Ratios divide each input's median wall time per run by the first input's (%s) "
                "for the same kernel, parameters, mode, workers and schedule: above 1 the other "
                "input is slower, below 1 faster. A difference is called real when a two-sided "
                "Mann-Whitney U test on the two sets of run times gives p < 0.05 (exact "
                "distribution when there are no ties and at most %d runs a side, else the normal "
                "approximation with tie correction). The last column says whether the 95%% "
                "confidence intervals of the two medians overlap (from the results files, or "
                "computed from 6 or more runs).",
                c->in[0].label, PB_MWU_EXACT_MAX);
    if (c->force)
        pb_doc_para(d, "warn", "--force: kernels that ran with different parameters are compared "
                               "by kernel, mode, workers and schedule alone.");
    if (no_plots)
        pb_doc_para(d, "warn", "No charts: %s", no_plots);
    pb_doc_heading(d, 2, "inputs", "Inputs");
    inputs_table(d, c);
    pb_doc_heading(d, 2, "summary", "Summary");
    for (size_t k = 0; k + 1 < c->n; k++)
        summary(d, c, &c->pairs[k]);
    for (size_t k = 0; k < c->in[0].ss.n; k++) {
        const struct pb_section *sec = &c->in[0].ss.s[k];
        char id[80], head[700];
        snprintf(id, sizeof id, "kernel-%s", sec->slug);
        snprintf(head, sizeof head, "Kernel %s", sec->kernel);
        pb_doc_heading(d, 2, id, head);
        pb_doc_para(d, "note", "Parameters: %s.", sec->params_text);
        for (size_t j = 0; j + 1 < c->n; j++)
            pair_table(d, c, &c->pairs[j], sec);
        if (plotted && plotted[k]) {
            char s0[160], s1[160], l0[160], l1[160];
            snprintf(s0, sizeof s0, "plots/%s-speedup.%s", sec->slug, kind == PB_DOC_HTML ? "svg" : "png");
            snprintf(s1, sizeof s1, "plots/%s-throughput.%s", sec->slug, kind == PB_DOC_HTML ? "svg" : "png");
            snprintf(l0, sizeof l0, "plots/%s-speedup.png", sec->slug);
            snprintf(l1, sizeof l1, "plots/%s-throughput.png", sec->slug);
            const char *src[] = {s0, s1}, *link[] = {l0, l1};
            const char *alt[] = {"Speedup of every input versus workers (each over its own serial run)",
                                 "Throughput of every input versus workers"};
            pb_doc_figures(d, 2, src, link, alt);
        }
    }
    only_in_one(d, c);
    pb_doc_end(d);
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
                  "ratio,p_value,p_exact,significant,ci_overlap,status_a,status_b\n");
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
            pb_tb_puts(b, "\n");
        }
    }
}
