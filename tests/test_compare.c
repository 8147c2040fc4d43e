/* compare's building blocks: the ratio CI, the geometric mean and its CI,
 * --varies parsing, and what differs between two loaded results files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compare.h"

#define Z95 1.959963984540054

/* A record with these run times and, when lo < hi, that median CI from the file. */
static struct pb_rf_record rec(double *t, size_t n, double median, double lo, double hi)
{
    struct pb_rf_record r;
    memset(&r, 0, sizeof r);
    r.times_s = t;
    r.ntimes = n;
    r.median_s = median;
    r.ci_low_s = lo < hi ? lo : NAN;
    r.ci_high_s = lo < hi ? hi : NAN;
    r.valid = true;
    return r;
}

static void test_ratio_ci(void)
{
    double ta[] = {1, 1, 1}, tb[] = {2, 2, 2};
    /* B = 2 A with the same relative CI: ratio 2, the interval symmetric on the
     * log scale with se = sqrt(2) * each median's. */
    struct pb_rf_record a = rec(ta, 3, 1.0, 0.9, 1.1), b = rec(tb, 3, 2.0, 1.8, 2.2);
    double lo, hi, se;
    CHECK(pb_cmp_ratio_ci(&a, &b, &lo, &hi, &se));
    double s1 = (log(1.1) - log(0.9)) / (2 * Z95);
    CHECK_NEAR(se, sqrt(2) * s1, 1e-12);
    CHECK_NEAR(lo * hi, 4, 1e-9);
    CHECK_NEAR(lo, 2 * exp(-Z95 * sqrt(2) * s1), 1e-12);
    CHECK(lo < 2 && hi > 2);

    /* No CI in the file and 3 runs (a median CI needs 6): no ratio CI. */
    struct pb_rf_record c = rec(ta, 3, 1.0, 0, 0);
    CHECK(!pb_cmp_ratio_ci(&c, &b, &lo, &hi, &se));
    CHECK(isnan(lo) && isnan(hi) && isnan(se));

    /* Six runs: the CI comes from run/stats.c's order statistics of the runs. */
    double t6a[] = {1.0, 1.1, 0.9, 1.05, 0.95, 1.0}, t6b[] = {2.0, 2.2, 1.8, 2.1, 1.9, 2.0};
    struct pb_rf_record d = rec(t6a, 6, 1.0, 0, 0), e = rec(t6b, 6, 2.0, 0, 0);
    CHECK(pb_cmp_ratio_ci(&d, &e, &lo, &hi, &se));
    CHECK(lo < 2 && hi > 2 && lo > 1);
}

static void test_geomean(void)
{
    struct pb_rf_record ra = {.kernel = "k", .params_text = "n=1"};
    struct pb_rf_record rb = {.kernel = "other", .params_text = "n=1"};
    struct pb_cmp_row rows[3] = {
        {.a = &ra, .b = &ra, .ratio = 2, .ratio_se = 0.1},
        {.a = &ra, .b = &ra, .ratio = 0.5, .ratio_se = 0.1},
        {.a = &rb, .b = &rb, .ratio = 8, .ratio_se = NAN},
    };
    struct pb_cmp_pair p = {.other = 1, .rows = rows, .nrows = 2};
    struct pb_cmp_geomean g;
    pb_cmp_geomean(&p, NULL, NULL, &g);
    CHECK_EQ_U(g.n, 2);
    CHECK_NEAR(g.gm, 1, 1e-12);
    double se = sqrt(0.02) / 2;
    CHECK_NEAR(g.lo, exp(-Z95 * se), 1e-12);
    CHECK_NEAR(g.hi, exp(Z95 * se), 1e-12);
    CHECK_NEAR(g.min, 0.5, 0);
    CHECK_NEAR(g.max, 2, 0);

    /* A ratio without a CI leaves the mean without one, and says how many lack it. */
    p.nrows = 3;
    pb_cmp_geomean(&p, NULL, NULL, &g);
    CHECK_EQ_U(g.n, 3);
    CHECK_EQ_U(g.n_no_ci, 1);
    CHECK_NEAR(g.gm, 2, 1e-12);
    CHECK(isnan(g.lo) && isnan(g.hi));
    /* Per kernel: only that kernel's rows. */
    pb_cmp_geomean(&p, "k", "n=1", &g);
    CHECK_EQ_U(g.n, 2);
    CHECK_NEAR(g.gm, 1, 1e-12);
    pb_cmp_geomean(&p, "none", "n=1", &g);
    CHECK_EQ_U(g.n, 0);
    CHECK(isnan(g.gm));
}

