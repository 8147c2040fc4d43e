/* The "SMT yield" section of the report (report-smt.h), read straight from
 * the pre-flight block of results.json (results/README.md, `smt_yield`). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fmtnum.h"
#include "report-smt.h"
#include "results-csv.h"   /* pb_json_num, pb_json_str */

#define SHOW_SETS 4   /* cpusets listed before "..." in a table cell */

/* "0 2 4 6 ... 126 (64 cores)": the PUs one plan of a pair used. */
static void plan_cell(const cJSON *plan, char *buf, size_t len)
{
    const cJSON *sets = cJSON_GetObjectItemCaseSensitive(plan, "cpusets"), *s;
    int n = cJSON_GetArraySize(sets), i = 0;
    size_t used = 0;
    buf[0] = '\0';
    cJSON_ArrayForEach(s, sets) {
        const char *v = cJSON_GetStringValue(s);
        bool last = ++i == n;
        if (!v || (i > SHOW_SETS && !last) || used >= len)
            continue;
        int w = snprintf(buf + used, len - used, "%s%s%s", used ? " " : "",
                         i > SHOW_SETS && i > SHOW_SETS + 1 ? "... " : "", v);
        used += w > 0 ? (size_t)w : 0;
    }
    double cores = pb_json_num(plan, "cores");
    if (used < len && !isnan(cores))
        snprintf(buf + used, len - used, " (%.0f %s)", cores, cores == 1 ? "core" : "cores");
}

/* "1.2 G adds/s": a rate in its unit ("adds/s", "numbers/s"). */
static const char *rate(double v, const char *unit, char *buf, size_t len)
{
    if (isnan(v))
        return "\xe2\x80\x93";
    char si[32];
    snprintf(buf, len, "%s %s", pb_fmt_si(v, si, sizeof si), unit);
    return buf;
}

/* One row: a loop or a kernel of one pair (its work named in `what`). */
static void figure_row(struct pb_doc *d, const char *w, const char *what, const char *sp,
                       const char *pk, const cJSON *f)
{
    char r1[64], r2[64], y[64];
    double yl = pb_json_num(f, "yield_low"), yh = pb_json_num(f, "yield_high");
    if (*pb_json_str(f, "error"))
        snprintf(y, sizeof y, "failed");
    else if (isnan(pb_json_num(f, "yield")))
        snprintf(y, sizeof y, "\xe2\x80\x93");
    else if (isnan(yl) || isnan(yh))
        snprintf(y, sizeof y, "%.2fx", pb_json_num(f, "yield"));
    else
        snprintf(y, sizeof y, "%.2fx (%.2f\xe2\x80\x93%.2f)", pb_json_num(f, "yield"), yl, yh);
    const char *cells[] = {w, what, sp, pk, rate(pb_json_num(f, "spread_per_core"), pb_json_str(f, "unit"), r1,
                                                 sizeof r1),
                           rate(pb_json_num(f, "packed_per_core"), pb_json_str(f, "unit"), r2, sizeof r2), y};
    pb_doc_row(d, *pb_json_str(f, "error") != '\0', cells);
}

static void yield_table(struct pb_doc *d, const cJSON *pairs)
{
    static const char *const head[] = {"workers", "work", "one thread per core (PUs)",
                                       "two threads per core (PUs)", "per core, 1 thread",
                                       "per core, 2 threads", "yield (95% bounds)"};
    pb_doc_table(d, 7, head, "rllllrr");
    const cJSON *pair, *lo;
    cJSON_ArrayForEach(pair, pairs) {
        char w[16], sp[200], pk[200];
        snprintf(w, sizeof w, "%.0f", pb_json_num(pair, "workers"));
        plan_cell(cJSON_GetObjectItemCaseSensitive(pair, "spread"), sp, sizeof sp);
        plan_cell(cJSON_GetObjectItemCaseSensitive(pair, "packed"), pk, sizeof pk);
        const cJSON *loops = cJSON_GetObjectItemCaseSensitive(pair, "loops");
        if (cJSON_GetArraySize(loops) == 0) {
            /* Planned, not timed: the plans alone. */
            const char *dash = "\xe2\x80\x93";
            const char *cells[] = {w, dash, sp, pk, dash, dash, dash};
            pb_doc_row(d, false, cells);
        }
        cJSON_ArrayForEach(lo, loops)
            figure_row(d, w, pb_json_str(lo, "loop"), sp, pk, lo);
        cJSON_ArrayForEach(lo, cJSON_GetObjectItemCaseSensitive(pair, "kernels")) {
            char what[160];
            if (*pb_json_str(lo, "mode"))
                snprintf(what, sizeof what, "kernel %s (%s, %s)", pb_json_str(lo, "kernel"),
                         pb_json_str(lo, "mode"), pb_json_str(lo, "schedule"));
            else
                snprintf(what, sizeof what, "kernel %s", pb_json_str(lo, "kernel"));
            figure_row(d, w, what, sp, pk, lo);
        }
    }
    pb_doc_table_end(d);
}

