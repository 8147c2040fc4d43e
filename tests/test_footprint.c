/* Kernel footprints: the output part is exactly the ntasks * out_size that prepare then
 * sizes, the blur input is its pixels, absurd parameters saturate instead of wrapping,
 * and a footprint refuses the input prepare refuses, with the same message. */
#include "check.h"
#include "kernel.h"

static char err[512];
static char data[512];

/* Parameters of kernel `name` at the small preset with "param=value" settings. */
static const struct pb_kernel *params(const char *name, struct pb_params *p,
                                      const char *const *set)
{
    const struct pb_kernel *k = pb_kernel_find(name);
    CHECK(k != NULL && k->footprint != NULL);
    CHECK(pb_params_init(p, k, PB_SIZE_SMALL, err, sizeof err) == 0);
    for (; *set != NULL; set++) {
        char pname[64];
        const char *eq = strchr(*set, '=');
        snprintf(pname, sizeof pname, "%.*s", (int)(eq - *set), *set);
        CHECK(pb_params_set(p, k, pname, eq + 1, err, sizeof err) == 0);
    }
    return k;
}

/* The bytes of part `name`, or UINT64_MAX - 1 when the footprint has none. */
static uint64_t part(const struct pb_footprint *f, const char *name)
{
    for (size_t i = 0; i < f->nparts; i++)
        if (strcmp(f->part[i].name, name) == 0)
            return f->part[i].bytes;
    fprintf(stderr, "footprint \"%s\" has no part \"%s\"\n", f->what, name);
    pb_check_failures++;
    return UINT64_MAX - 1;
}

/* Footprint and prepare of the same parameters agree on the output array. */
static struct pb_footprint output_matches(const char *name, const char *const *set)
{
    struct pb_params p;
    struct pb_footprint f = {0};
    struct pb_workload w = {0};
    const struct pb_kernel *k = params(name, &p, set);
    CHECK(k->footprint(&p, &f, err, sizeof err) == 0);
    CHECK(f.what[0] != '\0' && f.hint != NULL);
    if (k->prepare(&w, &p, err, sizeof err) != 0) {
        fprintf(stderr, "%s: prepare failed: %s\n", name, err);
        pb_check_failures++;
        return f;
    }
    CHECK_EQ_U(part(&f, "output"), (uint64_t)w.ntasks * w.out_size);
    if (k->release)
        k->release(&w);
    return f;
}

static void test_division_kernels(void)
{
    output_matches("primes", (const char *[]){NULL});
    output_matches("primes", (const char *[]){"lo=7", "hi=100003", "block=1000", NULL});
    output_matches("primes", (const char *[]){"lo=5", "hi=6", "block=1000000", NULL});
    struct pb_footprint f = output_matches("primes", (const char *[]){"block=1", "hi=12345", NULL});
    /* The check keeps a count per task and the sieve's flags up to sqrt(hi) and a segment. */
    CHECK(part(&f, "reference") >= 12345 * 8 + 111);
    output_matches("factors", (const char *[]){"count=17", NULL});
    output_matches("noop", (const char *[]){"tasks=1", NULL});
    output_matches("noop", (const char *[]){"tasks=4321", NULL});
}

