/* Pre-flight check: what about the machine could skew the numbers (other
 * load, frequency scaling, turbo, a hypervisor, a container's CPU quota), measured
 * just before a sweep.
 * Every problem becomes a warning; none stops the run. */
#ifndef PB_PREFLIGHT_H
#define PB_PREFLIGHT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "placement.h"

/* CPU time counters of one /proc/stat "cpu" line, in clock ticks. */
struct pb_cpu_ticks {
    unsigned long long busy;    /* user + nice + system + irq + softirq */
    unsigned long long idle;    /* idle + iowait */
    unsigned long long steal;   /* wanted by this guest, given to another */
};

/* Parse /proc/stat text: the aggregate "cpu" line into *all and the "cpuN"
 * lines into per[N] for N < max.  Returns one more than the highest N seen
 * (entries of offline CPUs stay zero), or -1 when there is no "cpu" line. */
int pb_parse_proc_stat(const char *text, struct pb_cpu_ticks *all, struct pb_cpu_ticks *per,
                       size_t max);

/* CPU clock in MHz from a loop of dependent adds (1 cycle each) timed with
 * CLOCK_MONOTONIC: the best of a few ~15 ms trials.  NAN where the loop is not
 * written for this architecture. */
double pb_calibrate_mhz(void);
/* One timed run of that loop, `iters` x 16 adds: the clock in MHz it ran at
 * (NAN where the loop is not written for this architecture).  parbench probe
 * runs it on several cores at once to see the clock droop. */
double pb_add_chain_mhz(uint64_t iters);

/* Run the check (about 0.3 s) and return the "preflight" block; `t` gives the
 * SMT fallback.  Warnings are in its "warnings" array; the caller prints them. */
cJSON *pb_preflight(const struct pb_topo *t);

/* preflight-smt.c (issue 16), after pb_preflight and before its warnings are
 * printed: print which PUs are SMT siblings and add "smt_siblings" and
 * "smt_threads_per_core" to `pre`; add a warning for every plan of the run
 * that puts two or more workers on a core while cores it could use stay idle;
 * with --smt-yield measure the SMT yield (smt-yield.h) into "smt_yield"
 * (null without), printing one line per worker count. */
struct pb_run;
void pb_preflight_smt(struct pb_run *r, cJSON *pre);

#endif
