/* Child processes for the process modes (forkpool, shm, spawn): forking with a
 * parent-death signal, pipes with deadlines, messages from workers checked
 * before use, and reaping on every path, so that a crashed, exiting or hung
 * worker fails its configuration with a message naming the mode, the worker
 * and the cause, and leaves no process or descriptor behind. */
#ifndef PB_SUPERVISE_H
#define PB_SUPERVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <sys/types.h>

#include "mode.h"
#include "schedule.h"

/* Worker -> parent messages: a header, then `bytes` of payload. */
enum pb_msg_type {
    PB_MSG_READY = 1,   /* bound and waiting; no payload */
    PB_MSG_CHUNK,       /* outputs of tasks [begin, end): (end - begin) * out_size bytes */
    PB_MSG_DONE,        /* finished; payload: a struct pb_worker_stat, or none (shm) */
    PB_MSG_ERROR,       /* the worker failed: payload is the reason, as text */
};

struct pb_msg {
    uint32_t type;
    uint32_t worker;
    uint64_t begin, end;
    uint64_t bytes;
};

/* Parent -> worker commands (forkpool). */
enum pb_cmd_type { PB_CMD_CHUNK = 1, PB_CMD_STOP };

struct pb_cmd {
    uint32_t type;
    uint32_t pad;
    uint64_t begin, end;
};

struct pb_child {
    pid_t pid;          /* > 0 until reaped */
    unsigned worker;    /* the worker (spawn: the slot) named in messages */
    int cmd_fd;         /* parent's write end of the command pipe, -1 if none */
    int res_fd;         /* parent's read end of the result pipe, -1 once closed */
    bool busy;          /* has work outstanding: named when the run times out */
    bool finished;      /* sent its last message: pb_super_wait stops listening */
};

/* Every child of one run of one mode. */
struct pb_super {
    const char *mode;       /* the mode's name, for messages */
    struct pb_child *child; /* nslots entries */
    unsigned nslots;
    double start_s;         /* pb_now() when the run began */
    double timeout_s;       /* plan->timeout_s; <= 0: none */
    double cpu_s;           /* user+sys CPU of every child reaped so far */
    long pipe_bytes;        /* the smallest result-pipe capacity granted (F_GETPIPE_SZ);
                               0 before the first fork or where it cannot be read */
    unsigned rotor;         /* where pb_super_wait starts looking, for fairness */
    struct pollfd *pfd;     /* nslots entries: pb_super_wait's poll set */
    unsigned *pslot;        /* the slot of each pfd entry */
    bool failed;            /* err holds the first failure */
    char *err;
    size_t errlen;
};

/* A child's main: runs in the forked process, returns its exit status.
 * cmd_fd is -1 unless the child was forked with a command pipe. */
typedef int (*pb_child_main)(void *arg, unsigned worker, int cmd_fd, int res_fd);

/* Set up for `nslots` children; failures are written to `err`.  Returns 0 or -1. */
int pb_super_init(struct pb_super *sv, const char *mode, unsigned nslots, double timeout_s,
                  char *err, size_t errlen);
/* Kill (SIGKILL) and reap every child still there, close every descriptor and
 * free.  Safe on every path, including after a failure. */
void pb_super_free(struct pb_super *sv);

/* Fork a child into free slot `slot` with a result pipe (and a command pipe
 * when with_cmd) that runs main(arg, worker, ...) and _exit()s with its value.
 * The child dies with the parent (PR_SET_PDEATHSIG), ignores SIGINT/SIGTERM
 * (the parent decides when it stops) and holds no other child's pipe ends. */
int pb_super_fork(struct pb_super *sv, unsigned slot, unsigned worker, bool with_cmd,
                  pb_child_main main, void *arg);

/* Wait until a child not yet finished has something to read (a message or
 * its exit) and set `*slot`.  Returns 0, or -1 after failing the run on timeout or signal. */
