/* Findings written from the data of one results file. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "fmtnum.h"
#include "textbuf.h"

__attribute__((format(printf, 2, 3))) static void add(struct pb_findings *f, const char *fmt, ...)
{
    struct pb_tb t = {0};
    va_list ap;
    va_start(ap, fmt);
    pb_tb_vprintf(&t, fmt, ap);
    va_end(ap);
    char **items = realloc(f->items, (f->n + 1) * sizeof *items);
    if (t.oom || !items) {
        f->oom = true;
        pb_tb_free(&t);
        if (items)
            f->items = items;
        return;
    }
    f->items = items;
    f->items[f->n++] = t.p;
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

static const char *speedup_text(double s, char *buf, size_t len)
{
    if (isnan(s))
        snprintf(buf, len, "no speedup (no valid serial run)");
    else
        snprintf(buf, len, "speedup %.2f", s);
    return buf;
}

/* Fastest valid configuration at the largest worker count, and the runner-up. */
static void best_mode(struct pb_findings *f, const char *name, const struct pb_section *sec)
{
    unsigned w = sec->max_workers;
    const struct pb_rf_record *best = NULL, *next = NULL;
    const struct pb_series *bs = NULL, *ns = NULL;
    for (size_t i = 0; i < sec->nseries; i++) {
        const struct pb_rf_record *r = pb_series_at(&sec->series[i], w);
        if (!r)
            continue;
        if (!best || r->median_s < best->median_s) {
            next = best;
            ns = bs;
            best = r;
            bs = &sec->series[i];
        } else if (!next || r->median_s < next->median_s) {
            next = r;
            ns = &sec->series[i];
        }
    }
    if (!best)
        return;
    char t[64], s[64], t2[64];
    pb_fmt_time(best->median_s, t, sizeof t);
    speedup_text(best->speedup, s, sizeof s);
    char eff[48] = "";
    if (!isnan(best->speedup) && w > 1)
        snprintf(eff, sizeof eff, ", efficiency %.0f%%", 100 * best->speedup / w);
    char rest[256] = "";
    if (next)
        snprintf(rest, sizeof rest, "; next is %s at %s (%+.1f%% time)", ns->title,
                 pb_fmt_time(next->median_s, t2, sizeof t2),
                 100 * (next->median_s / best->median_s - 1));
    if (w == 1)
        add(f, "%s: only 1-worker runs are valid; the fastest is %s at %s%s.", name, bs->title, t,
            rest);
    else
        add(f, "%s at %u workers, the most measured: %s is fastest with median %s, %s%s%s.",
            name, w, bs->title, t, s, eff, rest);
}

/* Parallel efficiency of every parallel mode at the largest worker count. */
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
        pb_tb_printf(&t, "%s%s %.0f%% (speedup %.2f)", n ? ", " : "", sec->series[i].title,
                     100 * r->speedup / w, r->speedup);
        n++;
    }
    if (n)
        add(f, "%s: parallel efficiency at %u workers (speedup / workers): %s.", name, w,
            pb_tb_str(&t));
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
        char tc[64], tp[64], wc[32], wp[32];
        add(f,
            "%s, %s: SMT adds %+.1f%% throughput: median %s at %s (one per core) vs %s "
            "at %s (every PU).",
            name, sec->series[i].title, 100 * (c->median_s / p->median_s - 1),
            pb_fmt_time(c->median_s, tc, sizeof tc), nworkers(cores, wc, sizeof wc),
            pb_fmt_time(p->median_s, tp, sizeof tp), nworkers(pus, wp, sizeof wp));
        any = true;
    }
    return any;
}

/* The reference of the workers-versus-threads comparison for `runtime`: the first
 * thread-kind mode of that runtime in the section, in the series with `schedule` if it
 * ran one, else its first.  NULL when the runtime has no thread-kind series. */
static const struct pb_series *thread_reference(const struct pb_section *sec, const char *runtime,
                                                const char *schedule)
{
    const struct pb_series *first = NULL;
    for (size_t j = 0; j < sec->nseries && !first; j++)
        if (pb_series_worker(&sec->series[j]) == PB_WORKER_THREAD &&
            strcmp(sec->series[j].runtime, runtime) == 0)
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
        const struct pb_series *t = thread_reference(sec, s->runtime, s->schedule);
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
        char a[64], b[64], wn[32];
        double pct = 100 * (rp->median_s / rt->median_s - 1);
        /* "+12.0% longer" or "12.0% less time", never "-12.0% less time". */
        add(f, "%s at %s: %s takes %s%.1f%% %s than %s (median %s vs %s).", name,
            nworkers(rp->workers, wn, sizeof wn), s->title, pct >= 0 ? "+" : "", fabs(pct),
            pct >= 0 ? "longer" : "less time", t->title,
            pb_fmt_time(rp->median_s, a, sizeof a), pb_fmt_time(rt->median_s, b, sizeof b));
    }
}

static void serial_fraction(struct pb_findings *f, const char *name, const struct pb_section *sec)
{
    for (size_t i = 0; i < sec->nseries; i++) {
        const struct pb_series *s = &sec->series[i];
        if (isnan(s->amdahl_f))
            continue;
        char err[48] = "", pts[64] = "", limit[96];
        if (!isnan(s->amdahl_stderr))
            snprintf(err, sizeof err, " \xc2\xb1 %.3f", s->amdahl_stderr);
        if (s->amdahl_points == 1)
            snprintf(pts, sizeof pts, "1 parallel worker count, so no error estimate");
        else if (s->amdahl_points > 1)
            snprintf(pts, sizeof pts, "%zu parallel worker counts", s->amdahl_points);
        if (s->amdahl_f >= 1)
            snprintf(limit, sizeof limit,
                     "Amdahl's model does not fit: more workers made it no faster");
        else if (s->amdahl_f > 0.001)
            snprintf(limit, sizeof limit, "speedup can never exceed 1/f = %.1f", 1 / s->amdahl_f);
        else
            snprintf(limit, sizeof limit, "no measurable serial part");
        add(f, "%s, %s: Amdahl serial fraction f = %.3f%s (%s%s%s): %s.", name, s->title,
            s->amdahl_f, err, s->amdahl_from_file ? "fitted by parbench run" : "fitted here to the median speedups",
            pts[0] ? ", " : "", pts, limit);
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
    add(f, "%s: %zu configuration%s did not produce a valid result: %s.", name, sec->nbad,
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
        best_mode(out, name, sec);
        efficiency(out, name, sec);
        if (rf->sys.pus > rf->sys.cores)
            smt_measured |= smt(out, rf, name, sec);
        process_cost(out, name, sec);
        serial_fraction(out, name, sec);
        failures(out, name, sec);
    }
    if (rf->sys.pus > rf->sys.cores && !smt_measured)
        add(out,
            "This machine has SMT (%.0f PUs on %.0f cores), but no mode ran at both %.0f and "
            "%.0f workers, so what SMT adds was not measured.",
            rf->sys.pus, rf->sys.cores, rf->sys.cores, rf->sys.pus);
    if (out->n == 0)
        add(out, "No valid configuration: nothing to conclude.");
    return out->oom ? -1 : 0;
}

void pb_findings_free(struct pb_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->items[i]);
    free(f->items);
    memset(f, 0, sizeof *f);
}
