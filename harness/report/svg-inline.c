/* SVG files rewritten to be inlined in report.html (see svg-inline.h).  The
 * input is our own gnuplot's or lstopo's output, not arbitrary XML: a small
 * tag scanner is enough, and anything it does not understand is refused
 * rather than passed through. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fsutil.h"
#include "svg-inline.h"

/* lstopo draws a 64-core machine in about 1 MB; a chart is 50-300 kB. */
#define SVG_MAX_BYTES (16u << 20)

struct scan {
    struct pb_tb *t;
    const char *prefix;
    char *err;
    size_t errlen;
};

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == ':' || c == '_' || c == '-' || c == '.';
}

/* Elements that run code or pull in other documents. */
static bool forbidden_element(const char *name, size_t n)
{
    static const char *const bad[] = {"script", "foreignObject", "iframe", "object", "embed",
                                      "audio", "video", "handler", "listener"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (strlen(bad[i]) == n && strncasecmp(name, bad[i], n) == 0)
            return true;
    return false;
}

static bool is_attr(const char *name, size_t n, const char *want)
{
    size_t w = strlen(want);
    return n >= w && strncasecmp(name + n - w, want, w) == 0 &&
           (n == w || name[n - w - 1] == ':');
}

/* Copy v[0..n) (an attribute value or a style sheet) with url(#id) prefixed;
 * any other url() or an @import is refused. */
static int copy_urls(struct scan *s, const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (n - i >= 7 && strncasecmp(v + i, "@import", 7) == 0) {
            snprintf(s->err, s->errlen, "an @import");
            return -1;
        }
        if (n - i >= 4 && strncasecmp(v + i, "url(", 4) == 0) {
            size_t j = i + 4;
            while (j < n && (v[j] == ' ' || v[j] == '\'' || v[j] == '"'))
                j++;
            if (j >= n || v[j] != '#') {
                snprintf(s->err, s->errlen, "a reference to another file (%.40s)", v + i);
                return -1;
            }
            pb_tb_putn(s->t, v + i, j + 1 - i);
            pb_tb_puts(s->t, s->prefix);
            i = j;
            continue;
        }
        pb_tb_putn(s->t, v + i, 1);
    }
    return 0;
}

/* One attribute's value, quoted with `q`, rewritten for attribute `name`. */
static int attr_value(struct scan *s, const char *name, size_t nlen, const char *v, size_t n,
                      char q)
{
    pb_tb_putn(s->t, &q, 1);
    if (is_attr(name, nlen, "id")) {
        pb_tb_puts(s->t, s->prefix);
        pb_tb_putn(s->t, v, n);
    } else if (is_attr(name, nlen, "href")) {
        if (n == 0 || v[0] != '#') {
            snprintf(s->err, s->errlen, "a reference to another file (%.*s)", (int)(n > 40 ? 40 : n),
                     v);
            return -1;
        }
        pb_tb_puts(s->t, "#");
        pb_tb_puts(s->t, s->prefix);
        pb_tb_putn(s->t, v + 1, n - 1);
    } else if (is_attr(name, nlen, "viewBox")) {
        /* Numbers only: lstopo writes "0 0 322px 324px", which browsers reject
         * with a console error and a picture that does not scale. */
        for (size_t i = 0; i < n; i++)
            if (!(i + 1 < n && v[i] == 'p' && v[i + 1] == 'x' && i > 0 &&
                  isdigit((unsigned char)v[i - 1])))
                pb_tb_putn(s->t, v + i, 1);
            else
                i++;
    } else if (copy_urls(s, v, n) != 0) {
        return -1;
    }
    pb_tb_putn(s->t, &q, 1);
    return 0;
}

