/* Container CPU limits: the cgroup CPU quota (v2 cpu.max, v1 cpu.cfs_quota_us /
 * cpu.cfs_period_us) over this process's cgroup and its ancestors, the CPUs its
 * affinity mask allows, the effective CPU count they leave (e.g. 1.5), and the
 * throttling counters of the cgroup whose quota binds (cpu.stat). */
#ifndef PB_CPUQUOTA_H
#define PB_CPUQUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pb_cpuquota {
    int cgroup_version;        /* 1 or 2: the hierarchy with the cpu controller; 0: none found */
    char cgroup[512];          /* this process's cgroup path in it ("/pbtest"), "" if none */
    double quota_cpus;         /* tightest quota / period over the cgroup and its ancestors; 0: none */
    long long quota_us, period_us;   /* that quota's two numbers (0 when none) */
    char stat_path[4096];      /* cpu.stat of the cgroup whose quota binds (else our own), "" */
    unsigned cpus_allowed;     /* CPUs in the affinity mask (sched_getaffinity), >= 1 */
    double effective_cpus;     /* min(quota_cpus when set, cpus_allowed) */
};

/* Throttling counters of one cgroup, cumulative since it was made. */
struct pb_throttle {
    uint64_t nr_throttled;     /* periods in which the quota ran out */
    double throttled_s;        /* time its tasks waited for the next period, s */
};

/* Read the limits of this process.  Always fills *q (no cgroup found: version 0,
 * effective = the allowed CPUs); never fails. */
void pb_cpuquota_read(struct pb_cpuquota *q);

/* The same from given texts of /proc/self/mountinfo and /proc/self/cgroup, with
 * `root` put in front of every mount point (tests use a directory tree; "" for
 * the real files), and `cpus_allowed` as the affinity count. */
void pb_cpuquota_from(struct pb_cpuquota *q, const char *mountinfo, const char *proc_cgroup,
                      const char *root, unsigned cpus_allowed);

/* The counters now.  Returns false (and zeros) when the limits name no cpu.stat
 * or it cannot be read. */
bool pb_throttle_read(const struct pb_cpuquota *q, struct pb_throttle *t);

/* Parse cpu.stat text: v2 "nr_throttled N" and "throttled_usec U", v1
 * "nr_throttled N" and "throttled_time NS".  False when nr_throttled is missing. */
bool pb_throttle_parse(const char *text, struct pb_throttle *t);

/* The CPU count a worker ladder should stop at: ceil(effective_cpus), at least 1. */
unsigned pb_cpuquota_ceiling(const struct pb_cpuquota *q);

/* Cut an ascending worker ladder at `cap`: counts above it go, and `cap` itself
 * is added when the ladder went past it without reaching it (1,2,4 at 3 gives
 * 1,2,3).  Returns the new length. */
size_t pb_ladder_cap(unsigned *w, size_t n, unsigned cap);

#endif
