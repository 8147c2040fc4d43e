/* results.csv from the JSON records. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results-csv.h"

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

const char *pb_json_str(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return s ? s : "";
}

double pb_json_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void sb_num(struct sbuf *b, double v)
{
    if (isfinite(v))
        sb_printf(b, "%.9g", v);
}

static const char *const csv_text_cols[] = {"kernel", "params_text", "size", "mode"};
static const char *const csv_num_cols[] = {
    "workers", "chunk",  "warmup",  "reps",     "min_s",      "median_s",  "mean_s",
    "stddev_s", "cv",    "throughput", "speedup", "efficiency", "startup_s", "cpu_s",
    "imbalance", "ntasks", "per_task_s"};
/* Schema 2: after times_s. */
static const char *const csv_text_cols2[] = {"stop_reason", "scaling"};
static const char *const csv_num_cols2[] = {
    "scale_factor", "order", "ci_low_s", "ci_high_s", "ci_rel", "n_outliers", "speedup_ci_low",
    "speedup_ci_high", "speedup_rel", "efficiency_rel", "karp_flatt", "cpu_util", "spent_s"};

#define COUNT(a) (sizeof(a) / sizeof *(a))

static void header(struct sbuf *b)
{
    for (size_t i = 0; i < COUNT(csv_text_cols); i++)
        sb_printf(b, "%s,", strcmp(csv_text_cols[i], "params_text") ? csv_text_cols[i] : "params");
    sb_printf(b, "schedule,");
    for (size_t i = 0; i < COUNT(csv_num_cols); i++)
        sb_printf(b, "%s,", csv_num_cols[i]);
    sb_printf(b, "unit,valid,status,checksum,on_plan,error,times_s");
    for (size_t i = 0; i < COUNT(csv_text_cols2); i++)
        sb_printf(b, ",%s", csv_text_cols2[i]);
    for (size_t i = 0; i < COUNT(csv_num_cols2); i++)
        sb_printf(b, ",%s", csv_num_cols2[i]);
    sb_printf(b, ",base_params,outliers,warnings\n");
}

/* A JSON array of numbers as "a;b;c". */
static void sb_list(struct sbuf *b, const cJSON *a)
{
    const cJSON *t;
    int first = 1;
    cJSON_ArrayForEach(t, a) {
        sb_printf(b, "%s%.9g", first ? "" : ";", t->valuedouble);
        first = 0;
    }
}

static void row(struct sbuf *b, const cJSON *rec)
{
    for (size_t i = 0; i < COUNT(csv_text_cols); i++) {
        sb_csv_str(b, pb_json_str(rec, csv_text_cols[i]));
        sb_printf(b, ",");
    }
    sb_printf(b, "%s,", pb_json_str(rec, "schedule"));
    for (size_t i = 0; i < COUNT(csv_num_cols); i++) {
        sb_num(b, pb_json_num(rec, csv_num_cols[i]));
        sb_printf(b, ",");
    }
    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(rec, "placement");
    sb_printf(b, "%s,%s,%s,%s,%s,", pb_json_str(rec, "unit"),
              cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "valid")) ? "true" : "false",
              pb_json_str(rec, "status"), pb_json_str(rec, "checksum"),
              cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pl, "on_plan")) ? "true" : "false");
    sb_csv_str(b, pb_json_str(rec, "error"));
    sb_printf(b, ",");
    sb_list(b, cJSON_GetObjectItemCaseSensitive(rec, "times_s"));
    for (size_t i = 0; i < COUNT(csv_text_cols2); i++)
        sb_printf(b, ",%s", pb_json_str(rec, csv_text_cols2[i]));
    for (size_t i = 0; i < COUNT(csv_num_cols2); i++) {
        sb_printf(b, ",");
        sb_num(b, pb_json_num(rec, csv_num_cols2[i]));
    }
    sb_printf(b, ",");
    sb_csv_str(b, pb_json_str(rec, "base_params_text"));
    sb_printf(b, ",");
    sb_list(b, cJSON_GetObjectItemCaseSensitive(rec, "outliers"));
    /* Warnings joined with " | ": they may hold commas and semicolons. */
    struct sbuf w = {0};
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(rec, "warnings"))
        sb_printf(&w, "%s%s", w.len ? " | " : "", cJSON_GetStringValue(t) ? t->valuestring : "");
    sb_printf(b, ",");
    sb_csv_str(b, w.p ? w.p : "");
    b->oom |= w.oom;
    free(w.p);
    sb_printf(b, "\n");
}

char *pb_results_csv(const cJSON *records, size_t *len)
{
    struct sbuf b = {0};
    header(&b);
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records)
        row(&b, rec);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}