static void test_varies(void)
{
    unsigned mask = 0;
    char err[256], text[128];
    CHECK(pb_cmp_varies_parse("machine,conditions", &mask, err, sizeof err) == 0);
    CHECK(pb_cmp_varies_parse("revision", &mask, err, sizeof err) == 0);
    CHECK_EQ_U(mask, (1u << PB_CMP_MACHINE) | (1u << PB_CMP_CONDITIONS) | (1u << PB_CMP_REVISION));
    pb_cmp_aspects_text(mask, text, sizeof text);
    CHECK_STR(text, "machine, revision and conditions");
    pb_cmp_aspects_text(1u << PB_CMP_BUILD, text, sizeof text);
    CHECK_STR(text, "build");
    CHECK(pb_cmp_varies_parse("cpu", &mask, err, sizeof err) == -1);
    CHECK(strstr(err, "'cpu' is not one of") != NULL);
    CHECK(pb_cmp_varies_parse("machine,", &mask, err, sizeof err) == -1);
    CHECK(pb_cmp_varies_parse("", &mask, err, sizeof err) == -1);
}

/* The row of field `name`, or -1. */
static long field(const struct pb_cmp_differs *d, const char *name)
{
    for (size_t f = 0; f < d->nf; f++)
        if (strcmp(d->f[f].name, name) == 0)
            return (long)f;
    return -1;
}

static void test_differs(const char *fixtures)
{
    char path[4200], err[1400];
    snprintf(path, sizeof path, "%s/run-a", fixtures);
    struct pb_cmp_input in[2];
    memset(in, 0, sizeof in);
    for (int i = 0; i < 2; i++) {
        if (pb_rfile_load(&in[i].rf, path, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            CHECK(0);
            return;
        }
        CHECK(pb_sections_build(&in[i].rf, &in[i].ss) == 0);
    }
    struct pb_cmp_differs d;
    CHECK(pb_cmp_differs_build(in, 2, &d) == 0);
    CHECK_EQ_U(d.mask, 0);
    long host = field(&d, "host");
    CHECK(host >= 0 && strcmp(pb_cmp_value(&d, (size_t)host, 1), "vm") == 0);
    CHECK(field(&d, "primes parameters") >= 0);
    /* Old files lack the cpu block: no row rather than "not recorded" twice. */
    CHECK(field(&d, "ISA extensions") < 0);
    pb_cmp_differs_free(&d);

    /* Another host with more cores, idle: machine and conditions differ, the
     * load compared as the pre-flight judges it (1 or more is loaded). */
    in[1].rf.sys.host = "other";
    in[1].rf.sys.cores = 4;
    in[1].rf.sys.pus = 8;
    in[1].rf.preflight.loadavg[0] = 0.2;
    CHECK(pb_cmp_differs_build(in, 2, &d) == 0);
    CHECK_EQ_U(d.mask, (1u << PB_CMP_MACHINE) | (1u << PB_CMP_CONDITIONS));
    long cores = field(&d, "cores / PUs"), load = field(&d, "load average (1 min)");
    CHECK(cores >= 0 && d.f[cores].differs);
    CHECK(cores >= 0 && strcmp(pb_cmp_value(&d, (size_t)cores, 1), "4 / 8") == 0);
    CHECK(load >= 0 && d.f[load].differs);
    CHECK(load >= 0 && strcmp(pb_cmp_value(&d, (size_t)load, 1), "0.20") == 0);
    pb_cmp_differs_free(&d);
    /* 5.58 against 3.0: both loaded, the same condition. */
    in[1].rf.preflight.loadavg[0] = 3.0;
    CHECK(pb_cmp_differs_build(in, 2, &d) == 0);
    load = field(&d, "load average (1 min)");
    CHECK(load >= 0 && !d.f[load].differs);
    pb_cmp_differs_free(&d);
    for (int i = 0; i < 2; i++) {
        pb_sections_free(&in[i].ss);
        pb_rfile_free(&in[i].rf);
    }
}

int main(void)
{
    test_ratio_ci();
    test_geomean();
    test_varies();
    const char *data = getenv("PB_TEST_DATA");
    char fixtures[4096];
    snprintf(fixtures, sizeof fixtures, "%s/../fixtures", data ? data : "tests/data");
    test_differs(fixtures);
    CHECK_DONE();
}
