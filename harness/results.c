/* The results table, kept as cJSON and written as results.json + results.csv. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "results.h"
#include "stats.h"

/* mkdir -p: every missing parent, mode 0755. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char path[4096], eb[128];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "%s: path too long", dir);
        return -1;
    }
    for (char *p = path + 1;; p++) {
        char c = *p;
        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create output directory %s: %s", path,
                     pb_strerror(errno, eb, sizeof eb));
            return -1;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "output path %s is not a directory", dir);
        return -1;
    }
    return 0;
}

int pb_results_open(struct pb_results *r, const char *dir, cJSON *system, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (make_dirs(dir, err, errlen) != 0) {
        cJSON_Delete(system);
        return -1;
    }
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    r->root = cJSON_CreateObject();
    cJSON_AddNumberToObject(r->root, "schema", PB_SCHEMA_VERSION);
    cJSON_AddItemToObject(r->root, "system", system);
    r->records = cJSON_AddArrayToObject(r->root, "results");
    /* Prove the directory is writable now, not after the first long configuration. */
    return pb_results_write(r, err, errlen);
}

void pb_results_close(struct pb_results *r)
{
    cJSON_Delete(r->root);
    memset(r, 0, sizeof *r);
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

static cJSON *placement_json(const struct pb_config *c, const struct pb_outcome *o, bool *all_on_plan)
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

void pb_results_add(struct pb_results *r, const struct pb_config *c, const struct pb_outcome *o)
{
    cJSON *j = cJSON_CreateObject();
    char text[1024];
    pb_params_text(c->kernel, c->params, text, sizeof text);
    cJSON_AddStringToObject(j, "kernel", c->kernel->name);
    cJSON_AddItemToObject(j, "params", params_json(c->kernel, c->params));
    cJSON_AddStringToObject(j, "params_text", text);
    cJSON_AddStringToObject(j, "size", pb_size_name(c->params->size));
    cJSON_AddStringToObject(j, "mode", c->mode->name);
    cJSON_AddNumberToObject(j, "workers", c->plan.workers);
    cJSON_AddStringToObject(j, "schedule", pb_schedule_name(c->plan.schedule));
    cJSON_AddNumberToObject(j, "chunk", (double)c->plan.chunk);
    cJSON_AddNumberToObject(j, "warmup", c->warmup);
    cJSON_AddNumberToObject(j, "reps", (double)o->nruns);
    cJSON_AddItemToObject(j, "times_s", cJSON_CreateDoubleArray(o->times_s, (int)o->nruns));

    struct pb_summary s;
    pb_summarise(o->times_s, o->nruns, &s);
    cJSON_AddNumberToObject(j, "min_s", s.min);
    cJSON_AddNumberToObject(j, "median_s", s.median);
    cJSON_AddNumberToObject(j, "mean_s", s.mean);
    cJSON_AddNumberToObject(j, "stddev_s", s.stddev);
    cJSON_AddNumberToObject(j, "cv", s.cv);
    cJSON_AddNumberToObject(j, "throughput", s.median > 0 ? c->w->work / s.median : 0);
    cJSON_AddStringToObject(j, "unit", c->w->unit);
    cJSON_AddNumberToObject(j, "work", c->w->work);
    cJSON_AddNullToObject(j, "speedup");
    cJSON_AddNullToObject(j, "efficiency");
    cJSON_AddNumberToObject(j, "startup_s", pb_median(o->startup_s, o->nruns));
    double cpu = pb_median(o->cpu_s, o->nruns);
    if (cpu >= 0)
        cJSON_AddNumberToObject(j, "cpu_s", cpu);
    else
        cJSON_AddNullToObject(j, "cpu_s");
    cJSON_AddNumberToObject(j, "imbalance", pb_median(o->imbalance, o->nruns));
    cJSON_AddNumberToObject(j, "ntasks", (double)c->w->ntasks);
    /* Worker-seconds per task: for the noop kernel this is the mode's dispatch cost. */
    cJSON_AddNumberToObject(j, "per_task_s",
                            c->w->ntasks ? s.median * c->plan.workers / (double)c->w->ntasks : 0);
    char sum[32];
    snprintf(sum, sizeof sum, "%016" PRIx64, o->checksum);
    cJSON_AddStringToObject(j, "checksum", o->status == PB_EXIT_OK ? sum : "");
    bool on_plan;
    cJSON_AddItemToObject(j, "placement", placement_json(c, o, &on_plan));
    cJSON_AddBoolToObject(j, "valid", o->status == PB_EXIT_OK);
    cJSON_AddStringToObject(j, "status", status_name(o->status));
    cJSON_AddStringToObject(j, "error", o->status == PB_EXIT_OK ? "" : o->error);
    cJSON_AddItemToArray(r->records, j);
}

static const char *str_of(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return s ? s : "";
}

static double num_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* speedup = serial median of the same kernel and parameters / this median. */
static void compute_speedups(cJSON *records)
{
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records) {
        double serial = NAN;
        const cJSON *other;
        cJSON_ArrayForEach(other, records) {
            if (strcmp(str_of(other, "mode"), "serial") == 0 &&
                cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(other, "valid")) &&
                strcmp(str_of(other, "kernel"), str_of(rec, "kernel")) == 0 &&
                strcmp(str_of(other, "params_text"), str_of(rec, "params_text")) == 0) {
                serial = num_of(other, "median_s");
                break;
            }
        }
        double median = num_of(rec, "median_s");
        double workers = num_of(rec, "workers");
        bool ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "valid"));
        cJSON *sp = ok && serial > 0 && median > 0 ? cJSON_CreateNumber(serial / median)
                                                   : cJSON_CreateNull();
        cJSON *ef = ok && serial > 0 && median > 0 ? cJSON_CreateNumber(serial / median / workers)
                                                   : cJSON_CreateNull();
        cJSON_ReplaceItemInObjectCaseSensitive((cJSON *)rec, "speedup", sp);
        cJSON_ReplaceItemInObjectCaseSensitive((cJSON *)rec, "efficiency", ef);
    }
}

