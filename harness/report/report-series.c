/* Group a results file's records into sections (kernel + parameters) and
 * series (mode + schedule) for plots and reports. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report-series.h"
#include "report-stats.h"

static const struct pb_rf_fit *fit_of(const struct pb_rfile *rf, const struct pb_section *sec,
                                      const struct pb_series *s)
{
    for (size_t i = 0; i < rf->nfit; i++) {
        const struct pb_rf_fit *f = &rf->fit[i];
        if (strcmp(f->kernel, sec->kernel) == 0 && strcmp(f->mode, s->mode) == 0 &&
            (!f->params_text[0] || strcmp(f->params_text, sec->params_text) == 0) &&
            (!f->schedule[0] || strcmp(f->schedule, s->schedule) == 0))
            return f;
    }
    return NULL;
}

/* Worker counts with a valid record in the series, plus the one-worker baseline
 * when the series has no one-worker point of its own. */
static size_t worker_counts(const struct pb_series *s)
{
    size_t n = 0;
    bool one = false;
    for (size_t i = 0; i < s->npts; i++) {
        const struct pb_rf_record *r = s->pts[i];
        if (!r->valid || (i > 0 && s->pts[i - 1]->valid && s->pts[i - 1]->workers == r->workers))
            continue;
        n++;
        one |= r->workers == 1;
    }
    return n + (!one && s->baseline_s > 0);
}

/* The series' Amdahl serial fraction: the file's own fit when it has one,
 * else a least-squares fit of the valid speedups here (strong scaling only).
 * Fits over fewer than PB_AMDAHL_MIN_COUNTS worker counts are dropped, and a
 * negative f is clamped to 0 and flagged (amdahl_negative). */
static void amdahl(const struct pb_rfile *rf, const struct pb_section *sec, struct pb_series *s)
{
    s->amdahl_f = s->amdahl_stderr = NAN;
    s->amdahl_scale = 1;
    if (s->single_worker)
        return;
    s->amdahl_counts = worker_counts(s);
    const struct pb_rf_fit *f = fit_of(rf, sec, s);
    if (f && !isnan(f->serial_fraction)) {
        s->amdahl_f = f->serial_fraction;
        s->amdahl_stderr = f->serial_fraction_stderr;
        s->amdahl_points = f->points >= 0 ? (size_t)f->points : 0;
        s->amdahl_from_file = true;
        /* analysis[].points counts the worker counts, one worker included. */
        if (s->amdahl_points > s->amdahl_counts)
            s->amdahl_counts = s->amdahl_points;
        /* parbench run fits times, T(p) = T1 (f + (1 - f) / p): as a speedup over the
         * baseline the curve is scaled by baseline / T1. */
        if (f->t1_s > 0 && s->baseline_s > 0)
            s->amdahl_scale = s->baseline_s / f->t1_s;
    } else {
        if (strcmp(rf->method.present ? rf->method.scaling : "", "weak") == 0)
            return;
        double *w = malloc(s->npts * sizeof *w), *sp = malloc(s->npts * sizeof *sp);
        size_t n = 0;
        for (size_t i = 0; w && sp && i < s->npts; i++) {
            const struct pb_rf_record *r = s->pts[i];
            if (r->valid && !isnan(r->speedup) && strcmp(r->scaling, "weak") != 0) {
                w[n] = r->workers;
                sp[n++] = r->speedup;
            }
        }
        s->amdahl_points = pb_rs_amdahl_fit(w, sp, n, &s->amdahl_f, &s->amdahl_stderr);
        free(w);
        free(sp);
    }
    if (s->amdahl_counts < PB_AMDAHL_MIN_COUNTS) {
        s->amdahl_f = s->amdahl_stderr = NAN;
        s->amdahl_scale = 1;
        return;
    }
    if (s->amdahl_f < 0) {
        s->amdahl_f = 0;
        s->amdahl_negative = true;
    }
}

