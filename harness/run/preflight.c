/* Pre-flight check of the machine before a sweep. */
#define _GNU_SOURCE   /* syscall() */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(__linux__) && __has_include(<linux/perf_event.h>)
#include <linux/perf_event.h>
#define PB_HAVE_PERF_EVENT 1
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "cpuquota.h"
#include "pb.h"
#include "preflight.h"

#define MAX_CPUS 4096

/* The whole of a small file (at most len-1 bytes), trailing newline removed;
 * false when unreadable. */
static bool read_text(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return true;
}

/* All of /proc/stat (it can exceed any fixed buffer on big machines); NULL on failure. */
static char *read_proc_stat(void)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1)
            break;
        char *p = realloc(buf, cap * 2);
        if (!p) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = p;
        cap *= 2;
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

static bool parse_ticks(const char *line, struct pb_cpu_ticks *t)
{
    unsigned long long v[8] = {0};   /* user nice system idle iowait irq softirq steal */
    int n = sscanf(line, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    if (n < 4)
        return false;
    t->busy = v[0] + v[1] + v[2] + v[5] + v[6];
    t->idle = v[3] + v[4];
    t->steal = v[7];
    return true;
}

int pb_parse_proc_stat(const char *text, struct pb_cpu_ticks *all, struct pb_cpu_ticks *per,
                       size_t max)
{
    bool have_all = false;
    int count = 0;
    memset(per, 0, max * sizeof *per);
    for (const char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        next = next ? next + 1 : NULL;
        if (strncmp(line, "cpu", 3) != 0)
            continue;
        if (line[3] == ' ') {
            have_all = parse_ticks(line + 4, all);
            continue;
        }
        char *end;
        unsigned long cpu = strtoul(line + 3, &end, 10);
        if (end == line + 3 || *end != ' ')
            continue;
        struct pb_cpu_ticks t;
        if (!parse_ticks(end + 1, &t))
            continue;
        if (cpu < max) {
            per[cpu] = t;
            if ((int)cpu >= count)
                count = (int)cpu + 1;
        }
    }
    return have_all ? count : -1;
}

#if defined(__x86_64__) || defined(__i386__)
#define ADD1 "add %1, %0\n\t"
#elif defined(__aarch64__)
#define ADD1 "add %0, %0, %1\n\t"
#endif

#ifdef ADD1
#define ADD4 ADD1 ADD1 ADD1 ADD1
#define ADD16 ADD4 ADD4 ADD4 ADD4
/* 16 dependent adds per iteration: the chain, not the loop bookkeeping (which
 * runs alongside on other ports), sets the pace, one add per cycle.  The
 * addend is a register, not an immediate: recent Intel cores fold chains of
 * immediate adds at rename and would report several times the real clock. */
static uint64_t add_chain(uint64_t iters)
{
    volatile uint64_t one_v = 1;
    uint64_t x = 0, one = one_v;
    for (uint64_t i = 0; i < iters; i++)
        __asm__ volatile(ADD16 : "+r"(x) : "r"(one));
    return x;
}

double pb_add_chain_mhz(uint64_t iters)
{
    double t0 = pb_now();
    add_chain(iters);
    double dt = pb_now() - t0;
    return dt > 0 ? 16.0 * (double)iters / dt / 1e6 : NAN;
}

double pb_calibrate_mhz(void)
{
    const uint64_t iters = 1000000;   /* 16e6 cycles: ~8 ms at 2 GHz */
    double best = 0;
    add_chain(iters);                 /* let the clock ramp up */
    for (int trial = 0; trial < 7; trial++) {
        double mhz = pb_add_chain_mhz(iters);
        if (mhz > best)
            best = mhz;   /* interruptions only ever make a trial slower */
    }
    return best > 0 ? best : NAN;
}
#else
double pb_add_chain_mhz(uint64_t iters)
{
    (void)iters;
    return NAN;
}

double pb_calibrate_mhz(void)
{
    return NAN;
}
#endif

/* The hypervisor's name from CPUID, "unknown" when only the flag says one is
 * there, NULL on bare metal. */
static const char *hypervisor(char *buf, size_t len)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 31))) {
        static const char *const known[][2] = {
            {"KVMKVMKVM", "KVM"},        {"Microsoft Hv", "Hyper-V"}, {"VMwareVMware", "VMware"},
            {"XenVMMXenVMM", "Xen"},     {"TCGTCGTCGTCG", "QEMU"},    {"ACRNACRNACRN", "ACRN"},
            {"bhyve bhyve ", "bhyve"},   {" lrpepyh  vr", "Parallels"}, {"QNXQVMBSQG", "QNX"},
            {"VBoxVBoxVBox", "VirtualBox"}};
        char id[13] = "";
        __cpuid(0x40000000, a, b, c, d);
        memcpy(id, &b, 4);
        memcpy(id + 4, &c, 4);
        memcpy(id + 8, &d, 4);
        id[12] = '\0';
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
            if (strncmp(id, known[i][0], strlen(known[i][0])) == 0)
                return known[i][1];
        snprintf(buf, len, "unknown");
        return buf;
    }
    (void)buf;
    (void)len;
    return NULL;
