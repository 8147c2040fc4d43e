/* The machine in full: what the "system" block records beyond hwloc's summary. */
#define _GNU_SOURCE   /* dl_iterate_phdr */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <hwloc.h>

#if __has_include(<link.h>)
#include <link.h>
#define PB_HAVE_DL_ITERATE 1
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && __has_include(<sys/auxv.h>)
#include <sys/auxv.h>
#include <sys/prctl.h>
#define PB_HAVE_HWCAP 1
#endif

#include "buildinfo.h"
#include "cpuinfo.h"
#include "fsutil.h"
#include "machine.h"
#include "pb.h"

#define MAX_CPUS 4096
/* Reading scaling_cur_freq can cost a few ms per CPU on older x86 kernels (an
 * APERF/MPERF sample each): stop collecting per-CPU clocks after this long. */
#define CUR_FREQ_BUDGET_S 0.05

static void add_num(cJSON *o, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static void add_str(cJSON *o, const char *key, const char *v)
{
    if (v && v[0])
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

/* One line of a sysfs file, trailing newline removed; false when unreadable or empty. */
static bool read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (ok)
        buf[strcspn(buf, "\n")] = '\0';
    return ok && buf[0];
}

/* A cpufreq value of CPU `cpu` in MHz (sysfs gives kHz), NAN when absent. */
static double cpufreq_mhz(long cpu, const char *name)
{
    char path[128], v[64];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%ld/cpufreq/%s", cpu, name);
    return read_line(path, v, sizeof v) ? atof(v) / 1000 : NAN;
}

void pb_run_id(const char *host, char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char key[512];
    snprintf(key, sizeof key, "%s\n%lld.%09ld\n%ld", host, (long long)ts.tv_sec, ts.tv_nsec,
             (long)getpid());
    uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a 64 */
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    snprintf(buf, len, "%012llx", (unsigned long long)(h >> 16));
}

/* ---- CPU identity and ISA ---------------------------------------------------- */

#if defined(__x86_64__) || defined(__i386__)
/* What CPUID adds where /proc/cpuinfo is silent (another OS view, a trimmed
 * container /proc): vendor, family/model/stepping. */
static void cpuid_identity(struct pb_cpuinfo *ci)
{
    unsigned a, b, c, d, max;
    if (!__get_cpuid(0, &max, &b, &c, &d))
        return;
    if (!ci->vendor[0]) {
        char v[13];
        memcpy(v, &b, 4);
        memcpy(v + 4, &d, 4);
        memcpy(v + 8, &c, 4);
        v[12] = '\0';
        snprintf(ci->vendor, sizeof ci->vendor, "%s", v);
    }
    if (ci->family < 0 && __get_cpuid(1, &a, &b, &c, &d)) {
        unsigned fam = (a >> 8) & 0xf, mod = (a >> 4) & 0xf;
        ci->stepping = a & 0xf;
        ci->family = fam == 0xf ? fam + ((a >> 20) & 0xff) : fam;
        ci->model = fam == 0x6 || fam == 0xf ? (((a >> 16) & 0xf) << 4) + mod : mod;
    }
}

/* The brand string from CPUID, blanks trimmed; false when there is none.  It can
 * differ from /proc/cpuinfo's "model name", which the kernel read at boot: a VM
 * restored on other hardware shows the old name there. */
static bool cpuid_brand(char *buf, size_t len)
{
    unsigned a, b, c, d, r[12];
    if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000004)
        return false;
    for (unsigned i = 0; i < 3; i++)
        __cpuid(0x80000002 + i, r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]);
    char brand[49];
    memcpy(brand, r, 48);
    brand[48] = '\0';
    const char *p = brand;
    while (*p == ' ')
        p++;
    size_t n = strlen(p);
    while (n && p[n - 1] == ' ')
        n--;
    snprintf(buf, len, "%.*s", (int)n, p);
    return buf[0] != '\0';
}

/* Base and maximum clock from CPUID leaf 0x16 (Intel, Skylake on); false when
 * the leaf is absent or zero (AMD, most hypervisors). */
