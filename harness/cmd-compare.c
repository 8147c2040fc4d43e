/* parbench compare A B [C ...]: what differs between results directories,
 * ratio tables with CIs and significance tests, ratio and overlay charts,
 * written to a new directory; the options (--label, --varies) and the summary
 * on the terminal. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "charts.h"
#include "cmd.h"
#include "compare.h"
#include "fsutil.h"
#include "options.h"
#include "pb.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: parbench compare [OPTIONS] A B [C ...]\n"
            "\n"
            "Compares results directories (or results.json files) against the first, A\n"
            "(the baseline): for each configuration they share (kernel, parameters, mode,\n"
            "workers, schedule) the B/A ratio of median times with its 95%% CI, and whether\n"
            "the difference is real (two-sided Mann-Whitney U test on the run times,\n"
            "p < 0.05, and the ratio's CI excludes 1); per input the geometric mean of its\n"
            "ratios with a CI.  First it lists what differs between the inputs (machine,\n"
            "build, revision, parameters, method, conditions: the pre-flight's load and\n"
            "warnings) and warns when they differ in anything --varies does not name.\n"
            "Writes compare.md, compare.html, compare.csv and charts (ratio, speedup and\n"
            "throughput per kernel) into the output directory.\n"
            "\n"
            "  -o, --output DIR     where to write (default results/compare-YYYYmmdd-HHMMSS)\n"
            "  -l, --label NAME=DIR an input named NAME (DIR or a results.json), in order with\n"
            "                       the plain A B ... ones; unnamed inputs are called by host,\n"
            "                       or by directory when hosts repeat\n"
            "      --varies LIST    what you meant to differ between the inputs, a comma list of\n"
            "                       machine, build, revision, parameters, method, conditions\n"
            "                       (repeatable): any other difference is warned about\n"
            "      --force          compare kernels that ran with different parameters\n"
            "      --plots DIR      the gnuplot scripts (default: installed ones, or the source tree's)\n"
            "      --no-plots       no charts\n"
            "  -q, --quiet          no progress or summary lines (warnings stay)\n"
            "\n"
            "exit status: 0 written, 1 a file could not be written, 2 bad command line,\n"
            "an invalid results file, or kernels with different parameters without --force.\n");
}

struct compare_input {
    const char *path;
    const char *label;             /* NULL: not given */
};

struct compare_opts {
    const char *outdir, *plots;
    bool force, no_plots, quiet, varies_given;
    unsigned varies;
    struct compare_input *inputs;  /* in command-line order; owned */
    size_t ninputs;
};

/* "NAME=DIR" of --label: a name that fits a table cell and a DIR; -1 with err. */
static int parse_label(const char *arg, struct compare_input *in, const struct compare_opts *o,
                       char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : 0;
    if (!eq || n == 0 || !eq[1]) {
        snprintf(err, errlen, "compare: --label wants NAME=DIR, got '%.200s'", arg);
        return -1;
    }
    if (n > 100) {
        snprintf(err, errlen, "compare: --label: the name is longer than 100 bytes");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)arg[i] < 0x20 || arg[i] == 0x7f) {
            snprintf(err, errlen, "compare: --label: the name holds a control character");
            return -1;
        }
    for (size_t i = 0; i < o->ninputs; i++)
        if (o->inputs[i].label && strncmp(o->inputs[i].label, arg, n) == 0 &&
            o->inputs[i].label[n] == '=') {
            snprintf(err, errlen, "compare: --label: the name '%.*s' is given twice", (int)n, arg);
            return -1;
        }
    in->label = arg;       /* NAME=DIR; the name ends at the '=' */
    in->path = eq + 1;
    return 0;
}

