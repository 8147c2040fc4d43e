/* Parsing `--cpus`: an OS-index CPU list ("0,2,4-7") kept in the order written. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement-internal.h"

/* Read a decimal number at *p, advancing it; false when no digit is there.
 * Values beyond INT_MAX stop growing at INT_MAX + 1 so they cannot wrap. */
static bool read_number(const char **p, long long *val)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return false;
    long long x = 0;
    while (*s >= '0' && *s <= '9') {
        x = x * 10 + (*s - '0');
        if (x > INT_MAX)
            x = (long long)INT_MAX + 1;
        s++;
    }
    *val = x;
    *p = s;
    return true;
}

/* Parse an OS-index CPU list ("0,2,4-7") keeping the order it is written in,
 * each CPU checked against `machine`.  Rejects empty items, reversed ranges,
 * signs, spaces, numbers beyond INT_MAX and repeats. */
int pb__parse_cpus(const char *text, hwloc_const_bitmap_t machine, int **list, unsigned *count,
                   char *err, size_t errlen)
{
    char mlist[256];
    hwloc_bitmap_list_snprintf(mlist, sizeof mlist, machine);
    *list = NULL;
    *count = 0;
    if (!*text) {
        snprintf(err, errlen, "--cpus: empty CPU list (expected e.g. 0,2,4-7)");
        return -1;
    }
    hwloc_bitmap_t seen = hwloc_bitmap_alloc();
    unsigned cap = 0, n = 0;
    int *v = NULL;
    if (!seen) {
        snprintf(err, errlen, "--cpus: out of memory");
        return -1;
    }
    const char *p = text;
    for (;;) {
        const char *item = p, *hi_text;
        long long lo, hi;
        if (!read_number(&p, &lo))
            goto malformed;
        hi = lo;
        hi_text = item;
        if (*p == '-') {
            hi_text = ++p;
            if (!read_number(&p, &hi))
                goto malformed;
        }
        if (*p != ',' && *p != '\0')
            goto malformed;
        if (hi < lo) {
            snprintf(err, errlen, "--cpus: range %.*s is reversed", (int)(p - item), item);
            goto fail;
        }
        /* Check both ends before expanding, so "0-99999999" fails at once. */
        if (lo > INT_MAX || !hwloc_bitmap_isset(machine, (unsigned)lo)) {
            snprintf(err, errlen, "--cpus: CPU %.*s is not in this machine (%s)",
                     (int)strspn(item, "0123456789"), item, mlist);
            goto fail;
        }
        if (hi > INT_MAX || !hwloc_bitmap_isset(machine, (unsigned)hi)) {
            snprintf(err, errlen, "--cpus: CPU %.*s is not in this machine (%s)",
                     (int)strspn(hi_text, "0123456789"), hi_text, mlist);
            goto fail;
        }
        for (long long c = lo; c <= hi; c++) {
            if (!hwloc_bitmap_isset(machine, (unsigned)c)) {
                snprintf(err, errlen, "--cpus: CPU %lld is not in this machine (%s)", c, mlist);
                goto fail;
            }
            if (hwloc_bitmap_isset(seen, (unsigned)c)) {
                snprintf(err, errlen, "--cpus: CPU %lld is listed twice", c);
                goto fail;
            }
            hwloc_bitmap_set(seen, (unsigned)c);
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                int *nv = realloc(v, cap * sizeof *nv);
                if (!nv) {
                    snprintf(err, errlen, "--cpus: out of memory");
                    goto fail;
                }
                v = nv;
            }
            v[n++] = (int)c;
        }
        if (*p == '\0')
            break;
        p++;   /* the comma */
    }
    hwloc_bitmap_free(seen);
    *list = v;
    *count = n;
    return 0;
malformed:
    snprintf(err, errlen, "--cpus: malformed CPU list '%s' (expected e.g. 0,2,4-7)", text);
fail:
    hwloc_bitmap_free(seen);
    free(v);
    return -1;
}
