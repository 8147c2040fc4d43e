/* The finding "where the time went" per kernel: of its configuration with the
 * largest gap to T1/p, the part that took the most of it, with the figures
 * behind it (the record's breakdown, run/breakdown.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmtnum.h"
#include "report-breakdown.h"
#include "textbuf.h"
#include "results-csv.h"   /* pb_json_num, pb_json_str */

/* The part as a reader names it. */
static const char *words(const char *key, const cJSON *bd)
{
    if (strcmp(key, "residual") == 0)
        return strcmp(pb_json_str(bd, "residual_is"), "contention") == 0
                   ? "memory or shared-resource contention (the residual, with the kernel's "
                     "bytes per second near the memory bandwidth)"
                   : "the residual, which the model does not name";
    if (strcmp(key, "data_movement") == 0)
        return "data movement (outputs copied through pipes)";
    if (strcmp(key, "dispatch") == 0)
        return "dispatch (handing out chunks)";
    if (strcmp(key, "imbalance") == 0)
        return "load imbalance";
    if (strcmp(key, "page_faults") == 0)
        return "page faults";
    if (strcmp(key, "ctx_switches") == 0)
        return "involuntary context switches";
    if (strcmp(key, "kernel_slowdown") == 0)
        return strcmp(pb_json_str(bd, "residual_is"), "contention") == 0
                   ? "memory or shared-resource contention (the kernel ran longer in the workers "
                     "than alone, with its bytes per second near the memory bandwidth)"
                   : "the kernel running longer in the workers than alone (caches, memory, "
                     "first touches in a new process: no counter names which)";
    if (strcmp(key, "clock_droop") == 0)
        return "clock droop";
    if (strcmp(key, "startup") == 0)
        return "start-up inside the timed region";
    return key;
}

void pb_findings_breakdown(struct pb_findings *f, const struct pb_rfile *rf, const char *name,
                           const struct pb_section *sec)
{
    const struct pb_rf_record *worst = NULL;
    const cJSON *wb = NULL;
    for (size_t i = 0; i < sec->nrecs; i++) {
        const struct pb_rf_record *r = sec->recs[i];
        const cJSON *bd = r->valid ? pb_breakdown_of(rf, r) : NULL;
        if (!bd || r->single_worker || !(pb_json_num(bd, "gap_s") > 0))
            continue;
        if (!wb || pb_json_num(bd, "gap_s") > pb_json_num(wb, "gap_s")) {
            worst = r;
            wb = bd;
        }
    }
    if (!worst)
        return;
    const char *largest = pb_json_str(wb, "largest");
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(wb, "parts_s");
    const cJSON *pp = cJSON_GetObjectItemCaseSensitive(wb, "parts_pct");
    char gap[32], ideal[32], part[32], res[32];
    struct pb_tb t = {0};
    pb_tb_printf(&t,
                 "%s: where the time went. The largest gap to the ideal T1/p is %s at %u "
                 "worker%s: %s over its ideal %s. Its largest part is %s, %s (%.0f%% of the "
                 "gap)",
                 name, worst->mode, worst->workers, worst->workers == 1 ? "" : "s",
                 pb_fmt_time(pb_json_num(wb, "gap_s"), gap, sizeof gap),
                 pb_fmt_time(pb_json_num(wb, "ideal_s"), ideal, sizeof ideal), words(largest, wb),
                 pb_fmt_time(pb_json_num(ps, largest), part, sizeof part), pb_json_num(pp, largest));
    if (strcmp(largest, "residual") != 0)
        pb_tb_printf(&t, "; the residual is %s (%.0f%%)",
                     pb_fmt_time(pb_json_num(ps, "residual"), res, sizeof res), pb_json_num(pp, "residual"));
    const cJSON *missing = cJSON_GetObjectItemCaseSensitive(wb, "missing");
    if (cJSON_GetArraySize(missing) > 0)
        pb_tb_printf(&t, " (%d part%s had no cost figure and are in the residual)",
                     cJSON_GetArraySize(missing), cJSON_GetArraySize(missing) == 1 ? "" : "s");
    pb_tb_puts(&t, ".");
    if (t.oom)
        f->oom = true;
    else
        pb_findings_add(f, "%s", pb_tb_str(&t));
    pb_tb_free(&t);
}
