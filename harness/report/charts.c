/* Write plot data and run gnuplot on it, degrading to "no charts" with one warning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "gnuplot.h"
#include "kernel.h"
#include "pb.h"

int pb_charts_init(struct pb_charts *c, const char *plots_override, bool no_plots, bool quiet,
                   char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->quiet = quiet;
    if (no_plots) {
        c->off = true;
        snprintf(c->why, sizeof c->why, "--no-plots was given.");
        return 0;
    }
    int found = pb_plots_dir(plots_override, c->plotsdir, sizeof c->plotsdir, err, errlen);
    if (found < 0)
        return -1;
    if (found > 0) {
        pb_warn("%s: no charts", err);
        c->off = true;
        snprintf(c->why, sizeof c->why, "%s.", err);
        return 0;
    }
    if (!pb_gnuplot_find(c->gnuplot, sizeof c->gnuplot)) {
        pb_warn("gnuplot is not installed (not in PATH): no charts (install gnuplot-nox)");
        c->off = true;
        snprintf(c->why, sizeof c->why,
                 "gnuplot is not installed (not in PATH); install gnuplot-nox and run this "
                 "command again. The chart data is in plots/*.dat.");
    }
    return 0;
}

int pb_charts_draw(struct pb_charts *c, const char *outdir, const struct pb_plot_set *ps,
                   const char *const *scripts, size_t nscripts, char *err, size_t errlen)
{
    /* The data goes out even without gnuplot: it can be drawn elsewhere. */
    if (pb_plot_write(outdir, ps, err, errlen) != 0)
        return -1;
    if (c->off || ps->ns == 0)
        return 0;
    char vars[96], e[PB_ERRLEN];
    snprintf(vars, sizeof vars, "%s.gpvars", ps->name);
    if (!c->quiet)
        pb_info("drawing %zu charts of %s into %s", nscripts, ps->name, outdir);
    for (size_t i = 0; i < nscripts; i++) {
        char out[160];
        snprintf(out, sizeof out, "%s-%s", ps->name, scripts[i]);
        if (pb_gnuplot_render(c->gnuplot, c->plotsdir, scripts[i], outdir, vars, out, e,
                              sizeof e) != 0) {
            /* A gnuplot that fails once fails for every chart: say it once and stop. */
            pb_warn("%s: no charts", e);
            c->off = true;
            snprintf(c->why, sizeof c->why, "gnuplot failed: %s", e);
            return 0;
        }
    }
    return 1;
}

/* Chart titles are cut at both ends when they hold every parameter (blur's are
 * 90 characters with files=,save=): the title says what differs from the preset,
 * and the caption under the charts gives the rest. */
#define SUBJECT_MAX 60

/* A parameter value as text equal to the preset's: the same text, or the same number. */
static bool same_value(const char *v, size_t n, const char *preset)
{
    if (strlen(preset) == n && strncmp(v, preset, n) == 0)
        return true;
    char a[64], *end_a, *end_b;
    if (n == 0 || n >= sizeof a)
        return false;
    memcpy(a, v, n);
    a[n] = '\0';
    double x = strtod(a, &end_a), y = strtod(preset, &end_b);
    return *end_a == '\0' && *end_b == '\0' && end_b != preset && x == y;
}

/* Append "name=value" to buf (", " between). */
static void add_param(char *buf, size_t len, const char *name, size_t nlen, const char *v,
                      size_t vlen)
{
    size_t used = strlen(buf);
    if (used + 1 >= len)
        return;
    snprintf(buf + used, len - used, "%s%.*s=%.*s", used ? ", " : "", (int)nlen, name, (int)vlen,
             v);
}

/* The parameters of `text` that differ from kernel k's preset `size`, as
 * "name=value, ..."; false when `text` is not k's parameters in k's order.
 * Records write every parameter in the kernel's order ("n1=v1,n2=v2"), so a
 * value runs up to ",NEXT=": values may hold commas (blur.files). */
static bool preset_diff(const struct pb_kernel *k, enum pb_size size, const char *text, char *buf,
                        size_t len)
{
    buf[0] = '\0';
    const char *p = text;
    for (size_t i = 0; i < k->nparams; i++) {
        size_t nl = strlen(k->params[i].name);
        if (strncmp(p, k->params[i].name, nl) != 0 || p[nl] != '=')
            return false;
        const char *v = p + nl + 1, *end = v + strlen(v);
        if (i + 1 < k->nparams) {
            char next[80];
            snprintf(next, sizeof next, ",%s=", k->params[i + 1].name);
            end = strstr(v, next);
            if (!end)
                return false;
        }
        if (!same_value(v, (size_t)(end - v), k->params[i].preset[size]))
            add_param(buf, len, k->params[i].name, nl, v, (size_t)(end - v));
        p = *end ? end + 1 : end;
    }
    return *p == '\0';
}

/* Every non-empty "name=value" of `text`, split at commas (no kernel to go by). */
static void nonempty_params(const char *text, char *buf, size_t len)
{
    buf[0] = '\0';
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, ",");
        const char *eq = memchr(p, '=', n);
        if (eq && eq + 1 < p + n)
            add_param(buf, len, p, (size_t)(eq - p), eq + 1, (size_t)(p + n - eq - 1));
        else if (!eq && n)
            add_param(buf, len, p, n, "", 0);
        p += n + (p[n] == ',');
    }
}

void pb_chart_subject(const struct pb_section *sec, char *buf, size_t len)
{
    const struct pb_kernel *k = pb_kernel_find(sec->kernel);
    const char *sizename = sec->nrecs ? sec->recs[0]->size : "";
    enum pb_size size;
    char diff[512];
    bool known = k && pb_size_parse(sizename, &size) == 0 &&
                 preset_diff(k, size, sec->params_text, diff, sizeof diff);
    if (!known)
        nonempty_params(sec->params_text, diff, sizeof diff);
    /* Cut on a character boundary (UTF-8 continuation bytes are 10xxxxxx). */
    size_t n = strlen(diff);
    if (n > SUBJECT_MAX) {
        n = SUBJECT_MAX;
        while (n > 0 && ((unsigned char)diff[n] & 0xc0) == 0x80)
            n--;
        snprintf(diff + n, sizeof diff - n, "\xe2\x80\xa6");
    }
    if (known)
        snprintf(buf, len, "%.100s (%s preset%s%s)", sec->kernel, sizename, diff[0] ? ", " : "",
                 diff);
    else
        snprintf(buf, len, "%.100s%s%s%s", sec->kernel, diff[0] ? " (" : "", diff,
                 diff[0] ? ")" : "");
}

void pb_chart_caption(const struct pb_section *sec, char *buf, size_t len)
{
    const char *size = sec->nrecs ? sec->recs[0]->size : "";
    snprintf(buf, len,
             "Charts of %.100s at %.2000s%s%.40s%s. Titles name only what differs from the "
             "preset. Series are offset slightly sideways so that equal values stay visible; "
             "the ideal is drawn over them, and an Amdahl fit (dotted) only where at least %d "
             "worker counts support it.",
             sec->kernel, sec->params_text[0] ? sec->params_text : "no parameters",
             size[0] ? " (size preset " : "", size, size[0] ? ")" : "", PB_AMDAHL_MIN_COUNTS);
}
