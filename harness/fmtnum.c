/* Formatting numbers for reports. */
#include <math.h>
#include <stdio.h>

#include "fmtnum.h"

#define MISSING "\xe2\x80\x93" /* en dash */

/* The unit for a time of `s` seconds and the factor to scale it by. */
static const char *time_unit(double s, double *scale)
{
    double a = fabs(s);
    if (a >= 1 || a == 0) {
        *scale = 1;
        return "s";
    }
    if (a >= 1e-3) {
        *scale = 1e3;
        return "ms";
    }
    if (a >= 1e-6) {
        *scale = 1e6;
        return "\xc2\xb5s";
    }
    *scale = 1e9;
    return "ns";
}

/* Decimals that give 4 significant digits for a value in [1, 1000). */
static int decimals(double v)
{
    double a = fabs(v);
    return a >= 100 ? 1 : a >= 10 ? 2 : 3;
}

const char *pb_fmt_time(double s, char *buf, size_t len)
{
    if (!isfinite(s)) {
        snprintf(buf, len, MISSING);
        return buf;
    }
    double k;
    const char *u = time_unit(s, &k);
    snprintf(buf, len, "%.*f %s", decimals(s * k), s * k, u);
    return buf;
}

const char *pb_fmt_time_range(double lo, double hi, double ref, char *buf, size_t len)
{
    if (!isfinite(lo) || !isfinite(hi)) {
        snprintf(buf, len, MISSING);
        return buf;
    }
    double k;
    const char *u = time_unit(isfinite(ref) ? ref : lo, &k);
    int d = decimals(isfinite(ref) ? ref * k : lo * k);
    snprintf(buf, len, "%.*f" MISSING "%.*f %s", d, lo * k, d, hi * k, u);
    return buf;
}

const char *pb_fmt_time_list(const double *v, size_t n, double ref, char *buf, size_t len)
{
    double k;
    const char *u = time_unit(isfinite(ref) ? ref : n ? v[0] : 0, &k);
    int d = decimals(isfinite(ref) ? ref * k : n ? v[0] * k : 0);
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        int w = isfinite(v[i]) ? snprintf(buf + used, len - used, "%s%.*f", i ? " / " : "", d, v[i] * k)
                               : snprintf(buf + used, len - used, "%s" MISSING, i ? " / " : "");
        used += w > 0 ? (size_t)w : 0;
    }
    if (used < len)
        snprintf(buf + used, len - used, " %s", u);
    return buf;
}

const char *pb_fmt_si(double v, char *buf, size_t len)
{
    static const char *const prefix[] = {"", " k", " M", " G", " T", " P"};
    if (!isfinite(v)) {
        snprintf(buf, len, MISSING);
        return buf;
    }
    int p = 0;
    double a = v;
    while (fabs(a) >= 1000 && p < 5) {
        a /= 1000;
        p++;
    }
    int d = fabs(a) >= 100 ? 0 : fabs(a) >= 10 ? 1 : 2;
    snprintf(buf, len, "%.*f%s", d, a, prefix[p]);
    return buf;
}

const char *pb_fmt_bytes(double b, char *buf, size_t len)
{
    static const char *const prefix[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    if (!isfinite(b) || b <= 0) {
        snprintf(buf, len, MISSING);
        return buf;
    }
    int p = 0;
    while (b >= 1024 && p < 5) {
        b /= 1024;
        p++;
    }
    snprintf(buf, len, b == floor(b) || b >= 100 ? "%.0f %s" : "%.1f %s", b, prefix[p]);
    return buf;
}
