/* Load and validate a results.json (schema 1 or 2) into C structs; a
 * record's fields are schema.def's. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "mode.h"
#include "resultsfile.h"
#include "resultsfile-text.h"
#include "schema.h"

/* Where a field lives, for messages: "results[3]" or "system" or "" (top level). */
struct where {
    const struct pb_rfile *rf;
    char at[96];
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct where *w, const char *key,
                                                       const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(w->err, w->errlen, "%s: %s%s%s: %s", w->rf->path, w->at, w->at[0] && key[0] ? "." : "",
             key, what);
    return -1;
}

/* A string field; absent or null optional ones read as "". */
static int get_str(struct where *w, const cJSON *o, const char *key, bool required, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = "";
    if (!v || (cJSON_IsNull(v) && !required))
        return required ? fail(w, key, "missing (expected a string)") : 0;
    if (!cJSON_IsString(v) || !v->valuestring)
        return fail(w, key, "expected a string");
    *out = v->valuestring;
    return 0;
}

/* A finite number; absent or null optional ones read as NAN. */
static int get_num(struct where *w, const cJSON *o, const char *key, bool required, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NAN;
    if (!v || (cJSON_IsNull(v) && !required))
        return required ? fail(w, key, "missing (expected a number)") : 0;
    if (!cJSON_IsNumber(v))
        return fail(w, key, required ? "expected a number" : "expected a number or null");
    if (!isfinite(v->valuedouble))
        return fail(w, key, "expected a finite number");
    *out = v->valuedouble;
    return 0;
}

/* A boolean: 1 or 0; absent or null optional ones read as -1. */
static int get_bool(struct where *w, const cJSON *o, const char *key, bool required, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = -1;
    if (!v || (cJSON_IsNull(v) && !required))
        return required ? fail(w, key, "missing (expected true or false)") : 0;
    if (!cJSON_IsBool(v))
        return fail(w, key, "expected true or false");
    *out = cJSON_IsTrue(v) ? 1 : 0;
    return 0;
}

/* An object field; absent or null optional ones read as NULL. */
static int get_obj(struct where *w, const cJSON *o, const char *key, bool required,
                   const cJSON **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!v || (cJSON_IsNull(v) && !required))
        return required ? fail(w, key, "missing (expected an object)") : 0;
    if (!cJSON_IsObject(v))
        return fail(w, key, "expected an object");
    *out = v;
    return 0;
}

/* An optional array whose items all have type `is` (cJSON_IsString, cJSON_IsNumber). */
static int get_array(struct where *w, const cJSON *o, const char *key, bool required,
                     cJSON_bool (*is)(const cJSON *), const char *item, const cJSON **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!v || (cJSON_IsNull(v) && !required))
        return required ? fail(w, key, "missing (expected an array)") : 0;
    if (!cJSON_IsArray(v))
        return fail(w, key, "expected an array");
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v) {
        if (!is(e) || (cJSON_IsNumber(e) && !isfinite(e->valuedouble))) {
            char k[128];
            snprintf(k, sizeof k, "%s[%d]", key, i);
            return fail(w, k, "expected %s", item);
        }
        i++;
    }
    *out = v;
    return 0;
}

