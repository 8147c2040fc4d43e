/* Scaling analysis on synthetic records: speedups, relative speedups,
 * Karp–Flatt, weak-scaling efficiency, the ideal speedup and the Amdahl fit,
 * without timing. */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "scaling.h"

/* A record as pb_results_add writes it, with every timing equal to `t`.  Mode
 * names are made up: what makes a baseline is single_worker (a mode whose name
 * begins with "one") and the runtime (one whose name ends in "-py", or "-py@VERSION", is
 * Python). */
static cJSON *record(cJSON *records, const char *mode, int workers, double t, double work,
                     const char *scaling, const char *params)
{
    size_t len = strcspn(mode, "@");   /* "pool-py@3.13.1t": a variant per interpreter */
    bool py = len > 3 && strncmp(mode + len - 3, "-py", 3) == 0;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "kernel", "primes");
    cJSON_AddStringToObject(r, "params_text", params);
    cJSON_AddStringToObject(r, "base_params_text", strcmp(scaling, "weak") ? params : "hi=100");
    cJSON_AddStringToObject(r, "mode", mode);
    cJSON_AddNumberToObject(r, "workers", workers);
    cJSON_AddStringToObject(r, "runtime", py ? "python" : "c");
    cJSON_AddBoolToObject(r, "single_worker", strncmp(mode, "one", 3) == 0);
    cJSON_AddStringToObject(r, "schedule", strncmp(mode, "one", 3) ? "dynamic" : "static");
    cJSON_AddStringToObject(r, "scaling", scaling);
    double times[6] = {t, t, t, t, t, t};
    cJSON_AddItemToObject(r, "times_s", cJSON_CreateDoubleArray(times, 6));
    cJSON_AddItemToObject(r, "outliers", cJSON_CreateArray());
    cJSON_AddNumberToObject(r, "median_s", t);
    cJSON_AddNumberToObject(r, "ci_low_s", t * 0.9);
    cJSON_AddNumberToObject(r, "ci_high_s", t * 1.1);
    cJSON_AddNumberToObject(r, "work", work);
    cJSON_AddBoolToObject(r, "valid", 1);
    cJSON_AddItemToArray(records, r);
    return r;
}

static double num(const cJSON *r, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void test_strong(void)
{
    cJSON *records = cJSON_CreateArray(), *analysis = cJSON_CreateArray();
    /* pool costs 10% over the baseline at one worker and follows Amdahl with f = 0.2 from there. */
    const double ts = 1.0, t1 = 1.1;
    cJSON *s = record(records, "onebase", 1, ts, 100, "strong", "hi=100");
    cJSON *r1 = record(records, "pool", 1, t1, 100, "strong", "hi=100");
    cJSON *r2 = record(records, "pool", 2, t1 * (0.2 + 0.8 / 2), 100, "strong", "hi=100");
    cJSON *r4 = record(records, "pool", 4, t1 * (0.2 + 0.8 / 4), 100, "strong", "hi=100");
    cJSON *other = record(records, "pool", 2, 0.1, 10, "strong", "hi=10");   /* another problem */
    pb_scaling_update(records, analysis);

    CHECK_NEAR(num(s, "speedup"), 1, 1e-12);
    CHECK_NEAR(num(r1, "speedup"), ts / t1, 1e-12);
    CHECK_NEAR(num(r4, "speedup"), ts / (t1 * 0.4), 1e-12);
    CHECK_NEAR(num(r4, "efficiency"), ts / (t1 * 0.4) / 4, 1e-12);
    CHECK_NEAR(num(r4, "speedup_ci_low"), ts / (t1 * 0.4 * 1.1), 1e-12);
    CHECK_NEAR(num(r4, "speedup_ci_high"), ts / (t1 * 0.4 * 0.9), 1e-12);
    CHECK_NEAR(num(r2, "speedup_rel"), 1 / 0.6, 1e-12);
    CHECK_NEAR(num(r4, "speedup_rel"), 1 / 0.4, 1e-12);
    CHECK_NEAR(num(r4, "efficiency_rel"), 1 / 0.4 / 4, 1e-12);
    CHECK(isnan(num(r1, "karp_flatt")));
    CHECK_NEAR(num(r4, "karp_flatt"), (t1 * 0.4 / ts - 0.25) / 0.75, 1e-12);
    CHECK(isnan(num(other, "speedup")));   /* no baseline record for hi=10 */

    /* One fit, pool over 1, 2, 4 workers: f = 0.2 and T1 = 1.1 exactly. */
    CHECK_EQ_U(cJSON_GetArraySize(analysis), 1);
    const cJSON *a = cJSON_GetArrayItem(analysis, 0);
    CHECK_NEAR(num(a, "amdahl_serial_fraction"), 0.2, 1e-9);
    CHECK_NEAR(num(a, "amdahl_t1_s"), 1.1, 1e-9);
    CHECK_NEAR(num(a, "amdahl_serial_fraction_stderr"), 0, 1e-9);
    CHECK_NEAR(num(a, "amdahl_max_speedup"), 5, 1e-6);
    CHECK_NEAR(num(a, "points"), 3, 0);
    CHECK_NEAR(num(a, "samples"), 18, 0);
    CHECK_NEAR(num(a, "max_workers"), 4, 0);
    CHECK_NEAR(num(a, "speedup_at_max"), num(r4, "speedup"), 1e-12);

    /* Outliers stay out of the fit: spoil one timing of the 4-worker record and flag it. */
    cJSON_ReplaceItemInArray(cJSON_GetObjectItemCaseSensitive(r4, "times_s"), 0,
                             cJSON_CreateNumber(50));
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(r4, "outliers"), cJSON_CreateNumber(0));
    pb_scaling_update(records, analysis);
    a = cJSON_GetArrayItem(analysis, 0);
    CHECK_NEAR(num(a, "amdahl_serial_fraction"), 0.2, 1e-9);
    CHECK_NEAR(num(a, "samples"), 17, 0);
    cJSON_Delete(records);
    cJSON_Delete(analysis);
}

