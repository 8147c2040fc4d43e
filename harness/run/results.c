/* The results table, kept as cJSON and written as results.json + results.csv. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "breakdown.h"
#include "fmtnum.h"
#include "fsutil.h"
#include "results.h"
#include "results-csv.h"
#include "schema.h"
#include "scaling.h"
#include "stats.h"

int pb_results_open(struct pb_results *r, const char *dir, cJSON *system, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (pb_mkdir_p(dir, err, errlen) != 0) {
        cJSON_Delete(system);
        return -1;
    }
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    r->root = cJSON_CreateObject();
    cJSON_AddNumberToObject(r->root, "schema", PB_SCHEMA_VERSION);
    cJSON_AddItemToObject(r->root, "system", system);
    cJSON_AddNullToObject(r->root, "method");
    cJSON_AddNullToObject(r->root, "preflight");
    cJSON_AddNullToObject(r->root, "probe");   /* the calibration the breakdowns used */
    r->records = cJSON_AddArrayToObject(r->root, "results");
    r->analysis = cJSON_AddArrayToObject(r->root, "analysis");
    r->skipped = cJSON_AddArrayToObject(r->root, "skipped");
    /* Prove the directory is writable now, not after the first long configuration. */
    return pb_results_write(r, err, errlen);
}

void pb_results_close(struct pb_results *r)
{
    cJSON_Delete(r->root);
    memset(r, 0, sizeof *r);
}

void pb_results_set(struct pb_results *r, const char *key, cJSON *item)
{
    cJSON_ReplaceItemInObjectCaseSensitive(r->root, key, item);
}

void pb_results_set_system(struct pb_results *r, const char *key, const char *value)
{
    cJSON *sys = cJSON_GetObjectItemCaseSensitive(r->root, "system");
    cJSON_DeleteItemFromObjectCaseSensitive(sys, key);
    cJSON_AddStringToObject(sys, key, value);
}

static void empty_array(cJSON *a)
{
    while (cJSON_GetArraySize(a) > 0)
        cJSON_DeleteItemFromArray(a, 0);
}

void pb_results_clear(struct pb_results *r)
{
    empty_array(r->records);
    empty_array(r->skipped);
}

void pb_params_text(const struct pb_kernel *k, const struct pb_params *p, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < k->nparams && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s=%s", i ? "," : "", k->params[i].name,
                         p->text[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

__attribute__((format(printf, 4, 5))) static size_t add_warning(char (*w)[PB_WARNLEN], size_t n,
                                                                size_t max, const char *fmt, ...)
{
    if (n >= max)
        return n;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w[n], PB_WARNLEN, fmt, ap);
    va_end(ap);
    return n + 1;
}

size_t pb_record_warnings(const struct pb_outcome *o, const struct pb_stop_rule *rule,
                          char (*w)[PB_WARNLEN], size_t max)
{
    size_t n = 0;
    struct pb_summary s;
    pb_summarise(o->times_s, o->nruns, &s);
    if (o->nruns >= 2 && s.cv > PB_CV_WARN)
        n = add_warning(w, n, max, "CV %.1f%% is above %.0f%%: the timings vary a lot", 100 * s.cv,
                        100 * PB_CV_WARN);
    if (s.n_outliers > 0) {
        size_t *idx = malloc(o->nruns * sizeof *idx);
        if (idx && pb_outliers(o->times_s, o->nruns, idx) > 0 && idx[0] == 0) {
            /* Times as the report's tables write them, not raw seconds. */
            char first[48], med[48];
            n = add_warning(w, n, max, "the first timed run is an outlier (%s, median %s)%s",
                            pb_fmt_time(o->times_s[0], first, sizeof first),
                            pb_fmt_time(s.median, med, sizeof med),
                            o->times_s[0] > s.median ? ": consider more warm-up runs" : "");
        }
        free(idx);
    }
    bool adaptive = rule && rule->fixed_reps == 0;
    const char *why = pb_stop_reason_name(o->stop);
    if (adaptive && (o->stop == PB_STOP_MAX_REPS || o->stop == PB_STOP_TIME_CAP)) {
        double rel = pb_ci_rel(&s);
        if (isfinite(rel))
            n = add_warning(w, n, max,
                            "precision target %.3g%% not reached: the CI is ±%.2f%% after "
                            "%zu runs (stopped by %s)",
                            100 * rule->precision, 100 * rel, o->nruns, why);
        else
            n = add_warning(w, n, max,
                            "no 95%% CI: %zu run(s) before the %s stop, at least 6 are needed",
                            o->nruns, why);
    }
    if (adaptive && o->stop == PB_STOP_TIME_CAP && o->nruns < rule->min_reps)
        n = add_warning(w, n, max, "the time cap stopped it after %zu run(s), below --min-reps %u",
                        o->nruns, rule->min_reps);
    if (o->throttle_known && o->throttled.nr_throttled > 0) {
        char waited[48];
        n = add_warning(w, n, max,
                        "the cgroup CPU quota throttled the workers in %llu period(s), %s in "
                        "all: the times include waits for the quota",
                        (unsigned long long)o->throttled.nr_throttled,
                        pb_fmt_time(o->throttled.throttled_s, waited, sizeof waited));
    }
    for (unsigned i = 0; i < o->nworkers && o->off_plan; i++)
        if (o->off_plan[i])
            n = add_warning(w, n, max, "worker %u ran outside its planned cpuset in %u run(s)", i,
                            o->off_plan[i]);
    return n;
}

/* What a record's values are computed from: the `x` of schema.def's value
 * expressions. */
struct rec_src {
    const struct pb_config *c;
    const struct pb_outcome *o;
    struct pb_summary s;
    bool any;                   /* at least one validated run */
    bool ok;                    /* valid */
    bool on_plan;               /* no worker seen off its cpuset */
    double cpu;                 /* median CPU seconds, NAN or < 0 when unknown */
    size_t *idx, nout;          /* MAD outliers */
    char text[1024], base[1024], sum[32];
    char warn[8][PB_WARNLEN];
    size_t nwarn;
};

static cJSON *jstr(const char *s)
{
    return cJSON_CreateString(s ? s : "");
}

static cJSON *jnum(double v)
{
    return cJSON_CreateNumber(v);
}

/* A number, or null when it is not finite (no CI, no baseline record, ...). */
static cJSON *jnum_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *jbool(bool b)
{
    return cJSON_CreateBool(b);
}

#define JNULL cJSON_CreateNull()

static cJSON *jindexes(const size_t *idx, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber((double)idx[i]));
    return a;
}