static bool cpuid_clocks(double *base, double *max_mhz)
{
    unsigned a, b, c, d, top;
    if (!__get_cpuid(0, &top, &b, &c, &d) || top < 0x16)
        return false;
    __cpuid(0x16, a, b, c, d);
    if ((a & 0xffff) == 0)
        return false;
    *base = a & 0xffff;
    *max_mhz = (b & 0xffff) ? (double)(b & 0xffff) : NAN;
    return true;
}
#else
static void cpuid_identity(struct pb_cpuinfo *ci)
{
    (void)ci;
}

static bool cpuid_brand(char *buf, size_t len)
{
    (void)buf;
    (void)len;
    return false;
}

static bool cpuid_clocks(double *base, double *max_mhz)
{
    (void)base;
    (void)max_mhz;
    return false;
}
#endif

/* The ISA extensions from the kernel's hwcaps (Arm), as a Features-style
 * line; false where there are no hwcaps to ask. */
static bool hwcap_features(char *buf, size_t len)
{
#ifdef PB_HAVE_HWCAP
    static const struct {
        int word;             /* 1: AT_HWCAP, 2: AT_HWCAP2 */
        unsigned long bit;
        const char *name;     /* the kernel's Features name */
    } caps[] = {
#ifdef HWCAP_ASIMD
        {1, HWCAP_ASIMD, "asimd"},
#endif
#ifdef HWCAP_ASIMDHP
        {1, HWCAP_ASIMDHP, "asimdhp"},
#endif
#ifdef HWCAP_ASIMDDP
        {1, HWCAP_ASIMDDP, "asimddp"},
#endif
#ifdef HWCAP_SVE
        {1, HWCAP_SVE, "sve"},
#endif
#ifdef HWCAP2_SVE2
        {2, HWCAP2_SVE2, "sve2"},
#endif
#ifdef HWCAP2_I8MM
        {2, HWCAP2_I8MM, "i8mm"},
#endif
#ifdef HWCAP2_BF16
        {2, HWCAP2_BF16, "bf16"},
#endif
        {0, 0, NULL},
    };
    unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    if (!hw)
        return false;
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; caps[i].name; i++)
        if ((caps[i].word == 1 ? hw : hw2) & caps[i].bit) {
            int n = snprintf(buf + at, len - at, " %s", caps[i].name);
            if (n < 0 || (size_t)n >= len - at)
                break;
            at += (size_t)n;
        }
    return true;
#else
    (void)buf;
    (void)len;
    return false;
#endif
}

/* SVE's vector length in bits for this thread, NAN without SVE. */
static double sve_bits(void)
{
#if defined(PB_HAVE_HWCAP) && defined(PR_SVE_GET_VL) && defined(HWCAP_SVE)
    if (getauxval(AT_HWCAP) & HWCAP_SVE) {
        int vl = prctl(PR_SVE_GET_VL);
        if (vl >= 0)
            return 8.0 * (vl & PR_SVE_VL_LEN_MASK);
    }
#endif
    return NAN;
}

static void add_long(cJSON *o, const char *key, long v)
{
    add_num(o, key, v >= 0 ? (double)v : NAN);
}

