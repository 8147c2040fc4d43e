/* Parsers for /proc/cpuinfo and the CPU vulnerabilities directory. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuinfo.h"
#include "fsutil.h"

/* A number as cpuinfo writes it: decimal, or hex with 0x (Arm's fields). */
static long number(const char *v)
{
    char *end;
    long n = strtol(v, &end, 0);
    return end == v ? -1 : n;
}

/* Copy `v` (up to the end of its line, trailing blanks dropped) into buf. */
static void copy_value(char *buf, size_t len, const char *v, size_t vlen)
{
    while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t' || v[vlen - 1] == '\r'))
        vlen--;
    snprintf(buf, len, "%.*s", (int)vlen, v);
}

int pb_cpuinfo_parse(const char *text, struct pb_cpuinfo *ci)
{
    memset(ci, 0, sizeof *ci);
    ci->family = ci->model = ci->stepping = -1;
    ci->arm_implementer = ci->arm_variant = ci->arm_part = ci->arm_revision = -1;
    ci->arm_architecture = -1;
    size_t cap = 0;
    for (const char *line = text, *next; line && *line; line = next) {
        const char *nl = strchr(line, '\n');
        next = nl ? nl + 1 : NULL;
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        const char *colon = memchr(line, ':', n);
        if (!colon)
            continue;
        size_t klen = (size_t)(colon - line);
        while (klen && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
            klen--;
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)klen, line);
        const char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t vlen = n - (size_t)(v - line);
        char val[160];
        copy_value(val, sizeof val, v, vlen);

        if (strcmp(key, "processor") == 0) {
            ci->processors++;
            continue;
        }
        if (strcmp(key, "cpu MHz") == 0) {
            if (ci->nmhz == cap) {
                size_t ncap = cap ? 2 * cap : 64;
                double *p = realloc(ci->mhz, ncap * sizeof *p);
                if (!p)
                    continue;
                ci->mhz = p;
                cap = ncap;
            }
            ci->mhz[ci->nmhz++] = atof(val);
            continue;
        }
        if (ci->processors > 1)
            continue;   /* identity: the first processor's (the others repeat it on servers) */
        if (strcmp(key, "vendor_id") == 0)
            copy_value(ci->vendor, sizeof ci->vendor, v, vlen);
        else if (strcmp(key, "model name") == 0)
            copy_value(ci->model_name, sizeof ci->model_name, v, vlen);
        else if (strcmp(key, "cpu family") == 0)
            ci->family = number(val);
        else if (strcmp(key, "model") == 0)
            ci->model = number(val);
        else if (strcmp(key, "stepping") == 0)
            ci->stepping = number(val);
        else if (strcmp(key, "microcode") == 0)
            copy_value(ci->microcode, sizeof ci->microcode, v, vlen);
        else if (strcmp(key, "flags") == 0 || strcmp(key, "Features") == 0)
            copy_value(ci->flags, sizeof ci->flags, v, vlen);
        else if (strcmp(key, "CPU implementer") == 0)
            ci->arm_implementer = number(val);
        else if (strcmp(key, "CPU architecture") == 0)
            ci->arm_architecture = number(val);
        else if (strcmp(key, "CPU variant") == 0)
            ci->arm_variant = number(val);
        else if (strcmp(key, "CPU part") == 0)
            ci->arm_part = number(val);
        else if (strcmp(key, "CPU revision") == 0)
            ci->arm_revision = number(val);
    }
    if (ci->processors == 0) {
        pb_cpuinfo_free(ci);
        return -1;
    }
    /* Arm's cpuinfo has no vendor or model lines: name them from the MIDR fields. */
    if (!ci->vendor[0] && ci->arm_implementer >= 0) {
        const char *name = pb_arm_implementer_name(ci->arm_implementer);
        if (name)
            snprintf(ci->vendor, sizeof ci->vendor, "%s", name);
        else
            snprintf(ci->vendor, sizeof ci->vendor, "implementer 0x%02lx", ci->arm_implementer);
    }
    if (!ci->model_name[0] && ci->arm_part >= 0) {
        const char *part = pb_arm_part_name(ci->arm_implementer, ci->arm_part);
        if (part)
            snprintf(ci->model_name, sizeof ci->model_name, "%s", part);
    }
    return 0;
}

void pb_cpuinfo_free(struct pb_cpuinfo *ci)
{
    free(ci->mhz);
    ci->mhz = NULL;
    ci->nmhz = 0;
}