static int load_system(struct pb_rfile *rf, struct where *w)
{
    const cJSON *s;
    if (get_obj(w, rf->root, "system", true, &s))
        return -1;
    struct pb_rf_system *y = &rf->sys;
    snprintf(w->at, sizeof w->at, "system");
    if (get_str(w, s, "host", true, &y->host) || get_str(w, s, "cpu_model", true, &y->cpu_model) ||
        get_num(w, s, "cores", true, &y->cores) || get_num(w, s, "pus", true, &y->pus) ||
        get_str(w, s, "os", false, &y->os) || get_str(w, s, "kernel", false, &y->kernel) ||
        get_str(w, s, "compiler", false, &y->compiler) ||
        get_str(w, s, "build_type", false, &y->build_type) ||
        get_str(w, s, "cflags", false, &y->cflags) ||
        get_str(w, s, "parbench_version", false, &y->parbench_version) ||
        get_str(w, s, "git_revision", false, &y->git_revision) ||
        get_str(w, s, "start_time", false, &y->start_time) ||
        get_str(w, s, "topology_picture", false, &y->topology_picture) ||
        get_num(w, s, "packages", false, &y->packages) ||
        get_num(w, s, "numa_nodes", false, &y->numa_nodes) ||
        get_num(w, s, "l3_domains", false, &y->l3_domains) || get_num(w, s, "smt", false, &y->smt) ||
        get_num(w, s, "l1d_bytes", false, &y->l1d_bytes) ||
        get_num(w, s, "l2_bytes", false, &y->l2_bytes) ||
        get_num(w, s, "l3_bytes", false, &y->l3_bytes) ||
        get_num(w, s, "memory_bytes", false, &y->memory_bytes) ||
        get_array(w, s, "command_line", false, cJSON_IsString, "a string", &y->command_line) ||
        get_obj(w, s, "omp_env", false, &y->omp_env))
        return -1;
    if (y->omp_env) {
        const cJSON *e;
        cJSON_ArrayForEach(e, y->omp_env) {
            if (!cJSON_IsString(e))
                return fail(w, "omp_env", "%.60s: expected a string", e->string ? e->string : "?");
        }
    }
    if (y->cores < 1 || y->pus < y->cores)
        return fail(w, "pus", "%g PUs on %g cores is not a machine", y->pus, y->cores);
    return 0;
}

static int load_method(struct pb_rfile *rf, struct where *w)
{
    const cJSON *m;
    w->at[0] = '\0';
    if (get_obj(w, rf->root, "method", false, &m))
        return -1;
    if (!m)
        return 0;
    struct pb_rf_method *x = &rf->method;
    snprintf(w->at, sizeof w->at, "method");
    x->present = true;
    return get_num(w, m, "precision_pct", false, &x->precision_pct) ||
                   get_num(w, m, "min_reps", false, &x->min_reps) ||
                   get_num(w, m, "max_reps", false, &x->max_reps) ||
                   get_num(w, m, "time_cap_s", false, &x->time_cap_s) ||
                   get_num(w, m, "fixed_reps", false, &x->fixed_reps) ||
                   get_num(w, m, "warmup", false, &x->warmup) ||
                   get_num(w, m, "seed", false, &x->seed) ||
                   get_num(w, m, "time_budget_s", false, &x->time_budget_s) ||
                   get_str(w, m, "order", false, &x->order) ||
                   get_str(w, m, "scaling", false, &x->scaling)
               ? -1
               : 0;
}

static int load_preflight(struct pb_rfile *rf, struct where *w)
{
    const cJSON *p;
    w->at[0] = '\0';
    if (get_obj(w, rf->root, "preflight", false, &p))
        return -1;
    if (!p)
        return 0;
    struct pb_rf_preflight *x = &rf->preflight;
    snprintf(w->at, sizeof w->at, "preflight");
    x->present = true;
    const cJSON *la;
    if (get_array(w, p, "loadavg", false, cJSON_IsNumber, "a number", &la) ||
        get_num(w, p, "busy_cpus", false, &x->busy_cpus) ||
        get_num(w, p, "calibrated_mhz", false, &x->calibrated_mhz) ||
        get_num(w, p, "cpu_quota", false, &x->cpu_quota) ||
        get_str(w, p, "governor", false, &x->governor) ||
        get_str(w, p, "hypervisor", false, &x->hypervisor) ||
        get_bool(w, p, "boost", false, &x->boost) || get_bool(w, p, "smt", false, &x->smt) ||
        get_bool(w, p, "perf_counters", false, &x->perf_counters) ||
        get_array(w, p, "warnings", false, cJSON_IsString, "a string", &x->warnings))
        return -1;
    for (int i = 0; i < 3; i++) {
        const cJSON *v = la ? cJSON_GetArrayItem(la, i) : NULL;
        x->loadavg[i] = v ? v->valuedouble : NAN;
    }
    return 0;
}