static void cpu_block(cJSON *sys, struct pb_cpuinfo *ci)
{
    cJSON *c = cJSON_AddObjectToObject(sys, "cpu");
    struct utsname u;
    add_str(c, "arch", uname(&u) == 0 ? u.machine : NULL);
    cpuid_identity(ci);
    char brand[64];
    bool have_brand = cpuid_brand(brand, sizeof brand);
    if (!ci->model_name[0] && have_brand)
        snprintf(ci->model_name, sizeof ci->model_name, "%s", brand);
    add_str(c, "vendor", ci->vendor);
    add_str(c, "model_name", ci->model_name);
    if (have_brand)
        cJSON_AddStringToObject(c, "cpuid_brand", brand);
    add_long(c, "family", ci->family);
    add_long(c, "model", ci->model);
    add_long(c, "stepping", ci->stepping);
    char mc[sizeof ci->microcode] = "";
    if (!ci->microcode[0] && read_line("/sys/devices/system/cpu/cpu0/microcode/version", mc, sizeof mc))
        snprintf(ci->microcode, sizeof ci->microcode, "%s", mc);
    add_str(c, "microcode", ci->microcode);
    if (ci->arm_implementer >= 0) {
        add_long(c, "arm_implementer", ci->arm_implementer);
        add_long(c, "arm_architecture", ci->arm_architecture);
        add_long(c, "arm_variant", ci->arm_variant);
        add_long(c, "arm_part", ci->arm_part);
        add_long(c, "arm_revision", ci->arm_revision);
    }
    char feat[512], isa[512];
    const char *src = NULL;
    if (hwcap_features(feat, sizeof feat)) {
        pb_cpuinfo_isa(feat, isa, sizeof isa);
        src = "hwcap";
    } else if (ci->flags[0]) {
        pb_cpuinfo_isa(ci->flags, isa, sizeof isa);
        src = "cpuinfo";
    }
    if (src) {
        cJSON *a = cJSON_AddArrayToObject(c, "isa");
        for (char *save = NULL, *w = strtok_r(isa, " ", &save); w; w = strtok_r(NULL, " ", &save))
            cJSON_AddItemToArray(a, cJSON_CreateString(w));
    } else {
        cJSON_AddNullToObject(c, "isa");
    }
    add_str(c, "isa_source", src);
    double sve = sve_bits();
    if (isfinite(sve))
        cJSON_AddNumberToObject(c, "sve_vector_bits", sve);
}

/* ---- clocks --------------------------------------------------------------------- */

static void clocks_block(cJSON *sys, const struct pb_cpuinfo *ci)
{
    cJSON *c = cJSON_AddObjectToObject(sys, "clocks");
    long ncpus = sysconf(_SC_NPROCESSORS_CONF);
    if (ncpus < 1)
        ncpus = 1;
    if (ncpus > MAX_CPUS)
        ncpus = MAX_CPUS;
    double base = NAN, max_mhz = NAN, min_mhz = NAN;
    cJSON *cur = cJSON_CreateArray();
    bool any_cur = false;
    double t0 = pb_now();
    for (long cpu = 0; cpu < ncpus; cpu++) {
        double b = cpufreq_mhz(cpu, "base_frequency"), mx = cpufreq_mhz(cpu, "cpuinfo_max_freq");
        double mn = cpufreq_mhz(cpu, "cpuinfo_min_freq");
        base = isnan(base) || b > base ? b : base;
        max_mhz = isnan(max_mhz) || mx > max_mhz ? mx : max_mhz;
        min_mhz = isnan(min_mhz) || mn < min_mhz ? mn : min_mhz;
        if (pb_now() - t0 < CUR_FREQ_BUDGET_S) {
            double f = cpufreq_mhz(cpu, "scaling_cur_freq");
            any_cur |= isfinite(f);
            cJSON_AddItemToArray(cur, isfinite(f) ? cJSON_CreateNumber(f) : cJSON_CreateNull());
        }
    }
    const char *src = isfinite(base) || isfinite(max_mhz) ? "cpufreq" : NULL;
    if (!src && cpuid_clocks(&base, &max_mhz))
        src = "cpuid";
    add_num(c, "base_mhz", base);
    add_num(c, "max_mhz", max_mhz);
    add_num(c, "min_mhz", min_mhz);
    add_str(c, "base_max_source", src);
    char drv[64];
    add_str(c, "driver", read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_driver", drv,
                                   sizeof drv) ? drv : NULL);
    if (any_cur)
        cJSON_AddItemToObject(c, "scaling_cur_mhz", cur);
    else {
        cJSON_Delete(cur);
        cJSON_AddNullToObject(c, "scaling_cur_mhz");
    }
    if (ci->nmhz) {
        cJSON *a = cJSON_AddArrayToObject(c, "cpuinfo_mhz");
        for (size_t i = 0; i < ci->nmhz; i++)
            cJSON_AddItemToArray(a, cJSON_CreateNumber(round(ci->mhz[i] * 1000) / 1000));
    } else {
        cJSON_AddNullToObject(c, "cpuinfo_mhz");
    }
}

/* ---- caches, memory, SMT -------------------------------------------------------- */

