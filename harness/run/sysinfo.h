/* The machine and build a results file was measured on. */
#ifndef PB_SYSINFO_H
#define PB_SYSINFO_H

#include <cjson/cJSON.h>

#include "placement.h"

/* The "system" block of results.json: host, run id, CPU, topology, memory, the
 * machine in full (machine.h), OS, build, start time, command line and OMP_*
 * environment. */
cJSON *pb_sysinfo(const struct pb_topo *t, int argc, char **argv);

/* This machine's host name, made safe for a directory name. */
void pb_hostname(char *buf, size_t len);

#endif
