/* What report.md and report.html say, in the order a reader needs it. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "fmtnum.h"
#include "report-hosts.h"
#include "report-machine.h"
#include "report-smt.h"
#include "report-stats.h"
#include "report.h"
#include "report-breakdown.h"
#include "stats.h"

const struct pb_chart pb_report_charts[] = {
    {"speedup", "Speedup versus workers (ideal line, Amdahl fit dotted)"},
    {"efficiency", "Parallel efficiency versus workers"},
    {"time", "Median time per run at each worker count (95% CI)"},
    {"throughput", "Throughput versus workers"},
    {"imbalance", "Load imbalance versus workers"},
    {"distribution", "Every timed run against its configuration's median (spread, outliers)"}, /* charts */
};
const size_t pb_report_ncharts = sizeof pb_report_charts / sizeof *pb_report_charts;

void pb_shell_join(struct pb_tb *b, const cJSON *argv)
{
    const cJSON *a;
    bool first = true;
    cJSON_ArrayForEach(a, argv) {
        const char *s = cJSON_GetStringValue(a);
        if (!s)
            continue;
        pb_tb_puts(b, first ? "" : " ");
        first = false;
        if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                            "-_=.,/:+@%") == strlen(s)) {
            pb_tb_puts(b, s);
            continue;
        }
        pb_tb_puts(b, "'");
        for (; *s; s++)
            if (*s == '\'')
                pb_tb_puts(b, "'\\''");
            else
                pb_tb_putn(b, s, 1);
        pb_tb_puts(b, "'");
    }
}

/* A warning with its times written as the tables write them: "0.703507 s"
 * (files written before parbench formatted them) becomes "703.5 ms". */
static const char *warning_text(struct pb_tb *b, const char *w)
{
    b->len = 0;   /* reused for each warning */
    if (b->p)
        b->p[0] = '\0';
    for (const char *p = w; *p;) {
        if (isdigit((unsigned char)*p) && (p == w || p[-1] == ' ' || p[-1] == '(')) {
            char *end, f[48];
            double v = strtod(p, &end);
            if (end > p && end[0] == ' ' && end[1] == 's' && !isalnum((unsigned char)end[2]) &&
                isfinite(v)) {
                pb_tb_puts(b, pb_fmt_time(v, f, sizeof f));
                p = end + 2;
                continue;
            }
        }
        pb_tb_putn(b, p, 1);
        p++;
    }
    return pb_tb_str(b);
}

/* A key/value table row. */
static void kv(struct pb_doc *d, const char *k, const char *v)
{
    const char *cells[] = {k, v && v[0] ? v : "\xe2\x80\x93"};
    pb_doc_row(d, false, cells);
}

/* The smallest and largest number of timed runs over the records. */
static void reps_range(const struct pb_rfile *rf, size_t *lo, size_t *hi)
{
    *lo = (size_t)-1;
    *hi = 0;
    for (size_t i = 0; i < rf->nrec; i++) {
        size_t n = rf->rec[i].ntimes;
        if (n == 0)
            continue;   /* failed before its first run */
        if (n < *lo)
            *lo = n;
        if (n > *hi)
            *hi = n;
    }
    if (*hi == 0)
        *lo = 0;   /* no record has a run */
}

