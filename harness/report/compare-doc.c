/* The comparison document (compare.md and compare.html): the warning about
 * what differs beyond --varies, the inputs, what differs, the summary with
 * geometric means, a ratio table and charts per kernel, and what ran in only
 * one input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "compare-differs.h"
#include "compare-ratio.h"
#include "fmtnum.h"
#include "report.h"

/* ---- what differs ------------------------------------------------------------ */

/* "machine (host, CPU model); revision (git revision)": the differing fields of
 * the aspects in mask. */
static void field_names(const struct pb_cmp_differs *d, unsigned mask, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned a = 0; a < PB_CMP_NASPECTS; a++) {
        if (!((mask >> a) & 1u))
            continue;
        int w = snprintf(buf + used, used < len ? len - used : 0, "%s%s (", used ? "; " : "",
                         pb_cmp_aspect_name((enum pb_cmp_aspect)a));
        used += w > 0 ? (size_t)w : 0;
        bool first = true;
        for (size_t f = 0; f < d->nf; f++) {
            if (d->f[f].aspect != a || !d->f[f].differs)
                continue;
            w = snprintf(buf + used, used < len ? len - used : 0, "%s%s", first ? "" : ", ",
                         d->f[f].name);
            used += w > 0 ? (size_t)w : 0;
            first = false;
        }
        w = snprintf(buf + used, used < len ? len - used : 0, ")");
        used += w > 0 ? (size_t)w : 0;
    }
}

/* The warning at the top: the inputs differ beyond what --varies names (or a
 * note that they differ only there, or not at all). */
static void differs_warning(struct pb_doc *doc, const struct pb_cmp_differs *d, unsigned varies,
                            bool varies_given)
{
    unsigned extra = d->mask & ~varies, unused = varies & ~d->mask;
    char what[1200], names[120];
    if (extra) {
        field_names(d, extra, what, sizeof what);
        pb_cmp_aspects_text(varies, names, sizeof names);
        pb_doc_para(doc, "warn",
                    "Not a like-for-like comparison: the inputs differ in %s%s%s. Every ratio "
                    "below measures all of these differences at once; see \"What differs\" "
                    "before reading any of them as the effect of one.%s",
                    what, varies_given ? ", beyond the " : "",
                    varies_given ? names : "",
                    varies_given ? "" : " Name what you meant to vary with --varies "
                                        "(e.g. --varies machine) and the rest should be equal.");
    } else if (d->mask) {
        pb_cmp_aspects_text(d->mask, names, sizeof names);
        pb_doc_para(doc, "note", "The inputs differ only in what --varies names: %s.", names);
    } else {
        pb_doc_para(doc, "note", "The inputs agree in machine, build, revision, parameters, "
                                 "method and pre-flight conditions as far as their results files "
                                 "record them.");
    }
    if (unused) {
        pb_cmp_aspects_text(unused, names, sizeof names);
        pb_doc_para(doc, "note", "--varies names %s, but the inputs record the same there.", names);
    }
}

/* The "What differs" section: the table of differing fields (a column per
 * input), the fields alike, and each input's pre-flight warnings. */
