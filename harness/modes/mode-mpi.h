/* The mpi mode's settings from the command line, and what its last run saw
 * (hosts, mapping) for the results records.  The harness process itself is
 * not an MPI process: the mode starts `mpirun ... parbench-mpi-rank ...`
 * (see mpi.c and docs/mpi.md). */
#ifndef PB_MODE_MPI_H
#define PB_MODE_MPI_H

#include <stddef.h>

struct pb_mpi_config {
    const char *mpirun;     /* --mpirun PATH; NULL: "mpirun" from PATH */
    const char *hosts;      /* --hosts FILE: an Open MPI hostfile; NULL: this machine only */
    const char *args;       /* --mpi-args "...": split on spaces, passed to mpirun */
};

/* Filled by `parbench run` before any configuration runs. */
extern struct pb_mpi_config pb_mpi_config;

/* Check pb_mpi_config before any work: mpirun can be run, the hostfile is
 * readable and names hosts, the rank program sits next to parbench, the
 * extra arguments are few enough.  Returns 0, or -1 with one line in `err`.
 * Always 0 when the mode is compiled out (its runs fail with the reason). */
int pb_mpi_config_check(char *err, size_t errlen);

/* About the last mpi run (results records): the host rank `rank` ran on
 * (NULL when unknown), and the mpirun placement arguments it used, e.g.
 * "--map-by core --bind-to core" ("" before any run). */
const char *pb_mpi_rank_host(unsigned rank);
const char *pb_mpi_mapping(void);

/* Every distinct host any rank ran on since the process started, in order
 * of first appearance (the system block's host list). */
size_t pb_mpi_nhosts(void);
const char *pb_mpi_host(size_t i);

#endif
