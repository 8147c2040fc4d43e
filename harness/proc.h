/* One way to run an external program (lstopo, gnuplot, mpirun): spawn it with
 * an argv and optional environment additions, capture its output (bounded),
 * give it a deadline (SIGTERM, then SIGKILL), reap it, and say what happened
 * as a code plus one line that names the program.
 *
 * Two uses: pb_proc_run() for a program that runs to completion (lstopo,
 * gnuplot), and pb_proc_start() .. pb_proc_stop() for one that lives while the
 * caller talks to it by other means (mpirun: the caller polls pb_proc.out_fd
 * beside its sockets and calls pb_proc_drain and pb_proc_reap itself).
 *
 * Every child runs in a process group of its own (the terminal's ^C reaches the
 * harness only, which then stops the child; a stop reaches the child's own
 * children too) and dies with the harness (PR_SET_PDEATHSIG). */
#ifndef PB_PROC_H
#define PB_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What became of a program. */
enum pb_proc_status {
    PB_PROC_OK,             /* exited with status 0 */
    PB_PROC_NOT_FOUND,      /* no such program (not in PATH, or the path does not exist) */
    PB_PROC_START_FAILED,   /* it could not be started: pipe, fork or exec failed otherwise */
    PB_PROC_TIMED_OUT,      /* still running at its deadline: stopped */
    PB_PROC_INTERRUPTED,    /* the harness got SIGINT/SIGTERM while waiting: stopped */
    PB_PROC_SIGNALLED,      /* killed by a signal it did not get from us */
    PB_PROC_EXIT_NONZERO,   /* exited with a status other than 0 */
    PB_PROC_RUNNING,        /* not reaped yet (long-lived use) */
};

/* "ok", "not found", "timed out", ... */
const char *pb_proc_status_name(enum pb_proc_status s);

/* Where a child's stdout or stderr goes. */
enum pb_proc_stream {
    PB_PROC_DISCARD,        /* /dev/null (the default) */
    PB_PROC_CAPTURE,        /* a pipe; the last PB_PROC_CAPTURE_MAX bytes are kept */
    PB_PROC_WITH_STDOUT,    /* stderr only: into stdout's pipe and capture */
};

#define PB_PROC_CAPTURE_MAX 8192

/* The last bytes a stream carried: errors come last (gnuplot, mpirun). */
struct pb_proc_capture {
    char text[PB_PROC_CAPTURE_MAX + 1];   /* NUL-terminated */
    size_t len;
    size_t total;                         /* bytes the child wrote, kept or not */
};

struct pb_proc_opts {
    const char *const *env_add;   /* "NAME=VALUE" entries that replace or join our environment,
                                     NULL-terminated; NULL: our environment as it is */
    const char *cwd;              /* the child's working directory; NULL: ours */
    enum pb_proc_stream out, err; /* PB_PROC_DISCARD when zero */
    double timeout_s;             /* pb_proc_run's deadline; <= 0: PB_PROC_TIMEOUT_DEFAULT_S */
    double term_wait_s;           /* after SIGTERM, this long before SIGKILL; <= 0: 2 s */
    int death_signal;             /* what the child gets when the harness dies; 0: SIGKILL
                                     (mpirun: SIGTERM, so it ends its job on every host) */
};

/* A program that takes longer than this is stuck, not slow. */
#define PB_PROC_TIMEOUT_DEFAULT_S 60.0

/* A started program. */
struct pb_proc {
    char name[64];                /* argv[0] as given, for messages */
    pid_t pid;                    /* leader of its own process group; 0 once reaped */
    int status;                   /* its wait status once reaped */
    int out_fd, err_fd;           /* nonblocking read ends of captured streams, -1 if none or at EOF */
    struct pb_proc_capture out, err;
    double timeout_s;             /* the deadline it was given, for messages */
    double term_wait_s;
    bool timed_out;               /* we stopped it at its deadline */
    bool interrupted;             /* we stopped it on SIGINT/SIGTERM */
};

/* Full path of the executable `name` ("lstopo", or a path with a slash) into
 * `buf`.  Returns 0, or -1 with errno set (ENOENT when it is nowhere in PATH). */
int pb_proc_find(const char *name, char *buf, size_t len);

/* Start argv[0] (searched in PATH unless it has a slash).  Returns PB_PROC_OK,
 * or PB_PROC_NOT_FOUND / PB_PROC_START_FAILED with one line in `err` naming
 * the program.  On success `p` must end with pb_proc_stop or a reap, then
 * pb_proc_release. */
enum pb_proc_status pb_proc_start(struct pb_proc *p, char *const argv[],
                                  const struct pb_proc_opts *o, char *err, size_t errlen);

/* Read whatever the captured streams have now, without blocking. */
void pb_proc_drain(struct pb_proc *p);

/* Reap the program if it has exited (or wait for it: `block`).  True once gone. */
bool pb_proc_reap(struct pb_proc *p, bool block);

/* Wait until `deadline` (pb_now() seconds) for it to exit, draining its output.
 * True once gone. */
bool pb_proc_wait(struct pb_proc *p, double deadline);

/* Stop it: SIGTERM to the program, term_wait_s to go, then SIGKILL to its
 * process group (also to what it left there when it went by itself), and reap
 * it.  Also drains its output and closes the pipes. */
void pb_proc_stop(struct pb_proc *p);

/* Close the pipes of a reaped program (pb_proc_stop does this too). */
void pb_proc_release(struct pb_proc *p);

/* What became of it (PB_PROC_RUNNING while not reaped). */
enum pb_proc_status pb_proc_outcome(const struct pb_proc *p);

/* "NAME exited with status 3", "NAME killed by signal 9", "NAME timed out after
 * 60.0 s", ... */
void pb_proc_describe(const struct pb_proc *p, char *buf, size_t len);

/* Run a program to completion: start it, wait until it exits or its deadline
 * (then stop it), reap it.  Returns its outcome; for every outcome but
 * PB_PROC_OK, `err` says what happened, naming the program (the caller adds
 * the captured text it wants from p->out / p->err). */
enum pb_proc_status pb_proc_run(struct pb_proc *p, char *const argv[],
                                const struct pb_proc_opts *o, char *err, size_t errlen);

/* The first (or, `last`, the last) line of `text` with anything but blanks in
 * it, control characters dropped, into `buf` ("" when there is none). */
void pb_proc_line(const char *text, bool last, char *buf, size_t len);

#endif
