/* report/compare building blocks: the Mann–Whitney U test, the median CI,
 * the Amdahl fit, the escapers, number formatting, and reading results files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "findings.h"
#include "fmtnum.h"
#include "mode.h"
#include "report-series.h"
#include "report-stats.h"
#include "resultsfile.h"
#include "textbuf.h"

/* Two-sided p of the permutation distribution of U, by enumerating every split:
 * an independent check of the exact path. */
static double brute_p(const double *a, size_t na, const double *b, size_t nb)
{
    double all[16];
    size_t n = na + nb;
    for (size_t i = 0; i < na; i++)
        all[i] = a[i];
    for (size_t i = 0; i < nb; i++)
        all[na + i] = b[i];
    double u0 = 0, mean = (double)(na * nb) / 2;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            u0 += (a[i] > b[j]) + 0.5 * (a[i] == b[j]);
    size_t hit = 0, total = 0;
    for (unsigned mask = 0; mask < (1u << n); mask++) {
        if ((size_t)__builtin_popcount(mask) != na)
            continue;
        double u = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                if ((mask >> i & 1) && !(mask >> j & 1))
                    u += (all[i] > all[j]) + 0.5 * (all[i] == all[j]);
        total++;
        hit += fabs(u - mean) >= fabs(u0 - mean) - 1e-9;
    }
    return (double)hit / (double)total;
}

static void test_mann_whitney(void)
{
    struct pb_rs_mwu m;
    /* Completely separated 5 vs 5: U = 0, exact p = 2 / C(10, 5). */
    const double lo[] = {1, 2, 3, 4, 5}, hi[] = {6, 7, 8, 9, 10};
    CHECK(pb_rs_mann_whitney(lo, 5, hi, 5, &m) == 0);
    CHECK(m.exact);
    CHECK_NEAR(m.u, 0, 1e-12);
    CHECK_NEAR(m.p, 2.0 / 252, 1e-12);
    CHECK(pb_rs_mann_whitney(hi, 5, lo, 5, &m) == 0);
    CHECK_NEAR(m.u, 25, 1e-12);
    CHECK_NEAR(m.p, 2.0 / 252, 1e-12);

    /* A textbook example with unequal sizes, against brute-force enumeration. */
    const double a[] = {19, 22, 16, 29, 24}, b[] = {20, 11, 17, 12};
    CHECK(pb_rs_mann_whitney(a, 5, b, 4, &m) == 0);
    CHECK_NEAR(m.u, 17, 1e-12);
    CHECK_NEAR(m.p, 1.0 / 9, 1e-12);
    CHECK_NEAR(m.p, brute_p(a, 5, b, 4), 1e-12);
    const double c[] = {0.31, 0.35, 0.29, 0.4}, d[] = {0.33, 0.36, 0.30, 0.5, 0.45, 0.41};
    CHECK(pb_rs_mann_whitney(c, 4, d, 6, &m) == 0);
    CHECK_NEAR(m.p, brute_p(c, 4, d, 6), 1e-12);

    /* Ties: the normal approximation with tie and continuity corrections
     * (R: wilcox.test(x, y, exact = FALSE) gives W = 58, p = 0.1329). */
    const double x[] = {1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30};
    const double y[] = {0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29};
    CHECK(pb_rs_mann_whitney(x, 9, y, 9, &m) == 0);
    CHECK(!m.exact);
    CHECK_NEAR(m.u, 58, 1e-12);
    CHECK_NEAR(m.p, 0.13291945818531886, 1e-9);

    /* Every value equal: no evidence of any difference. */
    const double same[] = {2, 2, 2};
    CHECK(pb_rs_mann_whitney(same, 3, same, 3, &m) == 0);
    CHECK_NEAR(m.p, 1, 0);
    /* An empty side cannot be tested. */
    CHECK(pb_rs_mann_whitney(same, 3, same, 0, &m) == 0);
    CHECK_NEAR(m.p, 1, 0);

    /* 3 vs 3 runs can never reach p < 0.05; 4 vs 4 can. */
    CHECK_NEAR(pb_rs_mwu_min_p(3, 3), 0.1, 1e-12);
    CHECK(pb_rs_mwu_min_p(4, 4) < 0.05);
}

static void test_median_ci(void)
{
    double lo, hi;
    const double x[] = {5, 1, 4, 2, 3, 6, 9, 8, 7, 10};
    CHECK(!pb_rs_median_ci(x, 5, &lo, &hi));
    CHECK(isnan(lo) && isnan(hi));
    /* n = 6: only [min, max] covers 95% (1 - 2/64). */
    CHECK(pb_rs_median_ci(x, 6, &lo, &hi));
    CHECK_NEAR(lo, 1, 0);
    CHECK_NEAR(hi, 6, 0);
    /* n = 10: P(B <= 1) = 11/1024 <= 0.025 < P(B <= 2), so [x(2), x(9)]. */
    CHECK(pb_rs_median_ci(x, 10, &lo, &hi));
    CHECK_NEAR(lo, 2, 0);
    CHECK_NEAR(hi, 9, 0);
}

