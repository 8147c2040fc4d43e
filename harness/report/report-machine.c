/* The report's machine table.  Fields added to the system block after schema 2
 * first shipped (cpu, clocks, caches, numa_memory_bytes, mitigations, openmp,
 * mpi, run_id, the records' code_path) are read straight from the parsed JSON,
 * each type-checked here: a file from an older parbench lacks them, and its
 * rows are then left out rather than shown empty. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fmtnum.h"
#include "fsutil.h"
#include "report-machine.h"
#include "textbuf.h"

#define DASH "\xe2\x80\x93"

static const cJSON *get(const cJSON *o, const char *k)
{
    return o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static const char *str(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(get(o, k));
    return s ? s : "";
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : NAN;
}

/* A number from a file that fits an unsigned int (converting any other is undefined). */
static bool fits_uint(double v)
{
    return v >= 0 && v <= 4294967295.0;
}

/* A key/value table row. */
static void kv(struct pb_doc *d, const char *k, const char *v)
{
    const char *cells[] = {k, v && v[0] ? v : DASH};
    pb_doc_row(d, false, cells);
}

/* The topology picture only when its name is a plain file in the results directory. */
static bool topology_picture(const struct pb_rfile *rf)
{
    const char *p = rf->sys.topology_picture;
    if (!p[0] || p[0] == '/' || strstr(p, "..") || strchr(p, '\\'))
        return false;
    char path[PB_PATH_MAX], err[256];
    return pb_path_join(path, rf->dir, p, err, sizeof err) == 0 && pb_is_file(path);
}

/* "AuthenticAMD, family 26 (0x1a), model 2 (0x2), stepping 1, microcode 0x..."; Arm
 * cores by their MIDR fields. */
static void cpu_identity(struct pb_tb *b, const cJSON *cpu)
{
    pb_tb_puts(b, str(cpu, "vendor"));
    double impl = num(cpu, "arm_implementer");
    if (fits_uint(impl)) {
        pb_tb_printf(b, "%simplementer 0x%02x", b->len ? ", " : "", (unsigned)impl);
        static const char *const f[][2] = {{"arm_part", "part"}, {"arm_variant", "variant"},
                                           {"arm_revision", "revision"}};
        for (size_t i = 0; i < 3; i++)
            if (fits_uint(num(cpu, f[i][0])))
                pb_tb_printf(b, ", %s 0x%x", f[i][1], (unsigned)num(cpu, f[i][0]));
    } else {
        /* Family and model in hex too: errata and microcode tables list them so. */
        static const char *const f[] = {"family", "model", "stepping"};
        for (size_t i = 0; i < 3; i++) {
            double v = num(cpu, f[i]);
            if (fits_uint(v) && i < 2)
                pb_tb_printf(b, "%s%s %.0f (0x%x)", b->len ? ", " : "", f[i], v, (unsigned)v);
            else if (!isnan(v))
                pb_tb_printf(b, "%s%s %.0f", b->len ? ", " : "", f[i], v);
        }
    }
    const char *mc = str(cpu, "microcode");
    pb_tb_printf(b, "%smicrocode %s", b->len ? ", " : "", mc[0] ? mc : "not reported");
    if (str(cpu, "arch")[0])
        pb_tb_printf(b, "; %s", str(cpu, "arch"));
}

/* The range of the numbers in array `a`: "2096 MHz" or "1200–3500 MHz over 64 CPUs". */
static bool mhz_range(struct pb_tb *b, const cJSON *a)
{
    double lo = INFINITY, hi = -INFINITY;
    int n = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, a) {
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
            continue;
        lo = fmin(lo, v->valuedouble);
        hi = fmax(hi, v->valuedouble);
        n++;
    }
    if (!n)
        return false;
    if (hi - lo < 1)
        pb_tb_printf(b, "%.0f MHz", hi);
    else
        pb_tb_printf(b, "%.0f" DASH "%.0f MHz over %d CPUs", lo, hi, n);
    return true;
}

