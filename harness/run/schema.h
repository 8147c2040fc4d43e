/* The results record's schema: the fields of results[] (schema.def, one list
 * for the writer, the reader, the CSV and the documentation check) as a table
 * a program can walk, and the name tables of the record's enumerated values. */
#ifndef PB_SCHEMA_H
#define PB_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "sweep.h"

/* The JSON type of a field. */
enum pb_field_type {
    PB_FT_STR,       /* string */
    PB_FT_NUM,       /* number (0 when undefined, as in schema 1) */
    PB_FT_NUM_NULL,  /* number, or null when undefined (no CI, no baseline, ...) */
    PB_FT_BOOL,      /* true or false */
    PB_FT_NUMS,      /* array of numbers */
    PB_FT_STRS,      /* array of strings */
    PB_FT_OBJ,       /* object */
    PB_FT_STRMAP,    /* object of strings */
    PB_FT_OBJS,      /* array of objects */
};

/* "string", "number", "number or null", "boolean", "array of numbers", ... */
const char *pb_field_type_name(enum pb_field_type t);

struct pb_field {
    const char *path;        /* "median_s", "placement.bind", "placement.workers[].host" */
    const char *key;         /* the last part: "median_s", "bind", "host" */
    enum pb_field_type type;
    const char *unit;        /* "s", "fraction", "unit/s", "unit", "" */
    bool required;           /* a reader rejects a record without it */
    const char *doc;         /* one line; results/README.md has the rest */
};

/* Every field of a record, placement and placement.workers[] included, in the
 * order written. */
extern const struct pb_field pb_record_fields[];
extern const size_t pb_nrecord_fields;

/* The top-level record fields by name, in pb_record_fields' order. */
enum pb_field_id {
#define PB_RECORD_FIELD(key, type, unit, req, rf, value, doc) PB_F_##key,
#include "schema.def"
    PB_F_TOP_LEVEL   /* how many */
};

/* The JSON key of top-level record field `key`, so that code reading records
 * back spells no key a compiler cannot check: PB_KEY(median_s) is "median_s". */
#define PB_KEY(field) (pb_record_fields[PB_F_##field].key)

/* The field at `path`, or NULL. */
const struct pb_field *pb_field_find(const char *path);

struct pb_csv_column {
    const char *name;        /* the header: "params" */
    const char *path;        /* the field it shows: "params_text" */
};

/* results.csv's columns, in order. */
extern const struct pb_csv_column pb_csv_columns[];
extern const size_t pb_ncsv_columns;

/* A record's `status`. */
enum pb_record_status {
    PB_STATUS_OK,            /* every run completed and validated */
    PB_STATUS_INVALID,       /* a run's output failed the kernel's check */
    PB_STATUS_FAILED,        /* a crash, a hang, an I/O error */
    PB_STATUS_INTERRUPTED,   /* SIGINT */
    PB_STATUSES
};

/* "ok", "invalid", "failed", "interrupted". */
const char *pb_record_status_name(enum pb_record_status s);
/* The status of a configuration whose runs ended with PB_EXIT_* `exit_status`. */
enum pb_record_status pb_record_status_of(int exit_status);
/* 0 and *out for a known name, else -1. */
int pb_record_status_parse(const char *name, enum pb_record_status *out);
/* 0 and *out for a name pb_stop_reason_name gives (sweep.c holds the table), else -1. */
int pb_stop_reason_parse(const char *name, enum pb_stop_reason *out);

#endif
