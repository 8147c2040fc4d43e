/* Parsing of command-line lists shared by the subcommands.  Every parser is
 * strict: a value is accepted whole or refused with a message naming it. */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

int pb_parse_unsigned(const char *what, const char *text, unsigned long long min,
                      unsigned long long max, unsigned long long *out, char *err, size_t errlen)
{
    char *end;
    if (text[0] < '0' || text[0] > '9')
        goto bad;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end != '\0')
        goto bad;
    if (v < min || v > max) {
        snprintf(err, errlen, "%s: %s is out of range [%llu, %llu]", what, text, min, max);
        return -1;
    }
    *out = v;
    return 0;
bad:
    snprintf(err, errlen, "%s: '%s' is not a whole number", what, text);
    return -1;
}

int pb_parse_double(const char *what, const char *text, double min, double max, double *out,
                    char *err, size_t errlen)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end != '\0' || !isfinite(v)) {
        snprintf(err, errlen, "%s: '%s' is not a number", what, text);
        return -1;
    }
    if (v < min || v > max) {
        snprintf(err, errlen, "%s: %s is out of range [%g, %g]", what, text, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int pb_parse_counts(const char *what, const char *text, unsigned max, unsigned *out, size_t cap,
                    size_t *n, char *err, size_t errlen)
{
    *n = 0;
    const char *p = text;
    if (*p == '\0') {
        snprintf(err, errlen, "%s: empty list", what);
        return -1;
    }
    for (;;) {
        char item[64];
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof item) {
            snprintf(err, errlen, "%s: malformed list '%s'", what, text);
            return -1;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        char *dash = strchr(item, '-');
        unsigned long long lo, hi;
        if (dash) {
            *dash = '\0';
            if (pb_parse_unsigned(what, item, 1, max, &lo, err, errlen) != 0 ||
                pb_parse_unsigned(what, dash + 1, 1, max, &hi, err, errlen) != 0)
                return -1;
            if (hi < lo) {
                snprintf(err, errlen, "%s: range %llu-%llu runs backwards", what, lo, hi);
                return -1;
            }
        } else {
            if (pb_parse_unsigned(what, item, 1, max, &lo, err, errlen) != 0)
                return -1;
            hi = lo;
        }
        for (unsigned long long v = lo; v <= hi; v++) {
            for (size_t i = 0; i < *n; i++)
                if (out[i] == v) {
                    snprintf(err, errlen, "%s: %llu is listed twice", what, v);
                    return -1;
                }
            if (*n >= cap) {
                snprintf(err, errlen, "%s: more than %zu values", what, cap);
                return -1;
            }
            out[(*n)++] = (unsigned)v;
        }
        p += len;
        if (*p == '\0')
            return 0;
        p++;
    }
}

int pb_split_names(const char *what, const char *text, char *buf, size_t buflen, char **items,
                   size_t cap, size_t *n, char *err, size_t errlen)
{
    *n = 0;
    if (text[0] == '\0' || text[0] == ',' || text[strlen(text) - 1] == ',' || strstr(text, ",,")) {
        snprintf(err, errlen, "%s: malformed list '%s'", what, text);
        return -1;
    }
    /* Split a copy: the text is often argv, which the results record verbatim. */
    if (strlen(text) >= buflen) {
        snprintf(err, errlen, "%s: list longer than %zu characters", what, buflen - 1);
        return -1;
    }
    strcpy(buf, text);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n >= cap) {
            snprintf(err, errlen, "%s: more than %zu items", what, cap);
            return -1;
        }
        items[(*n)++] = tok;
    }
    return 0;
}

void pb_opt_error(int c, const char *cmd, char *const *argv, char *err, size_t errlen)
{
    if (c == ':')
        snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
    else
        snprintf(err, errlen, "unknown option '%s' (see 'parbench %s --help')", argv[optind - 1],
                 cmd);
}
