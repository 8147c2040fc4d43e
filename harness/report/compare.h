/* Comparing results files: configurations matched by kernel, parameters,
 * mode, workers and schedule; B/A median ratios with their 95% CIs and a
 * Mann–Whitney U test of whether the difference is real; overlay plot sets;
 * compare.md/.html/.csv (compare-doc.c), what differs between the inputs
 * (compare-differs.c), ratio CIs, geometric means and charts (compare-ratio.c). */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H

#include "compare-differs.h"
#include "compare-ratio.h"
#include "doc.h"
#include "plotdata.h"
#include "report-series.h"
#include "report-stats.h"

struct pb_cmp_input {
    const char *arg;             /* as named on the command line */
    struct pb_rfile rf;
    struct pb_sections ss;
    char label[128];             /* --label NAME, else host, or the directory name when hosts repeat */
    bool labelled;               /* label given with --label */
};

struct pb_cmp_row {              /* one configuration of the base input and its match */
    const struct pb_rf_record *a, *b;     /* b NULL: only in the base */
    double ratio;                /* b median / a median; NAN unless both valid */
    double ratio_lo, ratio_hi;   /* its 95% CI (pb_cmp_ratio_ci); NAN when unknown */
    double ratio_se;             /* standard error of log(ratio); NAN when unknown */
    struct pb_rs_mwu mwu;
    double min_p;                /* the smallest p these sample sizes allow */
    int ci_overlap;              /* 1 overlap, 0 disjoint, -1 unknown */
};

struct pb_cmp_pair {             /* the base (inputs[0]) against inputs[other] */
    size_t other;
    struct pb_cmp_row *rows;
    size_t nrows;
    const struct pb_rf_record **only_b;   /* configurations of `other` the base lacks */
    size_t nonly_b;
};

struct pb_comparison {
    struct pb_cmp_input *in;
    size_t n;
    bool force;                  /* parameters may differ: match without them */
    unsigned varies;             /* aspects the user said vary (--varies): bit per pb_cmp_aspect */
    bool varies_given;
    struct pb_cmp_differs differs;
    struct pb_cmp_pair *pairs;   /* n - 1 of them */
};

/* Whether a row's difference is real: Mann–Whitney p < 0.05 and the ratio's
 * 95% CI (when known) excludes 1. */
bool pb_compare_real(const struct pb_cmp_row *r);

/* Labels for the inputs not labelled with --label (loaded by the caller). */
void pb_compare_label(struct pb_cmp_input *in, size_t n);
/* Refuse kernels run with different parameters unless `force`; -1 with err. */
int pb_compare_check_params(const struct pb_cmp_input *in, size_t n, bool force, char *err,
                            size_t errlen);
/* Match configurations, test them, and collect what differs between the
 * inputs.  Returns 0, -1 when out of memory. */
int pb_compare_build(struct pb_comparison *c);
void pb_compare_free(struct pb_comparison *c);

/* The overlay plot set of base section k: every input's series of that kernel. */
int pb_compare_plot_set(const struct pb_comparison *c, size_t k, struct pb_plot_set *ps);

/* The document; plotted[k] says whether base section k has its overlay
 * charts, plotted[in[0].ss.n + k] whether it has its ratio chart. */
/* dir: where the plots/ it shows are (the HTML page inlines their SVG, so it
 * travels alone). */
void pb_compare_doc(struct pb_doc *d, enum pb_doc_kind kind, const char *dir, const struct pb_comparison *c,
                    const bool *plotted, const char *no_plots);
/* The ratio table as CSV, one row per matched configuration and pair. */
void pb_compare_csv(struct pb_tb *b, const struct pb_comparison *c);

#endif
