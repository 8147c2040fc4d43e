/* Probe: the cost of one minor page fault, the first write to a page of a
 * fresh anonymous private mapping (4 KiB pages: huge pages are refused with
 * MADV_NOHUGEPAGE, as most first touches in the kernels are 4 KiB).  The
 * breakdown (run/breakdown.c) charges each fault a worker takes beyond the
 * baseline's this much. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pb.h"
#include "probe.h"

struct fault_job {
    size_t pages;
    size_t page;
};

static int fault_sample(void *arg, double *x, char *err, size_t errlen)
{
    struct fault_job *j = arg;
    size_t len = j->pages * j->page;
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        char eb[128];
        snprintf(err, errlen, "mmap %zu bytes: %s", len, pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    (void)madvise(m, len, MADV_NOHUGEPAGE);   /* best effort: without THP it is moot */
    double t0 = pb_now();
    for (size_t i = 0; i < j->pages; i++)
        ((volatile unsigned char *)m)[i * j->page] = 1;
    *x = (pb_now() - t0) / (double)j->pages;
    munmap(m, len);
    return 0;
}

int pb_probe_fault(const struct pb_probe_ctx *c, cJSON *figures, cJSON *root, char *err,
                   size_t errlen)
{
    (void)root;
    long page = sysconf(_SC_PAGESIZE);
    double *x = calloc(c->reps.max_n, sizeof *x);
    if (!x) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* 4 MiB (quick) or 64 MiB of 4 KiB pages: far more faults than timer ticks. */
    struct fault_job j = {.page = page > 0 ? (size_t)page : 4096};
    j.pages = (c->quick ? (4u << 20) : (64u << 20)) / j.page;
    size_t n;
    int rc = pb_probe_sample_on_cpu(c, 0, fault_sample, &j, x, &n, err, errlen);
    if (rc == 0) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddNumberToObject(s, "cpu", c->cpus[0]);
        cJSON_AddBoolToObject(s, "pinned", c->pinned);
        cJSON_AddNumberToObject(s, "page_bytes", (double)j.page);
        cJSON_AddNumberToObject(s, "pages_per_sample", (double)j.pages);
        pb_probe_figure(figures, "fault.minor", "fault",
                        "first write to a page of a fresh anonymous private mapping (a minor "
                        "fault), per page",
                        "s", 0, x, n, s);
    }
    free(x);
    return rc;
}