static void method(struct pb_doc *d, const struct pb_rfile *rf)
{
    const struct pb_rf_method *m = &rf->method;
    const struct pb_rf_preflight *p = &rf->preflight;
    char buf[512];
    pb_doc_heading(d, 2, "method", "Method");
    if (rf->sys.command_line) {
        struct pb_tb t = {0};
        pb_shell_join(&t, rf->sys.command_line);
        pb_doc_code(d, pb_tb_str(&t));
        pb_tb_free(&t);
    }
    static const char *const head[] = {"", ""};
    pb_doc_table(d, 2, head, "ll");
    size_t lo, hi;
    reps_range(rf, &lo, &hi);
    if (lo == hi)
        snprintf(buf, sizeof buf, "%zu timed runs per configuration", lo);
    else
        snprintf(buf, sizeof buf, "%zu to %zu timed runs per configuration", lo, hi);
    kv(d, "Repetitions", buf);
    if (m->present) {
        if (!isnan(m->fixed_reps))
            snprintf(buf, sizeof buf, "fixed at %.0f runs", m->fixed_reps);
        else
            snprintf(buf, sizeof buf,
                     "repeat until the 95%% CI of the median is within \xc2\xb1%g%% "
                     "(at least %.0f, at most %.0f runs, at most %g s per configuration)",
                     m->precision_pct, m->min_reps, m->max_reps, m->time_cap_s);
        kv(d, "Precision target", buf);
        snprintf(buf, sizeof buf, "%.0f untimed run%s first", m->warmup, m->warmup == 1 ? "" : "s");
        kv(d, "Warm-up", isnan(m->warmup) ? "" : buf);
        if (!isnan(m->seed))
            snprintf(buf, sizeof buf, "%s, seed %.0f", m->order[0] ? m->order : "?", m->seed);
        else
            snprintf(buf, sizeof buf, "%s", m->order);
        kv(d, "Order of configurations", buf);
        kv(d, "Scaling", m->scaling);
        if (!isnan(m->time_budget_s)) {
            snprintf(buf, sizeof buf, "%g s", m->time_budget_s);
            kv(d, "Time budget", buf);
        }
    }
    /* Placement as the records state it; one line per distinct setting. */
    struct pb_tb t = {0};
    for (size_t i = 0; i < rf->nrec; i++) {
        const struct pb_rf_record *r = &rf->rec[i];
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(rf->rec[j].bind, r->bind) == 0 && strcmp(rf->rec[j].policy, r->policy) == 0;
        if (!seen && (r->bind[0] || r->policy[0]))
            pb_tb_printf(&t, "%sbind %s, policy %s", t.len ? "; " : "", r->bind[0] ? r->bind : "?",
                         r->policy[0] ? r->policy : "?");
    }
    kv(d, "Placement", pb_tb_str(&t));
    pb_tb_free(&t);
    if (p->present) {
        snprintf(buf, sizeof buf, "%.2f %.2f %.2f", p->loadavg[0], p->loadavg[1], p->loadavg[2]);
        kv(d, "Load average before (1, 5, 15 min)", buf);
        if (!isnan(p->busy_cpus)) {
            snprintf(buf, sizeof buf, "%.0f", p->busy_cpus);
            kv(d, "Busy CPUs before", buf);
        }
        kv(d, "CPU frequency governor", p->governor[0] ? p->governor : "unknown");
        kv(d, "Turbo boost", p->boost < 0 ? "unknown" : p->boost ? "on" : "off");
        kv(d, "Hypervisor", p->hypervisor[0] ? p->hypervisor : "none detected");
        if (!isnan(p->calibrated_mhz)) {
            snprintf(buf, sizeof buf, "%.0f MHz", p->calibrated_mhz);
            kv(d, "Measured clock", buf);
        }
        kv(d, "Performance counters", p->perf_counters < 0 ? "unknown" : p->perf_counters ? "available" : "not available");
    }
    if (rf->sys.omp_env && rf->sys.omp_env->child) {
        struct pb_tb e = {0};
        const cJSON *v;
        cJSON_ArrayForEach(v, rf->sys.omp_env)
            pb_tb_printf(&e, "%s%s=%s", e.len ? " " : "", v->string, v->valuestring);
        kv(d, "OpenMP environment", pb_tb_str(&e));
        pb_tb_free(&e);
    }
    pb_doc_table_end(d);
    if (p->present && p->warnings) {
        const cJSON *w;
        struct pb_tb wt = {0};
        cJSON_ArrayForEach(w, p->warnings)
            pb_doc_para(d, "warn", "Pre-flight warning: %s", warning_text(&wt, w->valuestring));
        pb_tb_free(&wt);
    }
    if (!p->present)
        pb_doc_para(d, "note",
                    "This results file (schema %d) has no pre-flight check; confidence intervals "
                    "below are computed from the runs (95%%, order statistics, needs 6 runs or more).",
                    rf->schema);
}

/* "2.48 [2.45–2.50]", "–" when there is no valid speedup; the CI when the file has one. */
static void speedup_cell(const struct pb_rf_record *r, double scale, bool pct, char *buf, size_t len)
{
    double v = r->speedup * scale, lo = r->speedup_ci_low * scale, hi = r->speedup_ci_high * scale;
    const char *u = pct ? "%" : "";
    int dp = pct ? 0 : 2;
    if (pct) {
        v *= 100;
        lo *= 100;
        hi *= 100;
    }
    if (isnan(v) || !r->valid)
        snprintf(buf, len, "\xe2\x80\x93");
    else if (isnan(lo) || isnan(hi))
        snprintf(buf, len, "%.*f%s", dp, v, u);
    else
        snprintf(buf, len, "%.*f%s [%.*f\xe2\x80\x93%.*f%s]", dp, v, u, dp, lo, dp, hi, u);
}