static void differs_doc(struct pb_doc *doc, const struct pb_cmp_differs *d,
                        const struct pb_cmp_input *in, size_t n)
{
    pb_doc_heading(doc, 2, "differs", "What differs");
    size_t ndiff = 0;
    for (size_t f = 0; f < d->nf; f++)
        ndiff += d->f[f].differs;
    if (ndiff) {
        size_t ncols = 2 + n;
        const char **head = calloc(ncols, sizeof *head);
        const char **cells = calloc(ncols, sizeof *cells);
        char *align = calloc(ncols + 1, 1);
        if (!head || !cells || !align) {
            doc->out.oom = true;
        } else {
            head[0] = "aspect";
            head[1] = "field";
            memset(align, 'l', ncols);
            for (size_t i = 0; i < n; i++)
                head[2 + i] = in[i].label;
            pb_doc_table(doc, ncols, head, align);
            for (size_t f = 0; f < d->nf; f++) {
                if (!d->f[f].differs)
                    continue;
                cells[0] = pb_cmp_aspect_name(d->f[f].aspect);
                cells[1] = d->f[f].name;
                for (size_t i = 0; i < n; i++)
                    cells[2 + i] = pb_cmp_value(d, f, i);
                pb_doc_row(doc, false, cells);
            }
            pb_doc_table_end(doc);
        }
        free(head);
        free(cells);
        free(align);
    } else {
        pb_doc_para(doc, NULL, "Nothing that the results files record differs between the inputs.");
    }
    struct pb_tb same = {0};
    for (size_t f = 0; f < d->nf; f++)
        if (!d->f[f].differs)
            pb_tb_printf(&same, "%s%s", same.len ? ", " : "", d->f[f].name);
    if (same.len)
        pb_doc_para(doc, "note", "The same in every input: %s.", pb_tb_str(&same));
    pb_tb_free(&same);
    pb_doc_heading(doc, 3, "preflight", "Pre-flight warnings of each input");
    for (size_t i = 0; i < n; i++) {
        const struct pb_rf_preflight *pf = &in[i].rf.preflight;
        size_t nw = 0;
        const cJSON *e;
        const cJSON *list = pf->present ? pf->warnings : NULL;
        cJSON_ArrayForEach(e, list) {
            if (cJSON_IsString(e)) {
                pb_doc_item(doc, "%s: %s", in[i].label, e->valuestring);
                nw++;
            }
        }
        if (!pf->present)
            pb_doc_item(doc, "%s: no pre-flight recorded (older results file)", in[i].label);
        else if (!nw)
            pb_doc_item(doc, "%s: none", in[i].label);
    }
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
    else if (pb_compare_real(r))
        snprintf(buf, len, "yes, %s", r->ratio > 1 ? "slower" : "faster");
    else if (r->mwu.p < 0.05)
        /* The rank test sees a shift the medians' uncertainty does not rule out as noise. */
        snprintf(buf, len, "unclear: p < 0.05 but the ratio's CI includes 1");
    else if (r->min_p >= 0.05)
        snprintf(buf, len, "can't tell (%zu vs %zu runs)", r->a->ntimes, r->b->ntimes);
    else
        snprintf(buf, len, "no");
    return buf;
}

static void inputs_table(struct pb_doc *d, const struct pb_comparison *c)
{
    static const char *const head[] = {"label", "results", "host", "CPU", "cores / PUs", "started",
                                       "run id", "command line"};
    pb_doc_table(d, 8, head, "llllllll");
    for (size_t i = 0; i < c->n; i++) {
        const struct pb_cmp_input *in = &c->in[i];
        char cores[64];
        snprintf(cores, sizeof cores, "%.0f / %.0f", in->rf.sys.cores, in->rf.sys.pus);
        struct pb_tb cmd = {0};
        if (in->rf.sys.command_line)
            pb_shell_join(&cmd, in->rf.sys.command_line);
        const char *run_id = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(in->rf.root, "system"),
                                             "run_id"));
        const char *cells[] = {in->label,         in->rf.path,     in->rf.sys.host,
                               in->rf.sys.cpu_model, cores,       in->rf.sys.start_time,
                               run_id ? run_id : "\xe2\x80\x93", pb_tb_str(&cmd)};
        pb_doc_row(d, false, cells);
        pb_tb_free(&cmd);
    }
    pb_doc_table_end(d);
}

/* "0.450 [0.431, 0.470]", or without the interval when a ratio had no CI. */
static void gm_text(const struct pb_cmp_geomean *g, char *buf, size_t len)
{
    if (!g->n)
        snprintf(buf, len, "\xe2\x80\x93");
    else if (isnan(g->lo))
        snprintf(buf, len, "%.3f (no CI: %zu configuration%s with fewer than 6 runs)", g->gm,
                 g->n_no_ci, g->n_no_ci == 1 ? "" : "s");
    else
        snprintf(buf, len, "%.3f [%.3f, %.3f]", g->gm, g->lo, g->hi);
}

/* One row per input after the first: its geometric mean over every shared
 * configuration, the range, and how many differences are real. */