/* The record's fields as the reader sees them (schema.def): where each is kept
 * in struct pb_rf_record, RF_NONE for fields only type-checked. */
struct rf_field {
    const char *key;
    enum pb_field_type type;
    bool required;
    size_t off;
};

#define REQ true
#define OPT false
#define RF(member) offsetof(struct pb_rf_record, member)
#define RF_NONE SIZE_MAX

static const struct rf_field record_fields[] = {
#define PB_RECORD_FIELD(key, type, unit, req, rf, value, doc) {#key, type, req, rf},
#include "schema.def"
};
static const struct rf_field placement_fields[] = {
#define PB_PLACEMENT_FIELD(key, type, unit, rf, value, doc) {#key, type, false, rf},
#include "schema.def"
};
static const struct rf_field worker_fields[] = {
#define PB_WORKER_FIELD(key, type, unit, value, doc) {#key, type, false, RF_NONE},
#include "schema.def"
};

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* Check field `f` of `o` against its type and, unless `base` is NULL or the
 * field is RF_NONE, store it in the struct at `base`: strings as const char *
 * ("" when absent), numbers as double (NAN), booleans as bool (false), arrays
 * and objects as const cJSON * (NULL). */
static int read_field(struct where *w, const cJSON *o, const struct rf_field *f, void *base)
{
    void *dst = base && f->off != RF_NONE ? (char *)base + f->off : NULL;
    const char *s;
    double d;
    int b;
    const cJSON *j = NULL, *e;
    switch (f->type) {
    case PB_FT_STR:
        if (get_str(w, o, f->key, f->required, &s))
            return -1;
        if (dst)
            *(const char **)dst = s;
        return 0;
    case PB_FT_NUM:
    case PB_FT_NUM_NULL:
        if (get_num(w, o, f->key, f->required, &d))
            return -1;
        if (dst)
            *(double *)dst = d;
        return 0;
    case PB_FT_BOOL:
        if (get_bool(w, o, f->key, f->required, &b))
            return -1;
        if (dst)
            *(bool *)dst = b == 1;
        return 0;
    case PB_FT_NUMS:
        if (get_array(w, o, f->key, f->required, cJSON_IsNumber, "a number", &j))
            return -1;
        break;
    case PB_FT_STRS:
        if (get_array(w, o, f->key, f->required, cJSON_IsString, "a string", &j))
            return -1;
        break;
    case PB_FT_OBJS:
        if (get_array(w, o, f->key, f->required, cJSON_IsObject, "an object", &j))
            return -1;
        break;
    case PB_FT_OBJ:
    case PB_FT_STRMAP:
        if (get_obj(w, o, f->key, f->required, &j))
            return -1;
        if (f->type == PB_FT_STRMAP && j) {
            cJSON_ArrayForEach(e, j) {
                if (!cJSON_IsString(e))
                    return fail(w, f->key, "%.60s: expected a string", e->string ? e->string : "?");
            }
        }
        break;
    }
    if (dst)
        *(const cJSON **)dst = j;
    return 0;
}

/* Every field of `fields` with required == `required`, in order. */
static int read_fields(struct where *w, const cJSON *o, const struct rf_field *fields, size_t n,
                       bool required, void *base)
{
    for (size_t i = 0; i < n; i++)
        if (fields[i].required == required && read_field(w, o, &fields[i], base))
            return -1;
    return 0;
}

/* Append `fmt` to the location in messages; returns where to cut it back. */
__attribute__((format(printf, 2, 3))) static size_t enter(struct where *w, const char *fmt, ...)
{
    size_t n = strlen(w->at);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->at + n, sizeof w->at - n, fmt, ap);
    va_end(ap);
    return n;
}

/* placement: its fields, and those of every placement.workers[i]. */
static int load_placement(struct where *w, struct pb_rf_record *r)
{
    size_t cut = enter(w, ".placement");
    if (read_fields(w, r->placement, placement_fields, COUNT(placement_fields), false, r))
        return -1;
    size_t i = 0;
    const cJSON *ws;
    cJSON_ArrayForEach(ws, r->placement_workers) {
        size_t cut2 = enter(w, ".workers[%zu]", i++);
        if (read_fields(w, ws, worker_fields, COUNT(worker_fields), false, NULL))
            return -1;
        w->at[cut2] = '\0';
    }
    w->at[cut] = '\0';
    return 0;
}

