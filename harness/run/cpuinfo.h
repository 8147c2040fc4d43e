/* What the kernel says about the CPU: /proc/cpuinfo and the
 * /sys/devices/system/cpu/vulnerabilities files, parsed from text or a
 * directory so that the parsers run on fixture files in the tests. */
#ifndef PB_CPUINFO_H
#define PB_CPUINFO_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* The first processor's identity, and every processor's "cpu MHz".
 * Numbers the text does not give are -1, strings "". */
struct pb_cpuinfo {
    char vendor[32];        /* x86 "vendor_id" ("GenuineIntel"); Arm: the implementer's name */
    char model_name[128];   /* x86 "model name"; Arm: the core's name from its part number */
    long family, model, stepping;   /* x86 "cpu family", "model", "stepping" */
    char microcode[32];     /* x86 "microcode" as written ("0x2b000571") */
    long arm_implementer, arm_variant, arm_part, arm_revision, arm_architecture;   /* Arm MIDR fields */
    char flags[4096];       /* x86 "flags" / Arm "Features" of the first processor */
    unsigned processors;    /* "processor" lines */
    double *mhz;            /* "cpu MHz" of each processor that has one, in order (malloc'd) */
    size_t nmhz;
};

/* Parse /proc/cpuinfo text into `ci` (which pb_cpuinfo_free releases).
 * Returns 0, or -1 when the text names no processor. */
int pb_cpuinfo_parse(const char *text, struct pb_cpuinfo *ci);
void pb_cpuinfo_free(struct pb_cpuinfo *ci);

/* The ISA extensions that matter to parbench's kernels that `flags` (a cpuinfo
 * flags or Features line) lists, under parbench's names ("avx2", "avx512f",
 * "neon", "sve"), in a fixed order; joined with spaces into `buf`. */
const char *pb_cpuinfo_isa(const char *flags, char *buf, size_t len);

/* The name of an Arm implementer code and of a core part number ("ARM",
 * "Neoverse-V1"); NULL when the table does not know it. */
const char *pb_arm_implementer_name(long implementer);
const char *pb_arm_part_name(long implementer, long part);

/* Every file of a vulnerabilities directory (normally
 * /sys/devices/system/cpu/vulnerabilities) as name -> its one line of text,
 * sorted by name; NULL when the directory cannot be read. */
cJSON *pb_vulnerabilities(const char *dir);

#endif