static void test_amdahl(void)
{
    const double p[] = {1, 2, 4, 8};
    double s[4], f, se;
    for (size_t i = 0; i < 4; i++)
        s[i] = 1 / (0.1 + 0.9 / p[i]);
    CHECK_EQ_U(pb_rs_amdahl_fit(p, s, 4, &f, &se), 3);
    CHECK_NEAR(f, 0.1, 1e-12);
    CHECK_NEAR(se, 0, 1e-9);
    CHECK_EQ_U(pb_rs_amdahl_fit(p, s, 1, &f, &se), 0);   /* only p = 1: nothing to fit */
    CHECK(isnan(f));
    CHECK_EQ_U(pb_rs_amdahl_fit(p, s, 2, &f, &se), 1);
    CHECK_NEAR(f, 0.1, 1e-12);
    CHECK(isnan(se));
}

static void test_escapes(void)
{
    struct pb_tb b = {0};
    pb_tb_html(&b, "<a href='x'>&\"</a>\x01");
    CHECK_STR(pb_tb_str(&b), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
    pb_tb_free(&b);
    pb_tb_md(&b, "a|b\nc_d <script> `x`");
    CHECK_STR(pb_tb_str(&b), "a\\|b c\\_d \\<script\\> \\`x\\`");
    pb_tb_free(&b);
    pb_tb_gpstr(&b, "it's\na\\b");
    CHECK_STR(pb_tb_str(&b), "'it''s a\\b'");
    pb_tb_free(&b);
    pb_tb_printf(&b, "%d-%s", 42, "x");
    CHECK_STR(pb_tb_str(&b), "42-x");
    CHECK(!b.oom);
    pb_tb_free(&b);
    CHECK_STR(pb_tb_str(&b), "");
}

static void test_format(void)
{
    char buf[64];
    CHECK_STR(pb_fmt_time(0.11690, buf, sizeof buf), "116.9 ms");
    CHECK_STR(pb_fmt_time(1.5, buf, sizeof buf), "1.500 s");
    CHECK_STR(pb_fmt_time(4.2e-5, buf, sizeof buf), "42.00 \xc2\xb5s");
    CHECK_STR(pb_fmt_time(NAN, buf, sizeof buf), "\xe2\x80\x93");
    CHECK_STR(pb_fmt_time_range(0.1, 0.125, 0.11, buf, sizeof buf), "100.0\xe2\x80\x93" "125.0 ms");
    CHECK_STR(pb_fmt_si(8.55e6, buf, sizeof buf), "8.55 M");
    CHECK_STR(pb_fmt_si(999, buf, sizeof buf), "999");
    CHECK_STR(pb_fmt_bytes(49152, buf, sizeof buf), "48 KiB");
    CHECK_STR(pb_fmt_bytes(25325268992.0, buf, sizeof buf), "23.6 GiB");
}

static void test_load(const char *fixtures)
{
    char path[8192], err[1024];
    struct pb_rfile rf;
    snprintf(path, sizeof path, "%s/run-a", fixtures);
    CHECK(pb_rfile_load(&rf, path, err, sizeof err) == 0);
    CHECK_EQ_U(rf.schema, 2);
    CHECK_EQ_U(rf.nrec, 9);
    CHECK(rf.method.present && rf.preflight.present);
    CHECK_EQ_U(rf.rec[2].workers, 2);
    CHECK_EQ_U(rf.rec[0].ntimes, 6);
    CHECK(rf.rec[0].valid);
    CHECK_STR(rf.rec[0].status, "ok");
    CHECK_STR(rf.rec[0].bind, "core");
    CHECK(cJSON_GetArraySize(rf.rec[0].placement_workers) == 1);
    /* A file from before the traits were recorded: they come from the mode's descriptor. */
    const struct pb_mode *m = pb_mode_find(rf.rec[0].mode);
    CHECK(m != NULL);
    if (m) {
        CHECK_STR(rf.rec[0].worker_kind, pb_worker_kind_name(m->worker));
        CHECK_STR(rf.rec[0].output_path, pb_output_path_name(m->output));
        CHECK_STR(rf.rec[0].runtime, pb_runtime_name(m->runtime));
        CHECK(rf.rec[0].single_worker == m->single_worker);
    }
    CHECK(rf.rec[0].mode_facts == NULL);
    pb_rfile_free(&rf);

    /* Schema 1: the schema-2 fields read as absent. */
    snprintf(path, sizeof path, "%s/schema1/results.json", fixtures);
    CHECK(pb_rfile_load(&rf, path, err, sizeof err) == 0);
    CHECK_EQ_U(rf.schema, 1);
    CHECK(!rf.method.present && !rf.preflight.present && rf.nfit == 0);
    CHECK(rf.nrec > 0 && isnan(rf.rec[0].ci_low_s));
    pb_rfile_free(&rf);

    static const struct {
        const char *dir, *msg;
    } bad[] = {
        {"wrongtype", "/wrongtype/results.json: results[3].median_s: expected a number"},
        {"missingfield", "/missingfield/results.json: results[1].mode: missing (expected a string)"},
        {"newer", "/newer/results.json: schema 999 is newer than this parbench understands"},
        {"truncated", "/truncated/results.json: not valid JSON: the file ends early"},
        {"no-such-dir", "/no-such-dir: no such results directory or file"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(path, sizeof path, "%s/%s", fixtures, bad[i].dir);
        CHECK(pb_rfile_load(&rf, path, err, sizeof err) == -1);
        if (!strstr(err, bad[i].msg)) {
            fprintf(stderr, "%s: got '%s', want '%s'\n", bad[i].dir, err, bad[i].msg);
            pb_check_failures++;
        }
        CHECK(!strchr(err, '\n'));
    }
}

/* Load `json` written to a temp file; 0 or -1 with err. */
static int load_text(const char *json, struct pb_rfile *rf, char *err, size_t errlen)
{
    char path[] = "/tmp/pb-test-report-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    fputs(json, f);
    fclose(f);
    int rc = pb_rfile_load(rf, path, err, errlen);
    unlink(path);
    return rc;
}

/* The fields added to schema 2 since it first shipped: read as written, checked by type. */
static void test_new_fields(void)
{
    static const char head[] =
        "{\"schema\": 2, \"system\": {\"host\": \"h\", \"cpu_model\": \"\", \"cores\": 1, "
        "\"pus\": 1}, \"results\": [{\"kernel\": \"k\", \"params_text\": \"\", "
        "\"mode\": \"made-up\", \"workers\": 1, \"schedule\": \"static\", \"times_s\": [1], "
        "\"median_s\": 1, \"valid\": true, ";
    char json[2048], err[1024];
    struct pb_rfile rf;
    snprintf(json, sizeof json, "%s%s", head,
             "\"worker_kind\": \"process\", \"output_path\": \"copied\", \"runtime\": \"python\", "
             "\"single_worker\": true, \"mode_facts\": {\"mapping\": \"by core\"}, "
             "\"placement\": {\"workers\": [{\"worker\": 0, \"host\": \"node2\"}]}}]}");
    CHECK(load_text(json, &rf, err, sizeof err) == 0);
    if (rf.nrec == 1) {
        const struct pb_rf_record *r = &rf.rec[0];
        CHECK_STR(r->worker_kind, "process");
        CHECK_STR(r->output_path, "copied");
        CHECK_STR(r->runtime, "python");
        CHECK(r->single_worker);
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(r->mode_facts, "mapping")), "by core");
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(
                      cJSON_GetArrayItem(r->placement_workers, 0), "host")), "node2");
        pb_rfile_free(&rf);
    }
    /* A mode this parbench does not know, without traits: "" and false. */
    snprintf(json, sizeof json, "%s%s", head, "\"status\": \"ok\"}]}");
    CHECK(load_text(json, &rf, err, sizeof err) == 0);
    if (rf.nrec == 1) {
        CHECK_STR(rf.rec[0].worker_kind, "");
        CHECK(!rf.rec[0].single_worker);
        pb_rfile_free(&rf);
    }
    static const struct {
        const char *tail, *msg;
    } bad[] = {
        {"\"mode_facts\": {\"ranks\": 4}}]}", "results[0].mode_facts: ranks: expected a string"},
        {"\"placement\": {\"workers\": [{\"host\": 7}]}}]}",
         "results[0].placement.workers[0].host: expected a string"},
        {"\"single_worker\": \"yes\"}]}", "results[0].single_worker: expected true or false"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(json, sizeof json, "%s%s", head, bad[i].tail);
        CHECK(load_text(json, &rf, err, sizeof err) == -1);
        if (!strstr(err, bad[i].msg)) {
            fprintf(stderr, "got '%s', want '%s'\n", err, bad[i].msg);
            pb_check_failures++;
        }
    }
}

