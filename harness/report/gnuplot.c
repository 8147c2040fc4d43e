/* Locate the plot scripts and gnuplot; render one chart (gnuplot run through proc.h). */
#define _GNU_SOURCE /* realpath */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "gnuplot.h"
#include "pb.h"
#include "plotsdir.h"
#include "proc.h"

/* A chart that takes longer than this is stuck, not slow. */
#define RENDER_TIMEOUT_S 60.0

static bool has_scripts(const char *dir)
{
    char p[16384];
    snprintf(p, sizeof p, "%s/speedup.gp", dir);
    return pb_is_file(p);
}

/* True when `dir` is the build directory parbench was built in: only such a
 * binary may use the source tree's scripts, so an installed or copied one
 * never depends on a source tree that may be gone or changed. */
static bool in_build_tree(const char *dir)
{
    char *a = realpath(dir, NULL), *b = realpath(PB_BUILD_BINDIR, NULL);
    bool same = a && b && strcmp(a, b) == 0;
    free(a);
    free(b);
    return same;
}

int pb_plots_dir(const char *override, char *buf, size_t len, char *err, size_t errlen)
{
    if (override) {
        if (!has_scripts(override)) {
            snprintf(err, errlen, "--plots %s: no speedup.gp there", override);
            return -1;
        }
        snprintf(buf, len, "%s", override);
        return 0;
    }
    /* Installed: <bindir>/<PB_PLOTS_FROM_BINDIR>, e.g. bin/../share/parbench/plots. */
    char exe[PB_PATH_MAX], cand[2][PB_PATH_MAX], why[256];
    pb_exe_dir(exe, sizeof exe);
    size_t n = 0;
    if (exe[0]) {
        if (pb_path_join(cand[n], exe, PB_PLOTS_FROM_BINDIR, why, sizeof why) == 0)
            n++;
        if (in_build_tree(exe))
            snprintf(cand[n++], sizeof cand[0], "%s", PB_SOURCE_PLOTS);
    }
    for (size_t i = 0; i < n; i++) {
        if (has_scripts(cand[i])) {
            char *real = realpath(cand[i], NULL);
            snprintf(buf, len, "%s", real ? real : cand[i]);
            free(real);
            return 0;
        }
    }
    snprintf(err, errlen, "the plot scripts (speedup.gp, ...) are not in %s%s%s; use --plots DIR",
             n ? cand[0] : "?", n > 1 ? " or " : "", n > 1 ? cand[n - 1] : "");
    return 1;
}

bool pb_gnuplot_find(char *buf, size_t len)
{
    return pb_proc_find("gnuplot", buf, len) == 0;
}

/* The private directory gnuplot wrote into, with whatever it left there. */
static void remove_tmp(const char *tmpdir, const char *out)
{
    static const char *const ext[] = {".svg", ".png"};
    for (size_t i = 0; i < 2; i++) {
        char p[8400];
        snprintf(p, sizeof p, "%s/%s%s", tmpdir, out, ext[i]);
        unlink(p);
    }
    rmdir(tmpdir);
}

int pb_gnuplot_render(const char *gnuplot, const char *plotsdir, const char *script,
                      const char *workdir, const char *vars, const char *out, char *err,
                      size_t errlen)
{
    char scriptpath[PB_PATH_MAX], tmpdir[PB_PATH_MAX], tmpbase[300], eb[128], gp[300];
    snprintf(gp, sizeof gp, "%s.gp", script);
    if (pb_path_join(scriptpath, plotsdir, gp, err, errlen) != 0)
        return -1;
    /* gnuplot writes into a fresh 0700 directory of ours, never to a name that
     * someone else could have planted (a symlink) in a shared output directory;
     * the finished files are renamed into place. */
    if (pb_path_join(tmpdir, workdir, ".render.XXXXXX", err, errlen) != 0)
        return -1;
    if (!mkdtemp(tmpdir)) {
        snprintf(err, errlen, "a directory in %s for gnuplot's output: %s", workdir,
                 pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    snprintf(tmpbase, sizeof tmpbase, "%s/%s", strrchr(tmpdir, '/') + 1, out);
    /* gnuplot's error comes last on its stderr; a chart that takes longer
     * than the deadline is stuck, not slow. */
    char *argv[] = {(char *)gnuplot, "-c", scriptpath, (char *)vars, tmpbase, NULL};
    const struct pb_proc_opts o = {.cwd = workdir, .err = PB_PROC_CAPTURE,
                                   .timeout_s = RENDER_TIMEOUT_S};
    struct pb_proc *p = malloc(sizeof *p);   /* its captures are too big for the stack */
    if (!p) {
        snprintf(err, errlen, "%s.gp: out of memory to run gnuplot", script);
        remove_tmp(tmpdir, out);
        return -1;
    }
    char why[PB_ERRLEN], line[400];
    enum pb_proc_status ps = pb_proc_run(p, argv, &o, why, sizeof why);
    pb_proc_line(p->err.text, true, line, sizeof line);
    free(p);
    if (ps != PB_PROC_OK) {
        bool said = ps == PB_PROC_EXIT_NONZERO || ps == PB_PROC_SIGNALLED;
        snprintf(err, errlen, "%s.gp: %s%s%s", script, why, said ? ": " : "",
                 !said ? "" : line[0] ? line : "(no message)");
        remove_tmp(tmpdir, out);
        return -1;
    }
    static const char *const ext[] = {".svg", ".png"};
    for (size_t i = 0; i < 2; i++) {
        char from[8400], to[8400];
        snprintf(from, sizeof from, "%s/%s%s", tmpdir, out, ext[i]);
        snprintf(to, sizeof to, "%s/%s%s", workdir, out, ext[i]);
        struct stat st;
        if (stat(from, &st) != 0 || st.st_size == 0) {
            snprintf(err, errlen, "%s.gp: gnuplot wrote no %s file", script, ext[i] + 1);
            remove_tmp(tmpdir, out);
            return -1;
        }
        if (rename(from, to) != 0) {
            snprintf(err, errlen, "renaming %s to %s: %s", from, to, pb_strerror(errno, eb, sizeof eb));
            remove_tmp(tmpdir, out);
            return -1;
        }
    }
    rmdir(tmpdir);
    return 0;
}
