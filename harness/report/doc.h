/* One writer for the Markdown and the HTML report: callers describe the
 * document (headings, paragraphs, lists, tables, figures) in plain text and
 * the writer adds the markup.  Every piece of text is escaped for the target
 * format, so strings from a results file can be passed as they are. */
#ifndef PB_DOC_H
#define PB_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "textbuf.h"

enum pb_doc_kind { PB_DOC_MD, PB_DOC_HTML };

struct pb_doc {
    enum pb_doc_kind kind;
    struct pb_tb out;
    bool in_list;
    size_t ncols;               /* columns of the open table, 0 when none */
    char align[32];             /* its column alignments */
    /* HTML: when set, the directory figures' paths are relative to, and each
     * SVG figure is inlined from there (svg-inline.h), so the page stands
     * alone; when NULL, figures are <img> elements pointing at the files. */
    const char *inline_dir;
    size_t nfig;                /* figures inlined so far: their ids' prefix */
};

/* Start a document with this title (the HTML head holds the style sheet). */
void pb_doc_begin(struct pb_doc *d, enum pb_doc_kind kind, const char *title);
/* Close it; the text is in d->out (check d->out.oom). */
void pb_doc_end(struct pb_doc *d);

/* Heading of level 1..3; `id` (ours, not from a file) becomes the HTML anchor. */
void pb_doc_heading(struct pb_doc *d, int level, const char *id, const char *text);
/* A paragraph; class "note" (muted) or "warn" (highlighted) or NULL. */
__attribute__((format(printf, 3, 4))) void pb_doc_para(struct pb_doc *d, const char *cls,
                                                        const char *fmt, ...);
/* A bullet item; consecutive items form one list. */
__attribute__((format(printf, 2, 3))) void pb_doc_item(struct pb_doc *d, const char *fmt, ...);
/* A bullet item that links to `href` (a relative path or #anchor of ours). */
void pb_doc_link_item(struct pb_doc *d, const char *href, const char *text);
/* A framed box around what follows until pb_doc_box_end (HTML; Markdown has
 * no boxes, the content stands as it is). */
void pb_doc_box_begin(struct pb_doc *d);
void pb_doc_box_end(struct pb_doc *d);
/* A preformatted block (command lines). */
void pb_doc_code(struct pb_doc *d, const char *text);
/* A table: `align` has one letter per column, 'l' or 'r'.  All-empty headings
 * make a key/value table (no header row in HTML). */
void pb_doc_table(struct pb_doc *d, size_t ncols, const char *const *head, const char *align);
/* A row; `bad` marks an invalid or failed configuration. */
void pb_doc_row(struct pb_doc *d, bool bad, const char *const *cells);
void pb_doc_table_end(struct pb_doc *d);
/* Figures side by side: an image per entry.  Markdown shows src[i]; HTML
 * inlines src[i] when it is an .svg and d->inline_dir is set (a figure that
 * cannot be inlined becomes its caption and the reason, never a broken
 * image), else shows it as an <img> linking to `link[i]` (or to itself). */
void pb_doc_figures(struct pb_doc *d, size_t n, const char *const *src, const char *const *link,
                    const char *const *alt);

#endif
