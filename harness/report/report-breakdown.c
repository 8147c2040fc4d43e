/* "Where the time went": the records' breakdowns as a stacked bar chart, a
 * table, and (findings-breakdown.c) a finding per kernel. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fmtnum.h"
#include "fsutil.h"
#include "gnuplot.h"
#include "pb.h"
#include "report-breakdown.h"
#include "textbuf.h"
#include "results-csv.h"   /* pb_json_num, pb_json_str */

/* The parts in the record's order (run/breakdown.c), their labels and colours. */
static const struct {
    const char *key, *label, *color;
} parts[] = {
    {"imbalance", "load imbalance", "#1f77b4"},
    {"dispatch", "dispatch", "#ff7f0e"},
    {"data_movement", "data movement", "#2ca02c"},
    {"startup", "start-up in the timed region", "#9467bd"},
    {"page_faults", "page faults", "#8c564b"},
    {"ctx_switches", "involuntary context switches", "#e377c2"},
    {"clock_droop", "clock droop", "#bcbd22"},
    {"kernel_slowdown", "kernel slower in the workers", "#17becf"},
    {"residual", "residual", "#7f7f7f"},
};
#define NPARTS (sizeof parts / sizeof *parts)

const cJSON *pb_breakdown_of(const struct pb_rfile *rf, const struct pb_rf_record *r)
{
    const cJSON *rec = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(rf->root, "results"),
                                          (int)r->index);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(rec, "breakdown");
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(b, "gap_s");
    return cJSON_IsNumber(g) && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(b, "parts_s"))
               ? b
               : NULL;
}

/* The records worth a bar: valid, not the baseline, with a breakdown. */
static bool charted(const struct pb_rfile *rf, const struct pb_series *s,
                    const struct pb_rf_record *r)
{
    return !s->single_worker && r->valid && pb_breakdown_of(rf, r);
}

static size_t nbars(const struct pb_rfile *rf, const struct pb_section *sec)
{
    size_t n = 0;
    for (size_t i = 0; i < sec->nseries; i++)
        for (size_t j = 0; j < sec->series[i].npts; j++)
            n += charted(rf, &sec->series[i], sec->series[i].pts[j]);
    return n;
}

/* One block per part: "x low high" for each bar, positive parts stacked up
 * from 0 and a negative residual down from 0 (boxes drawn by the script); the
 * last block is the measured gap per bar. */
static void write_dat(struct pb_tb *b, const struct pb_rfile *rf, const struct pb_section *sec,
                      double scale)
{
    pb_tb_puts(b, "# parbench where-the-time-went data: one block per part (x low high), then "
                  "the gap (x gap)\n");
    for (size_t p = 0; p <= NPARTS; p++) {
        if (p)
            pb_tb_puts(b, "\n\n");
        pb_tb_printf(b, "# %s\n", p < NPARTS ? parts[p].key : "gap");
        size_t x = 0;
        for (size_t i = 0; i < sec->nseries; i++)
            for (size_t j = 0; j < sec->series[i].npts; j++) {
                const struct pb_rf_record *r = sec->series[i].pts[j];
                if (!charted(rf, &sec->series[i], r))
                    continue;
                const cJSON *bd = pb_breakdown_of(rf, r);
                const cJSON *ps = cJSON_GetObjectItemCaseSensitive(bd, "parts_s");
                if (p == NPARTS) {
                    pb_tb_printf(b, "%zu %.9g\n", x++, pb_json_num(bd, "gap_s") * scale);
                    continue;
                }
                double up = 0, down = 0, lo = 0, hi = 0;
                for (size_t q = 0; q <= p; q++) {
                    double v = pb_json_num(ps, parts[q].key);
                    v = isfinite(v) ? v * scale : 0;
                    lo = v >= 0 ? up : down + v;
                    hi = v >= 0 ? up + v : down;
                    if (v >= 0)
                        up += v;
                    else
                        down += v;
                }
                pb_tb_printf(b, "%zu %.9g %.9g\n", x++, lo, hi);
            }
    }
}