/* One table row per record: failures shown with their error, never hidden. */
static void record_row(struct pb_doc *d, const struct pb_rf_record *r)
{
    char workers[16], runs[16], med[48], ci[64], pct[96], thr[48], sp[64], eff[64], effrel[32],
        valid[1200];
    snprintf(workers, sizeof workers, "%u", r->workers);
    snprintf(runs, sizeof runs, "%zu", r->ntimes);
    pb_fmt_time(r->valid || r->ntimes ? r->median_s : NAN, med, sizeof med);
    double lo = r->ci_low_s, hi = r->ci_high_s;
    if (isnan(lo) || isnan(hi))
        pb_rs_median_ci(r->times_s, r->ntimes, &lo, &hi);
    if (!r->ntimes)
        lo = hi = NAN;
    pb_fmt_time_range(lo, hi, r->median_s, ci, sizeof ci);
    /* The spread of the runs (not the median's uncertainty), from times_s, so
     * files written before p5_s existed show it too. */
    if (r->ntimes) {
        const double p[] = {pb_quantile(r->times_s, r->ntimes, 0.05),
                            pb_quantile(r->times_s, r->ntimes, 0.50),
                            pb_quantile(r->times_s, r->ntimes, 0.95)};
        pb_fmt_time_list(p, 3, p[1], pct, sizeof pct);
    } else {
        snprintf(pct, sizeof pct, "\xe2\x80\x93");
    }
    pb_fmt_si(r->valid ? r->throughput : NAN, thr, sizeof thr);
    speedup_cell(r, 1, false, sp, sizeof sp);
    /* Efficiency is speedup / workers, so its CI is the speedup's divided alike. */
    speedup_cell(r, r->workers ? 1.0 / r->workers : NAN, true, eff, sizeof eff);
    if (isnan(r->efficiency_rel) || !r->valid)
        snprintf(effrel, sizeof effrel, "\xe2\x80\x93");
    else
        snprintf(effrel, sizeof effrel, "%.0f%%", 100 * r->efficiency_rel);
    if (r->valid)
        snprintf(valid, sizeof valid, "yes");
    else
        snprintf(valid, sizeof valid, "no: %s%s%.1000s", r->status, r->error[0] ? ": " : "", r->error);
    const char *cells[] = {r->mode, workers, r->schedule, runs, med, ci, pct, thr, sp, eff, effrel,
                           valid};
    pb_doc_row(d, !r->valid, cells);
}