static void caches_block(cJSON *sys, hwloc_topology_t topo)
{
    static const hwloc_obj_type_t types[] = {HWLOC_OBJ_L1CACHE,  HWLOC_OBJ_L1ICACHE,
                                             HWLOC_OBJ_L2CACHE,  HWLOC_OBJ_L2ICACHE,
                                             HWLOC_OBJ_L3CACHE,  HWLOC_OBJ_L3ICACHE,
                                             HWLOC_OBJ_L4CACHE,  HWLOC_OBJ_L5CACHE};
    cJSON *a = cJSON_AddArrayToObject(sys, "caches");
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        int n = hwloc_get_nbobjs_by_type(topo, types[i]);
        hwloc_obj_t first = n > 0 ? hwloc_get_obj_by_type(topo, types[i], 0) : NULL;
        if (!first || !first->attr)
            continue;
        const struct hwloc_cache_attr_s *ca = &first->attr->cache;
        int pus = first->cpuset ? hwloc_bitmap_weight(first->cpuset) : -1;
        double total = 0;
        bool uniform = true;
        for (int k = 0; k < n; k++) {
            hwloc_obj_t o = hwloc_get_obj_by_type(topo, types[i], (unsigned)k);
            total += (double)o->attr->cache.size;
            uniform &= o->attr->cache.size == ca->size &&
                       (o->cpuset ? hwloc_bitmap_weight(o->cpuset) : -1) == pus;
        }
        cJSON *c = cJSON_CreateObject();
        cJSON_AddNumberToObject(c, "level", ca->depth);
        cJSON_AddStringToObject(c, "type", ca->type == HWLOC_OBJ_CACHE_DATA          ? "data"
                                           : ca->type == HWLOC_OBJ_CACHE_INSTRUCTION ? "instruction"
                                                                                     : "unified");
        add_num(c, "size_bytes", ca->size ? (double)ca->size : NAN);
        add_num(c, "line_bytes", ca->linesize ? (double)ca->linesize : NAN);
        /* hwloc: -1 fully associative, 0 unknown. */
        if (ca->associativity > 0)
            cJSON_AddNumberToObject(c, "ways", ca->associativity);
        else if (ca->associativity < 0)
            cJSON_AddStringToObject(c, "ways", "full");
        else
            cJSON_AddNullToObject(c, "ways");
        cJSON_AddNumberToObject(c, "instances", n);
        add_num(c, "pus_per_instance", pus > 0 ? pus : NAN);
        cJSON_AddNumberToObject(c, "total_bytes", total);
        cJSON_AddBoolToObject(c, "uniform", uniform);
        cJSON_AddItemToArray(a, c);
    }
}

/* hwloc's memory of each NUMA node: the node's own count
 * (/sys/devices/system/node/nodeN/meminfo), which lstopo draws; it can differ
 * from the total the OS reports (memory_bytes), e.g. in a VM whose memory the
 * hypervisor hands over as the guest touches it. */
static void numa_block(cJSON *sys, hwloc_topology_t topo)
{
    int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
    if (n <= 0) {
        cJSON_AddNullToObject(sys, "numa_memory_bytes");
        return;
    }
    cJSON *a = cJSON_AddArrayToObject(sys, "numa_memory_bytes");
    for (int i = 0; i < n; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, (unsigned)i);
        cJSON_AddItemToArray(a, o && o->attr && o->attr->numanode.local_memory
                                    ? cJSON_CreateNumber((double)o->attr->numanode.local_memory)
                                    : cJSON_CreateNull());
    }
}

static void smt_block(cJSON *sys)
{
    char v[64];
    if (read_line("/sys/devices/system/cpu/smt/active", v, sizeof v))
        cJSON_AddBoolToObject(sys, "smt_active", atoi(v) != 0);
    else
        cJSON_AddNullToObject(sys, "smt_active");
    add_str(sys, "smt_control",
            read_line("/sys/devices/system/cpu/smt/control", v, sizeof v) ? v : NULL);
}

/* ---- OpenMP and MPI of the build -------------------------------------------------- */

