/* The results table, kept as cJSON and written as results.json + results.csv. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "results.h"
#include "results-csv.h"
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

static const char *status_name(int status)
{
    switch (status) {
    case PB_EXIT_OK: return "ok";
    case PB_EXIT_INVALID: return "invalid";
    case PB_EXIT_SIGINT: return "interrupted";
    default: return "failed";
    }
}

static cJSON *params_json(const struct pb_kernel *k, const struct pb_params *p)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < k->nparams; i++) {
        const struct pb_param_def *d = &k->params[i];
        if (d->type == PB_PARAM_STRING)
            cJSON_AddStringToObject(o, d->name, p->text[i]);
        else
            cJSON_AddNumberToObject(o, d->name, p->v[i].d);
    }
    return o;
}

static cJSON *placement_json(const struct pb_config *c, const struct pb_outcome *o,
                             bool *all_on_plan)
{
    const struct pb_placement *pl = c->plan.placement;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "bind", c->place ? pb_bind_name(c->place->bind) : "none");
    cJSON_AddStringToObject(j, "policy", c->place ? pb_policy_name(c->place->policy) : "compact");
    if (c->place && c->place->cpus)
        cJSON_AddStringToObject(j, "cpus", c->place->cpus);
    cJSON_AddBoolToObject(j, "bound", pl && pb_placement_binds(pl));
    cJSON_AddBoolToObject(j, "oversubscribed", pl && pb_placement_oversubscribed(pl));
    cJSON *workers = cJSON_AddArrayToObject(j, "workers");
    *all_on_plan = true;
    for (unsigned i = 0; i < o->nworkers; i++) {
        const struct pb_worker_stat *ws = &o->last[i];
        char planned[256] = "";
        if (pl)
            pb_placement_cpuset_text(pl, i, planned, sizeof planned);
        cJSON *w = cJSON_CreateObject();
        cJSON_AddNumberToObject(w, "worker", i);
        cJSON_AddStringToObject(w, "planned", planned);
        cJSON_AddNumberToObject(w, "cpu_start", ws->cpu_start);
        cJSON_AddNumberToObject(w, "cpu_end", ws->cpu_end);
        cJSON_AddBoolToObject(w, "migrated", ws->migrated);
        cJSON_AddNumberToObject(w, "off_plan_runs", o->off_plan[i]);
        cJSON_AddNumberToObject(w, "busy_s", ws->busy_s);
        cJSON_AddNumberToObject(w, "tasks", (double)ws->tasks);
        cJSON_AddNumberToObject(w, "chunks", (double)ws->chunks);
        cJSON_AddItemToArray(workers, w);
        if (o->off_plan[i])
            *all_on_plan = false;
    }
    cJSON_AddBoolToObject(j, "on_plan", *all_on_plan);
    return j;
}

/* A number, or null when it is not finite (no CI, no serial record, ...). */
static void add_num(cJSON *o, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
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
        if (idx && pb_outliers(o->times_s, o->nruns, idx) > 0 && idx[0] == 0)
            n = add_warning(w, n, max,
                            "the first timed run is an outlier (%.6g s, median %.6g s)%s",
                            o->times_s[0], s.median,
                            o->times_s[0] > s.median ? ": consider more warm-up runs" : "");
        free(idx);
    }
    bool adaptive = rule && rule->fixed_reps == 0;
    const char *why = o->stop_reason ? o->stop_reason : "";
    if (adaptive && (strcmp(why, "max_reps") == 0 || strcmp(why, "time_cap") == 0)) {
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
    if (adaptive && strcmp(why, "time_cap") == 0 && o->nruns < rule->min_reps)
        n = add_warning(w, n, max, "the time cap stopped it after %zu run(s), below --min-reps %u",
                        o->nruns, rule->min_reps);
    for (unsigned i = 0; i < o->nworkers && o->off_plan; i++)
        if (o->off_plan[i])
            n = add_warning(w, n, max, "worker %u ran outside its planned cpuset in %u run(s)", i,
                            o->off_plan[i]);
    return n;
}

