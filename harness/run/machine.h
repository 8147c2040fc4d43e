/* The machine in full for the results' "system" block: CPU identity and ISA,
 * clocks, caches and their sharing, memory per NUMA node, SMT, mitigations,
 * the OpenMP and MPI the build used, and a run id.  Everything here is read
 * from /proc, /sys, CPUID, hwloc and the build; nothing runs a program or
 * waits, and what cannot be read is recorded as null. */
#ifndef PB_MACHINE_H
#define PB_MACHINE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "placement.h"

/* Add cpu, clocks, caches, numa_memory_bytes, smt_active, smt_control,
 * mitigations, openmp and mpi to `sys`. */
void pb_machine_add(cJSON *sys, const struct pb_topo *t);

/* A short id for one run: 12 hex digits of a hash of `host`, the wall clock
 * in nanoseconds and the process id, so that rows of results.csv from many
 * runs and machines stay apart when concatenated. */
void pb_run_id(const char *host, char *buf, size_t len);

#endif
