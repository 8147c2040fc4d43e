/* Kernel parameters and command-line list parsing: strict, with clear messages. */
#include "check.h"
#include "kernel.h"
#include "options.h"

static const struct pb_param_def defs[] = {
    {"n", PB_PARAM_U64, {"5", "10", "20", "30"}, 1, 1000, "a count"},
    {"x", PB_PARAM_DOUBLE, {"0.25", "0.5", "1", "2"}, 0.1, 10, "a number"},
    {"dir", PB_PARAM_STRING, {"", "", "", ""}, 0, 0, "a path"},
};
static const struct pb_kernel fake = {.name = "fake", .params = defs, .nparams = 3};

int main(void)
{
    struct pb_params p;
    char err[256];
    CHECK(pb_params_init(&p, &fake, PB_SIZE_MEDIUM, err, sizeof err) == 0);
    CHECK_EQ_U(p.v[0].u, 20);
    CHECK_NEAR(p.v[1].d, 1.0, 0);
    CHECK_STR(p.v[2].s, "");
    CHECK(pb_params_set(&p, &fake, "n", "999", err, sizeof err) == 0);
    CHECK_EQ_U(p.v[0].u, 999);
    CHECK_STR(p.text[0], "999");
    CHECK(pb_params_set(&p, &fake, "dir", "/tmp/x", err, sizeof err) == 0);
    CHECK_STR(p.v[2].s, "/tmp/x");

    CHECK(pb_params_set(&p, &fake, "n", "1001", err, sizeof err) == -1);
    CHECK_STR(err, "fake.n=1001 is out of range [1, 1000]");
    CHECK(pb_params_set(&p, &fake, "n", "12abc", err, sizeof err) == -1);
    CHECK_STR(err, "fake.n=12abc is not a valid whole number");
    CHECK(pb_params_set(&p, &fake, "n", "-5", err, sizeof err) == -1);
    CHECK(pb_params_set(&p, &fake, "n", "", err, sizeof err) == -1);
    CHECK(pb_params_set(&p, &fake, "x", "nan", err, sizeof err) == -1);
    CHECK(pb_params_set(&p, &fake, "x", "0.01", err, sizeof err) == -1);
    CHECK(pb_params_set(&p, &fake, "nope", "1", err, sizeof err) == -1);
    CHECK_STR(err, "unknown parameter 'fake.nope' (see 'parbench list')");
    CHECK_EQ_U(p.v[0].u, 999);   /* a refused value leaves the old one */

    enum pb_size sz;
    CHECK(pb_size_parse("large", &sz) == 0 && sz == PB_SIZE_LARGE);
    CHECK(pb_size_parse("huge", &sz) == -1);
    CHECK(pb_size_parse("tiny", &sz) == 0 && sz == PB_SIZE_TINY);
    CHECK_STR(pb_size_name(PB_SIZE_TINY), "tiny");
    CHECK(pb_params_init(&p, &fake, PB_SIZE_TINY, err, sizeof err) == 0);
    CHECK_EQ_U(p.v[0].u, 5);
    /* Every registered kernel has a preset for every size that its own parser accepts. */
    for (size_t k = 0; k < pb_nkernels; k++)
        for (int s = 0; s < PB_SIZE_COUNT; s++) {
            for (size_t i = 0; i < pb_kernels[k]->nparams; i++)
                CHECK(pb_kernels[k]->params[i].preset[s] != NULL);
            CHECK(pb_params_init(&p, pb_kernels[k], (enum pb_size)s, err, sizeof err) == 0);
        }

    unsigned out[16];
    size_t n;
    CHECK(pb_parse_counts("-w", "1,2,4", 64, out, 16, &n, err, sizeof err) == 0);
    CHECK_EQ_U(n, 3);
    CHECK_EQ_U(out[2], 4);
    CHECK(pb_parse_counts("-w", "1-3,8", 64, out, 16, &n, err, sizeof err) == 0);
    CHECK_EQ_U(n, 4);
    CHECK_EQ_U(out[3], 8);
    CHECK(pb_parse_counts("-w", "0", 64, out, 16, &n, err, sizeof err) == -1);
    CHECK_STR(err, "-w: 0 is out of range [1, 64]");
    CHECK(pb_parse_counts("-w", "65", 64, out, 16, &n, err, sizeof err) == -1);
    CHECK(pb_parse_counts("-w", "1,,2", 64, out, 16, &n, err, sizeof err) == -1);
    CHECK(pb_parse_counts("-w", "3-1", 64, out, 16, &n, err, sizeof err) == -1);
    CHECK_STR(err, "-w: range 3-1 runs backwards");
    CHECK(pb_parse_counts("-w", "2,2", 64, out, 16, &n, err, sizeof err) == -1);
    CHECK(pb_parse_counts("-w", "-1", 64, out, 16, &n, err, sizeof err) == -1);
    CHECK(pb_parse_counts("-w", "", 64, out, 16, &n, err, sizeof err) == -1);

    const char *text = "a,b,c";
    char *items[4], buf[16];
    CHECK(pb_split_names("-k", text, buf, sizeof buf, items, 4, &n, err, sizeof err) == 0);
    CHECK_EQ_U(n, 3);
    CHECK_STR(items[1], "b");
    CHECK_STR(text, "a,b,c");   /* the caller's text is untouched */
    CHECK(pb_split_names("-k", "a,,b", buf, sizeof buf, items, 4, &n, err, sizeof err) == -1);
    CHECK_STR(err, "-k: malformed list 'a,,b'");
    CHECK(pb_split_names("-k", "a,b,c,d,e", buf, sizeof buf, items, 4, &n, err, sizeof err) == -1);
    CHECK(pb_split_names("-k", "abcdefghijklmnopq", buf, sizeof buf, items, 4, &n, err,
                         sizeof err) == -1);

    double d;
    CHECK(pb_parse_double("--timeout", "1.5", 0.001, 100, &d, err, sizeof err) == 0);
    CHECK_NEAR(d, 1.5, 0);
    CHECK(pb_parse_double("--timeout", "inf", 0.001, 100, &d, err, sizeof err) == -1);
    CHECK(pb_parse_double("--timeout", "1s", 0.001, 100, &d, err, sizeof err) == -1);
    CHECK_DONE();
}
