/* Drawing a plot set's charts: write its data files, then run one gnuplot
 * script per chart.  No gnuplot, no scripts or a failing gnuplot become one
 * warning and a reason the document can show; the caller goes on without charts. */
#ifndef PB_CHARTS_H
#define PB_CHARTS_H

#include <stdbool.h>
#include <stddef.h>

#include "plotdata.h"

struct pb_charts {
    bool off;                  /* no charts from now on; `why` says why */
    char why[700];
    char plotsdir[4096];
    char gnuplot[4200];
    bool quiet;
};

/* Find the scripts (`plots_override` or the default places) and gnuplot.
 * Returns 0 (check c->off), or -1 when --plots names a directory without the
 * scripts (err set: a usage error). */
int pb_charts_init(struct pb_charts *c, const char *plots_override, bool no_plots, bool quiet,
                   char *err, size_t errlen);

/* Write ps's data files into `outdir` and draw plots/SCRIPT.gp for each of
 * `scripts` as outdir/NAME-SCRIPT.svg and .png.  Returns 1 when drawn, 0 when
 * not (charts are off), -1 when the data files could not be written (err). */
int pb_charts_draw(struct pb_charts *c, const char *outdir, const struct pb_plot_set *ps,
                   const char *const *scripts, size_t nscripts, char *err, size_t errlen);

/* A section's chart subject, short enough for a title: the kernel, its size
 * preset and only the parameters that differ from that preset, e.g.
 * "blur (medium preset, images=16)".  For a kernel this build does not know,
 * or parameters it cannot match to the preset, the non-empty parameters,
 * cut with an ellipsis past about 60 characters. */
void pb_chart_subject(const struct pb_section *sec, char *buf, size_t len);

/* The line the report prints under a section's charts: every parameter
 * (the title left most out) and what the charts' conventions are. */
void pb_chart_caption(const struct pb_section *sec, char *buf, size_t len);

#endif
