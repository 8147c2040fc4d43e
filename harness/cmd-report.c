/* parbench report DIR: charts (gnuplot) and report.md + report.html from a
 * results directory, without measuring anything. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "cmd.h"
#include "doc.h"
#include "findings.h"
#include "fsutil.h"
#include "options.h"
#include "pb.h"
#include "plotdata.h"
#include "report.h"
#include "report-breakdown.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: parbench report [OPTIONS] DIR\n"
            "\n"
            "Reads DIR/results.json (or a results.json named directly) and writes, next to it,\n"
            "report.md and report.html, the charts as plots/*.svg and plots/*.png (report.md\n"
            "shows the PNGs; report.html has its CSS and the SVGs inlined and stands alone),\n"
            "and plots/NAME.dat + NAME.gpvars, the data the gnuplot scripts read.  Without\n"
            "gnuplot the report is written without charts.\n"
            "\n"
            "      --plots DIR   the gnuplot scripts (default: installed ones, or the source tree's)\n"
            "      --no-plots    write the report without charts\n"
            "  -q, --quiet       no progress lines\n"
            "\n"
            "exit status: 0 written, 1 a file could not be written, 2 bad command line or an\n"
            "invalid results file (one error line names the file and the field).\n");
}

struct report_opts {
    const char *input, *plots;
    bool no_plots, quiet;
};

/* Returns -1 to exit with `*rc`, 0 to go on. */
static int parse(int argc, char **argv, struct report_opts *o, int *rc)
{
    enum { OPT_PLOTS = 256, OPT_NO_PLOTS };
    static const struct option longs[] = {{"plots", required_argument, NULL, OPT_PLOTS},
                                          {"no-plots", no_argument, NULL, OPT_NO_PLOTS},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
    memset(o, 0, sizeof *o);
    *rc = PB_EXIT_USAGE;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":qh", longs, NULL)) != -1) {
        switch (c) {
        case OPT_PLOTS: o->plots = optarg; break;
        case OPT_NO_PLOTS: o->no_plots = true; break;
        case 'q': o->quiet = true; break;
        case 'h':
            usage(stdout);
            *rc = PB_EXIT_OK;
            return -1;
        default: {
            char err[PB_ERRLEN];
            pb_opt_error(c, "report", argv, err, sizeof err);
            pb_error("%s", err);
            return -1;
        }
        }
    }
    if (optind >= argc) {
        pb_error("report: name a results directory (parbench report DIR)");
        return -1;
    }
    if (argc - optind > 1) {
        pb_error("report: unexpected argument '%s'", argv[optind + 1]);
        return -1;
    }
    o->input = argv[optind];
    return 0;
}

/* Draw every chart of every section; without gnuplot (or when it fails) the
 * report is written without charts and says why. */
static int draw(const struct report_opts *o, const struct pb_rfile *rf,
                const struct pb_sections *ss, bool *plotted, const char **no_plots,
                char *why, size_t whylen)
{
    char err[PB_ERRLEN], outdir[PB_PATH_MAX];
    struct pb_charts ch;
    if (pb_charts_init(&ch, o->plots, o->no_plots, o->quiet, err, sizeof err) != 0) {
        pb_error("%s", err);
        return PB_EXIT_USAGE;
    }
    if (pb_path_join(outdir, rf->dir, "plots", err, sizeof err) != 0) {
        pb_error("%s", err);
        return PB_EXIT_FAIL;
    }
    if (pb_mkdir_p(outdir, err, sizeof err) != 0) {
        pb_error("%s", err);
        return PB_EXIT_FAIL;
    }
    const char *scripts[8];
    for (size_t c = 0; c < pb_report_ncharts && c < 8; c++)
        scripts[c] = pb_report_charts[c].script;
    for (size_t k = 0; k < ss->n; k++) {
        struct pb_plot_set ps;
        int rc = pb_plot_from_section(rf, &ss->s[k], &ps);
        if (rc == 0)
            rc = pb_charts_draw(&ch, outdir, &ps, scripts, pb_report_ncharts, err, sizeof err);
        if (rc == 1)   /* gap: the where-the-time-went chart (report-breakdown.c) */
            rc = pb_breakdown_draw(&ch, outdir, rf, &ss->s[k], err, sizeof err) < 0 ? -1 : 1;
        else
            snprintf(err, sizeof err, "out of memory preparing plot data");
        pb_plot_free(&ps);
        if (rc < 0) {
            pb_error("%s", err);
            return PB_EXIT_FAIL;
        }
        plotted[k] = rc == 1;
    }
    /* A gnuplot that failed part way leaves no section with charts. */
    if (ch.off) {
        for (size_t k = 0; k < ss->n; k++)
            plotted[k] = false;
        snprintf(why, whylen, "%s", ch.why);
        *no_plots = why;
    }
    return PB_EXIT_OK;
}

static int write_doc(const struct pb_report_in *in, enum pb_doc_kind kind, const char *name)
{
    struct pb_doc d;
    char path[PB_PATH_MAX], err[PB_ERRLEN];
    pb_report_doc(&d, kind, in);
    int rc = PB_EXIT_OK;
    if (pb_path_join(path, in->rf->dir, name, err, sizeof err) != 0) {
        pb_error("%s", err);
        rc = PB_EXIT_FAIL;
    } else if (d.out.oom) {
        pb_error("out of memory writing %s", path);
        rc = PB_EXIT_FAIL;
    } else if (pb_write_text(path, pb_tb_str(&d.out), err, sizeof err) != 0) {
        pb_error("%s", err);
        rc = PB_EXIT_FAIL;
    }
    pb_tb_free(&d.out);
    return rc;
}

int pb_cmd_report(int argc, char **argv)
{
    struct report_opts o;
    int rc;
    if (parse(argc, argv, &o, &rc) != 0)
        return rc;
    pb_log_quiet(o.quiet);
    struct pb_rfile rf;
    char err[PB_ERRLEN], why[800];
    if (pb_rfile_load(&rf, o.input, err, sizeof err) != 0) {
        pb_error("%s", err);
        return PB_EXIT_USAGE;
    }
    struct pb_sections ss;
    struct pb_findings f = {0};
    bool *plotted = NULL;
    rc = PB_EXIT_FAIL;
    if (pb_sections_build(&rf, &ss) != 0) {
        pb_error("out of memory grouping %s", rf.path);
        goto out_rf;
    }
    plotted = calloc(ss.n ? ss.n : 1, sizeof *plotted);
    if (!plotted || pb_findings_build(&rf, &ss, &f) != 0) {
        pb_error("out of memory writing findings");
        goto out;
    }
    struct pb_report_in in = {.rf = &rf, .ss = &ss, .findings = &f, .plotted = plotted};
    rc = draw(&o, &rf, &ss, plotted, &in.no_plots, why, sizeof why);
    if (rc != PB_EXIT_OK)
        goto out;
    rc = write_doc(&in, PB_DOC_MD, "report.md");
    if (rc == PB_EXIT_OK)
        rc = write_doc(&in, PB_DOC_HTML, "report.html");
    if (rc == PB_EXIT_OK && !o.quiet)
        printf("report: %s/report.html and report.md\n", rf.dir);
out:
    free(plotted);
    pb_findings_free(&f);
    pb_sections_free(&ss);
out_rf:
    pb_rfile_free(&rf);
    return rc;
}
