/* Findings about the Python series of a section, beside the C ones: how far
 * each Python model scales over its own interpreter's py-serial (threads under
 * the GIL do not), how much faster the C code is at the same worker count, and,
 * with several interpreters (--python twice: modes named MODE@VERSION), how
 * the interpreters compare.  Every sentence quotes its medians and the test
 * behind it; none says "faster" unless pb_findings_differ says they differ
 * (Mann-Whitney p < 0.05 and disjoint 95% CIs of the medians), as findings.c. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings-python.h"
#include "fmtnum.h"
#include "report-stats.h"
#include "textbuf.h"


static bool is_python(const struct pb_series *s)
{
    return strcmp(s->runtime, "python") == 0;
}

/* "@3.13.1t" of "py-pool@3.13.1t": the interpreter variant, "" for the only one. */
static const char *variant(const char *mode)
{
    const char *at = strchr(mode, '@');
    return at ? at : "";
}

/* The mode name without its variant, into buf. */
static const char *base_mode(const char *mode, char *buf, size_t len)
{
    snprintf(buf, len, "%.*s", (int)strcspn(mode, "@"), mode);
    return buf;
}

/* A fact of the record's mode ("python_gil"), "" when absent. */
static const char *fact(const struct pb_rf_record *r, const char *name)
{
    const cJSON *v = r->mode_facts ? cJSON_GetObjectItemCaseSensitive(r->mode_facts, name) : NULL;
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* The valid single-worker record of a series' runtime and variant: what its speedups are over. */
static const struct pb_rf_record *baseline(const struct pb_section *sec, const struct pb_series *s,
                                           const struct pb_series **bs)
{
    for (size_t i = 0; i < sec->nseries; i++) {
        const struct pb_series *b = &sec->series[i];
        if (!b->single_worker || strcmp(b->runtime, s->runtime) != 0 ||
            strcmp(variant(b->mode), variant(s->mode)) != 0)
            continue;
        const struct pb_rf_record *r = pb_series_at(b, 1);
        if (r) {
            *bs = b;
            return r;
        }
    }
    return NULL;
}

/* The 95% CI of the median: the file's, else from its runs. */
static bool median_ci(const struct pb_rf_record *r, double *lo, double *hi)
{
    *lo = r->ci_low_s;
    *hi = r->ci_high_s;
    if (!isnan(*lo) && !isnan(*hi))
        return r->ntimes > 0;
    return pb_rs_median_ci(r->times_s, r->ntimes, lo, hi);
}

/* "61× [55–68]": how many times `slow`'s median is `fast`'s, with the interval the
 * two medians' 95% CIs allow (conservative: the ends of both). */
static const char *ratio_text(const struct pb_rf_record *slow, const struct pb_rf_record *fast,
                              char *buf, size_t len)
{
    double r = slow->median_s / fast->median_s, slo, shi, flo, fhi;
    if (median_ci(slow, &slo, &shi) && median_ci(fast, &flo, &fhi) && flo > 0 && fhi > 0)
        snprintf(buf, len, "%.3g\xc3\x97 [%.3g\xe2\x80\x93%.3g]", r, slo / fhi, shi / flo);
    else
        snprintf(buf, len, "%.3g\xc3\x97 [no CI]", r);
    return buf;
}

/* Each parallel Python series at its largest valid worker count against its own
 * interpreter's py-serial: "scales" only when the two differ. */
static void scaling(struct pb_findings *f, const char *name, const struct pb_section *sec)
{
    for (size_t i = 0; i < sec->nseries; i++) {
        const struct pb_series *s = &sec->series[i], *bs = NULL;
        if (!is_python(s) || s->single_worker)
            continue;
        const struct pb_rf_record *r = NULL, *base = baseline(sec, s, &bs);
        for (size_t k = s->npts; k-- > 0 && !r;)
            if (s->pts[k]->valid && s->pts[k]->workers > 1)
                r = s->pts[k];
        if (!r || !base || !(base->median_s > 0) || !(r->median_s > 0))
            continue;
        double sp = base->median_s / r->median_s, p;
        char spt[96], pt[32], a[64], b[64];
        if (isnan(r->speedup_ci_low) || isnan(r->speedup_ci_high))
            snprintf(spt, sizeof spt, "%.2f\xc3\x97 [no CI]", sp);
        else
            snprintf(spt, sizeof spt, "%.2f\xc3\x97 [%.2f\xe2\x80\x93%.2f]", sp,
                     r->speedup_ci_low, r->speedup_ci_high);
        bool differs = pb_findings_differ(r, base, &p);
        const char *verdict = !differs ? "no speedup: indistinguishable from it"
                              : sp > 1 ? "faster" : "slower";
        /* Why threads do not scale, from what the interpreter said about itself. */
        const char *why = "";
        if (strcmp(s->worker_kind, "thread") == 0) {
            if (strcmp(fact(r, "python_gil"), "enabled") == 0)
                why = "; the GIL lets one thread at a time run Python code";
            else if (strcmp(fact(r, "python_free_threaded"), "yes") == 0)
                why = "; a free-threaded build, the GIL disabled";
        }
        pb_findings_add(f, "%s, Python %s: %s at %u workers over %s (%s, %s; median %s vs %s)%s.", name,
            s->title, spt, r->workers, bs->title, verdict, pb_findings_ptext(p, pt, sizeof pt),
            pb_fmt_time(r->median_s, a, sizeof a), pb_fmt_time(base->median_s, b, sizeof b), why);
    }
}

/* The fastest valid series of one runtime (and Python variant) at `workers`. */
static const struct pb_rf_record *fastest(const struct pb_section *sec, bool python,
                                          const char *var, unsigned workers,
                                          const struct pb_series **out)
{
    const struct pb_rf_record *best = NULL;
    for (size_t i = 0; i < sec->nseries; i++) {
        const struct pb_series *s = &sec->series[i];
        if (is_python(s) != python || (python && strcmp(variant(s->mode), var) != 0))
            continue;
        const struct pb_rf_record *r = pb_series_at(s, workers);
        if (r && r->median_s > 0 && (!best || r->median_s < best->median_s)) {
            best = r;
            *out = s;
        }
    }
    return best;
}

/* C against Python at the same worker count: at one worker (the interpreter's cost
 * on this kernel) and at the largest count both ran, the fastest of each. */
static void c_versus_python(struct pb_findings *f, const char *name, const struct pb_section *sec)
{
    const char *vars[16];
    size_t nv = 0;
    for (size_t i = 0; i < sec->nseries && nv < 16; i++) {
        if (!is_python(&sec->series[i]))
            continue;
        const char *v = variant(sec->series[i].mode);
        bool seen = false;
        for (size_t j = 0; j < nv; j++)
            seen |= strcmp(vars[j], v) == 0;
        if (!seen)
            vars[nv++] = v;
    }
    for (size_t v = 0; v < nv; v++) {
        unsigned top = 0;
        for (unsigned w = 1; w <= sec->max_workers; w++) {
            const struct pb_series *a, *b;
            if (fastest(sec, false, "", w, &a) && fastest(sec, true, vars[v], w, &b))
                top = w;
        }
        for (unsigned w = 1; top && w <= top; w = w == top ? top + 1 : top) {
            const struct pb_series *cs = NULL, *ps = NULL;
            const struct pb_rf_record *c = fastest(sec, false, "", w, &cs);
            const struct pb_rf_record *py = fastest(sec, true, vars[v], w, &ps);
            if (!c || !py)
                continue;
            double p;
            char rt[96], pt[32], a[64], b[64];
            pb_fmt_time(c->median_s, a, sizeof a);
            pb_fmt_time(py->median_s, b, sizeof b);
            if (pb_findings_differ(c, py, &p))
                pb_findings_add(f, "%s at %u worker%s: C %s is %s %s than Python %s per worker (median %s vs "
                    "%s, %s).", name, w, w == 1 ? "" : "s", cs->title,
                    ratio_text(c->median_s < py->median_s ? py : c,
                               c->median_s < py->median_s ? c : py, rt, sizeof rt),
                    c->median_s < py->median_s ? "faster" : "slower", ps->title, a, b,
                    pb_findings_ptext(p, pt, sizeof pt));
            else
                pb_findings_add(f, "%s at %u worker%s: C %s and Python %s are indistinguishable (median %s "
                    "vs %s, %s).", name, w, w == 1 ? "" : "s", cs->title, ps->title, a, b,
                    pb_findings_ptext(p, pt, sizeof pt));
        }
    }
}

/* With several interpreters: each Python mode's variants against the first one,
 * at the largest worker count both ran. */
static void interpreters(struct pb_findings *f, const char *name, const struct pb_section *sec)
{
    for (size_t i = 0; i < sec->nseries; i++) {
        const struct pb_series *a = &sec->series[i];
        if (!is_python(a) || !variant(a->mode)[0])
            continue;
        char ma[64], mb[64];
        base_mode(a->mode, ma, sizeof ma);
        for (size_t j = i + 1; j < sec->nseries; j++) {
            const struct pb_series *b = &sec->series[j];
            if (!is_python(b) || strcmp(base_mode(b->mode, mb, sizeof mb), ma) != 0 ||
                strcmp(a->schedule, b->schedule) != 0 ||
                strcmp(variant(a->mode), variant(b->mode)) == 0)
                continue;
            const struct pb_rf_record *ra = NULL, *rb = NULL;
            for (size_t k = a->npts; k-- > 0 && !ra;)
                if (a->pts[k]->valid && (rb = pb_series_at(b, a->pts[k]->workers)) &&
                    rb->median_s > 0 && a->pts[k]->median_s > 0)
                    ra = a->pts[k];
            if (!ra || !rb)
                continue;
            double p;
            char rt[96], pt[32], ta[64], tb[64];
            pb_fmt_time(ra->median_s, ta, sizeof ta);
            pb_fmt_time(rb->median_s, tb, sizeof tb);
            bool a_fast = ra->median_s < rb->median_s;
            if (pb_findings_differ(ra, rb, &p))
                pb_findings_add(f, "%s at %u worker%s: %s is %s faster than %s (median %s vs %s, %s).", name,
                    ra->workers, ra->workers == 1 ? "" : "s", a_fast ? a->title : b->title,
                    ratio_text(a_fast ? rb : ra, a_fast ? ra : rb, rt, sizeof rt),
                    a_fast ? b->title : a->title, ta, tb, pb_findings_ptext(p, pt, sizeof pt));
            else
                pb_findings_add(f, "%s at %u worker%s: %s and %s are indistinguishable (median %s vs %s, %s).",
                    name, ra->workers, ra->workers == 1 ? "" : "s", a->title, b->title, ta, tb,
                    pb_findings_ptext(p, pt, sizeof pt));
        }
    }
}

void pb_findings_python(struct pb_findings *f, const char *name, const struct pb_section *sec)
{
    bool any = false;
    for (size_t i = 0; i < sec->nseries; i++)
        any |= is_python(&sec->series[i]);
    if (!any)
        return;
    scaling(f, name, sec);
    c_versus_python(f, name, sec);
    interpreters(f, name, sec);
}
