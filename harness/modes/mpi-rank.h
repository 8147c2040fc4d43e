/* What the two files of the rank program parbench-mpi-rank share:
 * mpi-rank.c (setup, the connection to the harness, the command loop) and
 * mpi-rank-run.c (one RUN under each schedule).  parbench itself never links
 * MPI and never includes this. */
#ifndef PB_MPI_RANK_H
#define PB_MPI_RANK_H

#include <mpi.h>
#include <stdbool.h>

#include "fault.h"
#include "kernel.h"
#include "mpi-wire.h"

/* Chunks a worker rank may hold under dynamic while plenty of work is left.
 * Rank 0 answers only between two of its own tasks, so a worker must have
 * enough in hand to outlast one of them: with two, workers still idled (an
 * imbalance of 1.3-1.5 at 2 ranks on primes), with three about 1.05.  Guided
 * keeps one: its early chunks are large, and a second one would be a share
 * of the work no other rank could take over. */
#define DEPTH 3

struct rank {
    int rank, size;
    char host[PB_MPI_HOST_LEN];
    const struct pb_kernel *k;
    struct pb_params params;
    struct pb_workload w;
    bool prepared;
    struct pb_fault fault;
    const char *connect, *token, *cpusets;
    int sock;                    /* rank 0: the harness */
    MPI_Datatype tt;             /* one task's output (MPI_BYTE when tasks write nothing) */
    unsigned char *out;          /* rank 0: the assembled output */
    unsigned char *buf[DEPTH];   /* outputs on their way to rank 0 (rank 0: staging) */
    size_t bufcap;               /* bytes in each of buf[] */
};

/* Say why on stderr (mpirun passes it on to the harness) and abort the job. */
__attribute__((noreturn, format(printf, 2, 3))) void pb_rank_die(const struct rank *R,
                                                                 const char *fmt, ...);

/* One RUN: every rank takes part; rank 0 sends the result to the harness. */
void pb_rank_run_once(struct rank *R, const struct pb_mpi_cmd *c);

#endif
