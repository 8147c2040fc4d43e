/* A growing text buffer, and the escapers that make untrusted strings (read
 * from a results file) safe in HTML, Markdown and gnuplot string literals. */
#ifndef PB_TEXTBUF_H
#define PB_TEXTBUF_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>

struct pb_tb {
    char *p;      /* NUL-terminated once anything was written; NULL before */
    size_t len;   /* bytes used, without the NUL */
    size_t cap;
    bool oom;     /* an allocation failed: the text is incomplete */
};

__attribute__((format(printf, 2, 3))) void pb_tb_printf(struct pb_tb *b, const char *fmt, ...);
__attribute__((format(printf, 2, 0))) void pb_tb_vprintf(struct pb_tb *b, const char *fmt, va_list ap);
void pb_tb_puts(struct pb_tb *b, const char *s);
void pb_tb_putn(struct pb_tb *b, const char *s, size_t n);
/* The text so far ("" when empty); stays owned by the buffer. */
const char *pb_tb_str(const struct pb_tb *b);
void pb_tb_free(struct pb_tb *b);

/* & < > " ' as entities; other control characters but tab and newline dropped. */
void pb_tb_html(struct pb_tb *b, const char *s);
/* Markdown text that renders literally, on one line: newlines become spaces,
 * and \ ` * _ [ ] < > | # are backslash-escaped (so a '|' cannot split a table cell). */
void pb_tb_md(struct pb_tb *b, const char *s);
/* A gnuplot single-quoted string literal, quotes included: ' doubled,
 * control characters (which would end the line) replaced by spaces. */
void pb_tb_gpstr(struct pb_tb *b, const char *s);

#endif
