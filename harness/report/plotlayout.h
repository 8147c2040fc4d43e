/* The parts of a plot set's files that keep charts readable with dense ladders
 * and many modes (private to plotdata.c): axis ranges, the log2 worker axis,
 * sideways offsets, legend texts, and the per-run data of the distribution chart. */
#ifndef PB_PLOTLAYOUT_H
#define PB_PLOTLAYOUT_H

#include "plotdata.h"
#include "textbuf.h"

/* Append to the gpvars text `b`: xlog, dodgestep, sdodge[], sfit[], nfits, spmin/spmax,
 * effmin/effmax, imbmin/imbmax; `w` holds the nw worker counts, sorted. */
void pb_plot_write_layout(struct pb_tb *b, const struct pb_plot_set *ps, const double *w, size_t nw);

/* Write NAME-runs.dat into `runs` (a line per timed run: x, deviation from its
 * configuration's median in %, time, colour, point type, series) and the
 * groups' positions into `vars` (runsfile, nruns, ngroups, gx[], gn[], nsep, gsep[], runsxmax). */
void pb_plot_write_runs(struct pb_tb *runs, struct pb_tb *vars, const struct pb_plot_set *ps,
                        const double *w, size_t nw);

#endif
