/* Scaling analysis over the records of a sweep.
 *
 * Speedup is a ratio of throughputs (work per second), not of times, so the
 * same formula serves both scalings: under strong scaling the work is equal
 * and it is baseline median / median (the baseline: the single-worker mode
 * of the record's runtime); under weak scaling (p workers, p times
 * the work) it is the scaled speedup, and efficiency = speedup / p is then
 * T1 / Tp corrected by how exactly the work grew. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "results-csv.h"
#include "scaling.h"
#include "schema.h"
#include "stats.h"


static bool valid(const cJSON *rec)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, PB_KEY(valid))) &&
           pb_json_num(rec, PB_KEY(median_s)) > 0;
}

static bool same(const cJSON *a, const cJSON *b, const char *key)
{
    return strcmp(pb_json_str(a, key), pb_json_str(b, key)) == 0;
}

/* Same kernel, same parameters before weak scaling, same scaling. */
static bool same_problem(const cJSON *a, const cJSON *b)
{
    return same(a, b, PB_KEY(kernel)) && same(a, b, PB_KEY(base_params_text)) &&
           same(a, b, PB_KEY(scaling));
}

/* Whether record o ran at one worker and is valid, for rec's problem. */
static bool one_worker_of(const cJSON *o, const cJSON *rec)
{
    return valid(o) && same_problem(o, rec) && pb_json_num(o, PB_KEY(workers)) == 1;
}

/* (python) The same variant of a mode made at run time: "@3.13.1t" of
 * "py-pool@3.13.1t" (one per --python interpreter), "" for every other mode, so
 * each interpreter's modes are measured against its own single-worker mode. */
static bool same_variant(const cJSON *a, const cJSON *b)
{
    const char *x = strchr(pb_json_str(a, PB_KEY(mode)), '@');
    const char *y = strchr(pb_json_str(b, PB_KEY(mode)), '@');
    return strcmp(x ? x : "", y ? y : "") == 0;
}

/* The speedup baseline of rec: the valid record of a single-worker mode of the
 * same runtime (C against the C baseline, Python against Python's), for the
 * same problem.  Which mode that is, the record says (single_worker), not its name. */
static const cJSON *baseline(const cJSON *records, const cJSON *rec)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, records)
        if (one_worker_of(o, rec) &&
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, PB_KEY(single_worker))) &&
            same(o, rec, PB_KEY(runtime)) && same_variant(o, rec))
            return o;
    return NULL;
}

/* The same --kinds choice (placement.kinds; "" in files older than it): under
 * --kinds each a ladder's own 1-worker run is the one on its kind. */
static bool same_kinds(const cJSON *a, const cJSON *b)
{
    return same(cJSON_GetObjectItemCaseSensitive(a, PB_KEY(placement)),
                cJSON_GetObjectItemCaseSensitive(b, PB_KEY(placement)), "kinds");
}

/* The valid record of rec's own mode, schedule and kinds at one worker. */
static const cJSON *own_one_worker(const cJSON *records, const cJSON *rec)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, records)
        if (one_worker_of(o, rec) && same(o, rec, PB_KEY(mode)) && same(o, rec, PB_KEY(schedule)) &&
            same_kinds(o, rec))
            return o;
    return NULL;
}

/* Replace a scaling field in place (pb_results_add put a null there, keeping
 * the field order), or add it. */
static void set_field(cJSON *rec, enum pb_field_id f, double v)
{
    const char *key = pb_record_fields[f].key;
    cJSON *item = isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
    if (cJSON_GetObjectItemCaseSensitive(rec, key))
        cJSON_ReplaceItemInObjectCaseSensitive(rec, key, item);
    else
        cJSON_AddItemToObject(rec, key, item);
}

/* Worker w's CPU kind in rec (placement.workers[].kind), "" when unknown. */
static const char *worker_kind(const cJSON *rec, int w)
{
    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(rec, PB_KEY(placement));
    return pb_json_str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(pl, "workers"), w),
                       "kind");
}

static double rate_of(const cJSON *rec)
{
    return pb_json_num(rec, PB_KEY(work)) / pb_json_num(rec, PB_KEY(median_s));
}

/* The 1-worker throughput on `kind` for rec's problem: the single-worker mode of
 * rec's runtime when it ran there (speedups are over it), else the best other
 * 1-worker record there; NAN when none ran on that kind. */
static double kind_rate(const cJSON *records, const cJSON *rec, const char *kind)
{
    double single = NAN, other = NAN;
    const cJSON *o;
    cJSON_ArrayForEach(o, records) {
        if (!one_worker_of(o, rec) || strcmp(worker_kind(o, 0), kind) != 0)
            continue;
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, PB_KEY(single_worker))) &&
            same(o, rec, PB_KEY(runtime)) && same_variant(o, rec))
            single = fmax(single, rate_of(o));
        else
            other = fmax(other, rate_of(o));
    }
    return isnan(single) ? other : single;
}

/* The speedup the machine allows rec: p, or on a machine with CPU kinds the
 * capacity of its workers over the baseline's rate (brate), capped at cpu_quota. */
static double ideal_speedup(const cJSON *records, const cJSON *rec, double p, double brate,
                            double cpu_quota)
{
    double ideal = p, sum = 0;
    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(rec, PB_KEY(placement));
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(pl, "workers");
    bool known = brate > 0 && p >= 1 && p <= 1e6 && cJSON_GetArraySize(ws) == (int)p;
    for (int w = 0; known && w < (int)p; w++) {
        const char *k = worker_kind(rec, w);
        double r = k[0] ? kind_rate(records, rec, k) : NAN;
        known = r > 0;
        sum += r / brate;
    }
    if (known)
        ideal = sum;
    return cpu_quota > 0 && ideal > cpu_quota ? cpu_quota : ideal;
}

