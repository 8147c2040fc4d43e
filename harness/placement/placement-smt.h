/* SMT facts for the pre-flight and the SMT yield (issue 16): which PUs are
 * siblings, in a line short enough for a terminal on a big machine, and
 * whether a plan puts two workers on one core while other cores stay idle. */
#ifndef PB_PLACEMENT_SMT_H
#define PB_PLACEMENT_SMT_H

#include <stddef.h>

#include "placement.h"

/* Cores with two or more PUs (0 without SMT, or when hwloc knows no cores). */
unsigned pb_topo_smt_cores(const struct pb_topo *t);

/* One line for the pre-flight: "2 threads per core; siblings 0,64 1,65 2,66
 * 3,67 ... 63,127 (64 cores)", with "on 8 of 24 cores" after "per core" when
 * only some cores have SMT; the sibling sets (OS indexes) of the first `show`
 * such cores and the last one.  "none (one thread per core)" without SMT. */
void pb_topo_smt_text(const struct pb_topo *t, unsigned show, char *buf, size_t len);

/* How a bound plan uses the cores: returns the cores that hold two or more
 * workers (each worker's cpuset inside that one core: SMT siblings, or whole
 * cores shared when oversubscribed), and stores in *idle the cores no worker
 * touches among those the plan could use (of the kinds it chose).  Both 0 for
 * a plan that does not bind or a topology without cores. */
unsigned pb_placement_smt_shared(const struct pb_placement *pl, unsigned *idle);

#endif
