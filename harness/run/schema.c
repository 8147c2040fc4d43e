/* The record schema as a table (from schema.def) and the record's name tables. */
#include <string.h>

#include "pb.h"
#include "schema.h"

#define REQ true
#define OPT false

const struct pb_field pb_record_fields[] = {
#define PB_RECORD_FIELD(key, type, unit, req, rf, value, doc) {#key, #key, type, unit, req, doc},
#define PB_PLACEMENT_FIELD(key, type, unit, rf, value, doc) \
    {"placement." #key, #key, type, unit, false, doc},
#include "schema.def"
#define PB_WORKER_FIELD(key, type, unit, value, doc) \
    {"placement.workers[]." #key, #key, type, unit, false, doc},
#include "schema.def"
};
const size_t pb_nrecord_fields = sizeof pb_record_fields / sizeof *pb_record_fields;

const struct pb_csv_column pb_csv_columns[] = {
#define PB_CSV_COLUMN(column, path) {#column, path},
#include "schema.def"
};
const size_t pb_ncsv_columns = sizeof pb_csv_columns / sizeof *pb_csv_columns;

const struct pb_field *pb_field_find(const char *path)
{
    for (size_t i = 0; i < pb_nrecord_fields; i++)
        if (strcmp(pb_record_fields[i].path, path) == 0)
            return &pb_record_fields[i];
    return NULL;
}

const char *pb_field_type_name(enum pb_field_type t)
{
    static const char *const names[] = {
        [PB_FT_STR] = "string",           [PB_FT_NUM] = "number",
        [PB_FT_NUM_NULL] = "number or null", [PB_FT_BOOL] = "boolean",
        [PB_FT_NUMS] = "array of numbers", [PB_FT_STRS] = "array of strings",
        [PB_FT_OBJ] = "object",           [PB_FT_STRMAP] = "object of strings",
        [PB_FT_OBJS] = "array of objects",
    };
    return (size_t)t < sizeof names / sizeof *names ? names[t] : "?";
}

static const char *const status_names[PB_STATUSES] = {
    [PB_STATUS_OK] = "ok",
    [PB_STATUS_INVALID] = "invalid",
    [PB_STATUS_FAILED] = "failed",
    [PB_STATUS_INTERRUPTED] = "interrupted",
};

const char *pb_record_status_name(enum pb_record_status s)
{
    return (size_t)s < PB_STATUSES ? status_names[s] : "failed";
}

enum pb_record_status pb_record_status_of(int exit_status)
{
    switch (exit_status) {
    case PB_EXIT_OK: return PB_STATUS_OK;
    case PB_EXIT_INVALID: return PB_STATUS_INVALID;
    case PB_EXIT_SIGINT: return PB_STATUS_INTERRUPTED;
    default: return PB_STATUS_FAILED;
    }
}

int pb_record_status_parse(const char *name, enum pb_record_status *out)
{
    for (int s = 0; s < PB_STATUSES; s++)
        if (strcmp(name, status_names[s]) == 0) {
            *out = (enum pb_record_status)s;
            return 0;
        }
    return -1;
}

int pb_stop_reason_parse(const char *name, enum pb_stop_reason *out)
{
    /* Past the last reason pb_stop_reason_name gives "", which PB_STOP_NONE matched first. */
    for (int r = PB_STOP_NONE; r < 64; r++)
        if (strcmp(name, pb_stop_reason_name((enum pb_stop_reason)r)) == 0) {
            *out = (enum pb_stop_reason)r;
            return 0;
        }
    return -1;
}