/* A record with these timings and their order-statistic CI (6 runs: min and max). */
static struct pb_rf_record timed(double *t, size_t n)
{
    struct pb_rf_record r = {.times_s = t, .ntimes = n, .ci_low_s = NAN, .ci_high_s = NAN,
                             .valid = true};
    return r;
}

/* A difference is claimed only when significant AND the CIs are apart. */
static void test_differ(void)
{
    double a[] = {1.00, 1.01, 1.02, 1.03, 1.04, 1.05}, b[] = {1.005, 1.015, 1.025, 1.035, 1.045, 1.055};
    double c[] = {2.0, 2.1, 2.2, 2.3, 2.4, 2.5}, d[] = {1.06, 1.1, 1.2, 1.3, 1.4, 2.0};
    double few1[] = {1, 1.1, 1.2}, few2[] = {5, 5.1, 5.2};
    struct pb_rf_record ra = timed(a, 6), rb = timed(b, 6), rc = timed(c, 6), rd = timed(d, 6);
    struct pb_rf_record f1 = timed(few1, 3), f2 = timed(few2, 3);
    double p;
    CHECK(!pb_findings_differ(&ra, &rb, &p));   /* interleaved: p large */
    CHECK(p > 0.5);
    CHECK(pb_findings_differ(&ra, &rc, &p));    /* separated: p = 2 / C(12, 6) */
    CHECK_NEAR(p, 2.0 / 924, 1e-12);
    CHECK(pb_findings_differ(&rc, &ra, &p));
    /* Every d above every a (p = 0.002) and d's CI [1.06, 2.0] apart from a's
     * [1.00, 1.05]: a claim.  Widen a's CI to overlap d's and it is none. */
    CHECK(pb_findings_differ(&ra, &rd, &p));
    ra.ci_high_s = 1.2;
    ra.ci_low_s = 1.0;
    CHECK(!pb_findings_differ(&ra, &rd, &p));
    CHECK_NEAR(p, 2.0 / 924, 1e-12);            /* significant, but the CIs overlap */
    /* Fewer than 6 runs: no CI, so never a claim, however far apart. */
    CHECK(!pb_findings_differ(&f1, &f2, &p));
    char buf[32];
    CHECK_STR(pb_findings_ptext(0.4123, buf, sizeof buf), "p = 0.41");
    CHECK_STR(pb_findings_ptext(0.00216, buf, sizeof buf), "p = 0.002");
    CHECK_STR(pb_findings_ptext(0.00001, buf, sizeof buf), "p < 0.001");
    CHECK_STR(pb_findings_ptext(NAN, buf, sizeof buf), "p = ?");
}

