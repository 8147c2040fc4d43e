/* Scaling analysis over the records of a sweep.
 *
 * Speedup is a ratio of throughputs (work per second), not of times, so the
 * same formula serves both scalings: under strong scaling the work is equal
 * and it is serial median / median; under weak scaling (p workers, p times
 * the work) it is the scaled speedup, and efficiency = speedup / p is then
 * T1 / Tp corrected by how exactly the work grew. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "results-csv.h"
#include "scaling.h"
#include "stats.h"


static bool valid(const cJSON *rec)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "valid")) &&
           pb_json_num(rec, "median_s") > 0;
}

static bool same(const cJSON *a, const cJSON *b, const char *key)
{
    return strcmp(pb_json_str(a, key), pb_json_str(b, key)) == 0;
}

/* Same kernel, same parameters before weak scaling, same scaling. */
static bool same_problem(const cJSON *a, const cJSON *b)
{
    return same(a, b, "kernel") && same(a, b, "base_params_text") && same(a, b, "scaling");
}

/* Replace in place (pb_results_add put a null there, keeping the field order), or add. */
static void set_num(cJSON *rec, const char *key, double v)
{
    cJSON *item = isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
    if (cJSON_GetObjectItemCaseSensitive(rec, key))
        cJSON_ReplaceItemInObjectCaseSensitive(rec, key, item);
    else
        cJSON_AddItemToObject(rec, key, item);
}

/* The valid record of `mode` (and `schedule` unless NULL) at one worker for rec's problem. */
static const cJSON *reference(const cJSON *records, const cJSON *rec, const char *mode,
                              const char *schedule)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, records)
        if (valid(o) && same_problem(o, rec) && strcmp(pb_json_str(o, "mode"), mode) == 0 &&
            pb_json_num(o, "workers") == 1 &&
            (!schedule || strcmp(pb_json_str(o, "schedule"), schedule) == 0))
            return o;
    return NULL;
}

static void update_record(const cJSON *records, cJSON *rec)
{
    double sp = NAN, sp_lo = NAN, sp_hi = NAN, sp_rel = NAN;
    double p = pb_json_num(rec, "workers");
    if (valid(rec)) {
        double rate = pb_json_num(rec, "work") / pb_json_num(rec, "median_s");
        const cJSON *serial = reference(records, rec, "serial", NULL);
        if (serial) {
            double srate = pb_json_num(serial, "work") / pb_json_num(serial, "median_s");
            sp = rate / srate;
            /* The CI of the speedup from this record's CI (the serial median taken as exact). */
            sp_lo = pb_json_num(rec, "work") / pb_json_num(rec, "ci_high_s") / srate;
            sp_hi = pb_json_num(rec, "work") / pb_json_num(rec, "ci_low_s") / srate;
        }
        const cJSON *one = reference(records, rec, pb_json_str(rec, "mode"), pb_json_str(rec, "schedule"));
        if (one)
            sp_rel = rate / (pb_json_num(one, "work") / pb_json_num(one, "median_s"));
    }
    bool strong = strcmp(pb_json_str(rec, "scaling"), "weak") != 0;
    set_num(rec, "speedup", sp);
    set_num(rec, "speedup_ci_low", sp_lo);
    set_num(rec, "speedup_ci_high", sp_hi);
    set_num(rec, "efficiency", sp / p);
    set_num(rec, "speedup_rel", sp_rel);
    set_num(rec, "efficiency_rel", sp_rel / p);
    /* Karp–Flatt assumes a fixed problem: meaningless under weak scaling. */
    set_num(rec, "karp_flatt", strong ? pb_karp_flatt(sp, p) : NAN);
}

/* Whether rec belongs to the group whose first record is g. */
static bool same_group(const cJSON *g, const cJSON *rec)
{
    return same_problem(g, rec) && same(g, rec, "mode") && same(g, rec, "schedule");
}

