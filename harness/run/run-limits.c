/* The limits check of one `parbench run` (run.h): the memory its inputs will hold and
 * the threads and processes its configurations start, against what the machine and
 * the process limits leave (resource-limits.c), before any kernel is prepared. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fmtnum.h"
#include "resource-limits.h"
#include "pb.h"
#include "run.h"

/* The share of the available memory a run may plan on: the rest is for what no
 * footprint counts (the harness, libraries, thread stacks, page cache). */
#define MEM_SHARE_PCT 90

static uint64_t footprint_total(const struct pb_footprint *f)
{
    uint64_t total = 0;
    for (size_t i = 0; i < f->nparts; i++)
        total = pb_bytes_add(total, f->part[i].bytes);
    return total;
}

/* "2000 images of 4000x3000: 22.4 GiB input, 22.4 GiB output, 22.4 GiB reference" */
static void describe(const struct pb_footprint *f, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "%s:", f->what);
    for (size_t i = 0; i < f->nparts && n < len; i++) {
        char b[32];
        n += (size_t)snprintf(buf + n, len - n, "%s %s %s", i ? "," : "",
                              pb_fmt_bytes((double)f->part[i].bytes, b, sizeof b),
                              f->part[i].name);
    }
}

/* What the inputs may hold: MEM_SHARE_PCT of what is available. */
static uint64_t usable(const struct pb_run *r)
{
    return r->mem_avail == UINT64_MAX ? UINT64_MAX : r->mem_avail / 100 * MEM_SHARE_PCT;
}

static bool fits(const struct pb_run *r)
{
    return r->mem_need != UINT64_MAX && r->mem_need <= usable(r);
}

/* "but 22.6 GiB is available (MemAvailable)", saying so when only the share refuses. */
static void availability(const struct pb_run *r, char *buf, size_t len)
{
    char b[32];
    if (r->mem_avail == UINT64_MAX)
        snprintf(buf, len, "which is more than can be counted");
    else if (r->mem_need <= r->mem_avail)
        snprintf(buf, len, "but %s is available (%s) and a run plans on at most %d%% of it",
                 pb_fmt_bytes((double)r->mem_avail, b, sizeof b), r->mem_source, MEM_SHARE_PCT);
    else
        snprintf(buf, len, "but %s is available (%s)",
                 pb_fmt_bytes((double)r->mem_avail, b, sizeof b), r->mem_source);
}

/* Sum the footprints of every listed input: they are all prepared up front and stay
 * alive through the sweep.  The message blames the largest. */
static int check_memory(struct pb_run *r, char *err, size_t errlen)
{
    struct pb_limit mem;
    pb_limit_memory(&mem);
    r->mem_avail = mem.avail;
    snprintf(r->mem_source, sizeof r->mem_source, "%s", mem.source);
    struct pb_footprint worst = {0};
    const struct pb_prepared *wp = NULL;
    uint64_t need = 0, worst_bytes = 0;
    for (size_t i = 0; i < r->nprep; i++) {
        const struct pb_prepared *p = &r->prep[i];
        struct pb_footprint f = {0};
        if (!p->k->footprint)
            continue;
        if (p->k->footprint(&p->params, &f, err, errlen) != 0)
            return PB_EXIT_USAGE;
        uint64_t bytes = footprint_total(&f);
        need = pb_bytes_add(need, bytes);
        if (!wp || bytes > worst_bytes) {
            worst = f;
            worst_bytes = bytes;
            wp = p;
        }
    }
    r->mem_need = need;
    if (fits(r))
        return 0;
    char total[32], parts[400], avail[300], subject[200] = "", scale[64] = "";
    pb_fmt_bytes((double)need, total, sizeof total);
    describe(&worst, parts, sizeof parts);
    availability(r, avail, sizeof avail);
    for (size_t i = 0, n = 0; i < r->nbases && n < sizeof subject; i++)
        n += (size_t)snprintf(subject + n, sizeof subject - n, "%s%s", i ? ", " : "",
                              r->bases[i].k->name);
    if (wp->scale > 1)
        snprintf(scale, sizeof scale, " x%u for --scaling weak", wp->scale);
    if (r->nprep == 1)
        snprintf(err, errlen, "%s needs about %s (%s) %s; %s", wp->k->name, total, parts, avail,
                 worst.hint ? worst.hint : "use smaller parameters");
    else
        snprintf(err, errlen, "%s need%s about %s for %zu prepared inputs (the largest, %s%s, "
                 "%s) %s; %s%s", subject, r->nbases == 1 ? "s" : "", total, r->nprep,
                 wp->k->name, scale, parts, avail,
                 worst.hint ? worst.hint : "use smaller parameters",
                 r->o.weak ? ", or fewer worker counts with --scaling weak" : "");
    return PB_EXIT_MISSING;
}

int pb_run_check_output(struct pb_run *r, const struct pb_prepared *p, char *err,
                        size_t errlen)
{
    if (p->k->footprint)
        return 0;   /* counted before any prepare */
    r->mem_need = pb_bytes_add(r->mem_need, p->out_bytes);
    if (fits(r))
        return 0;
    char total[32], avail[300];
    availability(r, avail, sizeof avail);
    snprintf(err, errlen, "%s needs about %s for its output (%zu tasks of %zu bytes) %s",
             p->k->name, pb_fmt_bytes((double)p->out_bytes, total, sizeof total), p->w.ntasks,
             p->w.out_size, avail);
    return PB_EXIT_MISSING;
}

/* The configuration that starts the most threads and processes at once must fit what
 * the process limits leave.  Configurations run one at a time, so the most, not the
 * sum, is what counts. */
static int check_tasks(const struct pb_run *r, char *err, size_t errlen)
{
    const struct pb_run_config *worst = NULL;
    unsigned most = 0;
    for (size_t i = 0; i < r->ncfg; i++) {
        const struct pb_run_config *c = &r->cfg[i];
        unsigned w = c->c.plan.workers;
        unsigned n = c->c.mode->tasks_started ? c->c.mode->tasks_started(w) : w;
        if (n > most) {
            most = n;
            worst = c;
        }
    }
    if (!worst)
        return 0;
    struct pb_limit tasks;
    pb_limit_tasks(&tasks);
    if (most <= tasks.avail)
        return 0;
    snprintf(err, errlen, "-w %u needs %u more processes or threads (%s mode) but only %" PRIu64
             " are allowed (%s); lower -w", worst->c.plan.workers, most, worst->c.mode->name,
             tasks.avail, tasks.source);
    return PB_EXIT_MISSING;
}

int pb_run_check_limits(struct pb_run *r, char *err, size_t errlen)
{
    int rc = check_memory(r, err, errlen);
    return rc != 0 ? rc : check_tasks(r, err, errlen);
}