static void write_vars(struct pb_tb *b, const struct pb_rfile *rf, const struct pb_section *sec,
                       const char *name, double scale, const char *unit)
{
    pb_tb_printf(b, "# parbench plot variables (generated): loaded by plots/breakdown.gp\n"
                    "datafile = '%s.dat'\nsubject = ", name);
    /* The kernel alone: its parameters are in the section the chart sits in. */
    pb_tb_gpstr(b, sec->kernel);
    char mach[600];
    snprintf(mach, sizeof mach, "%s \xc2\xb7 %s", rf->sys.host, rf->sys.cpu_model);
    pb_tb_puts(b, "\nmachine = ");
    pb_tb_gpstr(b, mach);
    pb_tb_printf(b, "\ntunit = '%s'\ntscale = %g\nnparts = %zu\narray pname[%zu] = [", unit, scale,
                 NPARTS, NPARTS);
    for (size_t p = 0; p < NPARTS; p++) {
        pb_tb_puts(b, p ? ", " : "");
        pb_tb_gpstr(b, parts[p].label);
    }
    pb_tb_printf(b, "]\narray pcolor[%zu] = [", NPARTS);
    for (size_t p = 0; p < NPARTS; p++)
        pb_tb_printf(b, "%s'%s'", p ? ", " : "", parts[p].color);
    size_t n = nbars(rf, sec);
    pb_tb_printf(b, "]\nnbars = %zu\narray blabel[%zu] = [", n, n);
    size_t x = 0;
    for (size_t i = 0; i < sec->nseries; i++)
        for (size_t j = 0; j < sec->series[i].npts; j++) {
            const struct pb_rf_record *r = sec->series[i].pts[j];
            if (!charted(rf, &sec->series[i], r))
                continue;
            char l[200];
            snprintf(l, sizeof l, "%s %u", sec->series[i].title, r->workers);
            pb_tb_puts(b, x++ ? ", " : "");
            pb_tb_gpstr(b, l);
        }
    pb_tb_puts(b, "]\n");
}

int pb_breakdown_draw(struct pb_charts *ch, const char *outdir, const struct pb_rfile *rf,
                      const struct pb_section *sec, char *err, size_t errlen)
{
    if (nbars(rf, sec) == 0)
        return 0;
    /* One unit for the axis: the largest gap picks it. */
    double most = 0;
    for (size_t i = 0; i < sec->nrecs; i++) {
        const cJSON *bd = pb_breakdown_of(rf, sec->recs[i]);
        double g = bd ? fabs(pb_json_num(bd, "gap_s")) : 0;
        most = g > most ? g : most;
    }
    double scale = most >= 1 ? 1 : most >= 1e-3 ? 1e3 : 1e6;
    const char *unit = scale == 1 ? "s" : scale == 1e3 ? "ms" : "\xc2\xb5s";
    char name[96], path[PB_PATH_MAX];
    snprintf(name, sizeof name, "%s-breakdown", sec->slug);
    struct pb_tb dat = {0}, vars = {0};
    write_dat(&dat, rf, sec, scale);
    write_vars(&vars, rf, sec, name, scale, unit);
    int rc = 0;
    char file[160];
    snprintf(file, sizeof file, "%s.dat", name);
    if (dat.oom || vars.oom) {
        snprintf(err, errlen, "out of memory writing the breakdown chart's data");
        rc = -1;
    } else if (pb_path_join(path, outdir, file, err, errlen) != 0 ||
               pb_write_text(path, pb_tb_str(&dat), err, errlen) != 0) {
        rc = -1;
    } else {
        snprintf(file, sizeof file, "%s.gpvars", name);
        if (pb_path_join(path, outdir, file, err, errlen) != 0 ||
            pb_write_text(path, pb_tb_str(&vars), err, errlen) != 0)
            rc = -1;
    }
    pb_tb_free(&dat);
    pb_tb_free(&vars);
    if (rc != 0 || ch->off)
        return rc;
    char e[PB_ERRLEN];
    if (pb_gnuplot_render(ch->gnuplot, ch->plotsdir, "breakdown", outdir, file, name, e,
                          sizeof e) != 0) {
        pb_warn("no where-the-time-went chart for %s: %s", sec->slug, e);
        return 0;
    }
    return 1;
}

