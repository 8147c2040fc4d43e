/* Task distribution: every schedule hands out every task exactly once. */
#include "check.h"
#include "schedule.h"

/* Drain the dispenser round-robin over the workers, as concurrent workers
 * might, and count how often each task was handed out; no range is larger
 * than pb_dispenser_max_chunk says, and one is that large (forkpool sizes its
 * workers' buffers by it before the clock starts). */
static void drain(size_t ntasks, unsigned workers, enum pb_schedule sched, size_t chunk,
                  unsigned *seen, size_t *chunks)
{
    struct pb_plan plan = {.workers = workers, .schedule = sched, .chunk = chunk};
    struct pb_dispenser d;
    pb_dispenser_init(&d, ntasks, &plan);
    size_t most = pb_dispenser_max_chunk(&d), biggest = 0;
    size_t cursor[16] = {0};
    int active[16];
    for (unsigned w = 0; w < workers; w++)
        active[w] = 1;
    *chunks = 0;
    for (int any = 1; any;) {
        any = 0;
        for (unsigned w = 0; w < workers; w++) {
            struct pb_range r;
            if (!active[w])
                continue;
            if (!pb_dispense(&d, w, &cursor[w], &r)) {
                active[w] = 0;
                continue;
            }
            any = 1;
            (*chunks)++;
            CHECK(r.begin < r.end && r.end <= ntasks);
            CHECK(r.end - r.begin <= most);
            biggest = r.end - r.begin > biggest ? r.end - r.begin : biggest;
            for (size_t t = r.begin; t < r.end; t++)
                seen[t]++;
        }
    }
    CHECK_EQ_U(biggest, most);
}

int main(void)
{
    static const size_t sizes[] = {0, 1, 2, 3, 7, 100, 1001};
    static const enum pb_schedule scheds[] = {PB_SCHED_STATIC, PB_SCHED_DYNAMIC, PB_SCHED_GUIDED};
    static const size_t chunks[] = {0, 1, 3, 64};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
        for (unsigned w = 1; w <= 5; w++)
            for (size_t sc = 0; sc < 3; sc++)
                for (size_t ci = 0; ci < 4; ci++) {
                    size_t n = sizes[si], nchunks;
                    unsigned seen[1001] = {0};
                    drain(n, w, scheds[sc], chunks[ci], seen, &nchunks);
                    for (size_t t = 0; t < n; t++)
                        CHECK_EQ_U(seen[t], 1);
                }

    /* Static without a chunk: one block per worker, sizes differing by at most one. */
    unsigned seen[1001] = {0};
    size_t nchunks;
    drain(10, 3, PB_SCHED_STATIC, 0, seen, &nchunks);
    CHECK_EQ_U(nchunks, 3);
    struct pb_plan plan = {.workers = 3, .schedule = PB_SCHED_STATIC};
    struct pb_dispenser d;
    pb_dispenser_init(&d, 10, &plan);
    struct pb_range r;
    size_t cur = 0;
    CHECK(pb_dispense(&d, 0, &cur, &r));
    CHECK_EQ_U(r.begin, 0);
    CHECK_EQ_U(r.end, 3);
    cur = 0;
    CHECK(pb_dispense(&d, 2, &cur, &r));
    CHECK_EQ_U(r.begin, 6);
    CHECK_EQ_U(r.end, 10);
    CHECK(!pb_dispense(&d, 2, &cur, &r));

    /* Static with chunk 2 over 3 workers: worker 1 takes chunks 1 and 4 = tasks 2-3, 8-9. */
    plan.chunk = 2;
    pb_dispenser_init(&d, 10, &plan);
    cur = 0;
    CHECK(pb_dispense(&d, 1, &cur, &r));
    CHECK_EQ_U(r.begin, 2);
    CHECK(pb_dispense(&d, 1, &cur, &r));
    CHECK_EQ_U(r.begin, 8);
    CHECK_EQ_U(r.end, 10);
    CHECK(!pb_dispense(&d, 1, &cur, &r));

    /* Dynamic defaults to chunks of one; guided starts with remaining/workers. */
    drain(100, 4, PB_SCHED_DYNAMIC, 0, seen, &nchunks);
    CHECK_EQ_U(nchunks, 100);
    plan = (struct pb_plan){.workers = 4, .schedule = PB_SCHED_GUIDED};
    pb_dispenser_init(&d, 100, &plan);
    cur = 0;
    CHECK(pb_dispense(&d, 0, &cur, &r));
    CHECK_EQ_U(r.end - r.begin, 25);
    CHECK(pb_dispense(&d, 0, &cur, &r));
    CHECK_EQ_U(r.end - r.begin, 19);   /* ceil(75 / 4) */
    CHECK_DONE();
}