void pb_results_add(struct pb_results *r, const struct pb_config *c, const struct pb_outcome *o)
{
    cJSON *j = cJSON_CreateObject();
    char text[1024], base[1024];
    pb_params_text(c->kernel, c->params, text, sizeof text);
    pb_params_text(c->kernel, c->base_params ? c->base_params : c->params, base, sizeof base);
    unsigned scale = c->scale ? c->scale : 1;
    cJSON_AddStringToObject(j, "kernel", c->kernel->name);
    cJSON_AddItemToObject(j, "params", params_json(c->kernel, c->params));
    cJSON_AddStringToObject(j, "params_text", text);
    cJSON_AddStringToObject(j, "base_params_text", base);
    cJSON_AddStringToObject(j, "size", pb_size_name(c->params->size));
    /* The code the kernel chose on this CPU (blur's SIMD path); absent when it has no say. */
    const char *path = c->kernel->code_path ? c->kernel->code_path(c->params) : NULL;
    if (path)
        cJSON_AddStringToObject(j, "code_path", path);
    cJSON_AddStringToObject(j, "mode", c->mode->name);
    cJSON_AddNumberToObject(j, "workers", c->plan.workers);
    cJSON_AddStringToObject(j, "schedule", pb_schedule_name(c->plan.schedule));
    cJSON_AddNumberToObject(j, "chunk", (double)c->plan.chunk);
    cJSON_AddStringToObject(j, "scaling", c->weak_scaling ? "weak" : "strong");
    cJSON_AddNumberToObject(j, "scale_factor", scale);
    cJSON_AddNumberToObject(j, "order", (double)c->order);
    cJSON_AddNumberToObject(j, "warmup", c->warmup);
    cJSON_AddNumberToObject(j, "reps", (double)o->nruns);
    cJSON_AddStringToObject(j, "stop_reason", o->stop_reason ? o->stop_reason : "");
    cJSON_AddItemToObject(j, "times_s", cJSON_CreateDoubleArray(o->times_s, (int)o->nruns));
    add_num(j, "spent_s", o->spent_s);

    struct pb_summary s;
    pb_summarise(o->times_s, o->nruns, &s);
    /* Schema-1 fields stay numbers (0 without a validated run, as before); new ones are null. */
    bool any = o->nruns > 0;
    cJSON_AddNumberToObject(j, "min_s", s.min);
    cJSON_AddNumberToObject(j, "median_s", s.median);
    cJSON_AddNumberToObject(j, "mean_s", s.mean);
    cJSON_AddNumberToObject(j, "stddev_s", s.stddev);
    cJSON_AddNumberToObject(j, "cv", s.cv);
    add_num(j, "ci_low_s", s.ci_low);
    add_num(j, "ci_high_s", s.ci_high);
    add_num(j, "ci_rel", pb_ci_rel(&s));
    add_num(j, "mad_s", any ? s.mad : NAN);
    size_t *idx = malloc((o->nruns ? o->nruns : 1) * sizeof *idx);
    size_t nout = idx ? pb_outliers(o->times_s, o->nruns, idx) : 0;
    cJSON *outl = cJSON_AddArrayToObject(j, "outliers");
    for (size_t i = 0; i < nout; i++)
        cJSON_AddItemToArray(outl, cJSON_CreateNumber((double)idx[i]));
    free(idx);
    cJSON_AddNumberToObject(j, "n_outliers", (double)nout);

    cJSON_AddNumberToObject(j, "throughput", s.median > 0 ? c->w->work / s.median : 0);
    cJSON_AddStringToObject(j, "unit", c->w->unit);
    cJSON_AddNumberToObject(j, "work", c->w->work);
    /* Filled in by pb_results_write, which sees every record. */
    static const char *const derived[] = {"speedup", "speedup_ci_low", "speedup_ci_high",
                                          "efficiency", "speedup_rel", "efficiency_rel",
                                          "karp_flatt"};
    for (size_t i = 0; i < sizeof derived / sizeof *derived; i++)
        cJSON_AddNullToObject(j, derived[i]);
    cJSON_AddNumberToObject(j, "startup_s", pb_median(o->startup_s, o->nruns));
    double cpu = any ? pb_median(o->cpu_s, o->nruns) : NAN;
    add_num(j, "cpu_s", cpu >= 0 ? cpu : NAN);
    add_num(j, "cpu_util", cpu >= 0 && s.median > 0 ? cpu / (s.median * c->plan.workers) : NAN);
    cJSON_AddNumberToObject(j, "imbalance", pb_median(o->imbalance, o->nruns));
    cJSON_AddNumberToObject(j, "ntasks", (double)c->w->ntasks);
    /* Worker-seconds per task: for the noop kernel this is the mode's dispatch cost. */
    cJSON_AddNumberToObject(j, "per_task_s", c->w->ntasks ? s.median * c->plan.workers /
                                                            (double)c->w->ntasks : 0);
    char sum[32];
    snprintf(sum, sizeof sum, "%016" PRIx64, o->checksum);
    bool ok = o->status == PB_EXIT_OK && any;
    cJSON_AddStringToObject(j, "checksum", ok ? sum : "");
    bool on_plan;
    cJSON_AddItemToObject(j, "placement", placement_json(c, o, &on_plan));
    cJSON_AddBoolToObject(j, "valid", ok);
    cJSON_AddStringToObject(j, "status", status_name(o->status));
    cJSON_AddStringToObject(j, "error", o->status == PB_EXIT_OK ? "" : o->error);
    char warn[8][PB_WARNLEN];
    size_t nw = pb_record_warnings(o, &r->rule, warn, 8);
    cJSON *wa = cJSON_AddArrayToObject(j, "warnings");
    for (size_t i = 0; i < nw; i++)
        cJSON_AddItemToArray(wa, cJSON_CreateString(warn[i]));
    cJSON_AddItemToArray(r->records, j);
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

int pb_results_write(struct pb_results *r, char *err, size_t errlen)
{
    char path[4200];
    pb_scaling_update(r->records, r->analysis);
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
    char *csv = pb_results_csv(r->records, &len);
    if (!csv) {
        snprintf(err, errlen, "out of memory formatting results.csv");
        return -1;
    }
    snprintf(path, sizeof path, "%s/results.csv", r->dir);
    rc = pb_write_atomic(path, csv, len, err, errlen);
    free(csv);
    return rc;
}
