/* A growing text buffer and escapers for HTML, Markdown and gnuplot strings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textbuf.h"

/* Make room for `extra` more bytes plus a NUL; false (and oom set) when it cannot. */
static bool reserve(struct pb_tb *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->p && b->len + extra < b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap <= b->len + extra)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void pb_tb_putn(struct pb_tb *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void pb_tb_puts(struct pb_tb *b, const char *s)
{
    pb_tb_putn(b, s, strlen(s));
}

void pb_tb_vprintf(struct pb_tb *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0)
        b->oom = true;
    else if (reserve(b, (size_t)n)) {
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void pb_tb_printf(struct pb_tb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pb_tb_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *pb_tb_str(const struct pb_tb *b)
{
    return b->p ? b->p : "";
}

void pb_tb_free(struct pb_tb *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void pb_tb_html(struct pb_tb *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': pb_tb_puts(b, "&amp;"); break;
        case '<': pb_tb_puts(b, "&lt;"); break;
        case '>': pb_tb_puts(b, "&gt;"); break;
        case '"': pb_tb_puts(b, "&quot;"); break;
        case '\'': pb_tb_puts(b, "&#39;"); break;
        default:
            if (c >= 0x20 || c == '\n' || c == '\t')
                pb_tb_putn(b, s, 1);
        }
    }
}

void pb_tb_md(struct pb_tb *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n' || c == '\r' || c == '\t') {
            pb_tb_putn(b, " ", 1);
        } else if (c < 0x20 || c == 0x7f) {
            continue;
        } else {
            if (strchr("\\`*_[]<>|#", c))
                pb_tb_putn(b, "\\", 1);
            pb_tb_putn(b, s, 1);
        }
    }
}

void pb_tb_gpstr(struct pb_tb *b, const char *s)
{
    pb_tb_putn(b, "'", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\'')
            pb_tb_puts(b, "''");
        else if (c < 0x20 || c == 0x7f)
            pb_tb_putn(b, " ", 1);
        else
            pb_tb_putn(b, s, 1);
    }
    pb_tb_putn(b, "'", 1);
}
