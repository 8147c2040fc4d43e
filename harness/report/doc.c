/* The Markdown and HTML back ends of the report writer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "doc.h"
#include "fsutil.h"
#include "pb.h"
#include "svg-inline.h"

/* Inline so the page needs nothing from the network.  Narrow screens (420 px):
 * tables scroll inside their own box, charts take the width there is, long
 * words break; print: no scroll boxes, each kernel on a new page, figures and
 * rows never cut in two. */
static const char css[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "color:#1d2430;background:#fff;margin:0}\n"
    "main{max-width:1200px;margin:0 auto;padding:20px 32px 48px}\n"
    "h1,h2,h3,p,li,figcaption{overflow-wrap:anywhere}\n"
    "h1{font-size:1.6em;border-bottom:3px solid #2b6cb0;padding-bottom:6px}\n"
    "h2{font-size:1.3em;margin-top:2.2em;border-bottom:1px solid #d0d7de;padding-bottom:4px}\n"
    "h3{font-size:1.08em;margin-top:1.6em}\n"
    ".scroll{overflow-x:auto;max-width:100%;margin:10px 0 14px}\n"
    "table{border-collapse:collapse;font-size:14px}\n"
    "th,td{border:1px solid #d0d7de;padding:3px 9px;vertical-align:top}\n"
    "th{background:#eef2f6;text-align:left;vertical-align:bottom}\n"
    ".r{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td.r{white-space:nowrap}\n"
    "tr:nth-child(even) td{background:#f8fafc}\n"
    "tr.bad td{background:#fdeaea;color:#8a1c1c}\n"
    "table.kv td:first-child{font-weight:600;background:#f4f6f8;white-space:nowrap}\n"
    "p.note{color:#57606a;font-size:14px}\n"
    "p.warn{background:#fff6db;border-left:4px solid #d9a400;padding:6px 10px}\n"
    "li{margin:3px 0}\n"
    "div.box{border:1px solid #d0d7de;border-left:4px solid #0969da;padding:2px 14px;"
    "margin:12px 0;background:#f6f8fa}\n"
    "div.box h2{margin-top:.6em}\n"
    "pre{background:#f4f6f8;padding:8px 12px;white-space:pre-wrap;word-break:break-all;"
    "font-size:13px}\n"
    ".figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,540px),1fr));"
    "gap:14px;margin:10px 0}\n"
    "figure{margin:0;border:1px solid #d0d7de;padding:4px;background:#fff;min-width:0}\n"
    "figure img,figure svg{width:100%;height:auto;display:block}\n"
    "figure.missing{padding:12px;background:#fff6db}\n"
    "figcaption{font-size:13px;color:#57606a;text-align:center;padding:2px}\n"
    "@media (max-width:640px){body{font-size:14px}main{padding:10px 10px 32px}"
    "h1{font-size:1.3em}th,td{padding:2px 6px}div.box{padding:2px 8px}"
    "ul{padding-left:1.3em}table.kv td:first-child{white-space:normal;min-width:7em}}\n"
    "@page{margin:14mm 12mm}\n"
    "@media print{body{font-size:10pt}main{max-width:none;padding:0}"
    ".scroll{overflow:visible}table{font-size:7.5pt}th,td{padding:1px 4px}"
    "td.r{white-space:normal}thead{display:table-header-group}"
    "tr,figure,div.box,pre{break-inside:avoid}h1,h2,h3{break-after:avoid}"
    "h2[id^=kernel-]{break-before:page}.figs{grid-template-columns:1fr 1fr;gap:8px}"
    "a{color:inherit;text-decoration:none}}\n";

/* End an open bullet list before anything that is not an item. */
static void close_list(struct pb_doc *d)
{
    if (!d->in_list)
        return;
    pb_tb_puts(&d->out, d->kind == PB_DOC_HTML ? "</ul>\n" : "\n");
    d->in_list = false;
}

static void text(struct pb_doc *d, const char *s)
{
    if (d->kind == PB_DOC_HTML)
        pb_tb_html(&d->out, s);
    else
        pb_tb_md(&d->out, s);
}

void pb_doc_begin(struct pb_doc *d, enum pb_doc_kind kind, const char *title)
{
    memset(d, 0, sizeof *d);
    d->kind = kind;
    if (kind == PB_DOC_MD)
        return;
    /* The policy forbids scripts and network access even if an escape were missed. */
    pb_tb_puts(&d->out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                        "img-src 'self' file: data:; style-src 'unsafe-inline'\">\n"
                        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                        "<title>");
    pb_tb_html(&d->out, title);
    pb_tb_printf(&d->out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", css);
}

void pb_doc_end(struct pb_doc *d)
{
    close_list(d);
    if (d->kind == PB_DOC_HTML)
        pb_tb_puts(&d->out, "</main>\n</body>\n</html>\n");
}

void pb_doc_heading(struct pb_doc *d, int level, const char *id, const char *s)
{
    close_list(d);
    if (level < 1)
        level = 1;
    if (level > 4)
        level = 4;
    if (d->kind == PB_DOC_HTML) {
        pb_tb_printf(&d->out, "<h%d", level);
        if (id && id[0]) {
            pb_tb_puts(&d->out, " id=\"");
            pb_tb_html(&d->out, id);
            pb_tb_puts(&d->out, "\"");
        }
        pb_tb_puts(&d->out, ">");
        text(d, s);
        pb_tb_printf(&d->out, "</h%d>\n", level);
    } else {
        pb_tb_printf(&d->out, "%.*s ", level, "####");
        text(d, s);
        pb_tb_puts(&d->out, "\n\n");
    }
}

/* printf into a temporary buffer: the result is plain text, escaped as a whole. */
__attribute__((format(printf, 2, 0))) static void vtext(struct pb_doc *d, const char *fmt,
                                                        va_list ap)
{
    struct pb_tb t = {0};
    pb_tb_vprintf(&t, fmt, ap);
    text(d, pb_tb_str(&t));
    if (t.oom)
        d->out.oom = true;
    pb_tb_free(&t);
}

void pb_doc_para(struct pb_doc *d, const char *cls, const char *fmt, ...)
{
    close_list(d);
    va_list ap;
    va_start(ap, fmt);
    if (d->kind == PB_DOC_HTML) {
        if (cls) {
            pb_tb_puts(&d->out, "<p class=\"");
            pb_tb_html(&d->out, cls);
            pb_tb_puts(&d->out, "\">");
        } else {
            pb_tb_puts(&d->out, "<p>");
        }
        vtext(d, fmt, ap);
        pb_tb_puts(&d->out, "</p>\n");
    } else {
        if (cls && strcmp(cls, "warn") == 0)
            pb_tb_puts(&d->out, "> ");
        vtext(d, fmt, ap);
        pb_tb_puts(&d->out, "\n\n");
    }
    va_end(ap);
}

static void open_item(struct pb_doc *d)
{
    if (!d->in_list) {
        pb_tb_puts(&d->out, d->kind == PB_DOC_HTML ? "<ul>\n" : "");
        d->in_list = true;
    }
    pb_tb_puts(&d->out, d->kind == PB_DOC_HTML ? "<li>" : "- ");
}

void pb_doc_item(struct pb_doc *d, const char *fmt, ...)
{
    open_item(d);
    va_list ap;
    va_start(ap, fmt);
    vtext(d, fmt, ap);
    va_end(ap);
    pb_tb_puts(&d->out, d->kind == PB_DOC_HTML ? "</li>\n" : "\n");
}

/* A link target of ours in Markdown: <...> keeps spaces and parentheses safe. */
static void md_href(struct pb_doc *d, const char *href)
{
    pb_tb_puts(&d->out, "<");
    for (const char *p = href; *p; p++)
        if (*p != '<' && *p != '>' && *p != '\n' && *p != '\r')
            pb_tb_putn(&d->out, p, 1);
    pb_tb_puts(&d->out, ">");
}

void pb_doc_link_item(struct pb_doc *d, const char *href, const char *s)
{
    open_item(d);
    if (d->kind == PB_DOC_HTML) {
        pb_tb_puts(&d->out, "<a href=\"");
        pb_tb_html(&d->out, href);
        pb_tb_puts(&d->out, "\">");
        text(d, s);
        pb_tb_puts(&d->out, "</a></li>\n");
    } else {
        pb_tb_puts(&d->out, "[");
        text(d, s);
        pb_tb_puts(&d->out, "](");
        md_href(d, href);
        pb_tb_puts(&d->out, ")\n");
    }
}

void pb_doc_code(struct pb_doc *d, const char *s)
{
    close_list(d);
    if (d->kind == PB_DOC_HTML) {
        pb_tb_puts(&d->out, "<pre>");
        pb_tb_html(&d->out, s);
        pb_tb_puts(&d->out, "</pre>\n");
        return;
    }
    /* A fence longer than any run of backticks in the text cannot be closed by it. */
    size_t run = 0, longest = 0;
    for (const char *p = s; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    size_t fence = longest < 3 ? 3 : longest + 1;
    for (size_t i = 0; i < fence; i++)
        pb_tb_puts(&d->out, "`");
    pb_tb_puts(&d->out, "\n");
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\t')
            pb_tb_putn(&d->out, p, 1);
    pb_tb_puts(&d->out, "\n");
    for (size_t i = 0; i < fence; i++)
        pb_tb_puts(&d->out, "`");
    pb_tb_puts(&d->out, "\n\n");
}

void pb_doc_box_begin(struct pb_doc *d)
{
    close_list(d);
    if (d->kind == PB_DOC_HTML)
        pb_tb_puts(&d->out, "<div class=\"box\">\n");
}

void pb_doc_box_end(struct pb_doc *d)
{
    close_list(d);
    if (d->kind == PB_DOC_HTML)
        pb_tb_puts(&d->out, "</div>\n");
}

void pb_doc_table(struct pb_doc *d, size_t ncols, const char *const *head, const char *align)
{
    close_list(d);
    d->ncols = ncols;
    snprintf(d->align, sizeof d->align, "%s", align);
    bool blank = true;
    for (size_t i = 0; i < ncols; i++)
        blank = blank && !head[i][0];
    if (d->kind == PB_DOC_HTML && blank) {
        /* A key/value table: no header row. */
        pb_tb_puts(&d->out, "<div class=\"scroll\"><table class=\"kv\">\n<tbody>\n");
        return;
    }
    if (d->kind == PB_DOC_HTML) {
        /* In a box of its own that scrolls sideways: a wide table never widens the page. */
        pb_tb_puts(&d->out, "<div class=\"scroll\"><table>\n<thead><tr>");
        for (size_t i = 0; i < ncols; i++) {
            pb_tb_puts(&d->out, i < sizeof d->align && d->align[i] == 'r' ? "<th class=\"r\">" : "<th>");
            text(d, head[i]);
            pb_tb_puts(&d->out, "</th>");
        }
        pb_tb_puts(&d->out, "</tr></thead>\n<tbody>\n");
        return;
    }
    pb_tb_puts(&d->out, "|");
    for (size_t i = 0; i < ncols; i++) {
        pb_tb_puts(&d->out, " ");
        text(d, head[i]);
        pb_tb_puts(&d->out, " |");
    }
    pb_tb_puts(&d->out, "\n|");
    for (size_t i = 0; i < ncols; i++)
        pb_tb_puts(&d->out, i < sizeof d->align && d->align[i] == 'r' ? "---:|" : "---|");
    pb_tb_puts(&d->out, "\n");
}

void pb_doc_row(struct pb_doc *d, bool bad, const char *const *cells)
{
    if (d->kind == PB_DOC_HTML) {
        pb_tb_puts(&d->out, bad ? "<tr class=\"bad\">" : "<tr>");
        for (size_t i = 0; i < d->ncols; i++) {
            pb_tb_puts(&d->out, i < sizeof d->align && d->align[i] == 'r' ? "<td class=\"r\">" : "<td>");
            text(d, cells[i] ? cells[i] : "");
            pb_tb_puts(&d->out, "</td>");
        }
        pb_tb_puts(&d->out, "</tr>\n");
        return;
    }
    pb_tb_puts(&d->out, "|");
    for (size_t i = 0; i < d->ncols; i++) {
        pb_tb_puts(&d->out, " ");
        text(d, cells[i] ? cells[i] : "");
        pb_tb_puts(&d->out, " |");
    }
    pb_tb_puts(&d->out, "\n");
}

void pb_doc_table_end(struct pb_doc *d)
{
    pb_tb_puts(&d->out, d->kind == PB_DOC_HTML ? "</tbody>\n</table></div>\n" : "\n");
    d->ncols = 0;
}

/* src ends in ".svg". */
static bool is_svg(const char *src)
{
    size_t n = strlen(src);
    return n >= 4 && strcmp(src + n - 4, ".svg") == 0;
}

/* One HTML figure with the SVG at inline_dir/src inside it; when it cannot
 * be inlined, its caption and why instead (never an image that breaks). */
static void inline_figure(struct pb_doc *d, const char *src, const char *alt)
{
    char path[PB_PATH_MAX], err[PB_ERRLEN], prefix[32];
    struct pb_tb svg = {0};
    snprintf(prefix, sizeof prefix, "f%zu-", ++d->nfig);
    int rc = pb_path_join(path, d->inline_dir, src, err, sizeof err);
    if (rc == 0 && is_svg(src))
        rc = pb_svg_inline(&svg, path, prefix, err, sizeof err);
    else if (rc == 0) {
        snprintf(err, sizeof err, "%s: only SVG pictures are embedded", src);
        rc = -1;
    }
    if (rc != 0) {
        pb_tb_puts(&d->out, "<figure class=\"missing\"><figcaption>");
        pb_tb_html(&d->out, alt);
        pb_tb_puts(&d->out, ": not shown (");
        pb_tb_html(&d->out, err);
        pb_tb_puts(&d->out, ")</figcaption></figure>\n");
    } else {
        pb_tb_puts(&d->out, "<figure>");
        pb_tb_putn(&d->out, pb_tb_str(&svg), svg.len);
        pb_tb_puts(&d->out, "<figcaption>");
        pb_tb_html(&d->out, alt);
        pb_tb_puts(&d->out, "</figcaption></figure>\n");
    }
    if (svg.oom)
        d->out.oom = true;
    pb_tb_free(&svg);
}

void pb_doc_figures(struct pb_doc *d, size_t n, const char *const *src, const char *const *link,
                    const char *const *alt)
{
    close_list(d);
    if (d->kind == PB_DOC_HTML) {
        pb_tb_puts(&d->out, "<div class=\"figs\">\n");
        for (size_t i = 0; i < n; i++) {
            if (d->inline_dir) {
                inline_figure(d, src[i], alt[i]);
                continue;
            }
            pb_tb_puts(&d->out, "<figure><a href=\"");
            pb_tb_html(&d->out, link && link[i] ? link[i] : src[i]);
            pb_tb_puts(&d->out, "\"><img src=\"");
            pb_tb_html(&d->out, src[i]);
            pb_tb_puts(&d->out, "\" alt=\"");
            pb_tb_html(&d->out, alt[i]);
            pb_tb_puts(&d->out, "\" loading=\"lazy\"></a><figcaption>");
            pb_tb_html(&d->out, alt[i]);
            pb_tb_puts(&d->out, "</figcaption></figure>\n");
        }
        pb_tb_puts(&d->out, "</div>\n");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        pb_tb_puts(&d->out, "![");
        text(d, alt[i]);
        pb_tb_puts(&d->out, "](");
        md_href(d, src[i]);
        pb_tb_puts(&d->out, ")\n");
    }
    pb_tb_puts(&d->out, "\n");
}