/* Amdahl fits: none over fewer than 3 worker counts, negative f clamped and flagged
 * (fixtures run-a: 1 and 2 workers; headline: shm super-linear over 1, 2, 4). */
static void test_amdahl_gate(const char *fixtures)
{
    const char *dirs[] = {"run-a", "headline"};
    for (size_t k = 0; k < 2; k++) {
        char path[8192], err[1024];
        struct pb_rfile rf;
        snprintf(path, sizeof path, "%s/%s", fixtures, dirs[k]);
        CHECK(pb_rfile_load(&rf, path, err, sizeof err) == 0);
        struct pb_sections ss;
        CHECK(pb_sections_build(&rf, &ss) == 0);
        size_t fits = 0, negative = 0;
        for (size_t i = 0; i < ss.n; i++)
            for (size_t j = 0; j < ss.s[i].nseries; j++) {
                const struct pb_series *s = &ss.s[i].series[j];
                if (isnan(s->amdahl_f))
                    continue;
                fits++;
                CHECK(s->amdahl_counts >= PB_AMDAHL_MIN_COUNTS);
                CHECK(s->amdahl_f >= 0);
                if (s->amdahl_negative) {
                    negative++;
                    CHECK_STR(s->mode, "shm");
                    CHECK(s->amdahl_f == 0);
                }
            }
        /* run-a: every fit is over 1 and 2 workers, so none; headline: primes threads,
         * openmp, forkpool and blur shm (blur threads has 1 and 2 only). */
        CHECK_EQ_U(fits, k == 0 ? 0 : 4);
        CHECK_EQ_U(negative, k == 0 ? 0 : 1);
        pb_sections_free(&ss);
        pb_rfile_free(&rf);
    }
}

/* One interpreter's Python modes are measured against its own py-serial only. */
static void test_mode_variant(void)
{
    CHECK(strcmp(pb_mode_variant("py-pool@3.11"), "@3.11") == 0);
    CHECK(strcmp(pb_mode_variant("py-pool@3.11-2"), "@3.11-2") == 0);
    CHECK(strcmp(pb_mode_variant("threads"), "") == 0);
}

int main(void)
{
    test_mode_variant();
    test_differ();
    test_new_fields();
    test_mann_whitney();
    test_median_ci();
    test_amdahl();
    test_escapes();
    test_format();
    const char *data = getenv("PB_TEST_DATA");
    char fixtures[4096];
    snprintf(fixtures, sizeof fixtures, "%s/../fixtures", data ? data : "tests/data");
    test_load(fixtures);
    test_amdahl_gate(fixtures);
    CHECK_DONE();
}
