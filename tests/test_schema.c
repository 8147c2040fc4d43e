/* The record schema against its documentation: every field schema.def lists
 * (and so every field the writer writes, the reader reads and the CSV shows)
 * is in results/README.md's field tables, every field documented there is in
 * schema.def, and the CSV columns are documented in their order.  Also the
 * name tables of the record's enumerated values. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pb.h"
#include "schema.h"

#define MAXNAMES 256

struct names {
    char *v[MAXNAMES];
    char *col2[MAXNAMES];   /* second cell's first name (CSV: the field) */
    size_t n;
};

static void names_free(struct names *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i]);
        free(s->col2[i]);
    }
    s->n = 0;
}

/* The `names` in one table cell, appended to out (each split off ", "). */
static void cell_names(const char *cell, size_t len, struct names *out, bool first_only,
                       char **one)
{
    const char *p = cell, *end = cell + len;
    while (p < end) {
        const char *a = memchr(p, '`', (size_t)(end - p));
        if (!a)
            return;
        const char *b = memchr(a + 1, '`', (size_t)(end - a - 1));
        if (!b)
            return;
        char *name = strndup(a + 1, (size_t)(b - a - 1));
        if (one) {
            *one = name;
            return;
        }
        if (out->n < MAXNAMES)
            out->v[out->n++] = name;
        else
            free(name);
        if (first_only)
            return;
        p = b + 1;
    }
}

/* The names in the first column of the table under the heading line `heading`
 * of `text` (up to the next heading); with `csv`, also the second column's. */
static int doc_table(const char *text, const char *heading, bool csv, struct names *out)
{
    const char *h = text;
    size_t hl = strlen(heading);
    while ((h = strstr(h, heading)) && !((h == text || h[-1] == '\n') && h[hl] == '\n'))
        h += hl;
    if (!h) {
        fprintf(stderr, "results/README.md: no heading '%s'\n", heading);
        return -1;
    }
    for (const char *line = strchr(h, '\n') + 1; *line && *line != '#';) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > 3 && strncmp(line, "| `", 3) == 0) {
            const char *c1 = line + 1, *bar = c1;
            /* The first cell ends at the first '|' outside backticks. */
            bool code = false;
            for (; bar < line + len && (code || *bar != '|'); bar++)
                code ^= *bar == '`';
            size_t before = out->n;
            cell_names(c1, (size_t)(bar - c1), out, csv, NULL);
            if (csv && out->n > before && bar < line + len)
                cell_names(bar + 1, (size_t)(line + len - bar - 1), out, true,
                           &out->col2[out->n - 1]);
        }
        line = eol ? eol + 1 : line + len;
    }
    return 0;
}

static bool in(const struct names *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0)
            return true;
    return false;
}

/* Fields of the table whose path is `prefix` + a plain key. */
static void check_section(const char *text, const char *heading, const char *prefix)
{
    struct names doc = {0};
    if (doc_table(text, heading, false, &doc)) {
        pb_check_failures++;
        return;
    }
    size_t pl = strlen(prefix), written = 0;
    char path[256];
    for (size_t i = 0; i < pb_nrecord_fields; i++) {
        const struct pb_field *f = &pb_record_fields[i];
        if (strncmp(f->path, prefix, pl) != 0 || strcmp(f->path + pl, f->key) != 0)
            continue;
        written++;
        if (!in(&doc, f->key)) {
            fprintf(stderr, "field '%s' is written (schema.def) but not documented under '%s' "
                            "in results/README.md\n", f->path, heading);
            pb_check_failures++;
        }
    }
    for (size_t i = 0; i < doc.n; i++) {
        snprintf(path, sizeof path, "%s%s", prefix, doc.v[i]);
        const struct pb_field *f = pb_field_find(path);
        if (!f) {
            fprintf(stderr, "field '%s' is documented under '%s' in results/README.md but never "
                            "written (not in schema.def)\n", path, heading);
            pb_check_failures++;
        }
    }
    CHECK(written > 0);
    names_free(&doc);
}

