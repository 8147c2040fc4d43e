/* Findings written from the data of one results file. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "findings-smt.h"
#include "findings-python.h"
#include "fmtnum.h"
#include "report-breakdown.h"
#include "report-stats.h"
#include "textbuf.h"

static void vadd_to(struct pb_findings *f, char ***list, size_t *n, const char *fmt, va_list ap)
{
    struct pb_tb t = {0};
    pb_tb_vprintf(&t, fmt, ap);
    char **items = realloc(*list, (*n + 1) * sizeof *items);
    if (t.oom || !items) {
        f->oom = true;
        pb_tb_free(&t);
        if (items)
            *list = items;
        return;
    }
    *list = items;
    items[(*n)++] = t.p;
}

void pb_findings_add(struct pb_findings *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vadd_to(f, &f->items, &f->n, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void add_head(struct pb_findings *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vadd_to(f, &f->head, &f->nhead, fmt, ap);
    va_end(ap);
}

/* The record's 95% CI of the median: the file's, else from its runs. */
static bool median_ci(const struct pb_rf_record *r, double *lo, double *hi)
{
    *lo = r->ci_low_s;
    *hi = r->ci_high_s;
    if (!isnan(*lo) && !isnan(*hi))
        return r->ntimes > 0;
    return pb_rs_median_ci(r->times_s, r->ntimes, lo, hi);
}

bool pb_findings_differ(const struct pb_rf_record *a, const struct pb_rf_record *b, double *p)
{
    *p = NAN;
    struct pb_rs_mwu m;
    if (pb_rs_mann_whitney(a->times_s, a->ntimes, b->times_s, b->ntimes, &m))
        return false;   /* out of memory: claim nothing */
    if (a->ntimes && b->ntimes)
        *p = m.p;
    double least = pb_rs_mwu_min_p(a->ntimes, b->ntimes);
    if (a->ntimes && b->ntimes && least >= 0.05)
        *p = -least;   /* too few runs for the test to tell anything */
    double alo, ahi, blo, bhi;
    if (!median_ci(a, &alo, &ahi) || !median_ci(b, &blo, &bhi))
        return false;
    return m.p < 0.05 && (ahi < blo || bhi < alo);
}

const char *pb_findings_ptext(double p, char *buf, size_t len)
{
    if (isnan(p))
        snprintf(buf, len, "p = ?");
    else if (p < 0)
        snprintf(buf, len, "too few runs: least p %.2f", -p);
    else if (p < 0.001)
        snprintf(buf, len, "p < 0.001");
    else if (p < 0.01)
        snprintf(buf, len, "p = %.3f", p);
    else
        snprintf(buf, len, "p = %.2f", p);
    return buf;
}

/* "12.3% longer" or "4.5% less time": always an absolute percentage. */
static const char *pct_text(double other_s, double ref_s, char *buf, size_t len)
{
    double pct = 100 * (other_s / ref_s - 1);
    snprintf(buf, len, "%.1f%% %s", fabs(pct), pct >= 0 ? "longer" : "less time");
    return buf;
}

/* "2.48 [2.45–2.50]", or "2.48 [no CI]" when the file has none. */
static const char *speedup_ci(const struct pb_rf_record *r, const char *times, char *buf, size_t len)
{
    if (isnan(r->speedup_ci_low) || isnan(r->speedup_ci_high))
        snprintf(buf, len, "%.2f%s [no CI]", r->speedup, times);
    else
        snprintf(buf, len, "%.2f%s [%.2f\xe2\x80\x93%.2f]", r->speedup, times, r->speedup_ci_low,
                 r->speedup_ci_high);
    return buf;
}

/* "primes" or "primes (lo=0,hi=10)" when the file ran the kernel with several parameter sets. */
static const char *section_name(const struct pb_sections *ss, const struct pb_section *sec,
                                char *buf, size_t len)
{
    size_t same = 0;
    for (size_t i = 0; i < ss->n; i++)
        same += strcmp(ss->s[i].kernel, sec->kernel) == 0;
    if (same > 1)
        snprintf(buf, len, "%s (%s)", sec->kernel, sec->params_text);
    else
        snprintf(buf, len, "%s", sec->kernel);
    return buf;
}

/* "1 worker", "8 workers". */
static const char *nworkers(unsigned w, char *buf, size_t len)
{
    snprintf(buf, len, "%u worker%s", w, w == 1 ? "" : "s");
    return buf;
}

/* The valid records at the section's largest worker count, fastest first
 * (at most `cap`); their series in `ser`.  Returns how many. */