/* The traits of records from before they were written: the mode's, by name,
 * when this parbench knows the mode, else "" and false. */
static void derive_traits(struct pb_rf_record *r)
{
    const struct pb_mode *m = pb_mode_find(r->mode);
    r->worker_kind = m ? pb_worker_kind_name(m->worker) : "";
    r->output_path = m ? pb_output_path_name(m->output) : "";
    r->runtime = m ? pb_runtime_name(m->runtime) : "";
    r->single_worker = m && m->single_worker;
}

static int load_record(struct where *w, const cJSON *o, struct pb_rf_record *r)
{
    if (!cJSON_IsObject(o))
        return fail(w, "", "expected an object");
    /* The required fields first (their absence is the likelier problem), then
     * what their values must satisfy, then every optional field. */
    if (read_fields(w, o, record_fields, COUNT(record_fields), true, r))
        return -1;
    double workers;
    const cJSON *times;
    get_num(w, o, PB_KEY(workers), true, &workers);
    get_array(w, o, PB_KEY(times_s), true, cJSON_IsNumber, "a number", &times);
    if (workers < 1 || workers > 1048576 || workers != floor(workers))
        return fail(w, PB_KEY(workers), "expected a whole number from 1 to 1048576, not %g",
                    workers);
    r->workers = (unsigned)workers;
    if (r->median_s < 0)
        return fail(w, PB_KEY(median_s), "negative time %g", r->median_s);
    if (read_fields(w, o, record_fields, COUNT(record_fields), false, r))
        return -1;
    if (!r->status[0])
        r->status = pb_record_status_name(r->valid ? PB_STATUS_OK : PB_STATUS_FAILED);
    if (!r->worker_kind[0])
        derive_traits(r);
    r->ntimes = (size_t)cJSON_GetArraySize(times);
    r->times_s = calloc(r->ntimes ? r->ntimes : 1, sizeof *r->times_s);
    if (!r->times_s)
        return fail(w, PB_KEY(times_s), "out of memory");
    size_t i = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, times) {
        if (t->valuedouble < 0)
            return fail(w, PB_KEY(times_s), "negative time %g", t->valuedouble);
        r->times_s[i++] = t->valuedouble;
    }
    r->bind = r->policy = "";
    return r->placement ? load_placement(w, r) : 0;
}

static int load_records(struct pb_rfile *rf, struct where *w)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rf->root, "results");
    w->at[0] = '\0';
    if (!arr)
        return fail(w, "results", "missing (expected an array)");
    if (!cJSON_IsArray(arr))
        return fail(w, "results", "expected an array");
    size_t n = (size_t)cJSON_GetArraySize(arr);
    rf->rec = calloc(n ? n : 1, sizeof *rf->rec);
    if (!rf->rec)
        return fail(w, "results", "out of memory");
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
        struct pb_rf_record *r = &rf->rec[rf->nrec];
        r->index = rf->nrec;
        rf->nrec++;
        snprintf(w->at, sizeof w->at, "results[%zu]", r->index);
        if (load_record(w, o, r))
            return -1;
    }
    return 0;
}

