/* Findings: sentences written from a results file's numbers (best mode, parallel
 * efficiency, what SMT adds, the cost of processes over threads, the fitted
 * serial fraction, what failed), each quoting the figures behind it.  They are
 * plain text; the document writer escapes them. */
#ifndef PB_FINDINGS_H
#define PB_FINDINGS_H

#include "report-series.h"

struct pb_findings {
    char **items;
    size_t n;
    bool oom;
};

/* Returns 0, -1 when out of memory. */
int pb_findings_build(const struct pb_rfile *rf, const struct pb_sections *ss,
                      struct pb_findings *out);
void pb_findings_free(struct pb_findings *f);

#endif