static void kernel_section(struct pb_doc *d, const struct pb_report_in *in, size_t k)
{
    const struct pb_section *sec = &in->ss->s[k];
    char id[64], head[600], unit[96];
    snprintf(id, sizeof id, "kernel-%s", sec->slug);
    snprintf(head, sizeof head, "Kernel %s", sec->kernel);
    pb_doc_heading(d, 2, id, head);
    const char *size = sec->nrecs ? sec->recs[0]->size : "";
    pb_doc_para(d, NULL, "Parameters: %s%s%s. %zu configuration%s, %zu not valid.",
                sec->params_text[0] ? sec->params_text : "(none)", size[0] ? "; size preset " : "",
                size, sec->nrecs, sec->nrecs == 1 ? "" : "s", sec->nbad);
    snprintf(unit, sizeof unit, "throughput (%s/s)", sec->unit[0] ? sec->unit : "units");
    const char *cols[] = {"mode", "workers", "schedule", "runs", "median", "95% CI of median",
                          "p5 / p50 / p95 of the runs", unit, "speedup [95% CI]",
                          "efficiency [95% CI]", "efficiency over own 1 worker", "valid"};
    pb_doc_table(d, 12, cols, "lrlrrrrrrrrl");
    for (size_t i = 0; i < sec->nseries; i++)
        for (size_t j = 0; j < sec->series[i].npts; j++)
            record_row(d, sec->series[i].pts[j]);
    pb_doc_table_end(d);
    size_t no_ci = 0;
    for (size_t i = 0; i < sec->nrecs; i++) {
        const struct pb_rf_record *r = sec->recs[i];
        double lo, hi;
        if ((isnan(r->ci_low_s) || isnan(r->ci_high_s)) && !pb_rs_median_ci(r->times_s, r->ntimes, &lo, &hi))
            no_ci++;
    }
    if (no_ci)
        pb_doc_para(d, "note",
                    "A dash in the CI column: fewer than 6 runs, too few for a 95%% confidence "
                    "interval of the median (it needs at least 6).");
    /* Warnings parbench run attached to records (schema 2). */
    size_t nwarn = 0;
    for (size_t i = 0; i < sec->nrecs; i++)
        nwarn += (size_t)cJSON_GetArraySize(sec->recs[i]->warnings);
    if (nwarn)
        pb_doc_para(d, NULL, "Warnings from parbench run about these measurements:");
    struct pb_tb wt = {0};
    for (size_t i = 0; i < sec->nrecs; i++) {
        const struct pb_rf_record *r = sec->recs[i];
        const cJSON *w;
        cJSON_ArrayForEach(w, r->warnings)
            pb_doc_item(d, "%s at %u worker%s (%s): %s", r->mode, r->workers,
                        r->workers == 1 ? "" : "s", r->schedule, warning_text(&wt, w->valuestring));
    }
    /* gap: where the time went (report-breakdown.c) */
    pb_breakdown_doc(d, in->rf, sec, in->plotted && in->plotted[k]);
    pb_tb_free(&wt);
    if (!in->plotted || !in->plotted[k])
        return;
    const char *src[8], *alt[8];
    char s[8][160];
    for (size_t c = 0; c < pb_report_ncharts && c < 8; c++) {
        /* SVG inlined in the page (sharp at any zoom, nothing beside it needed),
         * PNG in Markdown (renders everywhere). */
        snprintf(s[c], sizeof s[c], "plots/%s-%s.%s", sec->slug, pb_report_charts[c].script,
                 d->kind == PB_DOC_HTML ? "svg" : "png");
        src[c] = s[c];
        alt[c] = pb_report_charts[c].caption;
    }
    pb_doc_figures(d, pb_report_ncharts, src, NULL, alt);
    pb_chart_caption(sec, head, sizeof head);   /* charts: the full parameters under the charts */
    pb_doc_para(d, "note", "%s", head);
}

/* Whether record r stopped short of the precision target: it hit the run or
 * time cap with its CI wider than method.precision_pct (ci_rel as run computes it). */
static bool short_of_target(const struct pb_rfile *rf, const struct pb_rf_record *r)
{
    if (!rf->method.present || isnan(rf->method.precision_pct) ||
        (strcmp(r->stop_reason, "max_reps") != 0 && strcmp(r->stop_reason, "time_cap") != 0))
        return false;
    double lo = r->ci_low_s, hi = r->ci_high_s;
    if ((isnan(lo) || isnan(hi)) && !pb_rs_median_ci(r->times_s, r->ntimes, &lo, &hi))
        return true;   /* no CI at all: certainly not within the target */
    if (!(r->median_s > 0))
        return false;
    double below = r->median_s - lo, above = hi - r->median_s;
    return (below > above ? below : above) / r->median_s > rf->method.precision_pct / 100;
}

/* What a reader must weigh before trusting the headline, in counts. */
static void data_quality(struct pb_doc *d, const struct pb_rfile *rf)
{
    size_t nwarn = 0, nwarned = 0, nshort = 0, ninvalid = 0, nfailed = 0;
    for (size_t i = 0; i < rf->nrec; i++) {
        const struct pb_rf_record *r = &rf->rec[i];
        size_t w = (size_t)cJSON_GetArraySize(r->warnings);
        nwarn += w;
        nwarned += w > 0;
        nshort += short_of_target(rf, r);
        if (!r->valid) {
            if (strcmp(r->status, "invalid") == 0)
                ninvalid++;
            else
                nfailed++;
        }
    }
    size_t npre = rf->preflight.present ? (size_t)cJSON_GetArraySize(rf->preflight.warnings) : 0;
    pb_doc_box_begin(d);
    pb_doc_heading(d, 2, "quality", "Data quality");
    pb_doc_item(d, "Record warnings: %zu, on %zu of %zu configurations (listed under each kernel).",
                nwarn, nwarned, rf->nrec);
    if (rf->method.present && !isnan(rf->method.precision_pct) && isnan(rf->method.fixed_reps))
        pb_doc_item(d, "Short of the precision target (\xc2\xb1%g%%): %zu configuration%s stopped at the "
                    "run or time cap with a wider CI.",
                    rf->method.precision_pct, nshort, nshort == 1 ? "" : "s");
    else if (rf->method.present && !isnan(rf->method.fixed_reps))
        pb_doc_item(d, "Short of the precision target: not applicable, the run count was fixed at %.0f.",
                    rf->method.fixed_reps);
    else
        pb_doc_item(d, "Short of the precision target: unknown (the file records no method).");
    if (rf->preflight.present)
        pb_doc_item(d, "Pre-flight warnings: %zu (listed under Method).", npre);
    else
        pb_doc_item(d, "Pre-flight warnings: unknown (the file has no pre-flight check).");
    pb_doc_item(d, "Not valid: %zu invalid (wrong result), %zu failed or interrupted, of %zu configurations.",
                ninvalid, nfailed, rf->nrec);
    if (rf->nskip)
        pb_doc_item(d, "Not run: %zu configuration%s (listed at the end).", rf->nskip,
                    rf->nskip == 1 ? "" : "s");
    pb_doc_box_end(d);
}

