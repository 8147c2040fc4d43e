/* Container CPU limits: cgroup quota, allowed CPUs, throttling counters. */
#define _GNU_SOURCE   /* sched_getaffinity, CPU_COUNT_S */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuquota.h"
#include "fsutil.h"

#define TEXT_MAX (1u << 20)   /* mountinfo of a busy container host stays well below this */

/* The whole of a small file, NULL when it cannot be read. */
static char *slurp(const char *path)
{
    char err[64];
    size_t len;
    return pb_read_file(path, TEXT_MAX, &len, err, sizeof err);
}

/* Whether comma-separated `list` holds `word`. */
static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strcspn(p, " \n");
        if (len == n && strncmp(p, word, n) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

/* One line, copied into `buf` without its newline; returns the next line or NULL. */
static const char *next_line(const char *p, char *buf, size_t len)
{
    size_t n = strcspn(p, "\n");
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), p);
    return p[n] ? p + n + 1 : NULL;
}

/* From mountinfo: the mount point and the hierarchy root of the cgroup2 file
 * system (v2) or of the v1 hierarchy carrying the cpu controller.  False when
 * there is none.  mountinfo fields: id parent dev root mountpoint opts... - type
 * source superopts. */
static bool find_mount(const char *mountinfo, int version, char *mnt, size_t mntlen, char *root,
                       size_t rootlen)
{
    char line[4096];
    for (const char *p = mountinfo; p && *p;) {
        p = next_line(p, line, sizeof line);
        char r[1024], m[1024], type[64], super[1024] = "";
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", r, m) != 2 ||
            sscanf(dash + 3, "%63s %*s %1023s", type, super) < 1)
            continue;
        bool ok = version == 2 ? strcmp(type, "cgroup2") == 0
                               : strcmp(type, "cgroup") == 0 && has_word(super, "cpu");
        if (ok) {
            snprintf(mnt, mntlen, "%s", m);
            snprintf(root, rootlen, "%s", strcmp(r, "/") == 0 ? "" : r);
            return true;
        }
    }
    return false;
}

/* From /proc/self/cgroup: the path of this process in hierarchy `version`
 * (v2: the "0::" line; v1: the line whose controllers include cpu). */
static bool find_cgroup(const char *proc_cgroup, int version, char *path, size_t len)
{
    char line[4096];
    for (const char *p = proc_cgroup; p && *p;) {
        p = next_line(p, line, sizeof line);
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        bool ok = version == 2 && strncmp(line, "0::", 3) == 0;
        if (version == 1) {
            *c2 = '\0';   /* ends the controller list */
            ok = has_word(c1 + 1, "cpu");
        }
        if (ok) {
            snprintf(path, len, "%s", c2 + 1);
            return true;
        }
    }
    return false;
}

/* The quota of one cgroup directory in CPUs (*quota_us / *period_us), or 0 when
 * it sets none or its files are absent. */
static double dir_quota(const char *dir, int version, long long *quota_us, long long *period_us)
{
    char path[PB_PATH_MAX], err[256];
    long long q = -1, per = 0;
    if (version == 2) {
        char *t = pb_path_join(path, dir, "cpu.max", err, sizeof err) == 0 ? slurp(path) : NULL;
        char qs[32] = "";
        if (t && sscanf(t, "%31s %lld", qs, &per) == 2 && strcmp(qs, "max") != 0)
            q = strtoll(qs, NULL, 10);
        free(t);
    } else {
        char *t = pb_path_join(path, dir, "cpu.cfs_quota_us", err, sizeof err) == 0 ? slurp(path)
                                                                                    : NULL;
        if (t)
            q = strtoll(t, NULL, 10);
        free(t);
        t = pb_path_join(path, dir, "cpu.cfs_period_us", err, sizeof err) == 0 ? slurp(path) : NULL;
        if (t)
            per = strtoll(t, NULL, 10);
        free(t);
    }
    if (q <= 0 || per <= 0)
        return 0;
    *quota_us = q;
    *period_us = per;
    return (double)q / (double)per;
}

/* Walk from this process's cgroup up to the hierarchy's top: a parent's quota
 * caps its children, so the tightest one binds. */
