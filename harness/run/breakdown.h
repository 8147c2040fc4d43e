/* The gap to ideal of one configuration, split into named parts.
 *
 * The model (results/README.md, "breakdown", states it with its limits): a
 * run at p workers would take ideal = T1 / p, T1 being the single-worker
 * baseline's median; it took Tp.  The gap Tp - ideal is charged, in seconds
 * of wall time, to
 *   imbalance      busiest worker's busy time - the mean worker's
 *   dispatch       chunks x the mode's cost per chunk / p
 *   data_movement  bytes copied x copy share / (the pipe bandwidth x p)
 *                  (copied-output modes)
 *   startup        worker start-up inside the timed region
 *   page_faults    faults beyond the baseline's x the cost of one / p
 *   ctx_switches   involuntary switches beyond the baseline's x the cost of one / p
 *   clock_droop    ideal x (f1 / fp - 1): p busy cores run at a lower clock
 *   kernel_slowdown  the workers' mean busy time - ideal, less the three parts
 *                  above (which happen while workers run the kernel), never
 *                  below 0: the kernel itself ran longer in the workers than
 *                  alone, measured, with the cause not counted (caches, memory
 *                  bandwidth, TLB, first touches a hypervisor hides)
 *   residual       the gap - all of the above (exact by construction): time
 *                  outside the kernel the model does not name
 * The slowdown and the residual are named contention when the kernel's bytes/s
 * approach the memory bandwidth.
 * Everything here is a pure function of its inputs (tests/test_breakdown.c). */
#ifndef PB_BREAKDOWN_H
#define PB_BREAKDOWN_H

#include <stdbool.h>

#include <cjson/cJSON.h>

enum pb_bd_part {
    PB_BD_IMBALANCE,
    PB_BD_DISPATCH,
    PB_BD_DATA,
    PB_BD_STARTUP,
    PB_BD_FAULTS,
    PB_BD_CTX,
    PB_BD_CLOCK,
    PB_BD_SLOWDOWN,
    PB_BD_RESIDUAL,
    PB_BD_NPARTS
};

/* The slowdown and residual are called contention when the kernel's bytes per second reach
 * this fraction of the probe's memory bandwidth at p threads. */
#define PB_BD_CONTENTION_FRACTION 0.5

/* Every input; NAN where unknown (that part is then 0 and listed as missing,
 * so what it would have been stays in the residual). */
struct pb_bd_in {
    double t1_s;            /* the baseline's median (one worker) */
    double tp_s;            /* this configuration's median */
    unsigned p;             /* workers */
    double busy_max_s;      /* the busiest worker's busy time (one run) */
    double busy_mean_s;     /* the workers' mean busy time (same run) */
    double chunks;          /* chunks handed out per run (all workers) */
    double per_chunk_s;     /* the mode's cost of one chunk, in worker-seconds */
    double bytes_copied;    /* output bytes that travelled per run (0: in place) */
    double pipe_bw;         /* bytes/s one way through a pipe */
    double copy_share;      /* the share of bytes_copied / pipe_bw the workers wait for: 1
                               when each chunk's whole transfer is on the critical path (a
                               worker started per chunk), 1/2 when workers persist and the
                               parent's copy out overlaps their next chunk on a CPU of its
                               own (forkpool keeps two chunks in flight) while the probe's
                               figure times the copy in and the copy out in turn; 1 again
                               when the workers take every CPU, so the parent's copying
                               takes CPU time from them */
    double startup_in_s;    /* start-up inside the timed region */
    double faults, base_faults;     /* minor + major faults per run: here, baseline */
    double fault_s;                 /* cost of one minor fault */
    double invcsw, base_invcsw;     /* involuntary context switches per run */
    double csw_s;                   /* cost of one context switch */
    double clock1_hz, clockp_hz;    /* sustained clock, 1 and p cores busy */
    double kernel_bytes;    /* bytes the kernel reads and writes per run (lower bound) */
    double mem_bw;          /* memory bandwidth (STREAM triad) at p threads */
};

struct pb_bd_out {
    double ideal_s;                 /* t1_s / p */
    double gap_s;                   /* tp_s - ideal_s */
    double part_s[PB_BD_NPARTS];    /* seconds; they add up to gap_s exactly */
    double pct[PB_BD_NPARTS];       /* 100 x part / gap; NAN when gap_s <= 0 */
    bool known[PB_BD_NPARTS];       /* false: no input for it (counted as 0) */
    double kernel_bps;              /* kernel_bytes / tp_s, NAN if unknown */
    bool contention;                /* a positive slowdown + residual, and kernel_bps
                                       >= PB_BD_CONTENTION_FRACTION x mem_bw */
};

/* "imbalance", "dispatch", "data_movement", "startup", "page_faults",
 * "ctx_switches", "clock_droop", "kernel_slowdown", "residual". */
const char *pb_bd_part_name(enum pb_bd_part part);

/* Split the gap.  Returns 0, or -1 when t1_s, tp_s or p is not usable
 * (out is then all NAN). */
int pb_breakdown(const struct pb_bd_in *in, struct pb_bd_out *out);

/* Fill the `breakdown` object of every record of `records` (results.json's
 * results[]) from the other records (the baseline, the noop records of the
 * same mode) and `probe` (results.json's "probe": its "figures", id ->
 * median; NULL or without figures: the probe-measured costs are missing).
 * The record keeps its "breakdown.inputs.bytes_copied" and
 * ".kernel_bytes" (set when it was written, results.c); the rest is rebuilt
 * on every call.  `cpus`: the CPUs the run could use (pre-flight cpu_quota;
 * NAN if unknown), which decides whether the parent's copying has a CPU of
 * its own (copy_share).  A record without a valid baseline, or invalid
 * itself, gets breakdown null. */
void pb_breakdown_update(cJSON *records, const cJSON *probe, double cpus);

#endif
