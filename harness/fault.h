/* Fault injection, for tests only: makes one worker of a process mode crash,
 * exit or hang so the supervision paths can be exercised from the CLI.
 *
 * PARBENCH_FAULT=KIND:WORKER:TASK, read once from the environment:
 *   KIND    crash (the worker raises SIGSEGV), exit (it calls _exit(3)) or
 *           hang (it sleeps until killed)
 *   WORKER  the worker index (for spawn: the slot index)
 *   TASK    the fault fires when that worker is about to run this task or,
 *           if it never gets this one, its first task above it
 * e.g. PARBENCH_FAULT=crash:1:5.  Only forkpool, shm and spawn consult it, in
 * the child, before each task.  A malformed value is ignored with one warning.
 * Deliberately absent from --help: it is not a user feature. */
#ifndef PB_FAULT_H
#define PB_FAULT_H

#include <stddef.h>

enum pb_fault_kind { PB_FAULT_NONE, PB_FAULT_CRASH, PB_FAULT_EXIT, PB_FAULT_HANG };

struct pb_fault {
    enum pb_fault_kind kind;
    unsigned worker;
    size_t task;
};

/* Parse "KIND:WORKER:TASK".  Returns 0, or -1 (with `f` set to no fault). */
int pb_fault_parse(const char *text, struct pb_fault *f);

/* The fault PARBENCH_FAULT asks for; the environment is read (and a malformed
 * value warned about) on the first call only.  Call it in the parent before
 * forking, so children share the parsed value and never warn themselves. */
const struct pb_fault *pb_fault_get(void);

/* In a child: fire `f` if worker `worker` is about to run task `task`.
 * Returns only when there is nothing to fire. */
void pb_fault_maybe(const struct pb_fault *f, unsigned worker, size_t task);

#endif
