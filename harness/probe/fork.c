/* Probe: fork + _exit + waitpid, the cost every process mode pays per worker
 * start, at two sizes of the parent:
 *   fork.exit_wait          parbench as it is (its resident size stated)
 *   fork.exit_wait_touched  with 256 MiB (quick: 64 MiB) more of private memory touched, which
 *                           fork must copy the page tables of (the difference
 *                           is what a large prepared input costs a fork)
 * Memory is touched the way kernels' inputs are (malloc'ed, no madvise), so
 * the system's transparent-huge-page setting, recorded in setup, applies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pb.h"
#include "probe.h"

#define TOUCHED_BYTES ((size_t)256 << 20)
#define QUICK_TOUCHED_BYTES ((size_t)64 << 20)

struct fork_job {
    unsigned forks;       /* per sample */
};

static int fork_sample(void *arg, double *x, char *err, size_t errlen)
{
    struct fork_job *j = arg;
    char eb[128];
    double t0 = pb_now();
    for (unsigned i = 0; i < j->forks; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            snprintf(err, errlen, "fork: %s", pb_strerror(errno, eb, sizeof eb));
            return -1;
        }
        if (pid == 0)
            _exit(0);
        int status;
        while (waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR || pb_stop_signal) {
                snprintf(err, errlen, "waitpid: %s", pb_strerror(errno, eb, sizeof eb));
                return -1;
            }
        }
    }
    *x = (pb_now() - t0) / j->forks;
    return 0;
}

/* The system's THP mode: the bracketed word of the sysfs file, "" if unknown. */
static void thp_mode(char *buf, size_t len)
{
    char text[256] = "";
    buf[0] = '\0';
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f)
        return;
    if (!fgets(text, sizeof text, f))
        text[0] = '\0';
    fclose(f);
    char *a = strchr(text, '['), *b = a ? strchr(a, ']') : NULL;
    if (a && b)
        snprintf(buf, len, "%.*s", (int)(b - a - 1), a + 1);
}

int pb_probe_fork(const struct pb_probe_ctx *c, cJSON *figures, cJSON *root, char *err,
                  size_t errlen)
{
    (void)root;
    double *x = calloc(c->reps.max_n, sizeof *x);
    if (!x) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char thp[32];
    thp_mode(thp, sizeof thp);
    int rc = 0;
    unsigned char *extra = NULL;
    size_t touched = c->quick ? QUICK_TOUCHED_BYTES : TOUCHED_BYTES;
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        if (pass == 1) {
            extra = malloc(touched);
            if (!extra) {
                snprintf(err, errlen, "out of memory for %zu MiB to touch", touched >> 20);
                rc = -1;
                break;
            }
            /* Every page resident and private; volatile so the stores are not
             * dropped as dead (the memory is never read). */
            volatile unsigned char *v = extra;
            for (size_t off = 0; off < touched; off += 4096)
                v[off] = 1;
        }
        struct fork_job j = {.forks = c->quick ? 2 : 50};
        double rss_bytes = pb_probe_rss_bytes();
        size_t n;
        if (pb_probe_sample_on_cpu(c, 0, fork_sample, &j, x, &n, err, errlen) != 0) {
            rc = -1;
            break;
        }
        cJSON *s = cJSON_CreateObject();
        cJSON_AddNumberToObject(s, "cpu", c->cpus[0]);
        cJSON_AddBoolToObject(s, "pinned", c->pinned);
        cJSON_AddNumberToObject(s, "parent_rss_bytes", rss_bytes);
        cJSON_AddNumberToObject(s, "touched_bytes", pass ? (double)touched : 0);
        cJSON_AddStringToObject(s, "transparent_hugepages", thp);
        cJSON_AddNumberToObject(s, "forks_per_sample", j.forks);
        if (pass == 0)
            pb_probe_figure(figures, "fork.exit_wait", "fork",
                            "fork, child _exit(0), parent waitpid", "s", 0, x, n, s);
        else
            pb_probe_figure(figures, "fork.exit_wait_touched", "fork",
                            "fork, _exit, waitpid with more memory touched in the parent", "s",
                            0, x, n, s);
    }
    free(extra);
    free(x);
    return rc;
}
