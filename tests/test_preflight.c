/* Pre-flight helpers: /proc/stat parsing on a fixed text, and the clock
 * calibration giving a plausible number (no assertion on its value). */
#include <math.h>

#include "check.h"
#include "preflight.h"

int main(void)
{
    /* Columns: user nice system idle iowait irq softirq steal guest guest_nice. */
    const char *stat = "cpu  100 1 20 500 5 2 3 7 0 0\n"
                       "cpu0 60 1 10 200 2 1 1 4 0 0\n"
                       "cpu2 40 0 10 300 3 1 2 3 0 0\n"
                       "intr 12345 0 0\n"
                       "ctxt 999\n";
    struct pb_cpu_ticks all, per[4];
    CHECK(pb_parse_proc_stat(stat, &all, per, 4) == 3);   /* cpu1 offline: index 2 is the top */
    CHECK_EQ_U(all.busy, 100 + 1 + 20 + 2 + 3);
    CHECK_EQ_U(all.idle, 505);
    CHECK_EQ_U(all.steal, 7);
    CHECK_EQ_U(per[0].busy, 73);
    CHECK_EQ_U(per[0].idle, 202);
    CHECK_EQ_U(per[1].busy, 0);
    CHECK_EQ_U(per[2].busy, 53);
    CHECK_EQ_U(per[2].steal, 3);
    CHECK(pb_parse_proc_stat("intr 1\n", &all, per, 4) == -1);
    CHECK(pb_parse_proc_stat("cpu  1 2 3 4\n", &all, per, 4) == 0);   /* old kernels: 4 columns */
    CHECK_EQ_U(all.busy, 6);

    double mhz = pb_calibrate_mhz();
    CHECK(isnan(mhz) || (mhz > 10 && mhz < 100000));
    CHECK_DONE();
}
