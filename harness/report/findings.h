/* Findings: a headline per section (the best configuration at the largest worker
 * count with its speedup CI, and how the others compare to it), then sentences
 * written from a results file's numbers (best mode, parallel
 * efficiency, what SMT adds, the cost of processes over threads, the fitted
 * serial fraction, what failed), each quoting the figures behind it.  They are
 * plain text; the document writer escapes them.  No sentence says one
 * configuration beats another unless pb_findings_differ says so. */
#ifndef PB_FINDINGS_H
#define PB_FINDINGS_H

#include "report-series.h"

struct pb_findings {
    char **items;
    size_t n;
    char **head;    /* the headline: one line per section, best configuration first */
    size_t nhead;
    bool oom;
};

/* Whether record `a` and `b` differ in a way the report may claim: the
 * Mann–Whitney test on their timings gives p < 0.05 AND their medians' 95% CIs
 * do not overlap (records without a CI never differ).  *p gets the p-value
 * (NAN when the test could not run), or minus the least p-value the two run
 * counts allow when that is not below 0.05 (3 vs 3 runs: -0.10): then the
 * test cannot tell, whatever the times, and the text must say so. */
bool pb_findings_differ(const struct pb_rf_record *a, const struct pb_rf_record *b, double *p);
/* Append one finding (printf-style); on out of memory sets f->oom.  The
 * per-topic finders (findings-*.c) add through it. */
__attribute__((format(printf, 2, 3))) void pb_findings_add(struct pb_findings *f, const char *fmt,
                                                           ...);
/* "p = 0.41", "p = 0.002", "p < 0.001", "p = ?", or for a negative p "too few
 * runs: least p 0.10" into buf. */
const char *pb_findings_ptext(double p, char *buf, size_t len);

/* Returns 0, -1 when out of memory. */
int pb_findings_build(const struct pb_rfile *rf, const struct pb_sections *ss,
                      struct pb_findings *out);
void pb_findings_free(struct pb_findings *f);

#endif
