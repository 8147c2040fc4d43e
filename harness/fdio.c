/* pb_read_exact (see fdio.h). */
#include <errno.h>
#include <unistd.h>

#include "fdio.h"

enum pb_read_status pb_read_exact(int fd, void *buf, size_t len, size_t *got, pb_read_wait_fn wait,
                                  void *ctx)
{
    unsigned char *p = buf;
    size_t done = 0;
    enum pb_read_status s = PB_READ_OK;
    while (done < len) {
        ssize_t r = read(fd, p + done, len - done);
        if (r > 0) {
            done += (size_t)r;
        } else if (r == 0) {
            s = PB_READ_EOF;
            break;
        } else if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait) {
            if (wait(ctx, fd) != 0) {
                s = PB_READ_STOPPED;
                break;
            }
        } else if (errno != EINTR) {
            s = PB_READ_ERROR;
            break;
        }
    }
    if (got)
        *got = done;
    return s;
}
