/* PARBENCH_FAULT parsing: KIND:WORKER:TASK[:RUN], anything else refused. */
#include "check.h"
#include "fault.h"

int main(void)
{
    struct pb_fault f;
    CHECK(pb_fault_parse("crash:1:5", &f) == 0);
    CHECK_EQ_U(f.kind, PB_FAULT_CRASH);
    CHECK_EQ_U(f.worker, 1);
    CHECK_EQ_U(f.task, 5);
    CHECK(pb_fault_parse("exit:0:0", &f) == 0);
    CHECK_EQ_U(f.kind, PB_FAULT_EXIT);
    CHECK(pb_fault_parse("hang:12:18446744073709551615", &f) == 0);
    CHECK_EQ_U(f.kind, PB_FAULT_HANG);
    CHECK_EQ_U(f.worker, 12);
    CHECK_EQ_U(f.task, 18446744073709551615ull);
    CHECK(f.any_run);
    CHECK(pb_fault_parse("crash:1:5:7", &f) == 0);
    CHECK_EQ_U(f.task, 5);
    CHECK(!f.any_run);
    CHECK_EQ_U(f.run, 7);

    static const char *const bad[] = {
        "", "crash", "crash:1", "crash:1:", "crash::5", "boom:1:5", "Crash:1:5", "crash:-1:5",
        "crash:1:5x", "crash: 1:5", "crash:1:5:7:1", "crash:1:5:", "crash:1:5:x", "crash:99999999:5", "crash:1:18446744073709551616",
        "crashx:1:5", "cras:1:5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f.kind = PB_FAULT_HANG;
        if (pb_fault_parse(bad[i], &f) != 0)
            CHECK_EQ_U(f.kind, PB_FAULT_NONE);
        else
            fprintf(stderr, "accepted '%s'\n", bad[i]), pb_check_failures++;
    }
    CHECK(pb_fault_parse(NULL, &f) != 0);

    /* A fault for another worker, or a task before the one named, does nothing. */
    pb_fault_parse("exit:1:5", &f);
    pb_fault_maybe(&f, 0, 5);
    pb_fault_maybe(&f, 1, 4);
    /* Nor does a fault for another run: this process has made no run yet, then run 0. */
    pb_fault_parse("exit:1:5:1", &f);
    pb_fault_maybe(&f, 1, 5);
    pb_fault_next_run();
    pb_fault_maybe(&f, 1, 5);
    CHECK_DONE();
}
