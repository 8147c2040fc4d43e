/* Scaling analysis over the records of a sweep: speedups, efficiencies,
 * Karp–Flatt serial fractions and one Amdahl fit per kernel x mode x schedule. */
#ifndef PB_SCALING_H
#define PB_SCALING_H

#include <cjson/cJSON.h>

/* Fill speedup, speedup_ci_low/high, efficiency, speedup_rel, efficiency_rel
 * and karp_flatt of every record, and rebuild `analysis` (emptied first). */
void pb_scaling_update(cJSON *records, cJSON *analysis);
/* The same, and ideal_speedup capped at cpu_quota (the CPUs a container's
 * quota allows when below the PUs; NAN or 0: no cap).  pb_scaling_update is
 * this with no cap. */
void pb_scaling_update_capped(cJSON *records, cJSON *analysis, double cpu_quota);

#endif
