/* Chart titles and captions (charts.c) and the layout variables the plot
 * scripts read (plotlayout.c): short titles from the preset, log2 axis,
 * offsets, fitted axes, Amdahl legend texts, the per-run strips. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "charts.h"
#include "check.h"
#include "plotlayout.h"
#include "textbuf.h"

/* A section of `kernel` whose first record has `size` and `params`. */
static struct pb_section section(struct pb_rf_record *r, const struct pb_rf_record **recs,
                                 const char *kernel, const char *size, const char *params)
{
    memset(r, 0, sizeof *r);
    r->kernel = kernel;
    r->size = size;
    r->params_text = params;
    recs[0] = r;
    return (struct pb_section){.kernel = kernel, .params_text = params, .unit = "",
                               .recs = recs, .nrecs = 1};
}

static void subject(const char *kernel, const char *size, const char *params, const char *want)
{
    struct pb_rf_record r;
    const struct pb_rf_record *recs[1];
    struct pb_section sec = section(&r, recs, kernel, size, params);
    char buf[512];
    pb_chart_subject(&sec, buf, sizeof buf);
    CHECK_STR(buf, want);
}

static void titles(void)
{
    /* Only what differs from the preset; numbers compared as numbers. */
    subject("primes", "medium", "lo=0,hi=10000000,block=10000", "primes (medium preset)");
    subject("primes", "medium", "lo=0,hi=1e7,block=10000", "primes (medium preset)");
    subject("primes", "small", "lo=0,hi=600000,block=10000", "primes (small preset, hi=600000)");
    /* Values holding commas (blur.files) stay whole; empty ones equal to the preset vanish. */
    subject("blur", "medium",
            "sigma=10,width=4096,height=3072,images=8,band=32,files=a.png,b.png,save=,simd=auto",
            "blur (medium preset, files=a.png,b.png)");
    subject("blur", "medium", "sigma=10,width=4096,height=3072,images=16,band=32,files=,save=,simd=auto",
            "blur (medium preset, images=16)");
    /* Parameters of another version (an older list): every non-empty one, no preset claimed. */
    subject("blur", "small", "sigma=5,width=640,height=480,images=1,band=16,files=,save=",
            "blur (sigma=5, width=640, height=480, images=1, band=16)");
    /* A kernel this build does not know, or no size recorded. */
    subject("mystery", "small", "a=1,b=,c=xyz", "mystery (a=1, c=xyz)");
    subject("primes", "", "lo=0,hi=5", "primes (lo=0, hi=5)");
    subject("mystery", "", "", "mystery");
    /* Long lists are cut with an ellipsis on a character boundary. */
    char params[400] = "", want[200];
    for (int i = 0; i < 20; i++)
        snprintf(params + strlen(params), sizeof params - strlen(params), "%sp%d=\xc3\xa9\xc3\xa9",
                 i ? "," : "", i);
    struct pb_rf_record r;
    const struct pb_rf_record *recs[1];
    struct pb_section sec = section(&r, recs, "mystery", "", params);
    pb_chart_subject(&sec, want, sizeof want);
    CHECK(strlen(want) < 90);
    CHECK(strstr(want, "\xe2\x80\xa6)") != NULL);
    for (const char *p = want; *p; p++)   /* no UTF-8 sequence cut: é stays two bytes */
        if ((unsigned char)p[0] == 0xc3)
            CHECK((unsigned char)p[1] == 0xa9);
    /* The caption carries everything. */
    char cap[1024];
    sec = section(&r, recs, "blur", "medium", "sigma=10,files=,save=");
    pb_chart_caption(&sec, cap, sizeof cap);
    CHECK(strstr(cap, "Charts of blur at sigma=10,files=,save= (size preset medium).") == cap);
}

/* The value of `name = ` in gpvars text, as a string (NULL when absent). */
static const char *var(const char *text, const char *name, char *buf, size_t len)
{
    char key[64];
    snprintf(key, sizeof key, "\n%s = ", name);
    const char *p = strstr(text, key);
    if (!p)
        return NULL;
    p += strlen(key);
    size_t n = strcspn(p, "\n");
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), p);
    return buf;
}

