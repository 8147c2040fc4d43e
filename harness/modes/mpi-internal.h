/* What the pieces of the mpi mode share; nothing outside harness/modes/mpi*.c
 * includes this.  The pieces, one job each:
 *
 *   mpi-config.c     the mode's options, the checks open() makes, mpirun's argv
 *   mpi-launch.c     mpirun (through proc.h), its private directory, teardown
 *   mpi-transport.c  the TCP connections to the ranks: handshake, RUN, result
 *   mpi-session.c    the cache of idle sessions, and what they ran on (facts)
 *   mpi.c            the mode descriptor: open, close, held, facts, execute
 *
 * The harness process itself is not an MPI process: the mode starts `mpirun
 * ... parbench-mpi-rank ...` (see mpi.c and docs/mpi.md); the conversation
 * with the ranks is in mpi-wire.h. */
#ifndef PB_MPI_INTERNAL_H
#define PB_MPI_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mode.h"
#include "mpi-wire.h"
#include "proc.h"

#define PB_MPI_RANK_PROGRAM "parbench-mpi-rank"
#define PB_MPI_MAPPING_LEN 256
#define PB_MPI_MAX_SESSIONS 16      /* idle sessions kept (see mpi-session.c) */

/* ---- mpi-config.c ---------------------------------------------------------- */

/* The options, indexed like pb_mpi_options (set with --set mpi.NAME=VALUE). */
enum { PB_MPI_OPT_MPIRUN, PB_MPI_OPT_HOSTS, PB_MPI_OPT_ARGS, PB_MPI_NOPTIONS };
extern const struct pb_mode_option pb_mpi_options[PB_MPI_NOPTIONS];

/* The options as checked by open(): programs resolved, texts copied. */
struct pb_mpi_conf {
    char mpirun[PATH_MAX];          /* full path of Open MPI's mpirun */
    char rank_path[PATH_MAX];       /* parbench-mpi-rank next to this executable */
    char *hosts;                    /* an Open MPI hostfile; NULL: this machine only */
    char *args;                     /* more mpirun arguments, split on spaces; NULL: none */
};

/* A growable argv, NULL-terminated. */
struct pb_strv {
    char **v;
    size_t n, cap;
    bool failed;                    /* out of memory somewhere: the whole vector is unusable */
};
__attribute__((format(printf, 2, 3))) void pb_strv_addf(struct pb_strv *a, const char *fmt, ...);
void pb_strv_free(struct pb_strv *a);
/* The argv joined with a separator no argument contains (a session's key). */
char *pb_strv_join(const struct pb_strv *a);

/* Check the options before any work (mpirun runnable, hostfile readable and
 * naming hosts, rank program next to parbench, few enough extra arguments)
 * and fill `c`.  Returns 0, or -1 with one line in `err` naming the option. */
int pb_mpi_conf_open(struct pb_mpi_conf *c, const struct pb_mode_args *args, char *err,
                     size_t errlen);
void pb_mpi_conf_close(struct pb_mpi_conf *c);

/* mpirun's whole argv for kernel `k` run with `plan`, less the callback
 * address (which differs per session): that much is the session's key.
 * `mapping` gets mpirun's placement arguments as text.  Returns 0 or -1. */
int pb_mpi_argv(const struct pb_mpi_conf *c, const struct pb_kernel *k, const struct pb_plan *plan,
                struct pb_strv *a, char *mapping, size_t maplen, char *err, size_t errlen);

/* mpirun's placement arguments for `plan` as text, e.g. "--map-by core --bind-to core". */
void pb_mpi_mapping(const struct pb_plan *plan, char *mapping, size_t len);

/* ---- a session: one mpirun and its ranks ------------------------------------- */

struct pb_mpi_rank {
    int pid;
    int sock;                       /* its connection, -1 until it called */
    char host[PB_MPI_HOST_LEN];
};

struct pb_mpi_cache;

struct pb_mpi_session {
    struct pb_mpi_cache *cache;     /* the cache that keeps it, NULL until kept */
    struct pb_proc mpirun;          /* its output (stdout + stderr) kept in mpirun.out */
    int listen_fd;                  /* where the ranks call back */
    char *key;                      /* what the session runs: mpirun's argv less the callback */
    const char *rank_path;          /* the rank program (the conf's) */
    bool remote_files;              /* a hostfile: the ranks' segments are not ours to place */
    char mapping[PB_MPI_MAPPING_LEN];
    char token[PB_MPI_TOKEN_LEN + 1];
    unsigned nranks, connected;
    struct pb_mpi_rank *ranks;
    double startup_s;               /* mpirun started .. every rank prepared and connected */
    double footprint;               /* bytes its ranks hold, roughly: for the cache's bound */
    uint64_t seq;                   /* RUN commands sent */
    uint64_t used;                  /* the cache clock when it last ran */
    bool hung;                      /* timed out: mpirun will not end the job by itself */
    char files[PATH_MAX];           /* the private directory for Open MPI's files, "" if none */
};

/* ---- mpi-launch.c ------------------------------------------------------------ */