static void check_csv(const char *text)
{
    struct names doc = {0};
    if (doc_table(text, "## `results.csv`", true, &doc)) {
        pb_check_failures++;
        return;
    }
    CHECK_EQ_U(doc.n, pb_ncsv_columns);
    for (size_t i = 0; i < pb_ncsv_columns && i < doc.n; i++) {
        const struct pb_csv_column *c = &pb_csv_columns[i];
        if (strcmp(doc.v[i], c->name) != 0 || !doc.col2[i] || strcmp(doc.col2[i], c->path) != 0) {
            fprintf(stderr, "results.csv column %zu is '%s' (%s) in schema.def but '%s' (%s) in "
                            "results/README.md\n", i + 1, c->name, c->path, doc.v[i],
                    doc.col2[i] ? doc.col2[i] : "?");
            pb_check_failures++;
        }
    }
    /* Columns of the system object name a field its table documents. */
    struct names sys = {0};
    if (doc_table(text, "## `system`", false, &sys) == 0)
        for (size_t i = 0; i < pb_ncsv_columns; i++) {
            const char *path = pb_csv_columns[i].path;
            if (strncmp(path, "system.", 7) == 0 && !in(&sys, path + 7)) {
                fprintf(stderr, "results.csv column %s shows %s, which the system table of "
                                "results/README.md does not list\n", pb_csv_columns[i].name, path);
                pb_check_failures++;
            }
        }
    else
        pb_check_failures++;
    names_free(&sys);
    for (size_t i = pb_ncsv_columns; i < doc.n; i++) {
        fprintf(stderr, "results.csv column '%s' is documented but never written\n", doc.v[i]);
        pb_check_failures++;
    }
    names_free(&doc);
}

/* The table itself: paths resolve, types have names, required fields are top level. */
static void check_table(void)
{
    CHECK(pb_nrecord_fields > PB_F_TOP_LEVEL);
    for (size_t i = 0; i < pb_nrecord_fields; i++) {
        const struct pb_field *f = &pb_record_fields[i];
        CHECK(strcmp(pb_field_type_name(f->type), "?") != 0);
        CHECK(f->doc && f->doc[0]);
        CHECK(pb_field_find(f->path) == f);   /* no path twice */
        if (f->required)
            CHECK(strchr(f->path, '.') == NULL);
        if (i < PB_F_TOP_LEVEL)
            CHECK(strcmp(f->path, f->key) == 0);
    }
    for (size_t i = 0; i < pb_ncsv_columns; i++) {
        /* "system.KEY" is the run's, on every row: check_csv finds KEY documented. */
        if (strncmp(pb_csv_columns[i].path, "system.", 7) == 0)
            continue;
        if (!pb_field_find(pb_csv_columns[i].path)) {
            fprintf(stderr, "csv column %s shows '%s', which is no field\n", pb_csv_columns[i].name,
                    pb_csv_columns[i].path);
            pb_check_failures++;
        }
    }
    CHECK_STR(PB_KEY(median_s), "median_s");
    CHECK_STR(PB_KEY(single_worker), "single_worker");
}

static void check_names(void)
{
    enum pb_record_status st;
    for (int s = 0; s < PB_STATUSES; s++) {
        CHECK(pb_record_status_parse(pb_record_status_name((enum pb_record_status)s), &st) == 0);
        CHECK_EQ_U(st, s);
    }
    CHECK_STR(pb_record_status_name(pb_record_status_of(PB_EXIT_OK)), "ok");
    CHECK_STR(pb_record_status_name(pb_record_status_of(PB_EXIT_INVALID)), "invalid");
    CHECK_STR(pb_record_status_name(pb_record_status_of(PB_EXIT_SIGINT)), "interrupted");
    CHECK_STR(pb_record_status_name(pb_record_status_of(PB_EXIT_FAIL)), "failed");
    CHECK(pb_record_status_parse("nope", &st) == -1);
    enum pb_stop_reason r;
    CHECK(pb_stop_reason_parse("time_cap", &r) == 0 && r == PB_STOP_TIME_CAP);
    CHECK(pb_stop_reason_parse("max_reps", &r) == 0 && r == PB_STOP_MAX_REPS);
    CHECK(pb_stop_reason_parse("", &r) == 0 && r == PB_STOP_NONE);
    CHECK(pb_stop_reason_parse("bored", &r) == -1);
}

int main(void)
{
    check_table();
    check_names();
    const char *data = getenv("PB_TEST_DATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/../../results/README.md", data ? data : "tests/data");
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return 1;
    }
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    check_section(text, "## Record (`results[]`)", "");
    check_section(text, "### `results[].placement`", "placement.");
    check_section(text, "### `results[].placement.workers[]`", "placement.workers[].");
    check_csv(text);
    CHECK_DONE();
}
