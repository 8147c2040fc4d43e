/* The SMT yield finding (findings-smt.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings-smt.h"
#include "textbuf.h"
#include "results-csv.h"   /* pb_json_num, pb_json_str */

/* "1.31x (95% bounds 1.25-1.37)" or "1.31x" without bounds. */
static void yield_text(struct pb_tb *t, const cJSON *o)
{
    double lo = pb_json_num(o, "yield_low"), hi = pb_json_num(o, "yield_high");
    pb_tb_printf(t, "%.2fx", pb_json_num(o, "yield"));
    if (!isnan(lo) && !isnan(hi))
        pb_tb_printf(t, " (95%% bounds %.2f\xe2\x80\x93%.2f)", lo, hi);
}

static void push(struct pb_findings *f, struct pb_tb *t)
{
    if (t->oom)
        f->oom = true;
    else
        pb_findings_add(f, "%s", pb_tb_str(t));
    pb_tb_free(t);
}

void pb_findings_smt(const struct pb_rfile *rf, struct pb_findings *f)
{
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(rf->root, "preflight");
    const cJSON *y = cJSON_GetObjectItemCaseSensitive(pre, "smt_yield");
    if (!cJSON_IsObject(y))
        return;
    struct pb_tb t = {0};
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(y, "measured"))) {
        pb_tb_printf(&t, "The SMT yield was asked for (--smt-yield) but not measured: %s.",
                     pb_json_str(y, "skipped"));
        push(f, &t);
        return;
    }
    /* The largest worker count: the machine's figure when the whole of it works. */
    const cJSON *pairs = cJSON_GetObjectItemCaseSensitive(y, "pairs"), *pair = NULL, *p, *o;
    cJSON_ArrayForEach(p, pairs)
        if (!pair || pb_json_num(p, "workers") > pb_json_num(pair, "workers"))
            pair = p;
    if (!pair)
        return;
    pb_tb_printf(&t, "SMT yield at %.0f workers (throughput per core with two threads on a "
                     "core over one):",
                 pb_json_num(pair, "workers"));
    bool first = true;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(pair, "kernels")) {
        if (*pb_json_str(o, "error"))
            continue;   /* the report's SMT section lists it */
        pb_tb_printf(&t, "%s %s ", first ? "" : ";", pb_json_str(o, "kernel"));
        yield_text(&t, o);
        double yl = pb_json_num(o, "yield_low"), yh = pb_json_num(o, "yield_high");
        if (yh < 1)
            pb_tb_puts(&t, ", so SMT costs this kernel throughput");
        else if (yl > 1)
            pb_tb_printf(&t, ", the second thread adds %.0f%% to a core", 100 * (pb_json_num(o, "yield") - 1));
        first = false;
    }
    const char *sep = first ? " " : "; ";
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(pair, "loops")) {
        pb_tb_printf(&t, "%s%s ", sep, pb_json_str(o, "loop"));
        yield_text(&t, o);
        sep = ", ";
    }
    pb_tb_puts(&t, " (the loops bracket latency-bound and throughput-bound code; the SMT "
                   "yield section has every count).");
    push(f, &t);
}
