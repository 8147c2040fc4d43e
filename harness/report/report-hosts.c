/* Where each configuration's workers ran, and its mode's facts (report-hosts.h). */
#include <stdio.h>
#include <string.h>

#include "report-hosts.h"
#include "textbuf.h"

static const char *wstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

static double wnum(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static bool has_host(const struct pb_rf_record *r)
{
    const cJSON *w;
    cJSON_ArrayForEach(w, r->placement_workers)
        if (wstr(w, "host")[0])
            return true;
    return false;
}

static bool has_facts(const struct pb_rf_record *r)
{
    return r->mode_facts && cJSON_GetArraySize(r->mode_facts) > 0;
}

bool pb_report_hosts_any(const struct pb_rfile *rf)
{
    for (size_t i = 0; i < rf->nrec; i++)
        if (has_host(&rf->rec[i]) || has_facts(&rf->rec[i]))
            return true;
    return false;
}

/* "0: hostA cpu 3, 1: hostB cpu 0" ("this host" for a worker without one). */
static void workers_text(const struct pb_rf_record *r, struct pb_tb *t)
{
    const cJSON *w;
    size_t i = 0;
    cJSON_ArrayForEach(w, r->placement_workers) {
        const char *host = wstr(w, "host");
        double cpu = wnum(w, "cpu_start");
        pb_tb_printf(t, "%s%.0f: %s", i++ ? ", " : "", wnum(w, "worker"),
                     host[0] ? host : "this host");
        if (cpu >= 0)
            pb_tb_printf(t, " cpu %.0f", cpu);
    }
}

static void facts_text(const struct pb_rf_record *r, struct pb_tb *t)
{
    const cJSON *f;
    size_t i = 0;
    cJSON_ArrayForEach(f, r->mode_facts)
        if (cJSON_IsString(f) && f->string)
            pb_tb_printf(t, "%s%s = %s", i++ ? "; " : "", f->string, f->valuestring);
}

void pb_report_hosts(struct pb_doc *d, const struct pb_rfile *rf)
{
    if (!pb_report_hosts_any(rf))
        return;
    pb_doc_heading(d, 2, "hosts", "Where the workers ran");
    pb_doc_para(d, NULL, "Configurations whose workers ran on other hosts, or whose mode recorded "
                         "facts about the run (from the last timed run of each).");
    static const char *const head[] = {"kernel", "mode", "workers", "each worker: host, CPU",
                                       "mode facts"};
    pb_doc_table(d, 5, head, "llrll");
    for (size_t i = 0; i < rf->nrec; i++) {
        const struct pb_rf_record *r = &rf->rec[i];
        if (!has_host(r) && !has_facts(r))
            continue;
        struct pb_tb w = {0}, f = {0};
        if (has_host(r))
            workers_text(r, &w);
        else
            pb_tb_printf(&w, "this host");
        facts_text(r, &f);
        char n[16];
        snprintf(n, sizeof n, "%u", r->workers);
        const char *cells[] = {r->kernel, r->mode, n, pb_tb_str(&w), pb_tb_str(&f)};
        pb_doc_row(d, !r->valid, cells);
        pb_tb_free(&w);
        pb_tb_free(&f);
    }
    pb_doc_table_end(d);
}
