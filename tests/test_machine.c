/* The machine description: /proc/cpuinfo and vulnerabilities parsers on the
 * hand-written fixtures in tests/fixtures/machine (an Intel Xeon, an AMD EPYC,
 * an Arm Neoverse), the run id, and the system block's new parts on this
 * machine through a synthetic topology. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "cpuinfo.h"
#include "fsutil.h"
#include "machine.h"
#include "placement.h"

static char *fixture(const char *name)
{
    const char *data = getenv("PB_TEST_DATA");
    char path[4096], err[256];
    size_t len;
    snprintf(path, sizeof path, "%s/../fixtures/machine/%s", data ? data : "tests/data", name);
    char *text = pb_read_file(path, 1 << 20, &len, err, sizeof err);
    if (!text)
        fprintf(stderr, "%s\n", err);
    return text;
}

static void parse(const char *name, struct pb_cpuinfo *ci)
{
    char *text = fixture(name);
    CHECK(text != NULL);
    CHECK(text && pb_cpuinfo_parse(text, ci) == 0);
    free(text);
}

static void intel(void)
{
    struct pb_cpuinfo ci;
    char isa[512];
    parse("cpuinfo-intel", &ci);
    CHECK_STR(ci.vendor, "GenuineIntel");
    CHECK_STR(ci.model_name, "Intel(R) Xeon(R) Platinum 8480+");
    CHECK(ci.family == 6 && ci.model == 143 && ci.stepping == 8);
    CHECK_STR(ci.microcode, "0x2b000571");
    CHECK(ci.arm_implementer == -1 && ci.arm_part == -1);
    CHECK_EQ_U(ci.processors, 2);
    CHECK_EQ_U(ci.nmhz, 2);
    CHECK(ci.nmhz == 2 && ci.mhz[0] == 2000.0 && fabs(ci.mhz[1] - 3800.112) < 1e-9);
    CHECK_STR(pb_cpuinfo_isa(ci.flags, isa, sizeof isa),
              "sse2 sse4_2 avx avx2 fma bmi2 avx512f avx512dq avx512cd avx512bw avx512vl "
              "avx512ifma avx512vbmi avx512_vnni avx512_bf16 avx512_fp16 avx_vnni amx_tile");
    pb_cpuinfo_free(&ci);
}

static void epyc(void)
{
    struct pb_cpuinfo ci;
    char isa[512];
    parse("cpuinfo-epyc", &ci);
    CHECK_STR(ci.vendor, "AuthenticAMD");
    CHECK_STR(ci.model_name, "AMD EPYC 9654 96-Core Processor");
    CHECK(ci.family == 25 && ci.model == 17 && ci.stepping == 1);
    CHECK_STR(ci.microcode, "0xa101148");
    CHECK_EQ_U(ci.processors, 2);
    CHECK(ci.nmhz == 2 && ci.mhz[0] == 1500.0 && fabs(ci.mhz[1] - 3705.446) < 1e-9);
    /* Zen 4: AVX-512 with VNNI and BF16, but neither FP16 nor AVX-VNNI nor AMX. */
    CHECK_STR(pb_cpuinfo_isa(ci.flags, isa, sizeof isa),
              "sse2 sse4_2 avx avx2 fma bmi2 avx512f avx512dq avx512cd avx512bw avx512vl "
              "avx512ifma avx512vbmi avx512_vnni avx512_bf16");
    pb_cpuinfo_free(&ci);
}

static void aarch64(void)
{
    struct pb_cpuinfo ci;
    char isa[512];
    parse("cpuinfo-aarch64", &ci);
    CHECK_STR(ci.vendor, "ARM");                 /* from implementer 0x41 */
    CHECK_STR(ci.model_name, "Neoverse-V1");     /* from part 0xd40 */
    CHECK(ci.family == -1 && ci.model == -1 && ci.stepping == -1);
    CHECK_STR(ci.microcode, "");
    CHECK(ci.arm_implementer == 0x41 && ci.arm_part == 0xd40 && ci.arm_variant == 1);
    CHECK(ci.arm_revision == 1 && ci.arm_architecture == 8);
    CHECK_EQ_U(ci.processors, 2);
    CHECK_EQ_U(ci.nmhz, 0);
    /* "svei8mm" and "svebf16" are not "i8mm"/"bf16": only the whole words count; no SVE2. */
    CHECK_STR(pb_cpuinfo_isa(ci.flags, isa, sizeof isa), "neon neon_fp16 dotprod i8mm bf16 sve");
    pb_cpuinfo_free(&ci);

    CHECK_STR(pb_cpuinfo_isa("svei8mm svebf16 sve2x", isa, sizeof isa), "");
    CHECK_STR(pb_cpuinfo_isa("sve2 asimd", isa, sizeof isa), "neon sve2");
    CHECK(pb_arm_part_name(0x41, 0xd4f) != NULL && pb_arm_part_name(0x41, 0x123) == NULL);
    CHECK(pb_arm_implementer_name(0xc0) != NULL && pb_arm_implementer_name(0x99) == NULL);
}