static size_t at_max(const struct pb_section *sec, const struct pb_rf_record **rec,
                     const struct pb_series **ser, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < sec->nseries && n < cap; i++) {
        const struct pb_rf_record *r = pb_series_at(&sec->series[i], sec->max_workers);
        if (!r)
            continue;
        size_t j = n++;
        for (; j > 0 && rec[j - 1]->median_s > r->median_s; j--) {
            rec[j] = rec[j - 1];
            ser[j] = ser[j - 1];
        }
        rec[j] = r;
        ser[j] = &sec->series[i];
    }
    return n;
}

/* The title of the single-worker series of this runtime (what speedups are over). */
static const char *baseline_title(const struct pb_section *sec, const char *runtime,
                                  const char *mode)
{
    for (size_t i = 0; i < sec->nseries; i++)
        if (sec->series[i].single_worker && strcmp(sec->series[i].runtime, runtime) == 0 &&
            strcmp(pb_mode_variant(sec->series[i].mode), pb_mode_variant(mode)) == 0)
            return sec->series[i].title;
    return "the baseline";
}

/* The section's first valid single-worker record of this runtime (what speedups are over). */
static const struct pb_rf_record *baseline_rec(const struct pb_section *sec, const char *runtime,
                                               const char *mode)
{
    for (size_t i = 0; i < sec->nrecs; i++) {
        const struct pb_rf_record *r = sec->recs[i];
        if (r->valid && r->single_worker && strcmp(r->runtime, runtime) == 0 &&
            strcmp(pb_mode_variant(r->mode), pb_mode_variant(mode)) == 0)
            return r;
    }
    return NULL;
}

#define MAX_AT 64

/* One headline line: "primes: threads ×4: 2.48× [2.45–2.50] over serial;
 * openmp indistinguishable from it (p = 0.41); forkpool 5.2% longer (p = 0.002)". */
static void headline(struct pb_findings *f, const char *name, const struct pb_section *sec)
{
    const struct pb_rf_record *rec[MAX_AT];
    const struct pb_series *ser[MAX_AT];
    size_t n = at_max(sec, rec, ser, MAX_AT);
    if (!n) {
        add_head(f, "%s: no valid configuration (%zu failed or invalid).", name, sec->nbad);
        return;
    }
    char sp[96], t[64];
    struct pb_tb b = {0};
    if (sec->max_workers == 1)
        pb_tb_printf(&b, "%s: only 1-worker runs are valid; %s has the lowest median, %s", name,
                     ser[0]->title, pb_fmt_time(rec[0]->median_s, t, sizeof t));
    else if (isnan(rec[0]->speedup))
        pb_tb_printf(&b, "%s: %s \xc3\x97%u: median %s, no speedup (no valid single-worker run)", name,
                     ser[0]->title, sec->max_workers, pb_fmt_time(rec[0]->median_s, t, sizeof t));
    else {
        pb_tb_printf(&b, "%s: %s \xc3\x97%u: %s over %s", name, ser[0]->title, sec->max_workers,
                     speedup_ci(rec[0], "\xc3\x97", sp, sizeof sp),
                     baseline_title(sec, ser[0]->runtime, ser[0]->mode));
        /* A speedup is a claim too: against the baseline's own timings. */
        const struct pb_rf_record *base = baseline_rec(sec, ser[0]->runtime, ser[0]->mode);
        double p;
        char pt[32];
        if (base && base != rec[0] && !pb_findings_differ(rec[0], base, &p))
            pb_tb_printf(&b, " (no significant difference, %s)", pb_findings_ptext(p, pt, sizeof pt));
    }
    for (size_t i = 1; i < n; i++) {
        double p;
        char pt[32], pc[48];
        if (pb_findings_differ(rec[i], rec[0], &p))
            pb_tb_printf(&b, "; %s %s (%s)", ser[i]->title,
                         pct_text(rec[i]->median_s, rec[0]->median_s, pc, sizeof pc),
                         pb_findings_ptext(p, pt, sizeof pt));
        else
            pb_tb_printf(&b, "; %s indistinguishable from it (%s)", ser[i]->title,
                         pb_findings_ptext(p, pt, sizeof pt));
    }
    add_head(f, "%s.", pb_tb_str(&b));
    if (b.oom)
        f->oom = true;
    pb_tb_free(&b);
}

/* Fastest valid configuration at the largest worker count, and the runner-up:
 * "fastest" only when the runner-up differs (pb_findings_differ). */
