/* Small file-system helpers for the commands that read and write result
 * directories (report, compare). */
#ifndef PB_FSUTIL_H
#define PB_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* The one size of a path buffer: Linux's PATH_MAX, the longest path a system call takes. */
#define PB_PATH_MAX 4096

/* "DIR/NAME" into `buf` (PB_PATH_MAX bytes).  Returns 0, or -1 with `err`
 * naming the path when it would not fit (never a silently cut path). */
int pb_path_join(char *buf, const char *dir, const char *name, char *err, size_t errlen);

bool pb_is_dir(const char *path);
bool pb_is_file(const char *path);
/* mkdir -p with mode 0755.  Returns 0, or -1 with `err`. */
int pb_mkdir_p(const char *dir, char *err, size_t errlen);
/* Read a whole regular file of at most `max` bytes into a NUL-terminated
 * malloc'ed buffer.  Returns it (length in *len), or NULL with `err`. */
char *pb_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);
/* The directory holding the running executable, "" when unknown. */
void pb_exe_dir(char *buf, size_t len);
/* Write a NUL-terminated string atomically (pb_write_atomic). */
int pb_write_text(const char *path, const char *text, char *err, size_t errlen);

#endif