static int load_analysis(struct pb_rfile *rf, struct where *w)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rf->root, "analysis");
    w->at[0] = '\0';
    if (!arr || cJSON_IsNull(arr))
        return 0;
    if (!cJSON_IsArray(arr))
        return fail(w, "analysis", "expected an array");
    size_t n = (size_t)cJSON_GetArraySize(arr);
    rf->fit = calloc(n ? n : 1, sizeof *rf->fit);
    if (!rf->fit)
        return fail(w, "analysis", "out of memory");
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
        struct pb_rf_fit *f = &rf->fit[rf->nfit];
        snprintf(w->at, sizeof w->at, "analysis[%zu]", rf->nfit);
        rf->nfit++;
        if (!cJSON_IsObject(o))
            return fail(w, "", "expected an object");
        if (get_str(w, o, "kernel", true, &f->kernel) || get_str(w, o, "mode", true, &f->mode) ||
            get_str(w, o, "params_text", false, &f->params_text) ||
            get_str(w, o, "schedule", false, &f->schedule) ||
            get_num(w, o, "amdahl_serial_fraction", false, &f->serial_fraction) ||
            get_num(w, o, "amdahl_serial_fraction_stderr", false, &f->serial_fraction_stderr) ||
            get_num(w, o, "amdahl_t1_s", false, &f->t1_s) ||
            get_num(w, o, "points", false, &f->points) ||
            get_num(w, o, "max_workers", false, &f->max_workers) ||
            get_num(w, o, "speedup_at_max", false, &f->speedup_at_max) ||
            get_num(w, o, "efficiency_at_max", false, &f->efficiency_at_max))
            return -1;
    }
    return 0;
}

static int load_skipped(struct pb_rfile *rf, struct where *w)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rf->root, "skipped");
    w->at[0] = '\0';
    if (!arr || cJSON_IsNull(arr))
        return 0;
    if (!cJSON_IsArray(arr))
        return fail(w, "skipped", "expected an array");
    size_t n = (size_t)cJSON_GetArraySize(arr);
    rf->skip = calloc(n ? n : 1, sizeof *rf->skip);
    if (!rf->skip)
        return fail(w, "skipped", "out of memory");
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
        struct pb_rf_skip *s = &rf->skip[rf->nskip];
        snprintf(w->at, sizeof w->at, "skipped[%zu]", rf->nskip);
        rf->nskip++;
        if (!cJSON_IsObject(o))
            return fail(w, "", "expected an object");
        if (get_str(w, o, "kernel", true, &s->kernel) || get_str(w, o, "mode", false, &s->mode) ||
            get_str(w, o, "schedule", false, &s->schedule) ||
            get_str(w, o, "reason", false, &s->reason) ||
            get_num(w, o, "workers", false, &s->workers))
            return -1;
    }
    return 0;
}

static int check_schema(struct pb_rfile *rf, struct where *w)
{
    double schema;
    w->at[0] = '\0';
    if (get_num(w, rf->root, "schema", true, &schema))
        return -1;
    if (schema != floor(schema) || schema < 1)
        return fail(w, "schema", "%g is not a schema version parbench writes", schema);
    if (schema > PB_RF_MAX_SCHEMA) {
        snprintf(w->err, w->errlen,
                 "%s: schema %.0f is newer than this parbench understands (1 to %d); "
                 "use a newer parbench",
                 rf->path, schema, PB_RF_MAX_SCHEMA);
        return -1;
    }
    rf->schema = (int)schema;
    return 0;
}

int pb_rfile_load(struct pb_rfile *rf, const char *arg, char *err, size_t errlen)
{
    memset(rf, 0, sizeof *rf);
    if (pb_rfile_locate(rf, arg, err, errlen))
        return -1;
    size_t len;
    char *text = pb_read_file(rf->path, PB_RF_MAX_BYTES, &len, err, errlen);
    if (!text)
        return -1;
    int rc = pb_rfile_parse(rf, text, len, err, errlen);
    free(text);
    struct where w = {.rf = rf, .err = err, .errlen = errlen};
    if (rc || check_schema(rf, &w) || load_system(rf, &w) || load_method(rf, &w) ||
        load_preflight(rf, &w) || load_records(rf, &w) || load_analysis(rf, &w) ||
        load_skipped(rf, &w)) {
        pb_rfile_free(rf);
        return -1;
    }
    return 0;
}

void pb_rfile_free(struct pb_rfile *rf)
{
    for (size_t i = 0; i < rf->nrec; i++)
        free(rf->rec[i].times_s);
    free(rf->rec);
    free(rf->fit);
    free(rf->skip);
    cJSON_Delete(rf->root);
    memset(rf, 0, sizeof *rf);
}