static void test_blur(void)
{
    /* Synthetic: 3 images of 50x33 in bands of 8 rows: 5 bands each, 8 * 50 * 3 bytes. */
    struct pb_footprint f = output_matches(
        "blur", (const char *[]){"images=3", "width=50", "height=33", "band=8", NULL});
    CHECK_EQ_U(part(&f, "output"), 3 * 5 * 8 * 50 * 3);
    CHECK(part(&f, "input") >= 3 * 50 * 33 * 3 && part(&f, "input") < 3 * 50 * 33 * 3 + 4096);
    CHECK(part(&f, "reference") >= 3 * 50 * 33 * 3);
    CHECK_STR(f.what, "3 images of 50x33");
    /* A band taller than the image is clamped to it, as prepare does. */
    output_matches("blur", (const char *[]){"width=20", "height=9", "band=1000", NULL});

    /* Files of different sizes, read from their headers only. */
    char files[600], save[600];
    snprintf(files, sizeof files, "files=%s/img", data);
    f = output_matches("blur", (const char *[]){files, "band=5", NULL});
    uint64_t pixels = 37 * 23 + 16 * 16 + 24 * 12 + 20 * 10 + 32 * 16;
    CHECK(part(&f, "input") >= pixels * 3 && part(&f, "input") < pixels * 3 + 4096);
    /* With blur.save, the largest image narrower than the widest gets a buffer. */
    snprintf(save, sizeof save, "save=/tmp");
    struct pb_params p;
    const struct pb_kernel *k = params("blur", &p, (const char *[]){files, save, NULL});
    f = (struct pb_footprint){0};
    CHECK(k->footprint(&p, &f, err, sizeof err) == 0);
    CHECK_EQ_U(part(&f, "save buffer"), 32 * 16 * 3);
}

/* What no machine holds still comes out as a large number, never a wrapped small one. */
static void test_saturation(void)
{
    CHECK_EQ_U(pb_bytes_mul(UINT64_MAX / 2, 3), UINT64_MAX);
    CHECK_EQ_U(pb_bytes_mul(0, UINT64_MAX), 0);
    CHECK_EQ_U(pb_bytes_add(UINT64_MAX - 1, 2), UINT64_MAX);
    CHECK_EQ_U(pb_bytes_add(1, 2), 3);

    struct pb_params p;
    struct pb_footprint f = {0};
    const struct pb_kernel *k =
        params("primes", &p, (const char *[]){"block=1", "hi=1000000000000000", NULL});
    CHECK(k->footprint(&p, &f, err, sizeof err) == 0);
    CHECK_EQ_U(part(&f, "output"), UINT64_C(8000000000000000));

    f = (struct pb_footprint){0};
    k = params("blur", &p, (const char *[]){"images=10000", "width=30000", "height=30000", NULL});
    CHECK(k->footprint(&p, &f, err, sizeof err) == 0);
    CHECK(part(&f, "input") / 10000 - UINT64_C(30000) * 30000 * 3 < 4096);
    CHECK_STR(f.what, "10000 images of 30000x30000");
}

/* Input prepare refuses, the footprint refuses first, with prepare's message. */
static void expect_same_refusal(const char *name, const char *const *set, const char *what)
{
    struct pb_params p;
    struct pb_footprint f = {0};
    struct pb_workload w = {0};
    char prep_err[512] = "";
    const struct pb_kernel *k = params(name, &p, set);
    CHECK(k->footprint(&p, &f, err, sizeof err) == -1);
    CHECK(k->prepare(&w, &p, prep_err, sizeof prep_err) == -1);
    CHECK_STR(err, prep_err);
    if (strstr(err, what) == NULL) {
        fprintf(stderr, "%s: message \"%s\" lacks \"%s\"\n", name, err, what);
        pb_check_failures++;
    }
}

static void test_refusals(void)
{
    char files[600];
    expect_same_refusal("primes", (const char *[]){"lo=10", "hi=10", NULL}, "must be greater");
    expect_same_refusal("blur", (const char *[]){"width=100000", "height=100000", NULL},
                        "pixels per image");
    snprintf(files, sizeof files, "files=%s/bad/cmyk.jpg", data);
    expect_same_refusal("blur", (const char *[]){files, NULL}, "CMYK");
    snprintf(files, sizeof files, "files=%s/bad/notimage.png", data);
    expect_same_refusal("blur", (const char *[]){files, NULL}, "not a PNG or JPEG file");
    snprintf(files, sizeof files, "files=%s/no-such-dir/x.png", data);
    expect_same_refusal("blur", (const char *[]){files, NULL}, "cannot open");
}

int main(void)
{
    const char *env = getenv("PB_TEST_DATA");
    snprintf(data, sizeof data, "%s", env ? env : "tests/data");
    test_division_kernels();
    test_blur();
    test_saturation();
    test_refusals();
    CHECK_DONE();
}