#ifdef PB_HAVE_DL_ITERATE
static int find_omp_lib(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    const char *name = info->dlpi_name, *slash = name ? strrchr(name, '/') : NULL;
    const char *base = slash ? slash + 1 : name;
    if (base && (strncmp(base, "libgomp", 7) == 0 || strncmp(base, "libomp", 6) == 0 ||
                 strncmp(base, "libiomp", 7) == 0)) {
        snprintf((char *)data, 512, "%s", name);
        return 1;
    }
    return 0;
}
#endif

/* The OpenMP version a _OPENMP date stands for. */
static const char *openmp_version(long date)
{
    static const struct {
        long date;
        const char *v;
    } t[] = {{200505, "2.5"}, {200805, "3.0"}, {201107, "3.1"}, {201307, "4.0"}, {201511, "4.5"},
             {201811, "5.0"}, {202011, "5.1"}, {202111, "5.2"}, {202411, "6.0"}};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (t[i].date == date)
            return t[i].v;
    return NULL;
}

static void openmp_block(cJSON *sys)
{
    long date = atol(PB_OPENMP_SPEC_DATE);
#ifdef _OPENMP
    if (date <= 0)
        date = _OPENMP;
#endif
    if (date <= 0) {
        cJSON_AddNullToObject(sys, "openmp");   /* built without OpenMP */
        return;
    }
    cJSON *o = cJSON_AddObjectToObject(sys, "openmp");
    cJSON_AddNumberToObject(o, "spec_date", (double)date);
    add_str(o, "version", openmp_version(date));
    /* The runtime the build linked (CMake's OpenMP_C_LIB_NAMES) ... */
    const char *rt = strstr(PB_OPENMP_LIB_NAMES, "gomp")    ? "libgomp"
                     : strstr(PB_OPENMP_LIB_NAMES, "iomp5") ? "libiomp5"
                     : strstr(PB_OPENMP_LIB_NAMES, "omp")   ? "libomp"
                                                            : NULL;
    add_str(o, "runtime", rt);
    /* ... whose version is the compiler's when it is GCC's own libgomp. */
    char ver[128] = "";
    if (rt && strcmp(rt, "libgomp") == 0 && strncmp(PB_COMPILER, "GNU ", 4) == 0)
        snprintf(ver, sizeof ver, "GCC %s", &PB_COMPILER[4]);
    add_str(o, "runtime_version", ver);
    char loaded[512] = "";
#ifdef PB_HAVE_DL_ITERATE
    dl_iterate_phdr(find_omp_lib, loaded);
#endif
    add_str(o, "runtime_loaded", loaded);
}

static void mpi_block(cJSON *sys)
{
    if (!PB_MPI_LIBRARY[0] && !PB_MPI_STANDARD[0]) {
        cJSON_AddNullToObject(sys, "mpi");   /* the mpi mode was not built */
        return;
    }
    cJSON *o = cJSON_AddObjectToObject(sys, "mpi");
    add_str(o, "library", PB_MPI_LIBRARY);
    add_str(o, "standard", PB_MPI_STANDARD);
}

void pb_machine_add(cJSON *sys, const struct pb_topo *t)
{
    struct pb_cpuinfo ci;
    char err[256];
    size_t n_read;
    char *text = pb_read_file("/proc/cpuinfo", (size_t)16 << 20, &n_read, err, sizeof err);
    if (!text || pb_cpuinfo_parse(text, &ci) != 0) {
        memset(&ci, 0, sizeof ci);
        ci.family = ci.model = ci.stepping = ci.arm_implementer = -1;
        ci.arm_variant = ci.arm_part = ci.arm_revision = ci.arm_architecture = -1;
    }
    free(text);
    cpu_block(sys, &ci);
    clocks_block(sys, &ci);
    pb_cpuinfo_free(&ci);

    hwloc_topology_t topo = pb_topo_hwloc(t);
    caches_block(sys, topo);
    numa_block(sys, topo);
    smt_block(sys);

    cJSON *v = pb_vulnerabilities("/sys/devices/system/cpu/vulnerabilities");
    if (v)
        cJSON_AddItemToObject(sys, "mitigations", v);
    else
        cJSON_AddNullToObject(sys, "mitigations");
    openmp_block(sys);
    mpi_block(sys);
}
