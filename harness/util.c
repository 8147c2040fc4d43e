/* Logging, clocks and atomic file writes used across the harness. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pb.h"

_Atomic int pb_stop_signal;
/* Only lock-free atomics may be touched from a signal handler. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomic int must be lock-free");

static bool quiet_mode;

void pb_log_quiet(bool quiet)
{
    quiet_mode = quiet;
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
    /* One buffered write per line, so lines from forked children never interleave mid-line. */
    char line[2048];
    int n = snprintf(line, sizeof line, "parbench: %s", prefix);
    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void pb_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error: ", fmt, ap);
    va_end(ap);
}

void pb_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("warning: ", fmt, ap);
    va_end(ap);
}

void pb_info(const char *fmt, ...)
{
    if (quiet_mode)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog("", fmt, ap);
    va_end(ap);
}

double pb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double pb_thread_cpu(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return -1;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *pb_strerror(int e, char *buf, size_t len)
{
    /* GNU strerror_r may return a static string instead of filling buf. */
    const char *s = strerror_r(e, buf, len);
    return s;
}

int pb_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    char tmp[4096], eb[128];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a file next to %s: %s", path,
                 pb_strerror(errno, eb, sizeof eb));
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "writing %s: %s", tmp, pb_strerror(errno, eb, sizeof eb));
            goto fail;
        }
        p += w;
        left -= (size_t)w;
    }
    /* mkstemp makes 0600 files; results are for sharing, so make them 0644. */
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "writing %s: %s", tmp, pb_strerror(errno, eb, sizeof eb));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        snprintf(err, errlen, "closing %s: %s", tmp, pb_strerror(errno, eb, sizeof eb));
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "renaming %s to %s: %s", tmp, path, pb_strerror(errno, eb, sizeof eb));
        unlink(tmp);
        return -1;
    }
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return -1;
}
