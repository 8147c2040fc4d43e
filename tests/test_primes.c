/* primes: known prime counts, range edges, both division widths, check and bad parameters. */
#include "check.h"
#include "kernel.h"

/* Prepare [lo, hi) in blocks, run every task, check twice (the second uses the cached
 * sieve) and return the total count; *valid is 1 when both checks passed. */
static uint64_t count_primes(const char *lo, const char *hi, const char *block, int *valid)
{
    const struct pb_kernel *k = pb_kernel_find("primes");
    struct pb_params p;
    struct pb_workload w = {0};
    char err[512];
    *valid = 0;
    if (pb_params_init(&p, k, PB_SIZE_SMALL, err, sizeof err) != 0 ||
        pb_params_set(&p, k, "lo", lo, err, sizeof err) != 0 ||
        pb_params_set(&p, k, "hi", hi, err, sizeof err) != 0 ||
        pb_params_set(&p, k, "block", block, err, sizeof err) != 0 ||
        k->prepare(&w, &p, err, sizeof err) != 0) {
        fprintf(stderr, "primes [%s, %s): %s\n", lo, hi, err);
        pb_check_failures++;
        return UINT64_MAX;
    }
    uint64_t *out = calloc(w.ntasks, w.out_size), total = 0;
    for (size_t t = 0; t < w.ntasks; t++)
        k->run(&w, t, out + t);
    for (size_t t = 0; t < w.ntasks; t++)
        total += out[t];
    *valid = k->check(&w, out, err, sizeof err) == 0 && k->check(&w, out, err, sizeof err) == 0;
    if (!*valid)
        fprintf(stderr, "primes [%s, %s): check failed: %s\n", lo, hi, err);
    k->release(&w);
    free(out);
    return total;
}

#define CHECK_COUNT(lo, hi, block, want)                                               \
    do {                                                                               \
        int valid_;                                                                    \
        CHECK_EQ_U(count_primes(lo, hi, block, &valid_), want);                        \
        CHECK(valid_);                                                                 \
    } while (0)

int main(void)
{
    const struct pb_kernel *k = pb_kernel_find("primes");
    char err[512];

    CHECK_COUNT("0", "100", "7", 25);   /* 100 is not a multiple of the block */
    CHECK_COUNT("0", "1000000", "10000", 78498);
    CHECK_COUNT("0", "10000000", "100000", 664579);
    CHECK_COUNT("0", "2", "1", 0);
    CHECK_COUNT("2", "3", "1", 1);
    CHECK_COUNT("1", "2", "10", 0);
    CHECK_COUNT("1000000000", "1000100000", "10000", 4832);   /* counted in Python */
    /* Either side of 2^32: the 32-bit and the 64-bit loop. */
    CHECK_COUNT("4294966296", "4294967296", "100", 36);
    CHECK_COUNT("4294967296", "4294968296", "100", 56);
    CHECK_COUNT("1000000000000", "1000000002000", "300", 70);

    /* Task layout: ceil((hi - lo) / block) tasks of 8 bytes, work in numbers. */
    struct pb_params p;
    struct pb_workload w = {0};
    CHECK(pb_params_init(&p, k, PB_SIZE_SMALL, err, sizeof err) == 0);
    CHECK(pb_params_set(&p, k, "lo", "10", err, sizeof err) == 0);
    CHECK(pb_params_set(&p, k, "hi", "1011", err, sizeof err) == 0);
    CHECK(pb_params_set(&p, k, "block", "100", err, sizeof err) == 0);
    CHECK(k->prepare(&w, &p, err, sizeof err) == 0);
    CHECK_EQ_U(w.ntasks, 11);
    CHECK_EQ_U(w.out_size, 8);
    CHECK_NEAR(w.work, 1001, 0);
    CHECK_STR(w.unit, "numbers");

    /* The check names the task whose count is wrong. */
    uint64_t out[11];
    for (size_t t = 0; t < w.ntasks; t++)
        k->run(&w, t, &out[t]);
    CHECK(k->check(&w, out, err, sizeof err) == 0);
    out[4]++;
    CHECK(k->check(&w, out, err, sizeof err) == -1);
    CHECK(strstr(err, "task 4") != NULL);
    k->release(&w);
    CHECK(w.state == NULL);

    /* hi <= lo is refused at prepare with a message naming both. */
    CHECK(pb_params_set(&p, k, "lo", "500", err, sizeof err) == 0);
    CHECK(pb_params_set(&p, k, "hi", "500", err, sizeof err) == 0);
    CHECK(k->prepare(&w, &p, err, sizeof err) == -1);
    CHECK_STR(err, "primes: hi (500) must be greater than lo (500)");
    CHECK(pb_params_set(&p, k, "block", "0", err, sizeof err) == -1);
    CHECK(pb_params_set(&p, k, "hi", "2000000000000000", err, sizeof err) == -1);
    CHECK_DONE();
}
