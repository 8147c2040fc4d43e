/* Scaling analysis over the records of a sweep: speedups, efficiencies,
 * Karp–Flatt serial fractions and one Amdahl fit per kernel x mode x schedule. */
#ifndef PB_SCALING_H
#define PB_SCALING_H

#include <cjson/cJSON.h>

/* Fill speedup, speedup_ci_low/high, efficiency, speedup_rel, efficiency_rel
 * and karp_flatt of every record, and rebuild `analysis` (emptied first). */
void pb_scaling_update(cJSON *records, cJSON *analysis);

#endif