static void summary(struct pb_doc *d, const struct pb_comparison *c)
{
    static const char *const head[] = {"input / baseline", "configurations",
                                       "geometric mean [95% CI]", "range", "slower", "faster",
                                       "no clear difference", "too few runs to tell"};
    pb_doc_table(d, 8, head, "lrlrrrrr");
    for (size_t k = 0; k + 1 < c->n; k++) {
        const struct pb_cmp_pair *p = &c->pairs[k];
        struct pb_cmp_geomean g;
        pb_cmp_geomean(p, NULL, NULL, &g);
        size_t slower = 0, faster = 0, few = 0;
        for (size_t i = 0; i < p->nrows; i++) {
            const struct pb_cmp_row *r = &p->rows[i];
            if (isnan(r->ratio))
                continue;
            few += r->min_p >= 0.05;
            bool real = pb_compare_real(r);
            slower += real && r->ratio > 1;
            faster += real && r->ratio < 1;
        }
        char who[300], n[32], gm[160], range[64], sl[32], fa[32], no[32], fw[32];
        snprintf(who, sizeof who, "%s / %s", c->in[p->other].label, c->in[0].label);
        snprintf(n, sizeof n, "%zu", g.n);
        gm_text(&g, gm, sizeof gm);
        if (g.n)
            snprintf(range, sizeof range, "%.3f to %.3f", g.min, g.max);
        else
            snprintf(range, sizeof range, "\xe2\x80\x93");
        snprintf(sl, sizeof sl, "%zu", slower);
        snprintf(fa, sizeof fa, "%zu", faster);
        snprintf(no, sizeof no, "%zu", g.n - slower - faster - few);
        snprintf(fw, sizeof fw, "%zu", few);
        const char *cells[] = {who, n, gm, range, sl, fa, no, fw};
        pb_doc_row(d, false, cells);
    }
    pb_doc_table_end(d);
    pb_doc_para(d, "note",
                "Ratios are median times over the baseline's (%s): below 1 faster. A difference "
                "is real when the Mann-Whitney p < 0.05 and the ratio's 95%% CI excludes 1. "
                "\"Too few runs to tell\": the test cannot reach p < 0.05 with that many runs "
                "(3 vs 3 cannot go below p = 0.10; run with 5 or more). The geometric mean's CI "
                "is measurement noise only: it does not make these configurations a sample of "
                "all workloads.",
                c->in[0].label);
}