void pb_report_smt(struct pb_doc *d, const struct pb_rfile *rf)
{
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(rf->root, "preflight");
    const cJSON *y = cJSON_GetObjectItemCaseSensitive(pre, "smt_yield");
    bool smt = rf->sys.pus > rf->sys.cores;
    if (!smt && !cJSON_IsObject(y))
        return;   /* no SMT, and nobody asked */
    pb_doc_heading(d, 2, "smt", "SMT yield");
    const char *sib = pb_json_str(pre, "smt_siblings");
    if (*sib && strcmp(sib, "none") != 0)
        pb_doc_para(d, "note",
                    "SMT siblings (hardware threads of one core, OS CPU numbers): %.400s%s", sib,
                    strlen(sib) > 400 ? " ..." : "");
    if (!cJSON_IsObject(y)) {
        pb_doc_para(d, NULL,
                    "This machine has SMT (%.0f hardware threads on %.0f cores), but the run did "
                    "not measure what the second thread of a core adds: run with --smt-yield.",
                    rf->sys.pus, rf->sys.cores);
        return;
    }
    pb_doc_para(d, NULL,
                "A core with SMT runs two hardware threads that share its execution units. The "
                "SMT yield compares the same number of threads bound one per core with the same "
                "number packed two per core on half as many cores, and divides the throughput "
                "per core with two threads by the throughput per core with one: 1.0x means the "
                "second thread adds nothing, 2.0x that it doubles what the core does. Two loops "
                "of register adds bracket real code: dependent_adds waits on each add's result "
                "(latency-bound, like pointer chasing or a cache miss: the sibling fills the "
                "idle units), independent_adds keeps the units busy (throughput-bound, like "
                "tight arithmetic: the sibling finds them taken). Each kernel of the run is "
                "then timed the same way on its whole input, by the threads mode with the "
                "dynamic schedule: its yield, usually between the two loops', is what SMT "
                "gives that code here.");
    const cJSON *pairs = cJSON_GetObjectItemCaseSensitive(y, "pairs");
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(y, "measured"))) {
        pb_doc_para(d, "warn", "Not measured: %s.", pb_json_str(y, "skipped"));
        if (cJSON_GetArraySize(pairs) > 0) {
            pb_doc_para(d, "note", "The plans it would have timed:");
            yield_table(d, pairs);
        }
        return;
    }
    pb_doc_para(d, "note",
                "Loops: medians of %.0f samples of %g s per plan; kernels: medians of 3 to %.0f "
                "whole runs per plan (as many as about %g s allow, after a validated run of "
                "each); the plans alternate. The bounds are the widest ratio of the two "
                "medians' 95%% CIs (none under 6 samples). Placement policy %s, kinds %s.",
                pb_json_num(y, "samples"), pb_json_num(y, "sample_s"), pb_json_num(y, "samples"), pb_json_num(y, "kernel_s"),
                pb_json_str(y, "policy"), pb_json_str(y, "kinds"));
    yield_table(d, pairs);
    const cJSON *pair, *k;
    cJSON_ArrayForEach(pair, pairs)
        cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(pair, "kernels"))
            if (*pb_json_str(k, "error"))
                pb_doc_para(d, "warn", "Kernel %s at %.0f workers: %s.", pb_json_str(k, "kernel"),
                            pb_json_num(pair, "workers"), pb_json_str(k, "error"));
}