static double numvar(const char *text, const char *name)
{
    char b[128];
    const char *v = var(text, name, b, sizeof b);
    return v ? atof(v) : NAN;
}

static void layout(void)
{
    /* serial (1 point), two modes on a 1..64 ladder, one of them with 2 points and no fit. */
    static const double w[] = {1, 2, 4, 8, 16, 32, 64};
    struct pb_plot_point pts[3][7];
    struct pb_plot_series s[3];
    memset(pts, 0, sizeof pts);
    memset(s, 0, sizeof s);
    double times[3] = {0.99, 1.0, 1.01}, slow[3] = {0.99, 1.0, 1.5};   /* one run 50 % slow */
    for (size_t i = 0; i < 3; i++) {
        snprintf(s[i].title, sizeof s[i].title, "%s", i == 0 ? "serial" : i == 1 ? "threads" : "queue");
        snprintf(s[i].color, sizeof s[i].color, "#1f77b4");
        s[i].pt = pts[i];
        s[i].n = i == 0 ? 1 : i == 1 ? 7 : 2;
        s[i].single = i == 0;
        s[i].amdahl_f = i == 1 ? 0.01 : NAN;
        for (size_t j = 0; j < s[i].n; j++) {
            struct pb_plot_point *p = &pts[i][j];
            p->workers = w[j];
            p->median_s = 1.0 / w[j];
            p->speedup = p->speedup_low = p->speedup_high = w[j] * (i == 2 ? 0.5 : 0.9);
            p->efficiency_pct = 100 * p->speedup / w[j];
            p->imbalance = 1 + 0.01 * (double)j;
            p->times = times;
            p->ntimes = 3;
        }
    }
    /* Each run's time relative to its median: times are of the 1-worker median. */
    for (size_t j = 0; j < 7; j++)
        pts[1][j].median_s = 1.0;
    pts[0][0].median_s = pts[2][0].median_s = pts[2][1].median_s = 1.0;
    pts[1][6].times = slow;
    struct pb_plot_set ps = {.name = "k", .s = s, .ns = 3};
    struct pb_tb v = {0}, runs = {0};
    pb_tb_puts(&v, "\n");
    pb_plot_write_layout(&v, &ps, w, 7);
    pb_plot_write_runs(&runs, &v, &ps, w, 7);
    const char *t = pb_tb_str(&v);
    CHECK(numvar(t, "xlog") == 1);
    CHECK(strstr(t, "array sdodge[3] = [0.0, -0.5, 0.5]") != NULL);
    CHECK(strstr(t, "array sfit[3] = ['serial', 'threads (f=0.010)', 'queue']") != NULL);
    CHECK(numvar(t, "nfits") == 1);
    CHECK(numvar(t, "effmin") == 40);           /* queue at 50 %: a fitted axis, not 0 */
    CHECK(numvar(t, "effmax") >= 110);          /* room over the 100 % line */
    CHECK(numvar(t, "imbmin") < 1 && numvar(t, "imbmin") > 0.99);
    CHECK(numvar(t, "imbmax") >= 1.06 * 1.0);   /* the worst is 1.06 */
    CHECK(numvar(t, "spmax") >= 64);            /* the ideal stays in view */
    CHECK(numvar(t, "nruns") == 30);            /* 10 points x 3 runs */
    CHECK(numvar(t, "ngroups") == 7);
    /* The +50 % runs are beyond the axis: clipped, drawn at the edge, not stretching it. */
    CHECK(numvar(t, "runsymax") < 50);
    CHECK(strstr(pb_tb_str(&runs), " 2 50\n") != NULL);
    CHECK(!v.oom && !runs.oom);
    pb_tb_free(&v);
    pb_tb_free(&runs);

    /* A short ladder keeps a linear axis and, with one multi-point series, no offset. */
    ps.ns = 2;
    s[1].n = 3;
    struct pb_tb v2 = {0};
    pb_tb_puts(&v2, "\n");
    pb_plot_write_layout(&v2, &ps, w, 3);
    CHECK(numvar(pb_tb_str(&v2), "xlog") == 0);
    CHECK(numvar(pb_tb_str(&v2), "dodgestep") == 0);
    pb_tb_free(&v2);
}

int main(void)
{
    titles();
    layout();
    CHECK_DONE();
}