int pb_super_wait(struct pb_super *sv, unsigned *slot);
/* The same, also watching `fd` (a pipe every worker writes, the queue mode's):
 * returns 1 when `fd` is readable (or hung up), 0 with `*slot` set when a
 * child's own pipe is, -1 after failing the run. */
int pb_super_wait_fd(struct pb_super *sv, int fd, unsigned *slot);

/* Read the next message header from `slot`.  A child's exit, an ERROR message
 * and a header that does not make sense fail the run (-1). */
int pb_super_recv(struct pb_super *sv, unsigned slot, struct pb_msg *m);
/* Read exactly `len` payload bytes from `slot`.  Returns 0 or -1 (run failed). */
int pb_super_read(struct pb_super *sv, unsigned slot, void *buf, size_t len);
/* Write a command to `slot`.  Returns 0 or -1 (run failed). */
int pb_super_send(struct pb_super *sv, unsigned slot, const struct pb_cmd *c);

/* Wait for the child in `slot` to exit after its last message, reap it and
 * add its CPU time.  Exiting with a status other than 0 fails the run. */
int pb_super_reap(struct pb_super *sv, unsigned slot);

/* Fail the run: kill and reap every child, keep the first message
 * "MODE: ..." in err.  Returns -1. */
__attribute__((format(printf, 2, 3))) int pb_super_fail(struct pb_super *sv, const char *fmt, ...);

/* Child-side helpers.  Both retry on EINTR and short transfers. */
int pb_io_write_all(int fd, const void *buf, size_t len);
/* Returns 1 when `len` bytes were read, 0 on end of file before any byte, -1 otherwise. */
int pb_io_read_all(int fd, void *buf, size_t len);
/* Send an ERROR message with the reason in words (best effort). */
__attribute__((format(printf, 3, 4))) void pb_child_error(int fd, unsigned worker,
                                                          const char *fmt, ...);

/* In a child, first: bind this process to worker `worker`'s cpuset, start its
 * statistics, and (when `say_ready`) tell the parent it is ready.  Returns 0,
 * or -1 when the child should exit (the parent was told why, if it can be). */
int pb_child_start(const struct pb_placement *pl, unsigned worker, int res_fd, bool say_ready,
                   struct pb_worker_stat *ws);

/* In a child: run tasks [r.begin, r.end) into `dst` (task t at (t - r.begin)
 * * out_size), consulting the injected fault before each task, and add the
 * time, tasks and chunk to `ws`. */
/* In a child: a buffer for one message of `outputs` bytes of output after its
 * header, placed by the worker's memory policy (memplace.c), not yet touched.
 * NULL after reporting why on fd. */
unsigned char *pb_child_msg_buffer(size_t outputs, unsigned worker, int fd);
/* In a child: run tasks [begin, end) into *buf as one PB_MSG_CHUNK message
 * (header then outputs), growing *buf (*cap bytes) as needed.  Returns the
 * outputs' size, or SIZE_MAX after reporting running out of memory on fd. */
size_t pb_child_chunk_msg(const struct pb_kernel *k, const struct pb_workload *w, unsigned worker,
                          uint64_t begin, uint64_t end, unsigned char **buf, size_t *cap,
                          struct pb_worker_stat *ws, int fd);
void pb_child_run_range(const struct pb_kernel *k, const struct pb_workload *w, struct pb_range r,
                        unsigned worker, unsigned char *dst, struct pb_worker_stat *ws);

/* A worker's statistics as reported by the worker itself: accept them only
 * when they make sense for a run of `ntasks` tasks. */
bool pb_worker_stat_sane(const struct pb_worker_stat *ws, size_t ntasks);

/* After STOP, for modes whose parent counts the tasks and chunks each worker
 * handled (in *ws): read worker i's own statistics (a PB_MSG_DONE), check them
 * against that count, keep its times, CPUs and counters in *ws, and reap it.
 * Returns 0, or -1 with the failure recorded in sv. */
int pb_super_collect(struct pb_super *sv, unsigned i, size_t ntasks, struct pb_worker_stat *ws);

#endif