/* "12.3 ms (45%)": a part and its share of the gap. */
static const char *cell(const cJSON *bd, const char *key, char *buf, size_t len)
{
    double s = pb_json_num(cJSON_GetObjectItemCaseSensitive(bd, "parts_s"), key);
    double pct = pb_json_num(cJSON_GetObjectItemCaseSensitive(bd, "parts_pct"), key);
    char t[32];
    if (!isfinite(s))
        snprintf(buf, len, "-");
    else if (s == 0)
        snprintf(buf, len, "0");
    else if (isfinite(pct))
        snprintf(buf, len, "%s (%.0f%%)", pb_fmt_time(s, t, sizeof t), pct);
    else
        snprintf(buf, len, "%s", pb_fmt_time(s, t, sizeof t));
    return buf;
}

void pb_breakdown_doc(struct pb_doc *d, const struct pb_rfile *rf, const struct pb_section *sec,
                      bool plotted)
{
    if (nbars(rf, sec) == 0)
        return;
    char id[80];
    snprintf(id, sizeof id, "breakdown-%s", sec->slug);
    pb_doc_heading(d, 3, id, "Where the time went");
    pb_doc_para(d, NULL,
                "Each configuration's gap to the ideal T1/p (T1: the single-worker baseline's "
                "median), split into named parts by the model in results/README.md; the kernel "
                "slowdown is the workers' measured extra time inside the kernel that no counter "
                "explains, the residual the time outside it the model does not name (negative "
                "when the parts overlap). "
                "Percentages are of the gap.");
    const char *cols[3 + NPARTS];
    cols[0] = "mode";
    cols[1] = "workers";
    cols[2] = "gap to T1/p";
    for (size_t p = 0; p < NPARTS; p++)
        cols[3 + p] = parts[p].label;
    char align[4 + NPARTS] = "lrr";
    for (size_t p = 0; p < NPARTS; p++)
        align[3 + p] = 'r';
    align[3 + NPARTS] = '\0';
    pb_doc_table(d, 3 + NPARTS, cols, align);
    for (size_t i = 0; i < sec->nseries; i++)
        for (size_t j = 0; j < sec->series[i].npts; j++) {
            const struct pb_rf_record *r = sec->series[i].pts[j];
            if (!charted(rf, &sec->series[i], r))
                continue;
            const cJSON *bd = pb_breakdown_of(rf, r);
            char w[16], gap[32], c[NPARTS][64];
            const char *cells[3 + NPARTS];
            snprintf(w, sizeof w, "%u", r->workers);
            cells[0] = sec->series[i].title;
            cells[1] = w;
            cells[2] = pb_fmt_time(pb_json_num(bd, "gap_s"), gap, sizeof gap);
            for (size_t p = 0; p < NPARTS; p++)
                cells[3 + p] = cell(bd, parts[p].key, c[p], sizeof c[p]);
            pb_doc_row(d, false, cells);
        }
    pb_doc_table_end(d);
    if (!plotted)
        return;
    char s[160], l[160];
    snprintf(s, sizeof s, "plots/%s-breakdown.%s", sec->slug, d->kind == PB_DOC_HTML ? "svg" : "png");
    snprintf(l, sizeof l, "plots/%s-breakdown.png", sec->slug);
    const char *src[] = {s}, *link[] = {l};
    const char *alt[] = {"Where the time went: each configuration's gap to T1/p in named parts"};
    pb_doc_figures(d, 1, src, link, alt);
}