static void pair_table(struct pb_doc *d, const struct pb_comparison *c, const struct pb_cmp_pair *p,
                       const struct pb_section *sec)
{
    const char *la = c->in[0].label, *lb = c->in[p->other].label;
    char hma[160], hmb[160], hr[300];
    snprintf(hma, sizeof hma, "median %s", la);
    snprintf(hmb, sizeof hmb, "median %s", lb);
    snprintf(hr, sizeof hr, "%s / %s [95%% CI]", lb, la);
    const char *head[] = {"mode", "schedule", "workers", hma, hmb, hr, "p (Mann-Whitney)",
                          "real difference?", "medians' CIs"};
    size_t rows = 0;
    for (size_t i = 0; i < p->nrows; i++)
        rows += p->rows[i].b && strcmp(p->rows[i].a->kernel, sec->kernel) == 0 &&
                strcmp(p->rows[i].a->params_text, sec->params_text) == 0;
    if (!rows) {
        pb_doc_para(d, "note", "%s has no configuration of this kernel to compare with %s.", lb, la);
        return;
    }
    pb_doc_para(d, NULL, "%s compared with %s:", lb, la);
    struct pb_cmp_geomean g;
    pb_cmp_geomean(p, sec->kernel, sec->params_text, &g);
    if (g.n) {
        char gm[160];
        gm_text(&g, gm, sizeof gm);
        pb_doc_para(d, "note", "Geometric mean of the %zu ratios: %s, from %.3f to %.3f.", g.n, gm,
                    g.min, g.max);
    }
    pb_doc_table(d, 9, head, "llrrrrrll");
    for (size_t i = 0; i < p->nrows; i++) {
        const struct pb_cmp_row *r = &p->rows[i];
        if (!r->b || strcmp(r->a->kernel, sec->kernel) != 0 ||
            strcmp(r->a->params_text, sec->params_text) != 0)
            continue;
        char w[16], ma[48], mb[48], ratio[96], pv[32], v[700];
        snprintf(w, sizeof w, "%u", r->a->workers);
        pb_fmt_time(r->a->ntimes ? r->a->median_s : NAN, ma, sizeof ma);
        pb_fmt_time(r->b->ntimes ? r->b->median_s : NAN, mb, sizeof mb);
        if (isnan(r->ratio))
            snprintf(ratio, sizeof ratio, "\xe2\x80\x93");
        else if (isnan(r->ratio_lo))
            snprintf(ratio, sizeof ratio, "%.3f (%+.1f%%) [no CI]", r->ratio, 100 * (r->ratio - 1));
        else
            snprintf(ratio, sizeof ratio, "%.3f (%+.1f%%) [%.3f, %.3f]", r->ratio,
                     100 * (r->ratio - 1), r->ratio_lo, r->ratio_hi);
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

void pb_compare_doc(struct pb_doc *d, enum pb_doc_kind kind, const char *dir, const struct pb_comparison *c,
                    const bool *plotted, const char *no_plots)
{
    struct pb_tb t = {0};
    pb_tb_puts(&t, "parbench compare: ");
    for (size_t i = 0; i < c->n; i++)
        pb_tb_printf(&t, "%s%s", i ? " vs " : "", c->in[i].label);
    pb_doc_begin(d, kind, pb_tb_str(&t));
    d->inline_dir = dir;   /* compare.html carries its charts, as report.html does */
    pb_doc_heading(d, 1, "top", pb_tb_str(&t));
    pb_tb_free(&t);
    /* First what the reader must know before believing any ratio. */
    differs_warning(d, &c->differs, c->varies, c->varies_given);
    pb_doc_para(d, NULL,
                "Ratios divide each input's median wall time per run by the first input's (%s) "
                "for the same kernel, parameters, mode, workers and schedule: above 1 the other "
                "input is slower, below 1 faster. Each ratio has a 95%% confidence interval from "
                "the two medians' distribution-free (order-statistic) intervals, combined on the "
                "log scale (delta method; needs 6 or more runs, or the CI in the results file). "
                "A difference is called real when a two-sided Mann-Whitney U test on the two sets "
                "of run times gives p < 0.05 (exact distribution when there are no ties and at "
                "most %d runs a side, else the normal approximation with tie correction) and the "
                "ratio's interval excludes 1. The last column says whether the two medians' "
                "intervals overlap.",
                c->in[0].label, PB_MWU_EXACT_MAX);
    if (c->force)
        pb_doc_para(d, "warn", "--force: kernels that ran with different parameters are compared "
                               "by kernel, mode, workers and schedule alone.");
    if (no_plots)
        pb_doc_para(d, "warn", "No charts: %s", no_plots);
    pb_doc_heading(d, 2, "inputs", "Inputs");
    inputs_table(d, c);
    differs_doc(d, &c->differs, c->in, c->n);
    pb_doc_heading(d, 2, "summary", "Summary");
    summary(d, c);
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
            static const char *const charts[] = {"ratio", "speedup", "throughput"};
            static const char *const alts[] = {
                ("Median time ratio of each input to the first, per mode and workers, with 95% CIs "
                 "and each input's geometric mean"),
                "Speedup of every input versus workers (each over its own serial run)",
                "Throughput of every input versus workers"};
            char src[3][160], link[3][160];
            const char *srcp[3], *linkp[3], *alt[3];
            size_t nfig = 0;
            for (size_t i = plotted[c->in[0].ss.n + k] ? 0 : 1; i < 3; i++, nfig++) {
                snprintf(src[nfig], sizeof src[nfig], "plots/%s-%s.%s", sec->slug, charts[i],
                         kind == PB_DOC_HTML ? "svg" : "png");
                snprintf(link[nfig], sizeof link[nfig], "plots/%s-%s.png", sec->slug, charts[i]);
                srcp[nfig] = src[nfig];
                linkp[nfig] = link[nfig];
                alt[nfig] = alts[i];
            }
            pb_doc_figures(d, nfig, srcp, linkp, alt);
        }
    }
    only_in_one(d, c);
    pb_doc_end(d);
}
