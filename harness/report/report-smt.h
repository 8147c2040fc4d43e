/* The report's "SMT yield" section (issue 16): which PUs are siblings and, when
 * the run measured it (--smt-yield), what a core's second hardware thread
 * adds, explained for a reader who has not met SMT. */
#ifndef PB_REPORT_SMT_H
#define PB_REPORT_SMT_H

#include "doc.h"
#include "resultsfile.h"

/* Nothing on a machine without SMT unless the run asked for the yield. */
void pb_report_smt(struct pb_doc *d, const struct pb_rfile *rf);

#endif