static cJSON *jstrs(char (*w)[PB_WARNLEN], size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(w[i]));
    return a;
}

static cJSON *facts_json(const struct pb_facts *f)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; f && i < f->n && i < PB_FACTS_MAX; i++)
        cJSON_AddStringToObject(o, f->f[i].name, f->f[i].value);
    return o;
}

/* The cgroup quota's throttling over the timed runs, or null when unreadable. */
static cJSON *throttled_json(const struct rec_src *x)
{
    if (!x->o->throttle_known || x->o->nruns == 0)
        return cJSON_CreateNull();
    cJSON *t = cJSON_CreateObject();
    cJSON_AddNumberToObject(t, "nr_throttled", (double)x->o->throttled.nr_throttled);
    cJSON_AddNumberToObject(t, "throttled_s", x->o->throttled.throttled_s);
    return t;
}

/* The code the kernel chose on this CPU, "" when it has no code_path hook. */
static const char *code_path(const struct rec_src *x)
{
    const struct pb_kernel *k = x->c->kernel;
    const char *p = k->code_path ? k->code_path(x->c->params) : NULL;
    return p ? p : "";
}

static cJSON *params_json(const struct rec_src *x)
{
    const struct pb_kernel *k = x->c->kernel;
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < k->nparams; i++) {
        const struct pb_param_def *d = &k->params[i];
        if (d->type == PB_PARAM_STRING)
            cJSON_AddStringToObject(o, d->name, x->c->params->text[i]);
        else
            cJSON_AddNumberToObject(o, d->name, x->c->params->v[i].d);
    }
    return o;
}

/* The breakdown's inputs only the writer knows: the output bytes that travel
 * (copied-output modes) and the bytes the kernel reads and writes per run (its
 * footprint's input and output, else its output array).  pb_breakdown_update
 * builds the rest once the baseline is known. */
static cJSON *breakdown_seed(const struct rec_src *x)
{
    const struct pb_workload *w = x->c->w;
    double out = (double)w->ntasks * (double)w->out_size;
    double kb = out;
    struct pb_footprint f = {0};
    char err[PB_ERRLEN];
    const struct pb_kernel *k = x->c->kernel;
    if (k->footprint && k->footprint(x->c->params, &f, err, sizeof err) == 0) {
        double sum = 0;
        for (size_t i = 0; i < f.nparts; i++)
            if (strcmp(f.part[i].name, "input") == 0 || strcmp(f.part[i].name, "output") == 0)
                sum += (double)f.part[i].bytes;
        if (sum > 0)
            kb = sum;
    }
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "why", "no valid single-worker baseline record for this problem");
    cJSON *i = cJSON_AddObjectToObject(b, "inputs");
    cJSON_AddNumberToObject(i, "bytes_copied", x->c->mode->output == PB_OUTPUT_COPIED ? out : 0);
    cJSON_AddNumberToObject(i, "kernel_bytes", kb);
    return b;
}

/* Add `item` under `key` unless the value expression left it out (NULL). */
static void put(cJSON *o, const char *key, cJSON *item)
{
    if (item)
        cJSON_AddItemToObject(o, key, item);
}

/* Worker w's NUMA node as the record gives it: NAN (null) when unknown. */
static double numa_node(const struct pb_placement *pl, unsigned w)
{
    int n = pb_placement_numa_node(pl, w);
    return n >= 0 ? n : NAN;
}