static void skipped(struct pb_doc *d, const struct pb_rfile *rf)
{
    if (!rf->nskip)
        return;
    pb_doc_heading(d, 2, "skipped", "Configurations not run");
    for (size_t i = 0; i < rf->nskip; i++) {
        const struct pb_rf_skip *s = &rf->skip[i];
        pb_doc_item(d, "%s %s at %.0f workers (%s): %s", s->kernel, s->mode, s->workers,
                    s->schedule, s->reason[0] ? s->reason : "no reason given");
    }
}

void pb_report_doc(struct pb_doc *d, enum pb_doc_kind kind, const struct pb_report_in *in)
{
    const struct pb_rfile *rf = in->rf;
    char title[600];
    snprintf(title, sizeof title, "parbench report: %s", rf->sys.host);
    pb_doc_begin(d, kind, title);
    /* The page carries its charts inside it: it can be mailed or copied alone. */
    d->inline_dir = rf->dir;
    pb_doc_heading(d, 1, "top", title);
    pb_doc_para(d, "note",
                "%s, measured %s on %s; parbench %s. Results: results.json, results.csv; "
                "charts: plots/*.png and plots/*.svg.",
                rf->sys.cpu_model, rf->sys.start_time[0] ? rf->sys.start_time : "(time unknown)",
                rf->sys.host, rf->sys.parbench_version[0] ? rf->sys.parbench_version : "?");
    if (in->no_plots)
        pb_doc_para(d, "warn", "No charts: %s", in->no_plots);

    pb_doc_heading(d, 2, "headline", "Headline");
    pb_doc_para(d, "note",
                "Per kernel: the fastest configuration at the largest worker count, its speedup "
                "with the 95%% CI, and the others at that count. A configuration is called slower "
                "only when the Mann\xe2\x80\x93Whitney test on the timings gives p < 0.05 and the "
                "medians' CIs do not overlap; otherwise it is indistinguishable.");
    for (size_t i = 0; i < in->findings->nhead; i++)
        pb_doc_item(d, "%s", in->findings->head[i]);
    data_quality(d, rf);

    pb_doc_heading(d, 2, "contents", "Contents");
    pb_doc_link_item(d, "#findings", "Findings");
    pb_doc_link_item(d, "#machine", "Machine");
    if (pb_report_hosts_any(rf))
        pb_doc_link_item(d, "#hosts", "Where the workers ran");
    pb_doc_link_item(d, "#method", "Method");
    for (size_t k = 0; k < in->ss->n; k++) {
        char href[64], text[600];
        snprintf(href, sizeof href, "#kernel-%s", in->ss->s[k].slug);
        snprintf(text, sizeof text, "Kernel %s", in->ss->s[k].kernel);
        pb_doc_link_item(d, href, text);
    }

    pb_doc_heading(d, 2, "findings", "Findings");
    for (size_t i = 0; i < in->findings->n; i++)
        pb_doc_item(d, "%s", in->findings->items[i]);
    pb_report_machine(d, rf);
    pb_report_hosts(d, rf);
    method(d, rf);
    pb_report_smt(d, rf);   /* issue 16: SMT siblings and yield (report-smt.c) */
    for (size_t k = 0; k < in->ss->n; k++)
        kernel_section(d, in, k);
    skipped(d, rf);
    pb_doc_end(d);
}
