/* `parbench run --python PATH[,PATH...]`: the selected Python modes once per
 * interpreter.  Each interpreter is asked its version and build first (one
 * short run of it, so a broken path is one error line before any work); then
 * every Python mode in the list is replaced by one variant per interpreter: a
 * copy of its descriptor whose `preset` names the interpreter and, with more
 * than one, whose name says which ("py-pool@3.13.1t"), so records, series,
 * speedup baselines and charts keep the interpreters apart by name.  The
 * copies live in static storage for the life of the program. */
#include <stdio.h>
#include <string.h>

#include "mode-python.h"
#include "pb.h"
#include "proc.h"

#define VARIANTS_MAX 64
#define PROBE_TIMEOUT_S 30.0

static struct pb_mode variant[VARIANTS_MAX];
static char variant_name[VARIANTS_MAX][64];
static char interp_path[PB_PY_INTERPS_MAX][512];

/* "3.13.1" or "3.13.1t" (free-threaded) of the interpreter at `path`.  Returns 0,
 * or -1 with one line in `err` naming it. */
static int probe(const char *path, char *label, size_t len, char *err, size_t errlen)
{
    static const char code[] =
        "import sys, sysconfig; v = sys.version_info; "
        "print('%d.%d.%d%s' % (v[0], v[1], v[2], "
        "'t' if sysconfig.get_config_var('Py_GIL_DISABLED') else ''))";
    char *argv[] = {(char *)path, "-c", (char *)code, NULL};
    struct pb_proc_opts o = {.out = PB_PROC_CAPTURE, .err = PB_PROC_CAPTURE,
                             .timeout_s = PROBE_TIMEOUT_S};
    struct pb_proc p;
    char why[256], line[128];
    enum pb_proc_status st = pb_proc_run(&p, argv, &o, why, sizeof why);
    if (st != PB_PROC_OK) {
        pb_proc_line(p.err.text, true, line, sizeof line);
        snprintf(err, errlen, "--python %s: %s%s%s", path, why, line[0] ? ": " : "", line);
        return -1;
    }
    pb_proc_line(p.out.text, false, line, sizeof line);
    unsigned major = 0;
    if (sscanf(line, "%u.", &major) != 1 || major != 3) {
        snprintf(err, errlen, "--python %s: not a Python 3 interpreter (it said '%s')", path,
                 line);
        return -1;
    }
    snprintf(label, len, "%.24s", line);
    return 0;
}

/* The interpreters of every --python, comma lists split.  Returns how many, or -1. */
static int split(const char *const *given, size_t ngiven, char *err, size_t errlen)
{
    size_t n = 0;
    for (size_t g = 0; g < ngiven; g++)
        for (const char *p = given[g]; *p;) {
            size_t len = strcspn(p, ",");
            if (len == 0 || len >= sizeof interp_path[0]) {
                snprintf(err, errlen, "--python '%s': %s", given[g],
                         len ? "a path is too long" : "an empty path");
                return -1;
            }
            if (n == PB_PY_INTERPS_MAX) {
                snprintf(err, errlen, "--python: more than %d interpreters", PB_PY_INTERPS_MAX);
                return -1;
            }
            snprintf(interp_path[n++], sizeof interp_path[0], "%.*s", (int)len, p);
            p += len + (p[len] == ',');
        }
    return (int)n;
}

int pb_py_variants(const struct pb_mode **modes, size_t *nmodes, size_t max,
                   const char *const *given, size_t ngiven, char *err, size_t errlen)
{
    if (ngiven == 0)
        return 0;
    int n = split(given, ngiven, err, errlen);
    if (n < 0)
        return -1;
    size_t npy = 0;
    for (size_t i = 0; i < *nmodes; i++)
        npy += modes[i]->runtime == PB_RUNTIME_PYTHON;
    if (npy == 0) {
        snprintf(err, errlen, "--python: no Python mode is selected (name them with -m, e.g. "
                              "-m serial,py-serial,py-pool)");
        return -1;
    }
    if (*nmodes - npy + npy * (size_t)n > max || npy * (size_t)n > VARIANTS_MAX) {
        snprintf(err, errlen, "--python: %zu Python modes x %d interpreters are too many modes",
                 npy, n);
        return -1;
    }
    char label[PB_PY_INTERPS_MAX][32];
    for (int i = 0; i < n; i++)
        if (probe(interp_path[i], label[i], sizeof label[i], err, errlen) != 0)
            return -1;
    /* Two interpreters of one version (a debug and a release build) are told apart by
     * their place in the list. */
    char suffix[PB_PY_INTERPS_MAX][40];
    for (int i = 0; i < n; i++) {
        bool twin = false;
        for (int j = 0; j < n; j++)
            twin |= j != i && strcmp(label[i], label[j]) == 0;
        if (twin)
            snprintf(suffix[i], sizeof suffix[i], "@%.24s-%d", label[i], (i + 1) % 100);
        else
            snprintf(suffix[i], sizeof suffix[i], "@%.24s", label[i]);
    }
    const struct pb_mode *out[VARIANTS_MAX + 64];
    size_t nout = 0, nv = 0;
    for (size_t i = 0; i < *nmodes; i++) {
        const struct pb_mode *m = modes[i];
        int oi = pb_mode_option_index(m, "interpreter");
        if (m->runtime != PB_RUNTIME_PYTHON || oi < 0) {
            out[nout++] = m;
            continue;
        }
        for (int j = 0; j < n; j++, nv++) {
            struct pb_mode *v = &variant[nv];
            *v = *m;
            snprintf(variant_name[nv], sizeof variant_name[nv], "%.20s%.40s", m->name,
                     n > 1 ? suffix[j] : "");
            v->name = variant_name[nv];
            v->preset.value[oi] = interp_path[j];
            out[nout++] = v;
        }
    }
    memcpy(modes, out, nout * sizeof *out);
    *nmodes = nout;
    return 0;
}