static void clocks_row(struct pb_doc *d, const struct pb_rfile *rf, const cJSON *c)
{
    struct pb_tb b = {0};
    double base = num(c, "base_mhz"), max = num(c, "max_mhz");
    const char *src = str(c, "base_max_source");
    if (!isnan(base))
        pb_tb_printf(&b, "base %.0f MHz", base);
    if (!isnan(max))
        pb_tb_printf(&b, "%smax %.0f MHz", b.len ? ", " : "", max);
    if (b.len && src[0])
        pb_tb_printf(&b, " (%s)", src);
    if (!b.len)
        pb_tb_puts(&b, "base and max not exposed");
    pb_tb_puts(&b, "; OS-reported ");
    if (mhz_range(&b, get(c, "scaling_cur_mhz")))
        pb_tb_puts(&b, " (cpufreq scaling_cur_freq)");
    else if (mhz_range(&b, get(c, "cpuinfo_mhz")))
        pb_tb_puts(&b, " (/proc/cpuinfo)");
    else
        pb_tb_puts(&b, "none");
    if (rf->preflight.present && !isnan(rf->preflight.calibrated_mhz))
        pb_tb_printf(&b, "; measured %.0f MHz (pre-flight add loop)", rf->preflight.calibrated_mhz);
    if (rf->preflight.present && rf->preflight.governor[0])
        pb_tb_printf(&b, "; governor %s", rf->preflight.governor);
    if (str(c, "driver")[0])
        pb_tb_printf(&b, " (%s)", str(c, "driver"));
    kv(d, "Clocks", pb_tb_str(&b));
    pb_tb_free(&b);
}

/* "L1d 48 KiB, 12-way, 1 PU each ×2; ...; 64 B lines". */
static void caches_row(struct pb_doc *d, const cJSON *caches)
{
    struct pb_tb b = {0};
    double line = NAN;
    bool same_line = true;
    const cJSON *c;
    cJSON_ArrayForEach(c, caches) {
        char sz[32], tot[32];
        const char *type = str(c, "type");
        double pus = num(c, "pus_per_instance"), n = num(c, "instances"), ways = num(c, "ways");
        pb_tb_printf(&b, "%sL%.0f%s %s", b.len ? "; " : "", num(c, "level"),
                     strcmp(type, "data") == 0 ? "d" : strcmp(type, "instruction") == 0 ? "i" : "",
                     pb_fmt_bytes(num(c, "size_bytes"), sz, sizeof sz));
        if (!isnan(ways))
            pb_tb_printf(&b, ", %.0f-way", ways);
        else if (strcmp(str(c, "ways"), "full") == 0)
            pb_tb_puts(&b, ", fully associative");
        if (!isnan(pus))
            pb_tb_printf(&b, pus == 1 ? ", 1 PU each" : ", shared by %.0f PUs", pus);
        if (!isnan(n) && n > 1)
            pb_tb_printf(&b, ", \xc3\x97%.0f = %s", n,
                         pb_fmt_bytes(num(c, "total_bytes"), tot, sizeof tot));
        if (cJSON_IsFalse(get(c, "uniform")))
            pb_tb_puts(&b, " (instances differ; the first shown)");
        double l = num(c, "line_bytes");
        if (!isnan(l)) {
            same_line &= isnan(line) || l == line;
            line = l;
        }
    }
    if (!isnan(line) && same_line)
        pb_tb_printf(&b, "; %.0f B lines", line);
    kv(d, "Caches (hwloc)", pb_tb_str(&b));
    pb_tb_free(&b);
}

/* Memory as the OS counts it, and per NUMA node as hwloc does: the two differ where a
 * node's own meminfo is not the whole (a VM handed memory as it touches it), and the
 * topology picture draws hwloc's. */
static void memory_rows(struct pb_doc *d, const struct pb_rf_system *y, const cJSON *numa)
{
    char b1[32], b2[32];
    snprintf(b2, sizeof b2, "%s (the OS's total)", pb_fmt_bytes(y->memory_bytes, b1, sizeof b1));
    kv(d, "Memory", isnan(y->memory_bytes) || y->memory_bytes <= 0 ? "" : b2);
    if (!cJSON_IsArray(numa))
        return;
    struct pb_tb b = {0};
    double sum = 0;
    int n = cJSON_GetArraySize(numa), i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, numa) {
        double m = cJSON_IsNumber(v) ? v->valuedouble : NAN;
        sum += isfinite(m) ? m : 0;
        if (i < 8)
            pb_tb_printf(&b, "%snode %d %s", i ? ", " : "", i, pb_fmt_bytes(m, b1, sizeof b1));
        i++;
    }
    if (n > 8)
        pb_tb_printf(&b, ", \xe2\x80\xa6 (%d nodes, %s in all)", n, pb_fmt_bytes(sum, b1, sizeof b1));
    pb_tb_puts(&b, " (hwloc, as the topology picture draws it)");
    if (sum > 0 && y->memory_bytes > 0 && fabs(sum - y->memory_bytes) > 0.05 * y->memory_bytes)
        pb_tb_printf(&b, "; differs from the OS's total: hwloc counts each node's own meminfo, "
                         "which here holds %.0f%% of it",
                     100 * sum / y->memory_bytes);
    kv(d, "Memory per NUMA node", pb_tb_str(&b));
    pb_tb_free(&b);
}

