/* A results file's records grouped the way plots and reports show them: one
 * section per kernel and parameters, and in it one series per mode and schedule
 * (one line on a chart), points sorted by worker count. */
#ifndef PB_REPORT_SERIES_H
#define PB_REPORT_SERIES_H

#include "mode.h"
#include "resultsfile.h"

/* A serial fraction from one parallel point (1 and 2 workers) is a line through
 * two points: it always fits and its 1/f limit means nothing.  Three worker
 * counts are the fewest that test the model. */
#define PB_AMDAHL_MIN_COUNTS 3

/* The interpreter variant of a mode name: "@3.11" of "py-pool@3.11" (--python
 * given several interpreters), "" otherwise.  Baselines and references are
 * taken within one variant, so one interpreter is never measured against another's. */
const char *pb_mode_variant(const char *mode);

struct pb_series {
    const char *mode, *schedule;
    const char *kinds;          /* placement.kinds: a series per core kind under --kinds each */
    const char *worker_kind, *runtime;  /* its first record's traits ("" when unknown) */
    bool single_worker;         /* the baseline of its runtime (serial): no fit, no schedule */
    double baseline_s;          /* median of the valid single-worker run of the same runtime
                                   in the section, NAN when none */
    char title[160];            /* the mode, or "MODE (static)" when the mode ran several schedules */
    const struct pb_rf_record **pts;   /* every record of the series, by workers */
    size_t npts;
    double amdahl_f, amdahl_stderr;    /* NAN when there is no fit */
    double amdahl_scale;        /* fitted curve over the baseline: baseline_s / fitted T1 (1 when fitted to speedups) */
    size_t amdahl_points;
    bool amdahl_from_file;      /* analysis[] of the results file, else fitted here */
    bool amdahl_negative;       /* the fit gave f < 0 (super-linear or noise): amdahl_f is clamped to 0 */
    size_t amdahl_counts;       /* worker counts behind the fit, the one-worker baseline included;
                                   fits over fewer than PB_AMDAHL_MIN_COUNTS are dropped (NAN) */
};

struct pb_section {
    const char *kernel, *params_text, *unit;
    char slug[48];              /* safe in a file name: "primes", "primes-2" */
    const struct pb_rf_record **recs;  /* the section's records in file order */
    size_t nrecs;
    struct pb_series *series;
    size_t nseries;
    unsigned max_workers;       /* largest worker count with a valid record, 0 when none */
    size_t nbad;                /* records not valid */
};

struct pb_sections {
    struct pb_section *s;
    size_t n;
};

/* Group rf's records.  Returns 0, -1 when out of memory. */
int pb_sections_build(const struct pb_rfile *rf, struct pb_sections *out);
void pb_sections_free(struct pb_sections *ss);

/* The valid record of series `s` at `workers`, or NULL. */
const struct pb_rf_record *pb_series_at(const struct pb_series *s, unsigned workers);
/* The section of `ss` with this kernel and parameters, or NULL. */
const struct pb_section *pb_section_find(const struct pb_sections *ss, const char *kernel,
                                         const char *params_text);
/* The series' worker kind (PB_WORKER_KINDS when its records name none this
 * version knows), so reports group and compare modes by what they are. */
enum pb_worker_kind pb_series_worker(const struct pb_series *s);

#endif
