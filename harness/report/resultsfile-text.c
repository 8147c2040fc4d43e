/* Finding a results.json and parsing its text, with messages that say where
 * and why it is not JSON (cut short, a NUL byte, a stray character). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fsutil.h"
#include "resultsfile-text.h"

/* "line L, column C" of byte offset `at` in `text`. */
static void position(const char *text, size_t at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* Whether `text` stops inside a string or with brackets still open: the
 * signature of a file cut short (a crash or a full disk while writing). */
static bool ends_early(const char *text)
{
    long depth = 0;
    bool in_str = false;
    for (const char *p = text; *p; p++) {
        if (in_str) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                in_str = false;
        } else if (*p == '"') {
            in_str = true;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            depth--;
        }
    }
    return in_str || depth > 0;
}

int pb_rfile_parse(struct pb_rfile *rf, const char *text, size_t len, char *err, size_t errlen)
{
    if (strlen(text) != len) {
        snprintf(err, errlen, "%s: not valid JSON: a NUL byte at offset %zu", rf->path, strlen(text));
        return -1;
    }
    size_t lead = strspn(text, " \t\r\n");
    if (lead == len) {
        snprintf(err, errlen, "%s: empty file (expected a JSON object)", rf->path);
        return -1;
    }
    const char *end = NULL;
    rf->root = cJSON_ParseWithOpts(text, &end, true);
    if (!rf->root) {
        size_t at = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
        int line, col;
        position(text, at, &line, &col);
        if (text[at + strspn(text + at, " \t\r\n")] == '\0' || ends_early(text)) {
            position(text, len, &line, &col);
            snprintf(err, errlen, "%s: not valid JSON: the file ends early at line %d (truncated?)",
                     rf->path, line);
        } else {
            snprintf(err, errlen, "%s: not valid JSON at line %d, column %d", rf->path, line, col);
        }
        return -1;
    }
    if (!cJSON_IsObject(rf->root)) {
        snprintf(err, errlen, "%s: expected a JSON object at the top level", rf->path);
        return -1;
    }
    return 0;
}

/* Resolve `arg` to the results.json path and its directory. */
int pb_rfile_locate(struct pb_rfile *rf, const char *arg, char *err, size_t errlen)
{
    char a[4096];
    if (snprintf(a, sizeof a, "%s", arg) >= (int)sizeof a) {
        snprintf(err, errlen, "%.100s...: path too long", arg);
        return -1;
    }
    size_t n = strlen(a);
    while (n > 1 && a[n - 1] == '/')
        a[--n] = '\0';
    if (pb_is_dir(a)) {
        snprintf(rf->dir, sizeof rf->dir, "%s", a);
        if (snprintf(rf->path, sizeof rf->path, "%s/results.json", a) >= (int)sizeof rf->path) {
            snprintf(err, errlen, "%s: path too long", a);
            return -1;
        }
        if (!pb_is_file(rf->path)) {
            snprintf(err, errlen, "%s: no results.json in this directory", a);
            return -1;
        }
        return 0;
    }
    if (!pb_is_file(a)) {
        snprintf(err, errlen, "%s: no such results directory or file", a);
        return -1;
    }
    snprintf(rf->path, sizeof rf->path, "%s", a);
    char *slash = strrchr(a, '/');
    if (!slash)
        snprintf(rf->dir, sizeof rf->dir, ".");
    else if (slash == a)
        snprintf(rf->dir, sizeof rf->dir, "/");
    else {
        *slash = '\0';
        snprintf(rf->dir, sizeof rf->dir, "%s", a);
    }
    return 0;
}
