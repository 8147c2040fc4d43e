/* CPU quota detection on made-up cgroup trees (a v2 tree with a quota on a
 * parent, a v1 tree mounted from a container's sub-tree, a host without any),
 * cpu.stat parsing for both versions, and the ladder cut.  The real cgroup is
 * tested by tests/cli/quota.sh. */
#define _GNU_SOURCE   /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cpuquota.h"

static char top[64];

/* Write `text` to top + path, making the directories on the way. */
static void put(const char *path, const char *text)
{
    char full[512];
    snprintf(full, sizeof full, "%s%s", top, path);
    for (char *p = full + strlen(top) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(full, 0755);
            *p = '/';
        }
    FILE *f = fopen(full, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static const char *v2_mounts =
    "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
    "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 "
    "rw,nsdelegate\n";

static const char *v1_mounts =
    "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
    "31 30 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "32 30 0:28 /docker/abc /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";

int main(void)
{
    snprintf(top, sizeof top, "/tmp/pb-cpuquota.XXXXXX");
    if (!mkdtemp(top)) {
        perror("mkdtemp");
        return 1;
    }
    struct pb_cpuquota q;
    struct pb_throttle t;

    /* v2: 2.5 CPUs on the parent, 4 on the child: the parent's binds. */
    put("/sys/fs/cgroup/cpu.stat", "usage_usec 1\n");
    put("/sys/fs/cgroup/box/cpu.max", "250000 100000\n");
    put("/sys/fs/cgroup/box/cpu.stat", "usage_usec 9\nnr_periods 40\nnr_throttled 7\n"
                                       "throttled_usec 1500000\n");
    put("/sys/fs/cgroup/box/job/cpu.max", "400000 100000\n");
    put("/sys/fs/cgroup/box/job/cpu.stat", "nr_throttled 0\nthrottled_usec 0\n");
    pb_cpuquota_from(&q, v2_mounts, "0::/box/job\n", top, 8);
    CHECK_EQ_U(q.cgroup_version, 2);
    CHECK_STR(q.cgroup, "/box/job");
    CHECK_NEAR(q.quota_cpus, 2.5, 1e-12);
    CHECK_EQ_U(q.quota_us, 250000);
    CHECK_EQ_U(q.period_us, 100000);
    CHECK_NEAR(q.effective_cpus, 2.5, 1e-12);
    CHECK_EQ_U(pb_cpuquota_ceiling(&q), 3);
    CHECK(strstr(q.stat_path, "/sys/fs/cgroup/box/cpu.stat") != NULL);
    CHECK(pb_throttle_read(&q, &t));
    CHECK_EQ_U(t.nr_throttled, 7);
    CHECK_NEAR(t.throttled_s, 1.5, 1e-12);

    /* The affinity mask allows fewer CPUs than the quota: they decide. */
    pb_cpuquota_from(&q, v2_mounts, "0::/box/job\n", top, 2);
    CHECK_NEAR(q.effective_cpus, 2, 1e-12);
    CHECK_EQ_U(pb_cpuquota_ceiling(&q), 2);

    /* "max" everywhere: no quota, the allowed CPUs; counters of our own cgroup. */
    put("/sys/fs/cgroup/free/cpu.max", "max 100000\n");
    put("/sys/fs/cgroup/free/cpu.stat", "nr_throttled 0\nthrottled_usec 0\n");
    pb_cpuquota_from(&q, v2_mounts, "0::/free\n", top, 6);
    CHECK_EQ_U(q.cgroup_version, 2);
    CHECK_NEAR(q.quota_cpus, 0, 0);
    CHECK_NEAR(q.effective_cpus, 6, 0);
    CHECK(strstr(q.stat_path, "/sys/fs/cgroup/free/cpu.stat") != NULL);

    /* v1, mounted from the container's own cgroup (/docker/abc), as Docker does. */
    put("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "150000\n");
    put("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
    put("/sys/fs/cgroup/cpu,cpuacct/cpu.stat", "nr_periods 10\nnr_throttled 3\n"
                                               "throttled_time 250000000\n");
    pb_cpuquota_from(&q, v1_mounts, "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n",
                     top, 4);
    CHECK_EQ_U(q.cgroup_version, 1);
    CHECK_STR(q.cgroup, "/docker/abc");
    CHECK_NEAR(q.quota_cpus, 1.5, 1e-12);
    CHECK_NEAR(q.effective_cpus, 1.5, 1e-12);
    CHECK_EQ_U(pb_cpuquota_ceiling(&q), 2);
    CHECK(pb_throttle_read(&q, &t));
    CHECK_EQ_U(t.nr_throttled, 3);
    CHECK_NEAR(t.throttled_s, 0.25, 1e-12);

    /* No cgroup file system at all. */
    pb_cpuquota_from(&q, "22 1 0:21 / /proc rw - proc proc rw\n", "0::/\n", top, 3);
    CHECK_EQ_U(q.cgroup_version, 0);
    CHECK_NEAR(q.effective_cpus, 3, 0);
    CHECK(!pb_throttle_read(&q, &t));
    CHECK(!pb_throttle_parse("usage_usec 5\n", &t));

    /* A quota a hair above a whole number still means that number. */
    q.effective_cpus = 1.0000001;
    CHECK_EQ_U(pb_cpuquota_ceiling(&q), 1);
    q.effective_cpus = 0.2;
    CHECK_EQ_U(pb_cpuquota_ceiling(&q), 1);

    /* Ladders: 1..8 at 2; 1,2,4,8,16 at 3 gives 1,2,3; at 16 unchanged. */
    unsigned all[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK_EQ_U(pb_ladder_cap(all, 8, 2), 2);
    CHECK_EQ_U(all[1], 2);
    unsigned autol[6] = {1, 2, 4, 8, 16};
    CHECK_EQ_U(pb_ladder_cap(autol, 5, 3), 3);
    CHECK_EQ_U(autol[2], 3);
    unsigned same[5] = {1, 2, 4, 8, 16};
    CHECK_EQ_U(pb_ladder_cap(same, 5, 16), 5);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", top);
    CHECK_DONE();
}
