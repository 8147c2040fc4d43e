/* factors: divisor counts of known numbers, a run checked by factorisation, a caught error. */
#include "check.h"
#include "kernel.h"

/* Prepare `count` numbers from `start` and run every task into out[]; returns the workload
 * (released by the caller) or exits the test on a prepare failure. */
static struct pb_workload prepare_run(const char *start, const char *count, uint64_t *out)
{
    const struct pb_kernel *k = pb_kernel_find("factors");
    struct pb_params p;
    struct pb_workload w = {0};
    char err[512];
    if (pb_params_init(&p, k, PB_SIZE_SMALL, err, sizeof err) != 0 ||
        pb_params_set(&p, k, "start", start, err, sizeof err) != 0 ||
        pb_params_set(&p, k, "count", count, err, sizeof err) != 0 ||
        k->prepare(&w, &p, err, sizeof err) != 0) {
        fprintf(stderr, "factors start=%s count=%s: %s\n", start, count, err);
        exit(1);
    }
    for (size_t t = 0; t < w.ntasks; t++)
        k->run(&w, t, out + t);
    return w;
}

/* d(n) of a single number. */
static uint64_t divisors(const char *n)
{
    uint64_t out[1];
    struct pb_workload w = prepare_run(n, "1", out);
    pb_kernel_find("factors")->release(&w);
    return out[0];
}

int main(void)
{
    const struct pb_kernel *k = pb_kernel_find("factors");
    char err[512];

    CHECK_EQ_U(divisors("5040"), 60);
    CHECK_EQ_U(divisors("9699690"), 256);   /* 2*3*5*7*11*13*17*19 */
    CHECK_EQ_U(divisors("1000003"), 2);     /* prime */
    CHECK_EQ_U(divisors("65536"), 17);      /* 2^16 */

    /* 1..12: the counts by hand, then the kernel's own check agrees. */
    static const uint64_t d[12] = {1, 2, 2, 3, 2, 4, 2, 4, 3, 4, 2, 6};
    uint64_t out[300];
    struct pb_workload w = prepare_run("1", "12", out);
    CHECK_EQ_U(w.ntasks, 12);
    CHECK_EQ_U(w.out_size, 8);
    CHECK_NEAR(w.work, 78, 0);   /* 1 + 2 + ... + 12 divisions */
    CHECK_STR(w.unit, "divisions");
    for (int i = 0; i < 12; i++)
        CHECK_EQ_U(out[i], d[i]);
    CHECK(k->check(&w, out, err, sizeof err) == 0);
    k->release(&w);

    /* A run of consecutive numbers against the factorisation, then one wrong count. */
    w = prepare_run("100000", "300", out);
    CHECK(k->check(&w, out, err, sizeof err) == 0);
    out[123]++;
    CHECK(k->check(&w, out, err, sizeof err) == -1);
    CHECK(strstr(err, "100123") != NULL && strstr(err, "task 123") != NULL);
    k->release(&w);
    CHECK(w.state == NULL);

    struct pb_params p;
    CHECK(pb_params_init(&p, k, PB_SIZE_SMALL, err, sizeof err) == 0);
    CHECK(pb_params_set(&p, k, "start", "0", err, sizeof err) == -1);
    CHECK(pb_params_set(&p, k, "count", "0", err, sizeof err) == -1);
    CHECK_DONE();
}
