/* The files gnuplot reads: for a plot set NAME (one kernel's charts),
 * NAME.dat (a block of points per series), NAME-bars.dat (medians by worker
 * count, for the grouped bars), NAME-runs.dat (every timed run, for the
 * distribution chart) and NAME.gpvars (titles, series names, colours, Amdahl
 * fits, axis ranges, as escaped gnuplot assignments the scripts in plots/ load). */
#ifndef PB_PLOTDATA_H
#define PB_PLOTDATA_H

#include <stdbool.h>
#include <stddef.h>

#include "mode.h"
#include "report-series.h"

struct pb_plot_point {
    double workers, median_s, ci_low_s, ci_high_s;      /* the CI equals the median when unknown */
    double speedup, speedup_low, speedup_high, efficiency_pct, throughput, imbalance;
    const double *times;           /* every timed run (the record's times_s, not owned) */
    size_t ntimes;
};

struct pb_plot_series {
    char title[256];
    char color[8];                 /* "#rrggbb" */
    int dash, point;               /* gnuplot dashtype and pointtype */
    double amdahl_f;               /* NAN: no fitted curve */
    double amdahl_scale;           /* the curve is amdahl_scale / (f + (1 - f) / p) */
    bool amdahl_clamped;           /* the fit gave f < 0, shown as 0 and said so */
    bool single;                   /* a single-worker baseline (serial): one point, drawn on top */
    struct pb_plot_point *pt;      /* valid points only, by workers */
    size_t n;
};

/* The ideal speedup at one worker count on a machine with CPU kinds: the
 * capacity its workers were given, Σ over them of their kind's 1-worker
 * throughput / the speedup baseline's. */
struct pb_plot_capacity {
    double workers, capacity;
};

struct pb_plot_set {
    char name[64];                 /* file base, safe in a file name */
    char subject[512];             /* "primes (lo=0,hi=3000000)" */
    char machine[512];             /* "host · CPU model", or the inputs of a comparison */
    char unit[64];                 /* throughput unit: "numbers" */
    struct pb_plot_series *s;
    size_t ns;
    /* The ideal line: p, or the capacity where known (cap, by worker count),
     * never above ideal_cap (the container's CPU quota; 0: none).  ideal_note
     * says why it is not plainly p, or why it stayed p on a machine with kinds. */
    double ideal_cap;
    struct pb_plot_capacity *cap;
    size_t ncap;
    char ideal_note[320];
};

/* A plot set from one section of a results file (styles from the modes'
 * descriptors; the ideal line from preflight.cpu_quota and the workers' CPU kinds). */
int pb_plot_from_section(const struct pb_rfile *rf, const struct pb_section *sec,
                         struct pb_plot_set *ps);
/* Append a series (a copy of `title`); returns it, or NULL when out of memory. */
struct pb_plot_series *pb_plot_add_series(struct pb_plot_set *ps, const char *title);
/* Append the valid points of `s` to `out`; false when out of memory. */
int pb_plot_add_points(struct pb_plot_series *out, const struct pb_series *s);
void pb_plot_free(struct pb_plot_set *ps);

/* How series of `mode` look, so a mode has one style in every chart: its
 * descriptor's style when this build registers it, else style `nth` (count the
 * unregistered modes shown together from 0) of a fallback palette whose colours
 * no registered mode uses. */
struct pb_plot_style pb_plot_mode_style(const char *mode, size_t nth);
/* Set a series' colour ("#rrggbb"; anything else becomes grey). */
void pb_plot_set_color(struct pb_plot_series *s, const char *color);

/* The ideal speedup at `workers`: the capacity when known, else workers, capped at ideal_cap. */
double pb_plot_ideal(const struct pb_plot_set *ps, double workers);

/* Write NAME.dat, NAME-bars.dat, NAME-runs.dat and NAME.gpvars into `dir` (atomically). */
int pb_plot_write(const char *dir, const struct pb_plot_set *ps, char *err, size_t errlen);

#endif
