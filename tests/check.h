/* Minimal assertions for parbench's unit tests: each test is a small main(). */
#ifndef PB_CHECK_H
#define PB_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int pb_check_failures;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);   \
            pb_check_failures++;                                                       \
        }                                                                              \
    } while (0)

#define CHECK_EQ_U(a, b)                                                               \
    do {                                                                               \
        uint64_t pb_a_ = (uint64_t)(a), pb_b_ = (uint64_t)(b);                         \
        if (pb_a_ != pb_b_) {                                                          \
            fprintf(stderr, "%s:%d: %s == %s failed: %" PRIu64 " != %" PRIu64 "\n",    \
                    __FILE__, __LINE__, #a, #b, pb_a_, pb_b_);                         \
            pb_check_failures++;                                                       \
        }                                                                              \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                          \
    do {                                                                               \
        double pb_a_ = (double)(a), pb_b_ = (double)(b);                               \
        if (!(pb_a_ - pb_b_ <= (tol) && pb_b_ - pb_a_ <= (tol))) {                     \
            fprintf(stderr, "%s:%d: %s ~= %s failed: %.10g vs %.10g (tol %g)\n",       \
                    __FILE__, __LINE__, #a, #b, pb_a_, pb_b_, (double)(tol));          \
            pb_check_failures++;                                                       \
        }                                                                              \
    } while (0)

#define CHECK_STR(a, b)                                                                \
    do {                                                                               \
        const char *pb_a_ = (a), *pb_b_ = (b);                                         \
        if (strcmp(pb_a_, pb_b_) != 0) {                                               \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__,    \
                    __LINE__, #a, #b, pb_a_, pb_b_);                                   \
            pb_check_failures++;                                                       \
        }                                                                              \
    } while (0)

/* End of main(): report and return the exit status ctest reads. */
#define CHECK_DONE()                                                                   \
    do {                                                                               \
        if (pb_check_failures) {                                                       \
            fprintf(stderr, "%d check(s) failed\n", pb_check_failures);                \
            return 1;                                                                  \
        }                                                                              \
        return 0;                                                                      \
    } while (0)

#endif
