/* Reading an exact number of bytes from a pipe or socket, the one loop every
 * binary protocol of the harness needs (mpi's connections to its ranks; the
 * process modes' pipes could use it too). */
#ifndef PB_FDIO_H
#define PB_FDIO_H

#include <stddef.h>

enum pb_read_status {
    PB_READ_OK,        /* all `len` bytes read */
    PB_READ_EOF,       /* the peer closed first (*got says how much came) */
    PB_READ_ERROR,     /* read failed: errno says why */
    PB_READ_STOPPED,   /* the wait callback gave up (its reason is the caller's) */
};

/* Called when a nonblocking `fd` has nothing yet: wait until it may have,
 * returning 0 to read again or non-zero to give up (a deadline, a signal, a
 * dead peer process). */
typedef int (*pb_read_wait_fn)(void *ctx, int fd);

/* Read exactly `len` bytes from `fd` into `buf`; `wait` (NULL for a blocking
 * descriptor) is called whenever a read would block.  `got` (may be NULL)
 * receives the bytes read in every case. */
enum pb_read_status pb_read_exact(int fd, void *buf, size_t len, size_t *got, pb_read_wait_fn wait,
                                  void *ctx);

#endif