static int cmp_by_workers(const void *x, const void *y)
{
    const struct pb_rf_record *a = *(const struct pb_rf_record *const *)x;
    const struct pb_rf_record *b = *(const struct pb_rf_record *const *)y;
    if (a->workers != b->workers)
        return a->workers < b->workers ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

const char *pb_mode_variant(const char *mode)
{
    const char *at = strchr(mode, '@');
    return at ? at : "";
}

/* The median of the section's first valid single-worker record of `runtime`
 * and the variant of `mode`, or NAN. */
static double baseline_of(const struct pb_section *sec, const char *runtime, const char *mode)
{
    for (size_t i = 0; i < sec->nrecs; i++) {
        const struct pb_rf_record *r = sec->recs[i];
        if (r->valid && r->single_worker && strcmp(r->runtime, runtime) == 0 &&
            strcmp(pb_mode_variant(r->mode), pb_mode_variant(mode)) == 0)
            return r->median_s;
    }
    return NAN;
}

/* placement.kinds of a record ("" when absent): `--kinds each` runs the same
 * mode once per core kind, and each kind's ladder is a series of its own. */
static const char *rec_kinds(const struct pb_rf_record *r)
{
    const cJSON *k = r->placement ? cJSON_GetObjectItemCaseSensitive(r->placement, "kinds") : NULL;
    return cJSON_IsString(k) ? k->valuestring : "";
}

static int build_series(const struct pb_rfile *rf, struct pb_section *sec)
{
    sec->series = calloc(sec->nrecs, sizeof *sec->series);
    if (!sec->series)
        return -1;
    for (size_t i = 0; i < sec->nrecs; i++) {
        const struct pb_rf_record *r = sec->recs[i];
        struct pb_series *s = NULL;
        for (size_t j = 0; j < sec->nseries && !s; j++)
            if (strcmp(sec->series[j].mode, r->mode) == 0 &&
                strcmp(sec->series[j].schedule, r->schedule) == 0 &&
                strcmp(sec->series[j].kinds, rec_kinds(r)) == 0)
                s = &sec->series[j];
        if (!s) {
            s = &sec->series[sec->nseries++];
            s->mode = r->mode;
            s->schedule = r->schedule;
            s->kinds = rec_kinds(r);
            s->worker_kind = r->worker_kind;
            s->runtime = r->runtime;
            s->single_worker = r->single_worker;
            s->pts = calloc(sec->nrecs, sizeof *s->pts);
            if (!s->pts)
                return -1;
        }
        s->pts[s->npts++] = r;
        if (r->valid && r->workers > sec->max_workers)
            sec->max_workers = r->workers;
        if (!r->valid)
            sec->nbad++;
    }
    for (size_t j = 0; j < sec->nseries; j++) {
        struct pb_series *s = &sec->series[j];
        qsort(s->pts, s->npts, sizeof *s->pts, cmp_by_workers);
        s->baseline_s = baseline_of(sec, s->runtime, s->mode);
        size_t schedules = 0, kinds = 0;
        for (size_t k = 0; k < sec->nseries; k++) {
            schedules += strcmp(sec->series[k].mode, s->mode) == 0 &&
                         strcmp(sec->series[k].kinds, s->kinds) == 0;
            kinds += strcmp(sec->series[k].mode, s->mode) == 0 &&
                     strcmp(sec->series[k].schedule, s->schedule) == 0;
        }
        if (schedules > 1)
            snprintf(s->title, sizeof s->title, "%.60s (%.60s)", s->mode, s->schedule);
        else
            snprintf(s->title, sizeof s->title, "%.100s", s->mode);
        if (kinds > 1) {   /* --kinds each: "threads [IntelAtom]" */
            size_t used = strlen(s->title);
            snprintf(s->title + used, sizeof s->title - used, " [%.40s]", s->kinds);
        }
        amdahl(rf, sec, s);
    }
    return 0;
}

/* A file-name-safe slug from the kernel name, unique among the sections so far. */
static void make_slug(struct pb_sections *ss, struct pb_section *sec)
{
    char base[32];
    size_t j = 0;
    for (const char *p = sec->kernel; *p && j < sizeof base - 1; p++)
        if (isalnum((unsigned char)*p) || *p == '_' || *p == '-')
            base[j++] = (char)tolower((unsigned char)*p);
    base[j] = '\0';
    if (!j)
        snprintf(base, sizeof base, "kernel");
    snprintf(sec->slug, sizeof sec->slug, "%s", base);
    for (int k = 2;; k++) {
        bool taken = false;
        for (size_t i = 0; i < ss->n && !taken; i++)
            taken = &ss->s[i] != sec && strcmp(ss->s[i].slug, sec->slug) == 0;
        if (!taken)
            return;
        snprintf(sec->slug, sizeof sec->slug, "%s-%d", base, k);
    }
}

int pb_sections_build(const struct pb_rfile *rf, struct pb_sections *out)
{
    memset(out, 0, sizeof *out);
    out->s = calloc(rf->nrec ? rf->nrec : 1, sizeof *out->s);
    if (!out->s)
        return -1;
    for (size_t i = 0; i < rf->nrec; i++) {
        const struct pb_rf_record *r = &rf->rec[i];
        struct pb_section *sec = NULL;
        for (size_t j = 0; j < out->n && !sec; j++)
            if (strcmp(out->s[j].kernel, r->kernel) == 0 &&
                strcmp(out->s[j].params_text, r->params_text) == 0)
                sec = &out->s[j];
        if (!sec) {
            sec = &out->s[out->n++];
            sec->kernel = r->kernel;
            sec->params_text = r->params_text;
            sec->unit = "";
            sec->recs = calloc(rf->nrec, sizeof *sec->recs);
            if (!sec->recs)
                goto oom;
            make_slug(out, sec);
        }
        if (!sec->unit[0] && r->unit[0])
            sec->unit = r->unit;
        sec->recs[sec->nrecs++] = r;
    }
    for (size_t j = 0; j < out->n; j++)
        if (build_series(rf, &out->s[j]))
            goto oom;
    return 0;
oom:
    pb_sections_free(out);
    return -1;
}

void pb_sections_free(struct pb_sections *ss)
{
    for (size_t j = 0; j < ss->n; j++) {
        struct pb_section *sec = &ss->s[j];
        for (size_t k = 0; k < sec->nseries; k++)
            free(sec->series[k].pts);
        free(sec->series);
        free(sec->recs);
    }
    free(ss->s);
    memset(ss, 0, sizeof *ss);
}

const struct pb_rf_record *pb_series_at(const struct pb_series *s, unsigned workers)
{
    for (size_t i = 0; i < s->npts; i++)
        if (s->pts[i]->workers == workers && s->pts[i]->valid)
            return s->pts[i];
    return NULL;
}

const struct pb_section *pb_section_find(const struct pb_sections *ss, const char *kernel,
                                         const char *params_text)
{
    for (size_t j = 0; j < ss->n; j++)
        if (strcmp(ss->s[j].kernel, kernel) == 0 && strcmp(ss->s[j].params_text, params_text) == 0)
            return &ss->s[j];
    return NULL;
}

enum pb_worker_kind pb_series_worker(const struct pb_series *s)
{
    enum pb_worker_kind k;
    return pb_worker_kind_parse(s->worker_kind, &k) == 0 ? k : PB_WORKER_KINDS;
}