static void update_record(const cJSON *records, cJSON *rec, double cpu_quota)
{
    double brate = NAN;
    double sp = NAN, sp_lo = NAN, sp_hi = NAN, sp_rel = NAN;
    double p = pb_json_num(rec, PB_KEY(workers));
    if (valid(rec)) {
        double work = pb_json_num(rec, PB_KEY(work));
        double rate = work / pb_json_num(rec, PB_KEY(median_s));
        const cJSON *base = baseline(records, rec);
        if (base) {
            brate = rate_of(base);
            sp = rate / brate;
            /* The speedup's CI from this record's CI (the baseline's median taken as exact). */
            sp_lo = work / pb_json_num(rec, PB_KEY(ci_high_s)) / brate;
            sp_hi = work / pb_json_num(rec, PB_KEY(ci_low_s)) / brate;
        }
        const cJSON *one = own_one_worker(records, rec);
        if (one)
            sp_rel = rate / (pb_json_num(one, PB_KEY(work)) / pb_json_num(one, PB_KEY(median_s)));
    }
    bool strong = strcmp(pb_json_str(rec, PB_KEY(scaling)), "weak") != 0;
    set_field(rec, PB_F_speedup, sp);
    set_field(rec, PB_F_speedup_ci_low, sp_lo);
    set_field(rec, PB_F_speedup_ci_high, sp_hi);
    set_field(rec, PB_F_efficiency, sp / p);
    set_field(rec, PB_F_speedup_rel, sp_rel);
    set_field(rec, PB_F_efficiency_rel, sp_rel / p);
    /* Karp–Flatt assumes a fixed problem: meaningless under weak scaling. */
    set_field(rec, PB_F_karp_flatt, strong ? pb_karp_flatt(sp, p) : NAN);
    set_field(rec, PB_F_ideal_speedup, ideal_speedup(records, rec, p, brate, cpu_quota));
}

/* Whether rec belongs to the group whose first record is g. */
static bool same_group(const cJSON *g, const cJSON *rec)
{
    return same_problem(g, rec) && same(g, rec, PB_KEY(mode)) && same(g, rec, PB_KEY(schedule));
}

/* Append rec's timings (MAD outliers left out) as (workers, time) pairs. */
static void add_points(const cJSON *rec, double *p, double *t, size_t *n)
{
    const cJSON *times = cJSON_GetObjectItemCaseSensitive(rec, PB_KEY(times_s));
    const cJSON *outliers = cJSON_GetObjectItemCaseSensitive(rec, PB_KEY(outliers));
    int i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, times) {
        bool out = false;
        const cJSON *k;
        cJSON_ArrayForEach(k, outliers)
            out |= k->valueint == i;
        if (!out) {
            p[*n] = pb_json_num(rec, PB_KEY(workers));
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
            const cJSON *times = cJSON_GetObjectItemCaseSensitive(rec, PB_KEY(times_s));
            cap += (size_t)cJSON_GetArraySize(times);
            nrec++;
            if (!at_max || pb_json_num(rec, PB_KEY(workers)) > pb_json_num(at_max, PB_KEY(workers)))
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
    cJSON_AddStringToObject(a, "kernel", pb_json_str(g, PB_KEY(kernel)));
    cJSON_AddStringToObject(a, "params_text", pb_json_str(g, PB_KEY(params_text)));
    cJSON_AddStringToObject(a, "mode", pb_json_str(g, PB_KEY(mode)));
    cJSON_AddStringToObject(a, "schedule", pb_json_str(g, PB_KEY(schedule)));
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
    cJSON_AddNumberToObject(a, "max_workers", pb_json_num(at_max, PB_KEY(workers)));
    static const struct {
        const char *key;
        enum pb_field_id from;
    } copied[] = {{"speedup_at_max", PB_F_speedup},
                  {"efficiency_at_max", PB_F_efficiency},
                  {"speedup_rel_at_max", PB_F_speedup_rel},
                  {"karp_flatt_at_max", PB_F_karp_flatt}};
    for (size_t i = 0; i < sizeof copied / sizeof *copied; i++) {
        double v = pb_json_num(at_max, pb_record_fields[copied[i].from].key);
        if (isfinite(v))
            cJSON_AddNumberToObject(a, copied[i].key, v);
        else
            cJSON_AddNullToObject(a, copied[i].key);
    }
    return a;
}

void pb_scaling_update(cJSON *records, cJSON *analysis)
{
    pb_scaling_update_capped(records, analysis, NAN);
}

void pb_scaling_update_capped(cJSON *records, cJSON *analysis, double cpu_quota)
{
    cJSON *rec;
    cJSON_ArrayForEach(rec, records)
        update_record(records, rec, cpu_quota);
    while (cJSON_GetArraySize(analysis) > 0)
        cJSON_DeleteItemFromArray(analysis, 0);
    /* One fit per group, from its first valid record; Amdahl's law is about a
     * fixed problem, so weak-scaling groups get none. */
    cJSON_ArrayForEach(rec, records) {
        if (!valid(rec) || strcmp(pb_json_str(rec, PB_KEY(scaling)), "strong") != 0)
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
