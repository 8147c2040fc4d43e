/* The progress line. */
#define _DEFAULT_SOURCE   /* TIOCGWINSZ */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pb.h"
#include "progress.h"

void pb_progress_init(struct pb_progress *p, bool quiet)
{
    memset(p, 0, sizeof *p);
    p->on = !quiet && isatty(STDERR_FILENO);
    p->last_s = -INFINITY;
}

static void put(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

void pb_progress_show(struct pb_progress *p, bool force, const char *fmt, ...)
{
    if (!p->on)
        return;
    double now = pb_now();
    if (!force && now - p->last_s < 0.1)
        return;
    p->last_s = now;
    char line[512] = "\r\033[K";
    size_t head = strlen(line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + head, sizeof line - head, fmt, ap);
    va_end(ap);
    /* A line longer than the terminal would wrap, and \r would then only redraw its tail. */
    struct winsize ws;
    size_t cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? ws.ws_col : 80;
    if (strlen(line) - head > cols - 1)
        line[head + cols - 1] = '\0';
    put(line, strlen(line));
    p->shown = true;
}

void pb_progress_clear(struct pb_progress *p)
{
    if (!p->on || !p->shown)
        return;
    put("\r\033[K", 4);
    p->shown = false;
}

void pb_format_duration(double s, char *buf, size_t len)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, len, "?");
        return;
    }
    unsigned long t = (unsigned long)(s + 0.5);
    if (t < 60)
        snprintf(buf, len, "%lus", t);
    else if (t < 3600)
        snprintf(buf, len, "%lum%02lus", t / 60, t % 60);
    else
        snprintf(buf, len, "%luh%02lum", t / 3600, t / 60 % 60);
}
