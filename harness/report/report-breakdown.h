/* "Where the time went": each configuration's gap to T1/p (the record's
 * breakdown, run/breakdown.h) as a stacked bar per configuration, a table in
 * the kernel's section, and one finding per kernel naming the largest part. */
#ifndef PB_REPORT_BREAKDOWN_H
#define PB_REPORT_BREAKDOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "charts.h"
#include "doc.h"
#include "findings.h"
#include "report-series.h"
#include "resultsfile.h"

/* Write outdir/SLUG-breakdown.dat and .gpvars for section `sec` and draw
 * plots/breakdown.gp into outdir/SLUG-breakdown.svg and .png.  Returns 1 when
 * drawn, 0 when there is nothing to draw (no record with a gap) or charts are
 * off; a gnuplot failure is a warning (0).  -1: a file could not be written. */
int pb_breakdown_draw(struct pb_charts *ch, const char *outdir, const struct pb_rfile *rf,
                      const struct pb_section *sec, char *err, size_t errlen);

/* The section's "Where the time went": a table of every configuration's gap
 * and its parts, and the chart when `plotted` (drawn by pb_breakdown_draw
 * into plots/). */
void pb_breakdown_doc(struct pb_doc *d, const struct pb_rfile *rf, const struct pb_section *sec,
                      bool plotted);

/* findings-breakdown.c: one sentence for section `sec` (its name `name`)
 * naming the largest part of its largest gap; nothing when no record has a
 * gap.  Out of memory sets f->oom. */
void pb_findings_breakdown(struct pb_findings *f, const struct pb_rfile *rf, const char *name,
                           const struct pb_section *sec);

/* The record's breakdown object when it has parts (a gap was computed), else NULL. */
const cJSON *pb_breakdown_of(const struct pb_rfile *rf, const struct pb_rf_record *r);

#endif
