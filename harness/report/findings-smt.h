/* The finding about the SMT yield (issue 16): what a core's second hardware
 * thread gave the run's kernels, bracketed by the add loops, from the
 * pre-flight's smt_yield block. */
#ifndef PB_FINDINGS_SMT_H
#define PB_FINDINGS_SMT_H

#include "findings.h"
#include "resultsfile.h"

/* Appends at most one sentence to f->items (f->oom on failure): the yield at
 * the largest worker count measured, or why a requested yield was not
 * measured.  Nothing when the run did not ask for it. */
void pb_findings_smt(const struct pb_rfile *rf, struct pb_findings *f);

#endif