static int parse(int argc, char **argv, struct compare_opts *o, int *rc)
{
    enum { OPT_PLOTS = 256, OPT_NO_PLOTS, OPT_FORCE, OPT_VARIES };
    static const struct option longs[] = {{"output", required_argument, NULL, 'o'},
                                          {"label", required_argument, NULL, 'l'},
                                          {"varies", required_argument, NULL, OPT_VARIES},
                                          {"force", no_argument, NULL, OPT_FORCE},
                                          {"plots", required_argument, NULL, OPT_PLOTS},
                                          {"no-plots", no_argument, NULL, OPT_NO_PLOTS},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
    memset(o, 0, sizeof *o);
    *rc = PB_EXIT_USAGE;
    optind = 1;
    opterr = 0;
    o->inputs = calloc((size_t)argc + 1, sizeof *o->inputs);
    if (!o->inputs) {
        pb_error("out of memory");
        *rc = PB_EXIT_FAIL;
        return -1;
    }
    char err[PB_ERRLEN];
    int c;
    /* A leading '-' hands plain arguments over in order (as code 1), so --label
     * inputs keep their place among them: the first of all is the baseline. */
    while ((c = getopt_long(argc, argv, "-:o:l:qh", longs, NULL)) != -1) {
        switch (c) {
        case 1: o->inputs[o->ninputs++].path = optarg; break;
        case 'l':
            if (parse_label(optarg, &o->inputs[o->ninputs], o, err, sizeof err) != 0) {
                pb_error("%s", err);
                return -1;
            }
            o->ninputs++;
            break;
        case OPT_VARIES:
            if (pb_cmp_varies_parse(optarg, &o->varies, err, sizeof err) != 0) {
                pb_error("%s", err);
                return -1;
            }
            o->varies_given = true;
            break;
        case 'o': o->outdir = optarg; break;
        case OPT_FORCE: o->force = true; break;
        case OPT_PLOTS: o->plots = optarg; break;
        case OPT_NO_PLOTS: o->no_plots = true; break;
        case 'q': o->quiet = true; break;
        case 'h':
            usage(stdout);
            *rc = PB_EXIT_OK;
            return -1;
        default:
            pb_opt_error(c, "compare", argv, err, sizeof err);
            pb_error("%s", err);
            return -1;
        }
    }
    for (; optind < argc; optind++)   /* after "--" */
        o->inputs[o->ninputs++].path = argv[optind];
    if (o->ninputs < 2) {
        pb_error("compare: name at least two results directories (parbench compare A B)");
        return -1;
    }
    return 0;
}

/* A new directory results/compare-YYYYmmdd-HHMMSS (-2, -3, ... when taken). */
static int default_outdir(char *buf, size_t len, char *err, size_t errlen)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (int k = 1; k < 100; k++) {
        if (k == 1)
            snprintf(buf, len, "results/compare-%s", stamp);
        else
            snprintf(buf, len, "results/compare-%s-%d", stamp, k);
        if (!pb_is_dir(buf))
            return 0;
    }
    snprintf(err, errlen, "results/compare-%s: too many directories of that name", stamp);
    return -1;
}

static int write_out(const char *dir, const char *name, struct pb_tb *b)
{
    char path[PB_PATH_MAX], err[PB_ERRLEN];
    int rc = PB_EXIT_OK;
    if (pb_path_join(path, dir, name, err, sizeof err) != 0) {
        pb_error("%s", err);
        rc = PB_EXIT_FAIL;
    } else if (b->oom) {
        pb_error("out of memory writing %s", path);
        rc = PB_EXIT_FAIL;
    } else if (pb_write_text(path, pb_tb_str(b), err, sizeof err) != 0) {
        pb_error("%s", err);
        rc = PB_EXIT_FAIL;
    }
    pb_tb_free(b);
    return rc;
}

/* Overlay and ratio charts per kernel of the first input: plotted[k] says
 * whether section k has its overlays, plotted[nsections + k] its ratio chart.
 * Returns an exit status. */
static int draw(const struct compare_opts *o, const struct pb_comparison *c, const char *outdir,
                bool *plotted, char *why, size_t whylen, const char **no_plots)
{
    char err[PB_ERRLEN], plotdir[PB_PATH_MAX];
    struct pb_charts ch;
    if (pb_charts_init(&ch, o->plots, o->no_plots, o->quiet, err, sizeof err) != 0) {
        pb_error("%s", err);
        return PB_EXIT_USAGE;
    }
    if (pb_path_join(plotdir, outdir, "plots", err, sizeof err) != 0) {
        pb_error("%s", err);
        return PB_EXIT_FAIL;
    }
    if (pb_mkdir_p(plotdir, err, sizeof err) != 0) {
        pb_error("%s", err);
        return PB_EXIT_FAIL;
    }
    static const char *const scripts[] = {"speedup", "throughput"};
    for (size_t k = 0; k < c->in[0].ss.n; k++) {
        struct pb_plot_set ps;
        int rc = pb_compare_plot_set(c, k, &ps);
        if (rc == 0)
            rc = pb_charts_draw(&ch, plotdir, &ps, scripts, 2, err, sizeof err);
        else
            snprintf(err, sizeof err, "out of memory preparing plot data");
        pb_plot_free(&ps);
        if (rc < 0) {
            pb_error("%s", err);
            return PB_EXIT_FAIL;
        }
        plotted[k] = rc == 1;
        if (rc == 1)
            rc = pb_cmp_ratio_chart(c, k, &ch, plotdir, err, sizeof err);
        if (rc < 0) {
            pb_error("%s", err);
            return PB_EXIT_FAIL;
        }
        plotted[c->in[0].ss.n + k] = rc == 1;
    }
    if (ch.off) {
        for (size_t k = 0; k < 2 * c->in[0].ss.n; k++)
            plotted[k] = false;
        snprintf(why, whylen, "%s", ch.why);
        *no_plots = why;
    }
    return PB_EXIT_OK;
}

/* The summary on the terminal: per input, its geometric mean over the
 * baseline with the CI, and how many differences are real. */
