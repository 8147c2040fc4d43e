/* What this process may still use of the machine (resource-limits.h): each source is
 * read where it exists and the least headroom wins, named in its message. */
#define _DEFAULT_SOURCE   /* RLIMIT_NPROC */
#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fmtnum.h"
#include "resource-limits.h"

/* cgroup v1 reports "no limit" as the largest page count it keeps, about 2^63:
 * anything from 2^62 up is no limit on any machine. */
#define CGROUP_UNLIMITED (UINT64_C(1) << 62)

/* Keep `avail` if it is the least headroom so far, with the text that explains it. */
static void consider(struct pb_limit *l, uint64_t avail, const char *source)
{
    if (avail < l->avail) {
        l->avail = avail;
        snprintf(l->source, sizeof l->source, "%s", source);
    }
}

static uint64_t less(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

/* A file holding one number.  Returns 0 with it, or -1 when the file is missing or
 * holds no number (cgroup files say "max" for no limit). */
static int read_number(const char *path, uint64_t *v)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[64];
    int rc = -1;
    if (fgets(line, sizeof line, f) && isdigit((unsigned char)line[0])) {
        *v = strtoull(line, NULL, 10);
        rc = 0;
    }
    fclose(f);
    return rc;
}

/* The number after "KEY:" in a "Key: value" file such as /proc/meminfo, times
 * `unit` (1024 for the kB fields).  Returns 0, or -1 when the key is absent. */
static int read_field(const char *path, const char *key, uint64_t unit, uint64_t *v)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    size_t klen = strlen(key);
    int rc = -1;
    while (rc != 0 && fgets(line, sizeof line, f))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            *v = strtoull(line + klen + 1, NULL, 10) * unit;
            rc = 0;
        }
    fclose(f);
    return rc;
}

/* A resource limit less what this process already uses of it (a /proc/self/status
 * field), when the limit is finite. */
static void consider_rlimit(struct pb_limit *l, int resource, const char *name,
                            const char *used_field)
{
    struct rlimit rl;
    uint64_t used = 0;
    if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return;
    read_field("/proc/self/status", used_field, 1024, &used);
    char a[32], b[32], text[sizeof l->source];
    snprintf(text, sizeof text, "%s %s, %s in use", name,
             pb_fmt_bytes((double)rl.rlim_cur, a, sizeof a),
             pb_fmt_bytes((double)used, b, sizeof b));
    consider(l, less(rl.rlim_cur, used), text);
}

/* This process's cgroup path for a v1 controller ("memory", "pids"), or for
 * the v2 hierarchy when `controller` is NULL.  Returns 0, or -1 when it has none. */