#else
    /* Elsewhere the kernel's cpuinfo flags are the only generic hint. */
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    const char *found = NULL;
    while (f && !found && fgets(line, sizeof line, f))
        if (strncmp(line, "flags", 5) == 0 && strstr(line, " hypervisor"))
            found = snprintf(buf, len, "unknown") >= 0 ? buf : NULL;
    if (f)
        fclose(f);
    return found;
#endif
}

/* Whether the hardware instruction counter can be opened for this process. */
static bool perf_counters(void)
{
#ifdef PB_HAVE_PERF_EVENT
    struct perf_event_attr pe;
    memset(&pe, 0, sizeof pe);
    pe.type = PERF_TYPE_HARDWARE;
    pe.size = sizeof pe;
    pe.config = PERF_COUNT_HW_INSTRUCTIONS;
    pe.disabled = 1;
    pe.exclude_kernel = 1;
    pe.exclude_hv = 1;
    long fd = syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
    if (fd < 0)
        return false;
    close((int)fd);
    return true;
#else
    return false;
#endif
}

/* The scaling governor of every CPU: one name, "mixed: a, b", or NULL when absent. */
static const char *governor(long ncpus, char *buf, size_t len)
{
    buf[0] = '\0';
    bool any = false;
    for (long cpu = 0; cpu < ncpus && cpu < MAX_CPUS; cpu++) {
        char path[128], g[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%ld/cpufreq/scaling_governor", cpu);
        if (!read_text(path, g, sizeof g) || !g[0])
            continue;
        if (!any) {
            snprintf(buf, len, "%s", g);
            any = true;
        } else if (strcmp(buf, g) != 0 && !strstr(buf, g)) {
            char tmp[256];
            const char *prefix = strncmp(buf, "mixed: ", 7) ? "mixed: " : "";
            snprintf(tmp, sizeof tmp, "%s%s, %s", prefix, buf, g);
            snprintf(buf, len, "%s", tmp);
        }
    }
    return any ? buf : NULL;
}

/* 1: turbo/boost on, 0: off, -1: not readable. */
static int boost_state(void)
{
    char v[16];
    if (read_text("/sys/devices/system/cpu/cpufreq/boost", v, sizeof v))
        return atoi(v) != 0;
    if (read_text("/sys/devices/system/cpu/intel_pstate/no_turbo", v, sizeof v))
        return atoi(v) == 0;
    return -1;
}

/* 1: SMT active, 0: not, from the kernel or else the topology. */
static int smt_active(const struct pb_topo *t)
{
    char v[16];
    if (read_text("/sys/devices/system/cpu/smt/active", v, sizeof v))
        return atoi(v) != 0;
    struct pb_topo_summary ts;
    pb_topo_summary(t, &ts);
    return ts.smt > 1;
}

/* The clock the kernel reports for CPU 0 in MHz, NAN when it reports none. */
static double reported_mhz(void)
{
    char v[64];
    if (read_text("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", v, sizeof v))
        return atof(v) / 1000;
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    double mhz = NAN;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "cpu MHz", 7) == 0) {
            const char *colon = strchr(line, ':');
            mhz = colon ? atof(colon + 1) : NAN;
            break;
        }
    if (f)
        fclose(f);
    return mhz;
}

__attribute__((format(printf, 2, 3))) static void warn(cJSON *warnings, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON_AddItemToArray(warnings, cJSON_CreateString(buf));
}

static void add_num(cJSON *o, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

/* Busy share of other processes per CPU over `seconds` (we sleep meanwhile). */
static void sample_load(cJSON *j, cJSON *warnings, double seconds)
{
    struct pb_cpu_ticks all0, all1;
    struct pb_cpu_ticks *before = calloc(MAX_CPUS, sizeof *before);
    struct pb_cpu_ticks *after = calloc(MAX_CPUS, sizeof *after);
    char *s0 = read_proc_stat();
    struct timespec ts = {0, (long)(seconds * 1e9)};
    nanosleep(&ts, NULL);
    char *s1 = read_proc_stat();
    int n0 = s0 && before ? pb_parse_proc_stat(s0, &all0, before, MAX_CPUS) : -1;
    int n1 = s1 && after ? pb_parse_proc_stat(s1, &all1, after, MAX_CPUS) : -1;
    free(s0);
    free(s1);
    if (n0 < 0 || n1 < 0) {
        free(before);
        free(after);
        cJSON_AddNullToObject(j, "busy_cpus");
        cJSON_AddNullToObject(j, "cpu_busy_pct");
        cJSON_AddNullToObject(j, "steal_pct");
        return;
    }
    int n = n1 < MAX_CPUS ? n1 : MAX_CPUS, busy_cpus = 0;
    cJSON *pct = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        double b = (double)(after[i].busy - before[i].busy);
        double total = b + (double)(after[i].idle - before[i].idle) +
                       (double)(after[i].steal - before[i].steal);
        double share = total > 0 ? b / total : 0;
        busy_cpus += share >= 0.5;
        cJSON_AddItemToArray(pct, cJSON_CreateNumber(round(1000 * share) / 10));
    }
    free(before);
    free(after);
    double b = (double)(all1.busy - all0.busy), st = (double)(all1.steal - all0.steal);
    double total = b + (double)(all1.idle - all0.idle) + st;
    double steal = total > 0 ? 100 * st / total : 0;
    cJSON_AddNumberToObject(j, "busy_cpus", busy_cpus);
    cJSON_AddItemToObject(j, "cpu_busy_pct", pct);
    cJSON_AddNumberToObject(j, "steal_pct", round(10 * steal) / 10);
    if (busy_cpus > 0)
        warn(warnings, "%d CPU(s) were more than half busy with other work before the run: "
                       "timings will vary and speedups will be low", busy_cpus);
    if (steal >= 1)
        warn(warnings, "the hypervisor gave %.1f%% of CPU time to other guests during the check",
             steal);
}

