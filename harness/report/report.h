/* The content of report.md / report.html: machine, method, findings, and a
 * section per kernel with its table and charts, written through doc.h. */
#ifndef PB_REPORT_H
#define PB_REPORT_H

#include "doc.h"
#include "findings.h"
#include "report-series.h"

struct pb_chart {
    const char *script;     /* plots/SCRIPT.gp, and the file suffix: NAME-SCRIPT.svg */
    const char *caption;
};
extern const struct pb_chart pb_report_charts[];
extern const size_t pb_report_ncharts;

struct pb_report_in {
    const struct pb_rfile *rf;
    const struct pb_sections *ss;
    const struct pb_findings *findings;
    const bool *plotted;         /* per section: its charts were rendered */
    const char *no_plots;        /* why there are no charts, or NULL */
};

/* Write the whole document into d (begun and ended here). */
void pb_report_doc(struct pb_doc *d, enum pb_doc_kind kind, const struct pb_report_in *in);

/* argv joined as a shell would need it typed: arguments quoted when needed. */
void pb_shell_join(struct pb_tb *b, const cJSON *argv);

#endif
