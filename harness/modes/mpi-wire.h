/* The conversation between the harness (mpi-transport.c) and the ranks of an mpi
 * session (mpi-rank.c), over one TCP connection that each rank opens back to
 * the harness.  Each rank waits for the next command in a blocking read on
 * it, so idle ranks cost no CPU (a blocking MPI call would spin).  Fixed-
 * width fields in the sender's byte order: the magic number tells a peer of
 * the other byte order (or anything else that connects) from a rank, and
 * such a peer is refused.
 *
 *   every rank -> harness  HELLO, then errlen bytes of text
 *                          (errlen > 0: this rank could not prepare; the text says why)
 *   harness -> every rank  CMD (RUN or QUIT)
 *   rank 0 -> harness      RESULT, nranks x RANKSTAT, bytes of output   (after each RUN)
 */
#ifndef PB_MPI_WIRE_H
#define PB_MPI_WIRE_H

#include <stdint.h>

#define PB_MPI_MAGIC 0x70626d7069763031ull   /* "pbmpiv01" */
#define PB_MPI_TOKEN_LEN 32                  /* hex characters of the session's secret */
/* The variable that carries the token to the ranks (not the command line,
 * which every local user can read in /proc). */
#define PB_MPI_TOKEN_ENV "PB_MPI_TOKEN"
#define PB_MPI_HOST_LEN 64
#define PB_MPI_ERR_MAX 1024                  /* longest error text a rank sends */

struct pb_mpi_hello {
    uint64_t magic;
    char token[PB_MPI_TOKEN_LEN];   /* proves the connection comes from one of this session's ranks */
    uint32_t rank;
    uint32_t nranks;
    int32_t pid;
    uint32_t errlen;
    uint64_t ntasks;                /* the workload the rank prepared, checked against ours */
    uint64_t out_size;
    char host[PB_MPI_HOST_LEN];     /* gethostname() of the rank, NUL-terminated */
};

enum pb_mpi_cmd_type { PB_MPI_RUN = 1, PB_MPI_QUIT = 2 };

struct pb_mpi_cmd {
    uint32_t type;
    uint32_t schedule;              /* enum pb_schedule */
    uint64_t chunk;                 /* plan->chunk: 0 = the schedule's default */
    uint64_t seq;                   /* echoed in the RESULT */
};

struct pb_mpi_result {
    uint64_t magic;
    uint64_t seq;
    double wall_s;                  /* barrier passed .. last output gathered at rank 0 */
    uint64_t bytes;                 /* output bytes that follow the per-rank statistics */
};

struct pb_mpi_rankstat {
    double busy_s;                  /* inside kernel->run */
    double cpu_s;                   /* process CPU time over the timed region, MPI polling included */
    uint64_t tasks;
    uint64_t chunks;
    int32_t cpu_start;              /* sched_getcpu() when the rank began, -1 if unknown */
    int32_t cpu_end;
};

#endif