static void walk_quota(struct pb_cpuquota *q, const char *mnt, const char *croot)
{
    char dir[3072];   /* mount (2100) + cgroup path (512) */
    const char *rel = q->cgroup;
    size_t rl = strlen(croot);
    /* A mount of a sub-tree (a container's own cgroup) shows paths below its root. */
    if (rl && strncmp(rel, croot, rl) == 0 && (rel[rl] == '/' || rel[rl] == '\0'))
        rel += rl;
    snprintf(dir, sizeof dir, "%s%s", mnt, strcmp(rel, "/") == 0 ? "" : rel);
    if (!pb_is_dir(dir))   /* the path is outside our mount namespace's view */
        snprintf(dir, sizeof dir, "%s", mnt);
    snprintf(q->stat_path, sizeof q->stat_path, "%s/cpu.stat", dir);
    size_t top = strlen(mnt);
    for (;;) {
        long long qu = 0, per = 0;
        double cpus = dir_quota(dir, q->cgroup_version, &qu, &per);
        if (cpus > 0 && (q->quota_cpus == 0 || cpus < q->quota_cpus)) {
            q->quota_cpus = cpus;
            q->quota_us = qu;
            q->period_us = per;
            snprintf(q->stat_path, sizeof q->stat_path, "%s/cpu.stat", dir);
        }
        char *slash = strrchr(dir, '/');
        if (strlen(dir) <= top || !slash || (size_t)(slash - dir) < top)
            break;
        *slash = '\0';
    }
}

void pb_cpuquota_from(struct pb_cpuquota *q, const char *mountinfo, const char *proc_cgroup,
                      const char *root, unsigned cpus_allowed)
{
    memset(q, 0, sizeof *q);
    q->cpus_allowed = cpus_allowed ? cpus_allowed : 1;
    q->effective_cpus = q->cpus_allowed;
    /* v1 first: on a hybrid host the cpu controller lives in v1 and the unified
     * tree has no cpu.max at all. */
    for (int version = 1; version <= 2 && mountinfo && proc_cgroup; version++) {
        char mnt[1024], croot[1024];
        if (!find_mount(mountinfo, version, mnt, sizeof mnt, croot, sizeof croot) ||
            !find_cgroup(proc_cgroup, version, q->cgroup, sizeof q->cgroup))
            continue;
        char full[2100];
        snprintf(full, sizeof full, "%s%s", root, mnt);
        q->cgroup_version = version;
        walk_quota(q, full, croot);
        break;
    }
    if (q->quota_cpus > 0 && q->quota_cpus < q->effective_cpus)
        q->effective_cpus = q->quota_cpus;
}

/* CPUs this process may run on; the affinity mask already reflects the cpuset
 * (cpuset.cpus.effective) and any taskset. */
static unsigned affinity_count(void)
{
    for (int n = 1024; n <= 1 << 20; n *= 2) {
        cpu_set_t *set = CPU_ALLOC((size_t)n);
        if (!set)
            return 1;
        size_t sz = CPU_ALLOC_SIZE((size_t)n);
        int rc = sched_getaffinity(0, sz, set);
        int count = rc == 0 ? CPU_COUNT_S(sz, set) : 0;
        CPU_FREE(set);
        if (rc == 0)
            return count > 0 ? (unsigned)count : 1;
        if (errno != EINVAL)
            return 1;
    }
    return 1;
}

void pb_cpuquota_read(struct pb_cpuquota *q)
{
    char *mi = slurp("/proc/self/mountinfo");
    char *cg = slurp("/proc/self/cgroup");
    pb_cpuquota_from(q, mi, cg, "", affinity_count());
    free(mi);
    free(cg);
}

bool pb_throttle_parse(const char *text, struct pb_throttle *t)
{
    bool have = false;
    char line[256];
    *t = (struct pb_throttle){0};
    for (const char *p = text; p && *p;) {
        p = next_line(p, line, sizeof line);
        char key[64];
        unsigned long long v;
        if (sscanf(line, "%63s %llu", key, &v) != 2)
            continue;
        if (strcmp(key, "nr_throttled") == 0) {
            t->nr_throttled = v;
            have = true;
        } else if (strcmp(key, "throttled_usec") == 0) {
            t->throttled_s = (double)v / 1e6;
        } else if (strcmp(key, "throttled_time") == 0) {
            t->throttled_s = (double)v / 1e9;
        }
    }
    return have;
}

bool pb_throttle_read(const struct pb_cpuquota *q, struct pb_throttle *t)
{
    *t = (struct pb_throttle){0};
    if (!q || !q->stat_path[0])
        return false;
    char *text = slurp(q->stat_path);
    bool ok = text && pb_throttle_parse(text, t);
    free(text);
    return ok;
}

unsigned pb_cpuquota_ceiling(const struct pb_cpuquota *q)
{
    /* 1.0000001 CPUs (a quota that is not a multiple of the period) still means 1. */
    double c = ceil(q->effective_cpus - 1e-6);
    return c < 1 ? 1 : c > 1e6 ? 1000000u : (unsigned)c;
}

size_t pb_ladder_cap(unsigned *w, size_t n, unsigned cap)
{
    size_t k = 0;
    bool past = false;
    for (size_t i = 0; i < n; i++) {
        if (w[i] <= cap)
            w[k++] = w[i];
        else
            past = true;
    }
    if (past && (k == 0 || w[k - 1] < cap))
        w[k++] = cap;
    return k;
}
