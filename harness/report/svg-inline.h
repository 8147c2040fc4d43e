/* An SVG file (a gnuplot chart, lstopo's topology picture) made fit to stand
 * inside an HTML page, so report.html needs no file beside it. */
#ifndef PB_SVG_INLINE_H
#define PB_SVG_INLINE_H

#include <stddef.h>

#include "textbuf.h"

/* Append the <svg>...</svg> element of the file at `path` to `out`: the XML
 * prolog (declaration, DOCTYPE, comments) dropped, and every id and every
 * reference to one ("#id" in href/xlink:href, url(#id)) given `prefix`, so
 * that several charts in one page, each with its own gpPt0 or glyph0-1,
 * cannot take each other's definitions.  A file that would reach outside the
 * page (a script, an event handler, foreignObject, any href or url() that is
 * not "#id", @import) is refused: the page must not depend on, or run,
 * anything.  Returns 0, or -1 with `err` (and `out` unchanged). */
int pb_svg_inline(struct pb_tb *out, const char *path, const char *prefix, char *err,
                  size_t errlen);

#endif