/* The extensions that decide which vector code the kernels run (blur's SIMD
 * paths, the compiler's auto-vectorisation under -march=native): the kernel's
 * flag name and the name parbench records. */
static const struct {
    const char *flag, *name;
} isa_table[] = {
    /* x86 */
    {"sse2", "sse2"},
    {"sse4_2", "sse4_2"},
    {"avx", "avx"},
    {"avx2", "avx2"},
    {"fma", "fma"},
    {"bmi2", "bmi2"},
    {"avx512f", "avx512f"},
    {"avx512dq", "avx512dq"},
    {"avx512cd", "avx512cd"},
    {"avx512bw", "avx512bw"},
    {"avx512vl", "avx512vl"},
    {"avx512ifma", "avx512ifma"},
    {"avx512vbmi", "avx512vbmi"},
    {"avx512_vnni", "avx512_vnni"},
    {"avx512_bf16", "avx512_bf16"},
    {"avx512_fp16", "avx512_fp16"},
    {"avx_vnni", "avx_vnni"},
    {"amx_tile", "amx_tile"},
    /* Arm (the kernel's Features names) */
    {"asimd", "neon"},
    {"asimdhp", "neon_fp16"},
    {"asimddp", "dotprod"},
    {"i8mm", "i8mm"},
    {"bf16", "bf16"},
    {"sve", "sve"},
    {"sve2", "sve2"},
    {"sme", "sme"},
};

/* Whether the space-separated list `flags` holds the word `w`. */
static bool has_word(const char *flags, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = flags; (p = strstr(p, w)) != NULL; p += n)
        if ((p == flags || p[-1] == ' ' || p[-1] == '\t') &&
            (p[n] == '\0' || p[n] == ' ' || p[n] == '\t' || p[n] == '\n'))
            return true;
    return false;
}

const char *pb_cpuinfo_isa(const char *flags, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof isa_table / sizeof *isa_table; i++) {
        if (!has_word(flags, isa_table[i].flag))
            continue;
        int n = snprintf(buf + at, len - at, "%s%s", at ? " " : "", isa_table[i].name);
        if (n < 0 || (size_t)n >= len - at) {
            buf[at] = '\0';   /* whole names only */
            break;
        }
        at += (size_t)n;
    }
    return buf;
}

const char *pb_arm_implementer_name(long implementer)
{
    static const struct {
        long code;
        const char *name;
    } t[] = {{0x41, "ARM"},      {0x42, "Broadcom"}, {0x43, "Cavium"},   {0x46, "Fujitsu"},
             {0x48, "HiSilicon"}, {0x4e, "NVIDIA"},   {0x50, "APM"},      {0x51, "Qualcomm"},
             {0x61, "Apple"},     {0x6d, "Microsoft"}, {0xc0, "Ampere"}};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (t[i].code == implementer)
            return t[i].name;
    return NULL;
}

const char *pb_arm_part_name(long implementer, long part)
{
    /* The server and common cores; others keep their numbers only. */
    static const struct {
        long impl, part;
        const char *name;
    } t[] = {{0x41, 0xd03, "Cortex-A53"},  {0x41, 0xd07, "Cortex-A57"},  {0x41, 0xd08, "Cortex-A72"},
             {0x41, 0xd0b, "Cortex-A76"},  {0x41, 0xd0c, "Neoverse-N1"}, {0x41, 0xd40, "Neoverse-V1"},
             {0x41, 0xd41, "Cortex-A78"},  {0x41, 0xd49, "Neoverse-N2"}, {0x41, 0xd4f, "Neoverse-V2"},
             {0x41, 0xd84, "Neoverse-V3"}, {0x41, 0xd8e, "Neoverse-N3"}, {0x46, 0x001, "A64FX"},
             {0x48, 0xd01, "Kunpeng-920"}, {0xc0, 0xac3, "AmpereOne"}};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (t[i].impl == implementer && t[i].part == part)
            return t[i].name;
    return NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

cJSON *pb_vulnerabilities(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char *names[256];
    size_t n = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL && n < sizeof names / sizeof *names)
        if (e->d_name[0] != '.' && (names[n] = strdup(e->d_name)) != NULL)
            n++;
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char err[256];
        size_t n_read;
        char *text = pb_read_file(path, 4096, &n_read, err, sizeof err);
        if (text) {
            text[strcspn(text, "\n")] = '\0';
            cJSON_AddStringToObject(o, names[i], text);
            free(text);
        }
        free(names[i]);
    }
    return o;
}