static cJSON *workers_json(const struct rec_src *x)
{
    const struct pb_placement *pl = x->c->plan.placement;
    cJSON *a = cJSON_CreateArray();
    for (unsigned i = 0; i < x->o->nworkers; i++) {
        const struct pb_worker_stat *ws = &x->o->last[i];
        char planned[256] = "";
        if (pl)
            pb_placement_cpuset_text(pl, i, planned, sizeof planned);
        cJSON *w = cJSON_CreateObject();
#define PB_WORKER_FIELD(key, type, unit, value, doc) put(w, #key, value);
#include "schema.def"
        cJSON_AddItemToArray(a, w);
    }
    return a;
}

static cJSON *placement_json(const struct rec_src *x)
{
    cJSON *j = cJSON_CreateObject();
#define PB_PLACEMENT_FIELD(key, type, unit, rf, value, doc) put(j, #key, value);
#include "schema.def"
    return j;
}

void pb_results_add(struct pb_results *r, const struct pb_config *c, const struct pb_outcome *o)
{
    struct rec_src *x = calloc(1, sizeof *x);
    if (!x)
        return;   /* the record is missing from this checkpoint; the next one retries */
    x->c = c;
    x->o = o;
    pb_params_text(c->kernel, c->params, x->text, sizeof x->text);
    pb_params_text(c->kernel, c->base_params ? c->base_params : c->params, x->base,
                   sizeof x->base);
    pb_summarise(o->times_s, o->nruns, &x->s);
    /* Schema-1 fields stay numbers (0 without a validated run, as before); newer ones are null. */
    x->any = o->nruns > 0;
    x->ok = o->status == PB_EXIT_OK && x->any;
    x->cpu = x->any ? pb_median(o->cpu_s, o->nruns) : NAN;
    x->idx = malloc((o->nruns ? o->nruns : 1) * sizeof *x->idx);
    x->nout = x->idx ? pb_outliers(o->times_s, o->nruns, x->idx) : 0;
    snprintf(x->sum, sizeof x->sum, "%016" PRIx64, o->checksum);
    x->on_plan = true;
    for (unsigned i = 0; i < o->nworkers && o->off_plan; i++)
        if (o->off_plan[i])
            x->on_plan = false;
    x->nwarn = pb_record_warnings(o, &r->rule, x->warn, 8);

    cJSON *j = cJSON_CreateObject();
#define REQ
#define OPT
#define PB_RECORD_FIELD(key, type, unit, req, rf, value, doc) put(j, #key, value);
#include "schema.def"
#undef REQ
#undef OPT
    cJSON_AddItemToArray(r->records, j);
    free(x->idx);
    free(x);
}

void pb_results_skip(struct pb_results *r, const struct pb_config *c, size_t runs,
                     const char *reason)
{
    char text[1024];
    pb_params_text(c->kernel, c->params, text, sizeof text);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "kernel", c->kernel->name);
    cJSON_AddStringToObject(j, "params_text", text);
    cJSON_AddStringToObject(j, "mode", c->mode->name);
    cJSON_AddNumberToObject(j, "workers", c->plan.workers);
    cJSON_AddStringToObject(j, "schedule", pb_schedule_name(c->plan.schedule));
    cJSON_AddNumberToObject(j, "reps", (double)runs);
    cJSON_AddStringToObject(j, "reason", reason);
    cJSON_AddItemToArray(r->skipped, j);
}

/* The pre-flight's CPU quota when it is below the PUs: no speedup can pass it. */
static double quota_cap(const cJSON *root)
{
    double q = pb_json_num(cJSON_GetObjectItemCaseSensitive(root, "preflight"), "cpu_quota");
    double pus = pb_json_num(cJSON_GetObjectItemCaseSensitive(root, "system"), "pus");
    return q > 0 && q < pus ? q : NAN;
}

int pb_results_write(struct pb_results *r, char *err, size_t errlen)
{
    char path[4200];
    pb_scaling_update_capped(r->records, r->analysis, quota_cap(r->root));
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(r->root, "preflight");
    double cpus = pb_json_num(pre, "cpu_quota");
    if (!(cpus > 0))
        cpus = pb_json_num(pre, "cpus_allowed");
    pb_breakdown_update(r->records, cJSON_GetObjectItemCaseSensitive(r->root, "probe"), cpus);
    char *json = cJSON_Print(r->root);
    if (!json) {
        snprintf(err, errlen, "out of memory formatting results.json");
        return -1;
    }
    snprintf(path, sizeof path, "%s/results.json", r->dir);
    int rc = pb_write_atomic(path, json, strlen(json), err, errlen);
    cJSON_free(json);
    if (rc != 0)
        return -1;

    size_t len;
    char *csv = pb_results_csv(r->records, cJSON_GetObjectItemCaseSensitive(r->root, "system"),
                               &len);
    if (!csv) {
        snprintf(err, errlen, "out of memory formatting results.csv");
        return -1;
    }
    snprintf(path, sizeof path, "%s/results.csv", r->dir);
    rc = pb_write_atomic(path, csv, len, err, errlen);
    free(csv);
    return rc;
}
