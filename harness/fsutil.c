/* Small file-system helpers for report and compare. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "pb.h"

bool pb_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool pb_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int pb_mkdir_p(const char *dir, char *err, size_t errlen)
{
    char path[4096], eb[128];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "%s: path too long", dir);
        return -1;
    }
    for (char *p = path + 1;; p++) {
        char c = *p;
        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create directory %s: %s", path,
                     pb_strerror(errno, eb, sizeof eb));
            return -1;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    if (!pb_is_dir(dir)) {
        snprintf(err, errlen, "%s is not a directory", dir);
        return -1;
    }
    return 0;
}

char *pb_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    char eb[128];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, pb_strerror(errno, eb, sizeof eb));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if ((unsigned long long)st.st_size > max) {
        snprintf(err, errlen, "%s: too large (%lld bytes, at most %zu)", path, (long long)st.st_size,
                 max);
        close(fd);
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 1, used = 0;
    char *buf = malloc(cap);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        close(fd);
        return NULL;
    }
    /* Read to EOF even if the file grew since fstat, up to the cap. */
    for (;;) {
        if (used + 1 == cap) {
            if (cap > max) {
                snprintf(err, errlen, "%s: too large (more than %zu bytes)", path, max);
                goto fail;
            }
            char *p = realloc(buf, cap * 2);
            if (!p) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto fail;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + used, cap - 1 - used);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: read error: %s", path, pb_strerror(errno, eb, sizeof eb));
            goto fail;
        }
        if (r == 0)
            break;
        used += (size_t)r;
    }
    close(fd);
    buf[used] = '\0';
    *len = used;
    return buf;
fail:
    free(buf);
    close(fd);
    return NULL;
}

void pb_exe_dir(char *buf, size_t len)
{
    buf[0] = '\0';
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return;
    path[n] = '\0';
    char *slash = strrchr(path, '/');
    if (!slash)
        return;
    *slash = '\0';
    snprintf(buf, len, "%s", path[0] ? path : "/");
}

int pb_write_text(const char *path, const char *text, char *err, size_t errlen)
{
    return pb_write_atomic(path, text, strlen(text), err, errlen);
}

int pb_path_join(char *buf, const char *dir, const char *name, char *err, size_t errlen)
{
    int n = snprintf(buf, PB_PATH_MAX, "%s/%s", dir, name);
    if (n < 0 || n >= PB_PATH_MAX) {
        snprintf(err, errlen, "path too long (%d bytes, at most %d): %.60s.../%s", n,
                 PB_PATH_MAX - 1, dir, name);
        buf[0] = '\0';
        return -1;
    }
    return 0;
}
