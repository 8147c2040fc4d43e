/* Shared definitions of the parbench harness: exit codes, logging, clocks. */
#ifndef PB_H
#define PB_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes, documented in `parbench --help`. */
enum pb_exit {
    PB_EXIT_OK = 0,          /* everything ran and validated */
    PB_EXIT_FAIL = 1,        /* a configuration failed: worker crashed, hung, or an I/O error */
    PB_EXIT_USAGE = 2,       /* bad command line or input */
    PB_EXIT_INVALID = 3,     /* a run's output failed validation */
    PB_EXIT_MISSING = 4,     /* a resource is missing: mode compiled out, binding unsupported,
                                too little memory or too few processes for the run */
    PB_EXIT_SIGINT = 130,
    PB_EXIT_SIGTERM = 143,
};

#define PB_ERRLEN 512

/* Set by the SIGINT/SIGTERM handler; modes poll it while waiting.  A lock-free
 * atomic, not volatile sig_atomic_t, because worker threads read it too. */
extern _Atomic int pb_stop_signal;

void pb_log_quiet(bool quiet);
/* "parbench: error: ..." on stderr, one line. */
__attribute__((format(printf, 1, 2))) void pb_error(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void pb_warn(const char *fmt, ...);
/* Informational line on stderr, silenced by --quiet. */
__attribute__((format(printf, 1, 2))) void pb_info(const char *fmt, ...);

/* CLOCK_MONOTONIC in seconds. */
double pb_now(void);
/* Thread CPU time (CLOCK_THREAD_CPUTIME_ID) in seconds. */
double pb_thread_cpu(void);

/* Write `len` bytes to `path` atomically: a temp file in the same directory,
 * fsync, rename.  Returns 0, or -1 with `err` filled. */
int pb_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen);

/* Fill `buf` with the error text for errno value `e` (thread-safe strerror). */
const char *pb_strerror(int e, char *buf, size_t len);

#endif
