/* Write plot data and run gnuplot on it, degrading to "no charts" with one warning. */
#include <stdio.h>
#include <string.h>

#include "charts.h"
#include "gnuplot.h"
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