/* A Python series is measured against the Python baseline, not the C one. */
static void test_runtimes(void)
{
    cJSON *records = cJSON_CreateArray(), *analysis = cJSON_CreateArray();
    cJSON *c1 = record(records, "onebase", 1, 1.0, 100, "strong", "hi=100");
    cJSON *py1 = record(records, "onebase-py", 1, 20.0, 100, "strong", "hi=100");
    cJSON *py4 = record(records, "pool-py", 4, 8.0, 100, "strong", "hi=100");
    cJSON *c4 = record(records, "pool", 4, 0.5, 100, "strong", "hi=100");
    pb_scaling_update(records, analysis);
    CHECK_NEAR(num(c1, "speedup"), 1, 1e-12);
    CHECK_NEAR(num(py1, "speedup"), 1, 1e-12);
    CHECK_NEAR(num(py4, "speedup"), 2.5, 1e-12);
    CHECK_NEAR(num(c4, "speedup"), 2, 1e-12);
    /* Without a baseline of its runtime there is no speedup, even with another's. */
    cJSON_DeleteItemFromArray(records, 1);
    pb_scaling_update(records, analysis);
    CHECK(isnan(num(py4, "speedup")));
    CHECK_NEAR(num(c4, "speedup"), 2, 1e-12);
    cJSON_Delete(records);
    cJSON_Delete(analysis);
}

/* With two interpreters (--python A,B: modes MODE@VERSION), each variant is measured
 * against its own interpreter's single worker. */
static void test_interpreters(void)
{
    cJSON *records = cJSON_CreateArray(), *analysis = cJSON_CreateArray();
    cJSON *a1 = record(records, "onebase-py@3.11.2", 1, 20.0, 100, "strong", "hi=100");
    cJSON *b1 = record(records, "onebase-py@3.13.1t", 1, 10.0, 100, "strong", "hi=100");
    cJSON *a4 = record(records, "pool-py@3.11.2", 4, 8.0, 100, "strong", "hi=100");
    cJSON *b4 = record(records, "pool-py@3.13.1t", 4, 2.5, 100, "strong", "hi=100");
    pb_scaling_update(records, analysis);
    CHECK_NEAR(num(a1, "speedup"), 1, 1e-12);
    CHECK_NEAR(num(b1, "speedup"), 1, 1e-12);
    CHECK_NEAR(num(a4, "speedup"), 2.5, 1e-12);
    CHECK_NEAR(num(b4, "speedup"), 4, 1e-12);
    cJSON_Delete(records);
    cJSON_Delete(analysis);
}

static void test_weak(void)
{
    cJSON *records = cJSON_CreateArray(), *analysis = cJSON_CreateArray();
    /* Twice the work in 1.25 times the time at two workers: efficiency 2/1.25/2 = 0.8. */
    cJSON *s = record(records, "onebase", 1, 1.0, 100, "weak", "hi=100");
    cJSON *r1 = record(records, "pool", 1, 1.0, 100, "weak", "hi=100");
    cJSON *r2 = record(records, "pool", 2, 1.25, 200, "weak", "hi=200");
    pb_scaling_update(records, analysis);
    CHECK_NEAR(num(s, "efficiency"), 1, 1e-12);
    CHECK_NEAR(num(r1, "efficiency"), 1, 1e-12);
    CHECK_NEAR(num(r2, "efficiency"), 0.8, 1e-12);
    CHECK_NEAR(num(r2, "speedup"), 1.6, 1e-12);       /* scaled speedup */
    CHECK_NEAR(num(r2, "efficiency_rel"), 0.8, 1e-12);
    CHECK(isnan(num(r2, "karp_flatt")));
    CHECK_EQ_U(cJSON_GetArraySize(analysis), 0);      /* Amdahl is for a fixed problem */
    cJSON_Delete(records);
    cJSON_Delete(analysis);
}