/* Append rec's timings (MAD outliers left out) as (workers, time) pairs. */
static void add_points(const cJSON *rec, double *p, double *t, size_t *n)
{
    const cJSON *times = cJSON_GetObjectItemCaseSensitive(rec, "times_s");
    const cJSON *outliers = cJSON_GetObjectItemCaseSensitive(rec, "outliers");
    int i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, times) {
        bool out = false;
        const cJSON *k;
        cJSON_ArrayForEach(k, outliers)
            out |= k->valueint == i;
        if (!out) {
            p[*n] = pb_json_num(rec, "workers");
            t[*n] = x->valuedouble;
            (*n)++;
        }
        i++;
    }
}

/* One analysis entry for the group of records starting at g, or NULL. */
static cJSON *analyse_group(const cJSON *records, const cJSON *g)
{
    size_t cap = 0, nrec = 0;
    const cJSON *rec, *at_max = NULL;
    cJSON_ArrayForEach(rec, records)
        if (valid(rec) && same_group(g, rec)) {
            cap += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rec, "times_s"));
            nrec++;
            if (!at_max || pb_json_num(rec, "workers") > pb_json_num(at_max, "workers"))
                at_max = rec;
        }
    if (nrec < 2 || cap < 2)
        return NULL;
    double *p = malloc(cap * sizeof *p), *t = malloc(cap * sizeof *t);
    size_t n = 0;
    struct pb_amdahl fit;
    int rc = -1;
    if (p && t) {
        cJSON_ArrayForEach(rec, records)
            if (valid(rec) && same_group(g, rec))
                add_points(rec, p, t, &n);
        rc = pb_amdahl_fit(p, t, n, NAN, &fit);
    }
    free(p);
    free(t);
    if (rc != 0)
        return NULL;
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "kernel", pb_json_str(g, "kernel"));
    cJSON_AddStringToObject(a, "params_text", pb_json_str(g, "params_text"));
    cJSON_AddStringToObject(a, "mode", pb_json_str(g, "mode"));
    cJSON_AddStringToObject(a, "schedule", pb_json_str(g, "schedule"));
    cJSON_AddNumberToObject(a, "amdahl_serial_fraction", fit.f);
    if (isfinite(fit.f_stderr))
        cJSON_AddNumberToObject(a, "amdahl_serial_fraction_stderr", fit.f_stderr);
    else
        cJSON_AddNullToObject(a, "amdahl_serial_fraction_stderr");
    cJSON_AddNumberToObject(a, "amdahl_t1_s", fit.t1_s);
    if (fit.f > 0)
        cJSON_AddNumberToObject(a, "amdahl_max_speedup", 1 / fit.f);
    else
        cJSON_AddNullToObject(a, "amdahl_max_speedup");
    cJSON_AddNumberToObject(a, "points", (double)fit.points);
    cJSON_AddNumberToObject(a, "samples", (double)fit.samples);
    cJSON_AddNumberToObject(a, "max_workers", pb_json_num(at_max, "workers"));
    static const char *const copied[][2] = {{"speedup_at_max", "speedup"},
                                            {"efficiency_at_max", "efficiency"},
                                            {"speedup_rel_at_max", "speedup_rel"},
                                            {"karp_flatt_at_max", "karp_flatt"}};
    for (size_t i = 0; i < sizeof copied / sizeof *copied; i++) {
        double v = pb_json_num(at_max, copied[i][1]);
        if (isfinite(v))
            cJSON_AddNumberToObject(a, copied[i][0], v);
        else
            cJSON_AddNullToObject(a, copied[i][0]);
    }
    return a;
}

void pb_scaling_update(cJSON *records, cJSON *analysis)
{
    cJSON *rec;
    cJSON_ArrayForEach(rec, records)
        update_record(records, rec);
    while (cJSON_GetArraySize(analysis) > 0)
        cJSON_DeleteItemFromArray(analysis, 0);
    /* One fit per group, from its first valid record; Amdahl's law is about a
     * fixed problem, so weak-scaling groups get none. */
    cJSON_ArrayForEach(rec, records) {
        if (!valid(rec) || strcmp(pb_json_str(rec, "scaling"), "strong") != 0)
            continue;
        bool first = true;
        const cJSON *o;
        cJSON_ArrayForEach(o, records) {
            if (o == rec)
                break;
            if (valid(o) && same_group(rec, o))
                first = false;
        }
        cJSON *a = first ? analyse_group(records, rec) : NULL;
        if (a)
            cJSON_AddItemToArray(analysis, a);
    }
}
