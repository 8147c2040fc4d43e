/* results.csv from the JSON records, column by column as schema.def lists them. */
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results-csv.h"
#include "schema.h"
#include "sysinfo.h"

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

/* One cell: the value `v` (NULL when absent) of a field of type `t`. */
static void cell(struct sbuf *b, enum pb_field_type t, const cJSON *v)
{
    const cJSON *e;
    struct sbuf w = {0};
    switch (t) {
    case PB_FT_STR:
        sb_csv_str(b, cJSON_IsString(v) ? v->valuestring : "");
        return;
    case PB_FT_NUM:
    case PB_FT_NUM_NULL:
        sb_num(b, cJSON_IsNumber(v) ? v->valuedouble : NAN);
        return;
    case PB_FT_BOOL:
        sb_printf(b, "%s", cJSON_IsTrue(v) ? "true" : "false");
        return;
    case PB_FT_NUMS:   /* "a;b;c" */
        cJSON_ArrayForEach(e, v)
            sb_printf(b, "%s%.9g", e == v->child ? "" : ";", e->valuedouble);
        return;
    case PB_FT_STRS:   /* joined with " | ": warnings hold commas and semicolons */
        cJSON_ArrayForEach(e, v)
            sb_printf(&w, "%s%s", w.len ? " | " : "", cJSON_IsString(e) ? e->valuestring : "");
        break;
    case PB_FT_STRMAP:   /* "name=value;name=value" */
        cJSON_ArrayForEach(e, v)
            sb_printf(&w, "%s%s=%s", w.len ? ";" : "", e->string ? e->string : "",
                      cJSON_IsString(e) ? e->valuestring : "");
        break;
    case PB_FT_OBJ:
    case PB_FT_OBJS:
        return;   /* no column shows a whole object */
    }
    sb_csv_str(b, w.p ? w.p : "");
    b->oom |= w.oom;
    free(w.p);
}

/* A column through an array of objects ("placement.workers[].host"): the
 * distinct values joined by spaces, "" read as `self` (this host). */
static void distinct_cell(struct sbuf *b, const cJSON *arr, const char *key, const char *self)
{
    struct sbuf w = {0};
    const cJSON *e, *f;
    cJSON_ArrayForEach(e, arr) {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, key));
        if (!v || !v[0])
            v = self;
        bool seen = false;
        cJSON_ArrayForEach(f, arr) {
            if (f == e)
                break;
            const char *u = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, key));
            seen |= strcmp(u && u[0] ? u : self, v) == 0;
        }
        if (!seen)
            sb_printf(&w, "%s%s", w.len ? " " : "", v);
    }
    sb_csv_str(b, w.p ? w.p : "");
    b->oom |= w.oom;
    free(w.p);
}

/* The cell of column `col` for record `rec`: the field at its path, walking
 * "a.b" through objects and "a[].b" across an array; "system.KEY" is the
 * run's own (a string: host, cpu_model, run_id), the same on every row. */
static void column_cell(struct sbuf *b, const struct pb_csv_column *col, const cJSON *rec,
                        const cJSON *sys, const char *self)
{
    if (strncmp(col->path, "system.", 7) == 0) {
        cell(b, PB_FT_STR, cJSON_GetObjectItemCaseSensitive(sys, col->path + 7));
        return;
    }
    const struct pb_field *f = pb_field_find(col->path);
    const cJSON *v = rec;
    const char *p = col->path;
    while (v && *p) {
        size_t n = strcspn(p, ".[");
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(n < sizeof key ? n : sizeof key - 1), p);
        v = cJSON_GetObjectItemCaseSensitive(v, key);
        p += n;
        if (strncmp(p, "[].", 3) == 0) {
            distinct_cell(b, v, p + 3, self);
            return;
        }
        if (*p == '.')
            p++;
    }
    cell(b, f ? f->type : PB_FT_STR, v);
}

static void header(struct sbuf *b)
{
    for (size_t i = 0; i < pb_ncsv_columns; i++)
        sb_printf(b, "%s%s", i ? "," : "", pb_csv_columns[i].name);
    sb_printf(b, "\n");
}

static void row(struct sbuf *b, const cJSON *rec, const cJSON *sys, const char *self)
{
    for (size_t i = 0; i < pb_ncsv_columns; i++) {
        if (i)
            sb_printf(b, ",");
        column_cell(b, &pb_csv_columns[i], rec, sys, self);
    }
    sb_printf(b, "\n");
}

char *pb_results_csv(const cJSON *records, const cJSON *system, size_t *len)
{
    char self[256];
    pb_hostname(self, sizeof self);
    struct sbuf b = {0};
    header(&b);
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records)
        row(&b, rec, system, self);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}