/* Give record r's workers these CPU kinds (placement.workers[].kind). */
static void kinds(cJSON *r, const char *const *k, int n)
{
    cJSON *ws = cJSON_AddArrayToObject(cJSON_AddObjectToObject(r, "placement"), "workers");
    for (int i = 0; i < n; i++) {
        cJSON *w = cJSON_CreateObject();
        cJSON_AddStringToObject(w, "kind", k[i]);
        cJSON_AddItemToArray(ws, w);
    }
}

/* ideal_speedup: p on a uniform machine; the capacity of the workers' kinds
 * (their 1-worker rates over the baseline's) on a hybrid one; capped by a quota. */
static void test_ideal(void)
{
    cJSON *records = cJSON_CreateArray(), *analysis = cJSON_CreateArray();
    cJSON *s = record(records, "onebase", 1, 1.0, 100, "strong", "hi=100");
    cJSON *e1 = record(records, "pool", 1, 2.0, 100, "strong", "hi=100");  /* an E-core: half */
    cJSON *r2 = record(records, "pool", 2, 0.8, 100, "strong", "hi=100");
    cJSON *r3 = record(records, "pool", 3, 0.5, 100, "strong", "hi=100");
    cJSON *u2 = record(records, "pool", 2, 0.6, 10, "strong", "hi=10");    /* no kinds */
    kinds(s, (const char *const[]){"P"}, 1);
    kinds(e1, (const char *const[]){"E"}, 1);
    kinds(r2, (const char *const[]){"P", "E"}, 2);
    kinds(r3, (const char *const[]){"P", "E", "X"}, 3);   /* X never ran alone */
    pb_scaling_update(records, analysis);
    CHECK_NEAR(num(s, "ideal_speedup"), 1, 1e-12);
    CHECK_NEAR(num(e1, "ideal_speedup"), 0.5, 1e-12);
    CHECK_NEAR(num(r2, "ideal_speedup"), 1.5, 1e-12);
    CHECK_NEAR(num(r3, "ideal_speedup"), 3, 1e-12);    /* unmeasured kind: p */
    CHECK_NEAR(num(u2, "ideal_speedup"), 2, 1e-12);
    pb_scaling_update_capped(records, analysis, 1.2);
    CHECK_NEAR(num(s, "ideal_speedup"), 1, 1e-12);
    CHECK_NEAR(num(r2, "ideal_speedup"), 1.2, 1e-12);
    CHECK_NEAR(num(u2, "ideal_speedup"), 1.2, 1e-12);
    cJSON_Delete(records);
    cJSON_Delete(analysis);
}

/* --kinds each: the ladder once per kind.  Each ladder's speedup_rel is over
 * its own kind's 1-worker run (placement.kinds), and its ideal is that kind's
 * capacity. */
static void test_kinds_each(void)
{
    cJSON *records = cJSON_CreateArray(), *analysis = cJSON_CreateArray();
    cJSON *s = record(records, "onebase", 1, 1.0, 100, "strong", "hi=100");
    cJSON *p1 = record(records, "pool", 1, 1.0, 100, "strong", "hi=100");
    cJSON *p2 = record(records, "pool", 2, 0.5, 100, "strong", "hi=100");
    cJSON *e1 = record(records, "pool", 1, 2.0, 100, "strong", "hi=100");
    cJSON *e2 = record(records, "pool", 2, 1.0, 100, "strong", "hi=100");
    kinds(s, (const char *const[]){"P"}, 1);
    kinds(p1, (const char *const[]){"P"}, 1);
    kinds(p2, (const char *const[]){"P", "P"}, 2);
    kinds(e1, (const char *const[]){"E"}, 1);
    kinds(e2, (const char *const[]){"E", "E"}, 2);
    cJSON *recs[] = {s, p1, p2, e1, e2};
    const char *choice[] = {"P", "P", "P", "E", "E"};
    for (int i = 0; i < 5; i++)
        cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(recs[i], "placement"), "kinds",
                                choice[i]);
    pb_scaling_update(records, analysis);
    CHECK_NEAR(num(p2, "speedup_rel"), 2, 1e-12);
    CHECK_NEAR(num(e2, "speedup_rel"), 2, 1e-12);   /* over e1, not p1 */
    CHECK_NEAR(num(e2, "speedup"), 1, 1e-12);
    CHECK_NEAR(num(e2, "ideal_speedup"), 1, 1e-12); /* two E-cores = one P-core */
    CHECK_NEAR(num(p2, "ideal_speedup"), 2, 1e-12);
    cJSON_Delete(records);
    cJSON_Delete(analysis);
}

int main(void)
{
    test_ideal();
    test_kinds_each();
    test_strong();
    test_runtimes();
    test_interpreters();
    test_weak();
    CHECK_DONE();
}