static void best_mode(struct pb_findings *f, const char *name, const struct pb_section *sec)
{
    unsigned w = sec->max_workers;
    const struct pb_rf_record *rec[MAX_AT];
    const struct pb_series *ser[MAX_AT];
    size_t n = at_max(sec, rec, ser, MAX_AT);
    if (!n)
        return;
    const struct pb_rf_record *best = rec[0], *next = n > 1 ? rec[1] : NULL;
    char t[64], s[128], sci[96], t2[64], pt[32], pc[48];
    if (isnan(best->speedup))
        snprintf(s, sizeof s, "no speedup (no valid serial run)");
    else
        snprintf(s, sizeof s, "speedup %s", speedup_ci(best, "", sci, sizeof sci));
    pb_fmt_time(best->median_s, t, sizeof t);
    char eff[64] = "";
    if (!isnan(best->speedup) && w > 1) {
        if (isnan(best->speedup_ci_low) || isnan(best->speedup_ci_high))
            snprintf(eff, sizeof eff, ", efficiency %.0f%%", 100 * best->speedup / w);
        else
            snprintf(eff, sizeof eff, ", efficiency %.0f%% [%.0f\xe2\x80\x93%.0f%%]",
                     100 * best->speedup / w, 100 * best->speedup_ci_low / w,
                     100 * best->speedup_ci_high / w);
    }
    bool differs = true;
    char rest[320] = "";
    if (next) {
        double p;
        differs = pb_findings_differ(next, best, &p);
        if (differs)
            snprintf(rest, sizeof rest, "; next is %s at %s (%s, %s)", ser[1]->title,
                     pb_fmt_time(next->median_s, t2, sizeof t2),
                     pct_text(next->median_s, best->median_s, pc, sizeof pc),
                     pb_findings_ptext(p, pt, sizeof pt));
        else
            snprintf(rest, sizeof rest, "; %s at %s is indistinguishable from it (%s)", ser[1]->title,
                     pb_fmt_time(next->median_s, t2, sizeof t2), pb_findings_ptext(p, pt, sizeof pt));
    }
    const char *verb = differs ? "is fastest with" : "has the lowest";
    if (w == 1)
        pb_findings_add(f, "%s: only 1-worker runs are valid; %s %s median %s%s.", name, ser[0]->title, verb, t,
            rest);
    else
        pb_findings_add(f, "%s at %u workers, the most measured: %s %s median %s, %s%s%s.", name, w,
            ser[0]->title, verb, t, s, eff, rest);
}

/* Parallel efficiency of every parallel mode at the largest worker count, with
 * its CI and efficiency_rel (over the mode's own one-worker run: its scaling
 * without its fixed cost). */
static void efficiency(struct pb_findings *f, const char *name, const struct pb_section *sec)
{
    unsigned w = sec->max_workers;
    if (w < 2)
        return;
    struct pb_tb t = {0};
    size_t n = 0;
    for (size_t i = 0; i < sec->nseries; i++) {
        const struct pb_rf_record *r = pb_series_at(&sec->series[i], w);
        if (!r || isnan(r->speedup))
            continue;
        char sp[96];
        pb_tb_printf(&t, "%s%s %.0f%%", n ? ", " : "", sec->series[i].title, 100 * r->speedup / w);
        if (!isnan(r->speedup_ci_low) && !isnan(r->speedup_ci_high))
            pb_tb_printf(&t, " [%.0f\xe2\x80\x93%.0f%%]", 100 * r->speedup_ci_low / w,
                         100 * r->speedup_ci_high / w);
        pb_tb_printf(&t, " (speedup %s", speedup_ci(r, "", sp, sizeof sp));
        if (!isnan(r->efficiency_rel))
            pb_tb_printf(&t, "; %.0f%% over its own 1-worker run", 100 * r->efficiency_rel);
        pb_tb_puts(&t, ")");
        n++;
    }
    if (n)
        pb_findings_add(f, "%s: parallel efficiency at %u workers (speedup / workers, 95%% CI): %s.", name, w,
            pb_tb_str(&t));
    if (t.oom)
        f->oom = true;
    pb_tb_free(&t);
}