/* Growing text buffer for the CSV. */
struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
};

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap + (size_t)n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

/* A CSV field: quoted, with quotes doubled, whenever it holds a separator. */
static void sb_csv_str(struct sbuf *b, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        sb_printf(b, "%s", s);
        return;
    }
    sb_printf(b, "\"");
    for (; *s; s++)
        sb_printf(b, *s == '"' ? "\"\"" : "%c", *s);
    sb_printf(b, "\"");
}

static const char *const csv_text_cols[] = {"kernel", "params_text", "size", "mode"};
static const char *const csv_num_cols[] = {
    "workers", "chunk",  "warmup",  "reps",     "min_s",      "median_s",  "mean_s",
    "stddev_s", "cv",    "throughput", "speedup", "efficiency", "startup_s", "cpu_s",
    "imbalance", "ntasks", "per_task_s"};

static void csv_write(struct sbuf *b, const cJSON *records)
{
    for (size_t i = 0; i < sizeof csv_text_cols / sizeof *csv_text_cols; i++)
        sb_printf(b, "%s,", strcmp(csv_text_cols[i], "params_text") ? csv_text_cols[i] : "params");
    sb_printf(b, "schedule,");
    for (size_t i = 0; i < sizeof csv_num_cols / sizeof *csv_num_cols; i++)
        sb_printf(b, "%s,", csv_num_cols[i]);
    sb_printf(b, "unit,valid,status,checksum,on_plan,error,times_s\n");

    const cJSON *rec;
    cJSON_ArrayForEach(rec, records) {
        for (size_t i = 0; i < sizeof csv_text_cols / sizeof *csv_text_cols; i++) {
            sb_csv_str(b, str_of(rec, csv_text_cols[i]));
            sb_printf(b, ",");
        }
        sb_printf(b, "%s,", str_of(rec, "schedule"));
        for (size_t i = 0; i < sizeof csv_num_cols / sizeof *csv_num_cols; i++) {
            double v = num_of(rec, csv_num_cols[i]);
            if (isnan(v))
                sb_printf(b, ",");
            else
                sb_printf(b, "%.9g,", v);
        }
        const cJSON *pl = cJSON_GetObjectItemCaseSensitive(rec, "placement");
        sb_printf(b, "%s,%s,%s,%s,%s,", str_of(rec, "unit"),
                  cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "valid")) ? "true" : "false",
                  str_of(rec, "status"), str_of(rec, "checksum"),
                  cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pl, "on_plan")) ? "true" : "false");
        sb_csv_str(b, str_of(rec, "error"));
        sb_printf(b, ",");
        const cJSON *t;
        int first = 1;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(rec, "times_s")) {
            sb_printf(b, "%s%.9g", first ? "" : ";", t->valuedouble);
            first = 0;
        }
        sb_printf(b, "\n");
    }
}

int pb_results_write(struct pb_results *r, char *err, size_t errlen)
{
    char path[4200];
    compute_speedups(r->records);
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

    struct sbuf b = {0};
    csv_write(&b, r->records);
    if (b.oom) {
        free(b.p);
        snprintf(err, errlen, "out of memory formatting results.csv");
        return -1;
    }
    snprintf(path, sizeof path, "%s/results.csv", r->dir);
    rc = pb_write_atomic(path, b.p ? b.p : "", b.len, err, errlen);
    free(b.p);
    return rc;
}