/* The CPUs this process may really use: a container's quota and cpuset, and
 * whether they are fewer than the machine shows. */
static void cpu_limits(cJSON *j, cJSON *warnings, long ncpus)
{
    struct pb_cpuquota q;
    pb_cpuquota_read(&q);
    cJSON_AddNumberToObject(j, "cpu_quota", q.effective_cpus);
    cJSON_AddNumberToObject(j, "cpus_allowed", q.cpus_allowed);
    add_num(j, "cgroup_quota_cpus", q.quota_cpus > 0 ? q.quota_cpus : NAN);
    if (q.cgroup_version) {
        char cg[600];
        snprintf(cg, sizeof cg, "v%d %s", q.cgroup_version, q.cgroup);
        cJSON_AddStringToObject(j, "cgroup", cg);
    } else {
        cJSON_AddNullToObject(j, "cgroup");
    }
    if (q.quota_cpus > 0 && q.quota_cpus < (double)q.cpus_allowed)
        warn(warnings, "the cgroup CPU quota (%lld us per %lld us) allows %.3g CPU(s) of the %u this "
                       "process may run on: all workers together get at most that much CPU time, "
                       "and -w all/auto stop at %u unless --oversubscribe",
             q.quota_us, q.period_us, q.quota_cpus, q.cpus_allowed, pb_cpuquota_ceiling(&q));
    else if (ncpus > 0 && q.cpus_allowed < (unsigned long)ncpus)
        warn(warnings, "this process may run on %u of the machine's %ld CPUs (cpuset or affinity)",
             q.cpus_allowed, ncpus);
}

cJSON *pb_preflight(const struct pb_topo *t)
{
    cJSON *j = cJSON_CreateObject();
    cJSON *warnings = cJSON_CreateArray();
    char buf[256];

    double load[3] = {NAN, NAN, NAN};
    if (read_text("/proc/loadavg", buf, sizeof buf) &&
        sscanf(buf, "%lf %lf %lf", &load[0], &load[1], &load[2]) == 3) {
        cJSON_AddItemToObject(j, "loadavg", cJSON_CreateDoubleArray(load, 3));
        if (load[0] >= 1)
            warn(warnings,
                 "load average %.2f over the last minute: other work competes for the CPUs",
                 load[0]);
    } else {
        cJSON_AddNullToObject(j, "loadavg");
    }
    sample_load(j, warnings, 0.2);

    long ncpus = sysconf(_SC_NPROCESSORS_CONF);
    const char *gov = governor(ncpus, buf, sizeof buf);
    if (gov)
        cJSON_AddStringToObject(j, "governor", gov);
    else
        cJSON_AddNullToObject(j, "governor");
    if (gov && strcmp(gov, "performance") != 0)
        warn(warnings, "CPU frequency governor is '%s', not 'performance': the clock may change "
                       "during the run", gov);
    int boost = boost_state();
    if (boost < 0)
        cJSON_AddNullToObject(j, "boost");
    else
        cJSON_AddBoolToObject(j, "boost", boost);
    if (boost > 0)
        warn(warnings, "turbo/boost is on: the clock depends on how many cores are busy, "
                       "which makes speedups look lower");
    cpu_limits(j, warnings, ncpus);
    cJSON_AddBoolToObject(j, "smt", smt_active(t));
    cJSON_AddBoolToObject(j, "perf_counters", perf_counters());

    double mhz = pb_calibrate_mhz(), rep = reported_mhz();
    add_num(j, "calibrated_mhz", isfinite(mhz) ? round(mhz) : NAN);
    add_num(j, "reported_mhz", rep);
    if (isfinite(mhz) && isfinite(rep) && mhz < 0.85 * rep)
        warn(warnings, "the calibration loop ran at %.0f MHz, below the %.0f MHz the kernel "
                       "reports: power saving, throttling or a busy host", mhz, rep);

    char hb[32];
    const char *hv = hypervisor(hb, sizeof hb);
    if (hv) {
        cJSON_AddStringToObject(j, "hypervisor", hv);
        warn(warnings, "running under a hypervisor (%s): other guests can take CPU time, "
                       "so timings vary more than on bare metal", hv);
    } else {
        cJSON_AddNullToObject(j, "hypervisor");
    }
    cJSON_AddItemToObject(j, "warnings", warnings);
    return j;
}