/* What running one worker per PU adds over one per core. Returns whether it was measurable. */
static bool smt(struct pb_findings *f, const struct pb_rfile *rf, const char *name,
                const struct pb_section *sec)
{
    unsigned cores = (unsigned)rf->sys.cores, pus = (unsigned)rf->sys.pus;
    bool any = false;
    for (size_t i = 0; i < sec->nseries; i++) {
        const struct pb_rf_record *c = pb_series_at(&sec->series[i], cores);
        const struct pb_rf_record *p = pb_series_at(&sec->series[i], pus);
        if (!c || !p || !(p->median_s > 0))
            continue;
        char tc[64], tp[64], wc[32], wp[32], pt[32];
        double pv;
        pb_fmt_time(c->median_s, tc, sizeof tc);
        pb_fmt_time(p->median_s, tp, sizeof tp);
        nworkers(cores, wc, sizeof wc);
        nworkers(pus, wp, sizeof wp);
        double pct = 100 * (c->median_s / p->median_s - 1);
        if (pb_findings_differ(c, p, &pv))
            pb_findings_add(f, "%s, %s: SMT %s %.1f%% throughput (%s): median %s at %s (one per core) vs %s "
                "at %s (every PU).",
                name, sec->series[i].title, pct >= 0 ? "adds" : "costs", fabs(pct),
                pb_findings_ptext(pv, pt, sizeof pt), tc, wc, tp, wp);
        else
            pb_findings_add(f, "%s, %s: with SMT indistinguishable from without (%s): median %s at %s (one per "
                "core) vs %s at %s (every PU).",
                name, sec->series[i].title, pb_findings_ptext(pv, pt, sizeof pt), tc, wc, tp, wp);
        any = true;
    }
    return any;
}

/* The reference of the workers-versus-threads comparison for `runtime`: the first
 * thread-kind mode of that runtime in the section, in the series with `schedule` if it
 * ran one, else its first.  NULL when the runtime has no thread-kind series. */
static const struct pb_series *thread_reference(const struct pb_section *sec, const char *runtime,
                                                const char *schedule, const char *mode)
{
    const struct pb_series *first = NULL;
    for (size_t j = 0; j < sec->nseries && !first; j++)
        if (pb_series_worker(&sec->series[j]) == PB_WORKER_THREAD &&
            strcmp(sec->series[j].runtime, runtime) == 0 &&
            strcmp(pb_mode_variant(sec->series[j].mode), pb_mode_variant(mode)) == 0)
            first = &sec->series[j];
    for (size_t j = 0; first && j < sec->nseries; j++) {
        const struct pb_series *c = &sec->series[j];
        if (strcmp(c->mode, first->mode) == 0 && strcmp(c->schedule, schedule) == 0)
            return c;
    }
    return first;
}

/* Every process, rank and other thread mode against the reference thread mode of
 * its runtime, at the largest worker count both ran: what processes (or another
 * threading) cost over plain threads. */
static void process_cost(struct pb_findings *f, const char *name, const struct pb_section *sec)
{
    for (size_t i = 0; i < sec->nseries; i++) {
        const struct pb_series *s = &sec->series[i];
        enum pb_worker_kind kind = pb_series_worker(s);
        if (kind != PB_WORKER_PROCESS && kind != PB_WORKER_RANK && kind != PB_WORKER_THREAD)
            continue;
        const struct pb_series *t = thread_reference(sec, s->runtime, s->schedule, s->mode);
        if (!t || strcmp(t->mode, s->mode) == 0)
            continue;
        const struct pb_rf_record *rp = NULL, *rt = NULL;
        for (size_t k = s->npts; k-- > 0 && !rp;) {
            const struct pb_rf_record *c = s->pts[k];
            const struct pb_rf_record *m = c->valid ? pb_series_at(t, c->workers) : NULL;
            if (m && m->median_s > 0) {
                rp = c;
                rt = m;
            }
        }
        if (!rp)
            continue;
        char a[64], b[64], wn[32], pt[32], pc[48];
        double p;
        pb_fmt_time(rp->median_s, a, sizeof a);
        pb_fmt_time(rt->median_s, b, sizeof b);
        nworkers(rp->workers, wn, sizeof wn);
        if (pb_findings_differ(rp, rt, &p))
            pb_findings_add(f, "%s at %s: %s takes %s than %s (median %s vs %s, %s).", name, wn, s->title,
                pct_text(rp->median_s, rt->median_s, pc, sizeof pc), t->title, a, b,
                pb_findings_ptext(p, pt, sizeof pt));
        else
            pb_findings_add(f, "%s at %s: %s is indistinguishable from %s (median %s vs %s, %s).", name, wn,
                s->title, t->title, a, b, pb_findings_ptext(p, pt, sizeof pt));
    }
}

/* The Amdahl fit of each series: only over PB_AMDAHL_MIN_COUNTS worker counts or
 * more (report-series.c drops the rest), a negative f shown as clamped. */