/* "meltdown: Mitigation: PTI | ... | 16 others not affected" (the kernel's texts hold
 * semicolons of their own). */
static void mitigations_row(struct pb_doc *d, const cJSON *m)
{
    if (!m)
        return;
    if (!cJSON_IsObject(m)) {
        kv(d, "Mitigations", "not exposed by the kernel");
        return;
    }
    struct pb_tb b = {0};
    int fine = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, m) {
        const char *t = cJSON_GetStringValue(v);
        if (!t)
            continue;
        if (strcmp(t, "Not affected") == 0)
            fine++;
        else
            pb_tb_printf(&b, "%s%s: %s", b.len ? " | " : "", v->string, t);
    }
    if (fine)
        pb_tb_printf(&b, "%s%d %s not affected", b.len ? " | " : "", fine, b.len ? "others" : "all");
    kv(d, "Mitigations", pb_tb_str(&b));
    pb_tb_free(&b);
}

static void runtimes_rows(struct pb_doc *d, const cJSON *sys)
{
    const cJSON *omp = get(sys, "openmp"), *mpi = get(sys, "mpi");
    char buf[900];
    if (cJSON_IsObject(omp)) {
        const char *rv = str(omp, "runtime_version"), *loaded = str(omp, "runtime_loaded");
        snprintf(buf, sizeof buf, "OpenMP %s (_OPENMP %.0f), runtime %s%s%s%s%s",
                 str(omp, "version")[0] ? str(omp, "version") : "?", num(omp, "spec_date"),
                 str(omp, "runtime")[0] ? str(omp, "runtime") : "unknown", rv[0] ? " of " : "", rv,
                 loaded[0] ? ", loaded from " : "", loaded);
        kv(d, "OpenMP", buf);
    } else if (omp) {
        kv(d, "OpenMP", "not built");
    }
    if (cJSON_IsObject(mpi)) {
        snprintf(buf, sizeof buf, "%s%s%s (the mpi mode's rank program, at build time)",
                 str(mpi, "library")[0] ? str(mpi, "library") : "unknown library",
                 str(mpi, "standard")[0] ? ", MPI " : "", str(mpi, "standard"));
        kv(d, "MPI", buf);
    } else if (mpi) {
        kv(d, "MPI", "mpi mode not built");
    }
}

/* Each kernel's code path(s) as the records name them: "blur: avx512 (64-byte vectors)". */
static void code_paths_row(struct pb_doc *d, const cJSON *results)
{
    struct pb_tb b = {0};
    const cJSON *r;
    int i = 0;
    cJSON_ArrayForEach(r, results) {
        const char *k = str(r, "kernel"), *p = str(r, "code_path");
        int j = 0;
        bool seen = false;
        const cJSON *q;
        cJSON_ArrayForEach(q, results) {
            if (j++ >= i)
                break;
            seen |= strcmp(str(q, "kernel"), k) == 0 && strcmp(str(q, "code_path"), p) == 0;
        }
        i++;
        if (p[0] && !seen)
            pb_tb_printf(&b, "%s%s: %s", b.len ? "; " : "", k, p);
    }
    if (b.len)
        kv(d, "Code paths", pb_tb_str(&b));
    pb_tb_free(&b);
}

