/* Fault injection, for tests only: makes one worker of a process mode crash,
 * exit or hang so the supervision paths can be exercised from the CLI.
 *
 * PARBENCH_FAULT=KIND:WORKER:TASK[:RUN], read once from the environment:
 *   KIND    crash (the worker raises SIGSEGV), exit (it calls _exit(3)),
 *           hang (it sleeps until killed) or raise (a Python worker raises
 *           RuntimeError; a C worker, which has no exceptions, exits as for exit)
 *   WORKER  the worker index (for spawn: the slot index)
 *   TASK    the fault fires when that worker is about to run this task or,
 *           if it never gets this one, its first task above it
 *   RUN     optional: only in the RUN-th run of a process mode this parbench
 *           makes (counted from 0 across configurations, warm-ups included),
 *           so a fault can strike after earlier runs succeeded
 * e.g. PARBENCH_FAULT=crash:1:5 or crash:1:5:3.  forkpool, shm and spawn
 * consult it in the child before each task; mpi passes KIND:WORKER:TASK to
 * its ranks, which live across runs, and so ignores a fault that names a RUN.
 * A malformed value is ignored with one warning.  Deliberately absent from
 * --help: it is not a user feature. */
#ifndef PB_FAULT_H
#define PB_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pb_fault_kind { PB_FAULT_NONE, PB_FAULT_CRASH, PB_FAULT_EXIT, PB_FAULT_HANG, PB_FAULT_RAISE };

struct pb_fault {
    enum pb_fault_kind kind;
    unsigned worker;
    size_t task;
    bool any_run;   /* no RUN given: every run */
    uint64_t run;   /* else only this run (see pb_fault_next_run) */
};

/* Parse "KIND:WORKER:TASK[:RUN]".  Returns 0, or -1 (with `f` set to no fault). */
int pb_fault_parse(const char *text, struct pb_fault *f);

/* The fault PARBENCH_FAULT asks for; the environment is read (and a malformed
 * value warned about) on the first call only.  Call it in the parent before
 * forking, so children share the parsed value and never warn themselves. */
const struct pb_fault *pb_fault_get(void);

/* In the parent, as a process mode starts a run: count it, so that children
 * forked for it inherit the run's number. */
void pb_fault_next_run(void);

/* In the parent, after pb_fault_next_run: whether `f` strikes in the current run
 * (the Python modes pass it to their interpreter only then). */
bool pb_fault_armed(const struct pb_fault *f);

/* In a child: fire `f` if worker `worker` is about to run task `task`.
 * Returns only when there is nothing to fire. */
void pb_fault_maybe(const struct pb_fault *f, unsigned worker, size_t task);

#endif