/* A new session for `nranks` ranks (token made, nothing started). NULL: out of memory. */
struct pb_mpi_session *pb_mpi_session_new(unsigned nranks, const char *key, const char *rank_path,
                                          const char *mapping, bool remote, char *err,
                                          size_t errlen);
/* Start mpirun with `argv` (callback included).  Returns 0 or -1 (err filled). */
int pb_mpi_launch(struct pb_mpi_session *ss, char *const argv[], char *err, size_t errlen);
/* Reap mpirun if it has exited, reading its output.  True once gone. */
bool pb_mpi_job_gone(struct pb_mpi_session *ss);
/* End the session and free it.  Graceful: QUIT to every rank and wait for
 * mpirun; otherwise (or when that does not work) stop mpirun and any rank of
 * it left on this host.  Removes the private directory. */
void pb_mpi_session_end(struct pb_mpi_session *ss, bool graceful);
/* Fail the session: "mpi: WHAT", plus how mpirun ended and what it said
 * when it did, into `err`; the session is ended.  Returns -1. */
__attribute__((format(printf, 4, 5))) int pb_mpi_session_fail(struct pb_mpi_session *ss, char *err,
                                                              size_t errlen, const char *fmt, ...);

/* ---- mpi-transport.c --------------------------------------------------------- */

/* How a wait or read on a rank's connection ended. */
enum pb_mpi_io {
    PB_MPI_IO_OK,
    PB_MPI_IO_CLOSED,               /* the peer closed the connection */
    PB_MPI_IO_JOB_ENDED,            /* mpirun exited meanwhile */
    PB_MPI_IO_TIMED_OUT,
    PB_MPI_IO_INTERRUPTED,          /* SIGINT/SIGTERM to the harness */
    PB_MPI_IO_ERROR,                /* a system call failed (errno kept) */
};

/* The listening socket and the callback arguments for mpirun's argv.  Returns 0 or -1. */
int pb_mpi_listen(struct pb_mpi_session *ss, struct pb_strv *argv, char *err, size_t errlen);
/* Wait until every rank has called back and said it is ready for workload `w`. */
int pb_mpi_handshake(struct pb_mpi_session *ss, const struct pb_workload *w, double deadline,
                     double span, char *err, size_t errlen);
/* One RUN: the command to every rank, rank 0's result into `out` and `s`
 * (each rank's statistics and host into s->workers). */
int pb_mpi_exchange(struct pb_mpi_session *ss, const struct pb_workload *w,
                    const struct pb_plan *plan, void *out, struct pb_sample *s, char *err,
                    size_t errlen);
/* QUIT to every rank.  False when one could not take it. */
bool pb_mpi_send_quit(struct pb_mpi_session *ss);

/* ---- mpi-session.c ----------------------------------------------------------- */

/* Idle sessions, and the hosts that configurations ran on (for facts). */
struct pb_mpi_hosts_seen;   /* mpi-session.c */
struct pb_mpi_cache {
    struct pb_mpi_session *s[PB_MPI_MAX_SESSIONS];
    uint64_t clock;
    struct pb_mpi_hosts_seen *seen;
};

/* The session with `key`, still alive, or NULL (a dead one is ended, its
 * message lost: the caller starts another). */
struct pb_mpi_session *pb_mpi_cache_find(struct pb_mpi_cache *c, const char *key);
/* Room for a session of `nranks` ranks holding about `footprint` bytes (least
 * recently used idle sessions ended first); then `ss` is kept there. */
void pb_mpi_cache_make_room(struct pb_mpi_cache *c, unsigned nranks, double footprint);
void pb_mpi_cache_put(struct pb_mpi_cache *c, struct pb_mpi_session *ss);
/* Forget `ss` (it is being ended). */
void pb_mpi_cache_forget(struct pb_mpi_cache *c, const struct pb_mpi_session *ss);
/* Mark `ss` used now (least recently used goes first). */
void pb_mpi_cache_touch(struct pb_mpi_cache *c, struct pb_mpi_session *ss);
/* End every session (gracefully) and free what the cache holds. */
void pb_mpi_cache_close(struct pb_mpi_cache *c);
/* Descriptors and children the idle sessions hold. */
struct pb_held pb_mpi_cache_held(const struct pb_mpi_cache *c);

/* What a configuration (identified by its plan's placement, parameters and
 * worker count) last ran on: remembered after each run for its record. */
void pb_mpi_hosts_remember(struct pb_mpi_cache *c, const struct pb_plan *plan,
                           const struct pb_mpi_session *ss);
/* The distinct hosts, space-separated, in rank order; "" when unknown. */
void pb_mpi_hosts_recall(const struct pb_mpi_cache *c, const struct pb_plan *plan, char *buf,
                         size_t len);

/* Where a session's ranks run when some are on another host, as one line:
 * "4 ranks on 2 hosts: a (ranks 0-1), b (ranks 2-3)"; "" when all are here. */
void pb_mpi_hosts_line(const struct pb_mpi_session *ss, char *buf, size_t len);

#endif