static int cgroup_path(const char *controller, char *path, size_t len)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f)
        return -1;
    char line[1024];
    int rc = -1;
    while (rc != 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        const char *list = c1 + 1;
        bool match = false;
        if (!controller) {
            match = strncmp(line, "0:", 2) == 0 && list[0] == '\0';
        } else {
            for (const char *p = list; *p && !match; p += strcspn(p, ","), p += *p == ',') {
                size_t n = strcspn(p, ",");
                match = n == strlen(controller) && strncmp(p, controller, n) == 0;
            }
        }
        if (match) {
            snprintf(path, len, "%s", c2 + 1);
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}

/* A cgroup limit (`max_file` less `cur_file`) of this process's cgroup and of
 * each ancestor up to the mount at `root`: a parent's limit binds its children
 * too.  A cgroup path absent under `root` (a container that sees only its own
 * part of the tree) falls back to the ancestors that are there. */
static void consider_cgroup(struct pb_limit *l, const char *root, const char *rel,
                            const char *max_file, const char *cur_file, bool bytes)
{
    char dir[2048];
    snprintf(dir, sizeof dir, "%s%s", root, rel);
    size_t rootlen = strlen(root);
    for (;;) {
        size_t n = strlen(dir);
        while (n > rootlen && dir[n - 1] == '/')
            dir[--n] = '\0';
        char path[2200];
        uint64_t max, cur = 0;
        snprintf(path, sizeof path, "%s/%s", dir, max_file);
        if (read_number(path, &max) == 0 && max < CGROUP_UNLIMITED) {
            snprintf(path, sizeof path, "%s/%s", dir, cur_file);
            read_number(path, &cur);
            char a[32], b[32], text[sizeof l->source];
            if (bytes)
                snprintf(text, sizeof text, "cgroup %s %s, %s in use (%.80s)", max_file,
                         pb_fmt_bytes((double)max, a, sizeof a),
                         pb_fmt_bytes((double)cur, b, sizeof b), dir);
            else
                snprintf(text, sizeof text, "cgroup %s %" PRIu64 ", %" PRIu64 " in use (%.80s)",
                         max_file, max, cur, dir);
            consider(l, less(max, cur), text);
        }
        char *slash = strrchr(dir, '/');
        if (n <= rootlen || !slash || (size_t)(slash - dir) < rootlen)
            break;
        *slash = '\0';
    }
}

void pb_limit_memory(struct pb_limit *l)
{
    *l = (struct pb_limit){.avail = UINT64_MAX};
    uint64_t v;
    if (read_field("/proc/meminfo", "MemAvailable", 1024, &v) == 0)
        consider(l, v, "MemAvailable");
    consider_rlimit(l, RLIMIT_AS, "RLIMIT_AS", "VmSize");
    consider_rlimit(l, RLIMIT_DATA, "RLIMIT_DATA", "VmData");
    char rel[1024];
    if (cgroup_path(NULL, rel, sizeof rel) == 0) {
        consider_cgroup(l, "/sys/fs/cgroup", rel, "memory.max", "memory.current", true);
        consider_cgroup(l, "/sys/fs/cgroup/unified", rel, "memory.max", "memory.current", true);
    }
    if (cgroup_path("memory", rel, sizeof rel) == 0)
        consider_cgroup(l, "/sys/fs/cgroup/memory", rel, "memory.limit_in_bytes",
                        "memory.usage_in_bytes", true);
}

/* Threads of real user `uid` on this system, counted from /proc: what the kernel
 * holds against RLIMIT_NPROC.  Processes that vanish while being read are skipped. */
static uint64_t threads_of_user(uid_t uid)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    uint64_t total = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[300];
        uint64_t real_uid, threads;
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        if (read_field(path, "Uid", 1, &real_uid) == 0 && real_uid == uid &&
            read_field(path, "Threads", 1, &threads) == 0)
            total += threads;
    }
    closedir(d);
    return total;
}

void pb_limit_tasks(struct pb_limit *l)
{
    *l = (struct pb_limit){.avail = UINT64_MAX};
    char text[sizeof l->source];
    struct rlimit rl;
    /* The kernel does not hold root to RLIMIT_NPROC. */
    uid_t uid = getuid();
    if (uid != 0 && getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        uint64_t used = threads_of_user(uid);
        snprintf(text, sizeof text, "RLIMIT_NPROC %" PRIu64 ", %" PRIu64 " in use by uid %u",
                 (uint64_t)rl.rlim_cur, used, (unsigned)uid);
        consider(l, less(rl.rlim_cur, used), text);
    }
    char rel[1024];
    if (cgroup_path(NULL, rel, sizeof rel) == 0) {
        consider_cgroup(l, "/sys/fs/cgroup", rel, "pids.max", "pids.current", false);
        consider_cgroup(l, "/sys/fs/cgroup/unified", rel, "pids.max", "pids.current", false);
    }
    if (cgroup_path("pids", rel, sizeof rel) == 0)
        consider_cgroup(l, "/sys/fs/cgroup/pids", rel, "pids.max", "pids.current", false);
    /* /proc/loadavg's fourth field is "running/total" scheduling entities: every thread. */
    uint64_t max;
    unsigned long running, total;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fscanf(f, "%*s %*s %*s %lu/%lu", &running, &total) == 2 &&
        read_number("/proc/sys/kernel/threads-max", &max) == 0) {
        snprintf(text, sizeof text, "kernel.threads-max %" PRIu64 ", %lu in use", max, total);
        consider(l, less(max, total), text);
    }
    if (f)
        fclose(f);
}