void pb_report_machine(struct pb_doc *d, const struct pb_rfile *rf)
{
    const struct pb_rf_system *y = &rf->sys;
    const cJSON *sys = get(rf->root, "system"), *cpu = get(sys, "cpu");
    char buf[900], b1[32], b2[32], b3[32];
    pb_doc_heading(d, 2, "machine", "Machine");
    static const char *const head[] = {"", ""};
    pb_doc_table(d, 2, head, "ll");
    const char *run_id = str(sys, "run_id");
    snprintf(buf, sizeof buf, "%s%s%s%s", y->host, run_id[0] ? " (run " : "", run_id,
             run_id[0] ? ")" : "");
    kv(d, "Host", buf);
    const char *name = str(cpu, "model_name");
    if (name[0] && strcmp(name, y->cpu_model) != 0)
        snprintf(buf, sizeof buf, "%s (/proc/cpuinfo: %s)", y->cpu_model, name);
    else
        snprintf(buf, sizeof buf, "%s", y->cpu_model);
    kv(d, "CPU", buf);
    if (cJSON_IsObject(cpu)) {
        struct pb_tb b = {0};
        cpu_identity(&b, cpu);
        kv(d, "CPU identity", pb_tb_str(&b));
        pb_tb_free(&b);
        const cJSON *isa = get(cpu, "isa"), *w;
        struct pb_tb i = {0};
        cJSON_ArrayForEach(w, isa)
            if (cJSON_IsString(w))
                pb_tb_printf(&i, "%s%s", i.len ? " " : "", w->valuestring);
        if (!isnan(num(cpu, "sve_vector_bits")))
            pb_tb_printf(&i, "; SVE vectors of %.0f bits", num(cpu, "sve_vector_bits"));
        if (str(cpu, "isa_source")[0])
            pb_tb_printf(&i, " (from %s)", str(cpu, "isa_source"));
        kv(d, "ISA extensions", pb_tb_str(&i));
        pb_tb_free(&i);
    }
    if (cJSON_IsObject(get(sys, "clocks")))
        clocks_row(d, rf, get(sys, "clocks"));
    int n = snprintf(buf, sizeof buf, "%.0f cores, %.0f PUs", y->cores, y->pus);
    if (!isnan(y->packages))
        n += snprintf(buf + n, sizeof buf - (size_t)n, ", %.0f package%s", y->packages,
                      y->packages == 1 ? "" : "s");
    n += snprintf(buf + n, sizeof buf - (size_t)n, y->pus > y->cores ? ", SMT (%.0f per core)" : ", no SMT",
                  y->pus / y->cores);
    if (str(sys, "smt_control")[0])
        n += snprintf(buf + n, sizeof buf - (size_t)n, " (kernel SMT control: %s)",
                      str(sys, "smt_control"));
    if (!isnan(y->numa_nodes))
        n += snprintf(buf + n, sizeof buf - (size_t)n, ", %.0f NUMA node%s", y->numa_nodes,
                      y->numa_nodes == 1 ? "" : "s");
    if (!isnan(y->l3_domains))
        snprintf(buf + n, sizeof buf - (size_t)n, ", %.0f L3 domain%s", y->l3_domains,
                 y->l3_domains == 1 ? "" : "s");
    kv(d, "Topology", buf);
    if (cJSON_IsArray(get(sys, "caches")) && cJSON_GetArraySize(get(sys, "caches")) > 0) {
        caches_row(d, get(sys, "caches"));
    } else {
        snprintf(buf, sizeof buf, "L1d %s, L2 %s, L3 %s", pb_fmt_bytes(y->l1d_bytes, b1, sizeof b1),
                 pb_fmt_bytes(y->l2_bytes, b2, sizeof b2), pb_fmt_bytes(y->l3_bytes, b3, sizeof b3));
        kv(d, "Caches (per instance)", buf);
    }
    memory_rows(d, y, get(sys, "numa_memory_bytes"));
    snprintf(buf, sizeof buf, "%s%s%s", y->os, y->os[0] && y->kernel[0] ? ", " : "", y->kernel);
    kv(d, "OS", buf);
    mitigations_row(d, get(sys, "mitigations"));
    snprintf(buf, sizeof buf, "%s%s%s", y->compiler, y->build_type[0] ? ", build type " : "",
             y->build_type);
    kv(d, "Compiler", buf);
    kv(d, "Flags", y->cflags);
    runtimes_rows(d, sys);
    code_paths_row(d, get(rf->root, "results"));
    snprintf(buf, sizeof buf, "%s%s%s%s", y->parbench_version, y->git_revision[0] ? " (git " : "",
             y->git_revision, y->git_revision[0] ? ")" : "");
    kv(d, "parbench", buf);
    kv(d, "Started", y->start_time);
    pb_doc_table_end(d);
    if (topology_picture(rf)) {
        const char *src[] = {y->topology_picture},
                   *alt[] = {"Topology of the machine (hwloc; its memory is per NUMA node as "
                             "hwloc counts it, which can be less than the OS's total)"};
        pb_doc_figures(d, 1, src, NULL, alt);
    }
}
