/* The SMT part of the pre-flight (issue 16): which PUs are siblings, a
 * warning for every plan that puts two workers on one core while other cores
 * stay idle, and with --smt-yield the SMT yield (smt-yield.h). */
#include <stdio.h>
#include <stdlib.h>

#include "pb.h"
#include "placement-smt.h"
#include "preflight.h"
#include "results-csv.h"
#include "run.h"
#include "smt-yield.h"

#define SHOW_SIBLINGS 4   /* sibling sets printed before "..." */

/* "--bind pu, --policy compact", "--cpus 0,1", for the warning. */
static void plan_words(const struct pb_placement *pl, char *buf, size_t len)
{
    if (pb_placement_cpus(pl))
        snprintf(buf, len, "--cpus %s", pb_placement_cpus(pl));
    else
        snprintf(buf, len, "--bind %s, --policy %s", pb_bind_name(pb_placement_bind_kind(pl)),
                 pb_policy_name(pb_placement_policy(pl)));
}

/* One line per measured pair: "SMT yield at 4 workers (cpus 0,2,4,6 vs
 * 0,1,2,3): dependent_adds 1.96x per core, independent_adds 1.04x". */
static void print_yield(const cJSON *block)
{
    const cJSON *pair;
    cJSON_ArrayForEach(pair, cJSON_GetObjectItemCaseSensitive(block, "pairs")) {
        char line[512];
        int n = snprintf(line, sizeof line, "SMT yield at %.0f workers, throughput per core with "
                                            "two threads over one:",
                         pb_json_num(pair, "workers"));
        const cJSON *lo;
        bool first = true;
        cJSON_ArrayForEach(lo, cJSON_GetObjectItemCaseSensitive(pair, "loops")) {
            if (n < 0 || (size_t)n >= sizeof line)
                break;
            n += snprintf(line + n, sizeof line - (size_t)n, "%s %s %.2fx", first ? "" : ",",
                          pb_json_str(lo, "loop"), pb_json_num(lo, "yield"));
            first = false;
        }
        cJSON_ArrayForEach(lo, cJSON_GetObjectItemCaseSensitive(pair, "kernels")) {
            if (n < 0 || (size_t)n >= sizeof line || !*pb_json_str(lo, "unit"))
                continue;   /* one that failed is a warning of its own */
            n += snprintf(line + n, sizeof line - (size_t)n, ", %s %.2fx",
                          pb_json_str(lo, "kernel"), pb_json_num(lo, "yield"));
        }
        pb_info("pre-flight: %s", line);
    }
}

void pb_preflight_smt(struct pb_run *r, cJSON *pre)
{
    struct pb_topo *t = r->topo;
    char text[512];
    pb_topo_smt_text(t, SHOW_SIBLINGS, text, sizeof text);
    pb_info("pre-flight: SMT: %s", text);
    size_t cap = 16384;
    char *all = malloc(cap);
    if (all) {
        pb_topo_smt_siblings(t, all, cap);
        cJSON_AddStringToObject(pre, "smt_siblings", all);
        free(all);
    }
    struct pb_topo_summary ts;
    pb_topo_summary(t, &ts);
    cJSON_AddNumberToObject(pre, "smt_threads_per_core", ts.smt);

    cJSON *warnings = cJSON_GetObjectItemCaseSensitive(pre, "warnings");
    for (size_t i = 0; i < r->nplans && warnings; i++) {
        const struct pb_placement *pl = r->plans[i].pl;
        unsigned idle, shared = pb_placement_smt_shared(pl, &idle);
        if (!shared || !idle)
            continue;
        char how[300], msg[700];
        plan_words(pl, how, sizeof how);
        snprintf(msg, sizeof msg,
                 "%u workers (%s) put two or more workers on each of %u core(s) while %u "
                 "core(s) stay idle: SMT siblings share one core's execution units, so those "
                 "workers run slower than on cores of their own (--policy scatter or --bind core "
                 "use every core first)",
                 pb_placement_workers(pl), how, shared, idle);
        cJSON_AddItemToArray(warnings, cJSON_CreateString(msg));
    }

    if (!r->o.smt_yield) {
        cJSON_AddNullToObject(pre, "smt_yield");
        return;
    }
    unsigned counts[64];
    size_t n = pb_smt_yield_counts(t, &r->o.place, r->workers, r->nworkers, counts,
                                   sizeof counts / sizeof *counts);
    /* The run's kernels at their own input (weak scaling's copies are for
     * other worker counts). */
    struct pb_smt_work *works = calloc(r->nprep ? r->nprep : 1, sizeof *works);
    size_t nworks = 0;
    for (size_t i = 0; works && i < r->nprep; i++)
        if (r->prep[i].scale == 1 && r->prep[i].out)
            works[nworks++] = (struct pb_smt_work){.k = r->prep[i].k, .w = &r->prep[i].w,
                                                   .params = &r->prep[i].params,
                                                   .out = r->prep[i].out,
                                                   .timeout_s = r->o.timeout_s};
    if (n && !r->o.place.cpus && pb_topo_smt_cores(t) && pb_topo_can_bind(t, NULL, 0))
        pb_info("pre-flight: timing the SMT yield at %zu worker count(s) with %zu kernel(s), "
                "about %.0f s",
                n, nworks, pb_smt_yield_seconds(n, nworks, NULL));
    cJSON *y = pb_smt_yield(t, &r->o.place, counts, n, works, nworks, true, NULL);
    free(works);
    if (!y) {
        cJSON_AddNullToObject(pre, "smt_yield");
        return;
    }
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(y, "measured"))) {
        print_yield(y);
        const cJSON *pair, *k;
        cJSON_ArrayForEach(pair, cJSON_GetObjectItemCaseSensitive(y, "pairs"))
            cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(pair, "kernels"))
                if (*pb_json_str(k, "error") && warnings) {
                    char msg[PB_ERRLEN + 128];
                    snprintf(msg, sizeof msg, "SMT yield of %s at %.0f workers not measured: %s",
                             pb_json_str(k, "kernel"), pb_json_num(pair, "workers"),
                             pb_json_str(k, "error"));
                    cJSON_AddItemToArray(warnings, cJSON_CreateString(msg));
                }
    }
    else if (warnings) {
        char msg[PB_ERRLEN + 64];
        snprintf(msg, sizeof msg, "SMT yield not measured: %s",
                 pb_json_str(y, "skipped"));
        cJSON_AddItemToArray(warnings, cJSON_CreateString(msg));
    }
    cJSON_AddItemToObject(pre, "smt_yield", y);
}