static void print_summary(const struct pb_comparison *c)
{
    for (size_t k = 0; k + 1 < c->n; k++) {
        const struct pb_cmp_pair *p = &c->pairs[k];
        struct pb_cmp_geomean g;
        pb_cmp_geomean(p, NULL, NULL, &g);
        size_t slower = 0, faster = 0;
        for (size_t i = 0; i < p->nrows; i++)
            if (pb_compare_real(&p->rows[i]))
                p->rows[i].ratio > 1 ? slower++ : faster++;
        printf("%s / %s: %zu configuration%s", c->in[p->other].label, c->in[0].label, g.n,
               g.n == 1 ? "" : "s");
        if (!g.n) {
            printf(" valid in both\n");
            continue;
        }
        printf(", geometric mean %.3f", g.gm);
        if (!isnan(g.lo))
            printf(" [%.3f, %.3f]", g.lo, g.hi);
        printf(" (%.3f to %.3f); real differences: %zu slower, %zu faster\n", g.min, g.max, slower,
               faster);
    }
}

int pb_cmd_compare(int argc, char **argv)
{
    struct compare_opts o;
    int rc;
    if (parse(argc, argv, &o, &rc) != 0) {
        free(o.inputs);
        return rc;
    }
    pb_log_quiet(o.quiet);
    char err[1400], outdir[4096], why[800];
    struct pb_comparison c = {
        .n = o.ninputs, .force = o.force, .varies = o.varies, .varies_given = o.varies_given};
    c.in = calloc(o.ninputs, sizeof *c.in);
    bool *plotted = NULL;
    const char *no_plots = NULL;
    size_t loaded = 0;
    rc = PB_EXIT_FAIL;
    if (!c.in) {
        pb_error("out of memory");
        free(o.inputs);
        return PB_EXIT_FAIL;
    }
    for (; loaded < o.ninputs; loaded++) {
        struct pb_cmp_input *in = &c.in[loaded];
        in->arg = o.inputs[loaded].path;
        if (o.inputs[loaded].label) {
            snprintf(in->label, sizeof in->label, "%.*s",
                     (int)strcspn(o.inputs[loaded].label, "="), o.inputs[loaded].label);
            in->labelled = true;
        }
        if (pb_rfile_load(&in->rf, in->arg, err, sizeof err) != 0) {
            pb_error("%s", err);
            rc = PB_EXIT_USAGE;
            goto out;
        }
        if (pb_sections_build(&in->rf, &in->ss) != 0) {
            pb_rfile_free(&in->rf);
            pb_error("out of memory grouping %s", in->rf.path);
            goto out;
        }
    }
    if (pb_compare_check_params(c.in, c.n, c.force, err, sizeof err) != 0) {
        pb_error("%s", err);
        rc = PB_EXIT_USAGE;
        goto out;
    }
    pb_compare_label(c.in, c.n);
    if (pb_compare_build(&c) != 0) {
        pb_error("out of memory comparing");
        goto out;
    }
    /* The one line on stderr that a script running compare sees too. */
    if (c.differs.mask & ~c.varies) {
        char what[200];
        pb_cmp_aspects_text(c.differs.mask & ~c.varies, what, sizeof what);
        pb_warn("compare: not like for like: the inputs differ in %s%s (see \"What differs\" "
                "in compare.html; --varies names what you meant to vary)",
                what, c.varies_given ? ", which --varies does not name" : "");
    }
    if (o.outdir)
        snprintf(outdir, sizeof outdir, "%s", o.outdir);
    else if (default_outdir(outdir, sizeof outdir, err, sizeof err) != 0) {
        pb_error("%s", err);
        goto out;
    }
    if (pb_mkdir_p(outdir, err, sizeof err) != 0) {
        pb_error("%s", err);
        goto out;
    }
    plotted = calloc(2 * c.in[0].ss.n + 1, sizeof *plotted);
    if (!plotted) {
        pb_error("out of memory");
        goto out;
    }
    rc = draw(&o, &c, outdir, plotted, why, sizeof why, &no_plots);
    if (rc != PB_EXIT_OK)
        goto out;
    struct pb_doc d;
    pb_compare_doc(&d, PB_DOC_MD, outdir, &c, plotted, no_plots);
    rc = write_out(outdir, "compare.md", &d.out);
    if (rc == PB_EXIT_OK) {
        pb_compare_doc(&d, PB_DOC_HTML, outdir, &c, plotted, no_plots);
        rc = write_out(outdir, "compare.html", &d.out);
    }
    if (rc == PB_EXIT_OK) {
        struct pb_tb csv = {0};
        pb_compare_csv(&csv, &c);
        rc = write_out(outdir, "compare.csv", &csv);
    }
    if (rc == PB_EXIT_OK && !o.quiet) {
        print_summary(&c);
        printf("compare: %s/compare.html, compare.md and compare.csv\n", outdir);
    }
out:
    free(plotted);
    pb_compare_free(&c);
    for (size_t i = 0; i < loaded; i++) {
        pb_sections_free(&c.in[i].ss);
        pb_rfile_free(&c.in[i].rf);
    }
    free(c.in);
    free(o.inputs);
    return rc;
}