/* An opening tag at p ('<' then a name); returns the character after its '>'. */
static const char *open_tag(struct scan *s, const char *p, bool *style)
{
    const char *name = ++p;
    while (name_char(*p))
        p++;
    size_t n = (size_t)(p - name);
    if (n == 0) {
        snprintf(s->err, s->errlen, "a malformed tag");
        return NULL;
    }
    if (forbidden_element(name, n)) {
        snprintf(s->err, s->errlen, "a <%.*s> element", (int)(n > 40 ? 40 : n), name);
        return NULL;
    }
    *style = n == 5 && strncasecmp(name, "style", 5) == 0;
    pb_tb_puts(s->t, "<");
    pb_tb_putn(s->t, name, n);
    for (;;) {
        const char *ws = p;
        while (isspace((unsigned char)*p))
            p++;
        if (p > ws)
            pb_tb_puts(s->t, " ");
        if (*p == '>' || (p[0] == '/' && p[1] == '>')) {
            pb_tb_puts(s->t, *p == '>' ? ">" : "/>");
            return p + (*p == '>' ? 1 : 2);
        }
        const char *an = p;
        while (*p && !isspace((unsigned char)*p) && *p != '=' && *p != '>' && *p != '/' &&
               *p != '"' && *p != '\'')
            p++;
        size_t alen = (size_t)(p - an);
        if (alen == 0) {
            snprintf(s->err, s->errlen, "a malformed tag");
            return NULL;
        }
        if (alen > 2 && strncasecmp(an, "on", 2) == 0) {
            snprintf(s->err, s->errlen, "an event handler (%.*s)", (int)(alen > 40 ? 40 : alen), an);
            return NULL;
        }
        pb_tb_putn(s->t, an, alen);
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '=')
            continue;   /* an attribute without a value */
        pb_tb_puts(s->t, "=");
        p++;
        while (isspace((unsigned char)*p))
            p++;
        const char *v;
        size_t vlen;
        char q = '"';
        if (*p == '"' || *p == '\'') {
            q = *p++;
            v = p;
            const char *e = strchr(p, q);
            if (!e) {
                snprintf(s->err, s->errlen, "an unterminated attribute");
                return NULL;
            }
            vlen = (size_t)(e - v);
            p = e + 1;
        } else {
            v = p;
            while (*p && !isspace((unsigned char)*p) && *p != '>')
                p++;
            vlen = (size_t)(p - v);
        }
        if (q == '"' && memchr(v, '"', vlen)) {   /* unquoted, with a quote in it */
            snprintf(s->err, s->errlen, "a malformed attribute");
            return NULL;
        }
        if (attr_value(s, an, alen, v, vlen, q) != 0)
            return NULL;
    }
}

/* Rewrite the element text[0..) (NUL-terminated after </svg>) into s->t. */
static int rewrite(struct scan *s, const char *p)
{
    bool style = false;
    while (*p) {
        if (*p != '<') {
            const char *e = strchr(p, '<');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (style) {
                if (copy_urls(s, p, n) != 0)
                    return -1;
            } else {
                pb_tb_putn(s->t, p, n);
            }
            p += n;
            continue;
        }
        if (strncmp(p, "<!--", 4) == 0) {   /* comments go */
            const char *e = strstr(p + 4, "-->");
            if (!e)
                break;
            p = e + 3;
            continue;
        }
        if (strncmp(p, "<![CDATA[", 9) == 0) {
            const char *e = strstr(p, "]]>");
            if (!e)
                break;
            if (copy_urls(s, p, (size_t)(e + 3 - p)) != 0)
                return -1;
            p = e + 3;
            continue;
        }
        if (p[1] == '!' || p[1] == '?') {   /* a DOCTYPE or processing instruction: no use in HTML */
            const char *e = strchr(p, '>');
            if (!e)
                break;
            p = e + 1;
            continue;
        }
        if (p[1] == '/') {
            const char *e = strchr(p, '>');
            if (!e)
                break;
            pb_tb_putn(s->t, p, (size_t)(e + 1 - p));
            style = false;
            p = e + 1;
            continue;
        }
        p = open_tag(s, p, &style);
        if (!p)
            return -1;
    }
    if (*p) {
        snprintf(s->err, s->errlen, "an unterminated comment or tag");
        return -1;
    }
    return 0;
}

/* The first "<svg" that starts a tag (not "<svgfoo"), case-insensitively. */
static char *find_svg(char *text)
{
    for (char *p = text; (p = strchr(p, '<')) != NULL; p++)
        if (strncasecmp(p + 1, "svg", 3) == 0 && !name_char(p[4]))
            return p;
    return NULL;
}

int pb_svg_inline(struct pb_tb *out, const char *path, const char *prefix, char *err,
                  size_t errlen)
{
    size_t len;
    char *text = pb_read_file(path, SVG_MAX_BYTES, &len, err, errlen);
    if (!text)
        return -1;
    char *start = find_svg(text), *end = NULL;
    for (char *p = start; p && (p = strstr(p, "</svg>")) != NULL; p++)
        end = p;
    if (strlen(text) != len || !start || !end) {
        snprintf(err, errlen, "%s: not an SVG file", path);
        free(text);
        return -1;
    }
    end[6] = '\0';
    struct pb_tb t = {0};
    char why[200] = "";
    struct scan s = {.t = &t, .prefix = prefix, .err = why, .errlen = sizeof why};
    int rc = rewrite(&s, start);
    if (rc != 0) {
        snprintf(err, errlen, "%s: not inlined: it holds %s", path, why);
    } else if (t.oom) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = -1;
    } else {
        pb_tb_putn(out, pb_tb_str(&t), t.len);
    }
    pb_tb_free(&t);
    free(text);
    return rc;
}