static void odd_text(void)
{
    struct pb_cpuinfo ci;
    CHECK(pb_cpuinfo_parse("", &ci) == -1);
    CHECK(pb_cpuinfo_parse("vendor_id : GenuineIntel\nflags : avx2\n", &ci) == -1);
    /* No trailing newline, unknown Arm implementer and part, CRLF line ends. */
    CHECK(pb_cpuinfo_parse("processor\t: 0\r\nCPU implementer\t: 0x99\r\nCPU part\t: 0x7", &ci) == 0);
    CHECK_STR(ci.vendor, "implementer 0x99");
    CHECK_STR(ci.model_name, "");
    CHECK(ci.arm_part == 7);
    pb_cpuinfo_free(&ci);
    char isa[8];   /* too small: whole names only */
    CHECK_STR(pb_cpuinfo_isa("avx2 avx512f", isa, sizeof isa), "avx2");
}

static void vulnerabilities(void)
{
    const char *data = getenv("PB_TEST_DATA");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/../fixtures/machine/vulnerabilities-intel",
             data ? data : "tests/data");
    cJSON *v = pb_vulnerabilities(dir);
    CHECK(v != NULL);
    if (v) {
        CHECK(cJSON_GetArraySize(v) == 12);
        CHECK_STR(v->child->string, "gather_data_sampling");   /* sorted by name */
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "meltdown")),
                  "Not affected");
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "spectre_v2")),
                  "Mitigation: Enhanced / Automatic IBRS; IBPB: conditional; RSB filling; "
                  "PBRSB-eIBRS: SW sequence; BHI: BHI_DIS_S");
        cJSON_Delete(v);
    }
    CHECK(pb_vulnerabilities("/nonexistent/vulnerabilities") == NULL);
}

static void run_id(void)
{
    char a[32], b[32];
    pb_run_id("host-a", a, sizeof a);
    pb_run_id("host-b", b, sizeof b);
    CHECK_EQ_U(strlen(a), 12);
    for (const char *p = a; *p; p++)
        CHECK(isxdigit((unsigned char)*p));
    CHECK(strcmp(a, b) != 0);
}

/* The new blocks exist with the right types on whatever machine runs the test. */
static void this_machine(void)
{
    struct pb_topo *t;
    char err[256];
    CHECK(pb_topo_load(&t, "pack:1 l3:1 core:2 pu:1", NULL, err, sizeof err) == 0);
    cJSON *s = cJSON_CreateObject();
    pb_machine_add(s, t);
    static const char *const obj[] = {"cpu", "clocks"};
    for (size_t i = 0; i < 2; i++)
        CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(s, obj[i])));
    CHECK(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(s, "caches")));
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s, "caches")) >= 1);   /* the L3 */
    CHECK(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(s, "numa_memory_bytes")));
    static const char *const any[] = {"smt_active", "smt_control", "mitigations", "openmp", "mpi"};
    for (size_t i = 0; i < 5; i++)
        CHECK(cJSON_GetObjectItemCaseSensitive(s, any[i]) != NULL);
    const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(s, "cpu");
    CHECK(cJSON_GetObjectItemCaseSensitive(cpu, "isa") != NULL);
    CHECK(cJSON_GetObjectItemCaseSensitive(cpu, "family") != NULL);
    cJSON_Delete(s);
    pb_topo_free(t);
}

int main(void)
{
    intel();
    epyc();
    aarch64();
    odd_text();
    vulnerabilities();
    run_id();
    this_machine();
    CHECK_DONE();
}