static void serial_fraction(struct pb_findings *f, const char *name, const struct pb_section *sec)
{
    for (size_t i = 0; i < sec->nseries; i++) {
        const struct pb_series *s = &sec->series[i];
        if (isnan(s->amdahl_f)) {
            if (!s->single_worker && s->amdahl_counts == PB_AMDAHL_MIN_COUNTS - 1)
                pb_findings_add(f, "%s, %s: no Amdahl fit: %zu worker counts, the model needs %d to be tested.",
                    name, s->title, s->amdahl_counts, PB_AMDAHL_MIN_COUNTS);
            continue;
        }
        char err[48] = "", limit[96];
        if (!isnan(s->amdahl_stderr))
            snprintf(err, sizeof err, " \xc2\xb1 %.3f", s->amdahl_stderr);
        if (s->amdahl_negative)
            snprintf(limit, sizeof limit, "f < 0: super-linear or noise");
        else if (s->amdahl_f >= 1)
            snprintf(limit, sizeof limit,
                     "Amdahl's model does not fit: more workers made it no faster");
        else if (s->amdahl_f > 0.001)
            snprintf(limit, sizeof limit, "speedup can never exceed 1/f = %.1f", 1 / s->amdahl_f);
        else
            snprintf(limit, sizeof limit, "no measurable serial part");
        char fv[96];
        if (s->amdahl_negative)
            snprintf(fv, sizeof fv, "0, clamped");
        else
            snprintf(fv, sizeof fv, "%.3f%s", s->amdahl_f, err);
        pb_findings_add(f, "%s, %s: Amdahl serial fraction f = %s (%s over %zu worker counts): %s.", name,
            s->title, fv,
            s->amdahl_from_file ? "fitted by parbench run" : "fitted here to the median speedups",
            s->amdahl_counts, limit);
    }
}

static void failures(struct pb_findings *f, const char *name, const struct pb_section *sec)
{
    if (!sec->nbad)
        return;
    struct pb_tb t = {0};
    size_t shown = 0;
    for (size_t i = 0; i < sec->nrecs && shown < 3; i++) {
        const struct pb_rf_record *r = sec->recs[i];
        if (r->valid)
            continue;
        char wn[32];
        pb_tb_printf(&t, "%s%s at %s (%s): %s%s%s", shown ? "; " : "", r->mode,
                     nworkers(r->workers, wn, sizeof wn), r->schedule, r->status, r->error[0] ? ": " : "", r->error);
        shown++;
    }
    if (sec->nbad > shown)
        pb_tb_printf(&t, "; and %zu more", sec->nbad - shown);
    pb_findings_add(f, "%s: %zu configuration%s did not produce a valid result: %s.", name, sec->nbad,
        sec->nbad == 1 ? "" : "s", pb_tb_str(&t));
    pb_tb_free(&t);
}

int pb_findings_build(const struct pb_rfile *rf, const struct pb_sections *ss,
                      struct pb_findings *out)
{
    memset(out, 0, sizeof *out);
    char name[600];
    bool smt_measured = false;
    for (size_t i = 0; i < ss->n; i++) {
        const struct pb_section *sec = &ss->s[i];
        section_name(ss, sec, name, sizeof name);
        headline(out, name, sec);
        best_mode(out, name, sec);
        efficiency(out, name, sec);
        if (rf->sys.pus > rf->sys.cores)
            smt_measured |= smt(out, rf, name, sec);
        process_cost(out, name, sec);
        pb_findings_python(out, name, sec);   /* (python) Python against C and itself */
        serial_fraction(out, name, sec);
        pb_findings_breakdown(out, rf, name, sec);   /* gap: where the time went */
        failures(out, name, sec);
    }
    if (rf->sys.pus > rf->sys.cores && !smt_measured)
        pb_findings_add(out,
            "This machine has SMT (%.0f PUs on %.0f cores), but no mode ran at both %.0f and "
            "%.0f workers, so what SMT adds was not measured.",
            rf->sys.pus, rf->sys.cores, rf->sys.cores, rf->sys.pus);
    pb_findings_smt(rf, out);   /* issue 16: the SMT yield (findings-smt.c) */
    if (out->n == 0)
        pb_findings_add(out, "No valid configuration: nothing to conclude.");
    return out->oom ? -1 : 0;
}

void pb_findings_free(struct pb_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->items[i]);
    free(f->items);
    for (size_t i = 0; i < f->nhead; i++)
        free(f->head[i]);
    free(f->head);
    memset(f, 0, sizeof *f);
}
