/* parbench probe: calibrate the machine (pipes, fork, futex, threads,
 * core-to-core latency, memory bandwidth, clock under load), print the
 * figures and save them as DIR/probe.json with the core-to-core heatmap. */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "fsutil.h"
#include "options.h"
#include "pb.h"
#include "placement.h"
#include "probe.h"
#include "sysinfo.h"

#define PROBE_MAX_BYTES (64u << 20)   /* a probe.json larger than this is not one */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: parbench probe [OPTIONS]\n"
            "\n"
            "Calibrate this machine: each figure is repeated after a warm-up and given as a\n"
            "median with its 95%% confidence interval.\n"
            "  pipe    round trip (1 byte) and one-way bandwidth between two processes pinned\n"
            "          to two CPUs, with the default pipe and one enlarged by F_SETPIPE_SZ,\n"
            "          and from a child forked to send (what a spawn child's chunk costs)\n"
            "  fork    fork + _exit + waitpid, as parbench is and with 256 MiB more touched\n"
            "  futex   wake-up latency between two pinned threads (ping-pong round trip / 2)\n"
            "  handoff one cache-line transfer between the same two CPUs (CAS ping-pong\n"
            "          round trip / 2): a chunk taken from a counter in shared memory\n"
            "  thread  pthread_create + pthread_join of an empty thread\n"
            "  fault   a minor page fault: first write to a page of a fresh mapping\n"
            "  c2c     core-to-core cache-line latency for every ordered pair of CPUs\n"
            "          (compare-and-swap ping-pong), a matrix and a heatmap\n"
            "  stream  memory bandwidth, STREAM triad, at 1, 2, 4, ... threads (one per core)\n"
            "  clock   sustained clock with 1, 2, 4, ... cores busy (dependent adds)\n"
            "Prints a table and writes DIR/probe.json (results/PROBE.md describes it) and\n"
            "DIR/c2c-heatmap.svg/.png (with gnuplot).  Run it on a quiet machine.\n"
            "\n"
            "options:\n"
            "  -o, --output DIR   where to write (default results/probe-HOST-YYYYmmdd-HHMMSS;\n"
            "                     with --from, the directory of FILE)\n"
            "      --quick        fewer, shorter samples (a few seconds; a first look)\n"
            "      --only LIST    run only these probes (comma-separated names from above)\n"
            "      --cpus LIST    use only these CPUs (OS indexes, e.g. 0,2,4-7); stream and\n"
            "                     clock then put one thread on each of the first 1, 2, 4, ...\n"
            "      --from FILE    measure nothing: print FILE (a probe.json) and draw its heatmap\n"
            "      --plots DIR    the gnuplot scripts (default: installed ones, or the source tree's)\n"
            "      --no-plots     no heatmap\n"
            "  -q, --quiet        no progress lines\n"
            "  -h, --help         show this help\n"
            "\n"
            "exit status: 0 done, 1 a probe failed or a file could not be written, 2 bad\n"
            "command line or an invalid --from file, 130/143 interrupted\n");
}

struct probe_cli {
    struct pb_probe_opts po;
    const char *outdir, *from, *plots;
    bool no_plots, quiet;
};

/* Returns -1 to exit with *rc, 0 to go on. */
static int parse(int argc, char **argv, struct probe_cli *o, int *rc)
{
    enum { OPT_QUICK = 256, OPT_ONLY, OPT_CPUS, OPT_FROM, OPT_PLOTS, OPT_NO_PLOTS };
    static const struct option longs[] = {{"output", required_argument, NULL, 'o'},
                                          {"quick", no_argument, NULL, OPT_QUICK},
                                          {"only", required_argument, NULL, OPT_ONLY},
                                          {"cpus", required_argument, NULL, OPT_CPUS},
                                          {"from", required_argument, NULL, OPT_FROM},
                                          {"plots", required_argument, NULL, OPT_PLOTS},
                                          {"no-plots", no_argument, NULL, OPT_NO_PLOTS},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"help", no_argument, NULL, 'h'},
                                          {0}};
    memset(o, 0, sizeof *o);
    *rc = PB_EXIT_USAGE;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': o->outdir = optarg; break;
        case OPT_QUICK: o->po.quick = true; break;
        case OPT_ONLY: o->po.only = optarg; break;
        case OPT_CPUS: o->po.cpus = optarg; break;
        case OPT_FROM: o->from = optarg; break;
        case OPT_PLOTS: o->plots = optarg; break;
        case OPT_NO_PLOTS: o->no_plots = true; break;
        case 'q': o->quiet = true; break;
        case 'h':
            usage(stdout);
            *rc = PB_EXIT_OK;
            return -1;
        default: {
            char err[PB_ERRLEN];
            pb_opt_error(c, "probe", argv, err, sizeof err);
            pb_error("%s", err);
            return -1;
        }
        }
    }
    if (optind < argc) {
        pb_error("probe: unexpected argument '%s'", argv[optind]);
        return -1;
    }
    if (o->from && (o->po.quick || o->po.only || o->po.cpus)) {
        pb_error("probe: --from measures nothing; --quick, --only and --cpus do not apply");
        return -1;
    }
    return 0;
}

static void default_outdir(char *buf, size_t len)
{
    char host[128], stamp[32];
    pb_hostname(host, sizeof host);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(buf, len, "results/probe-%s-%s", host, stamp);
}

/* Read and check a probe.json for --from.  NULL with err when it is not one. */
static cJSON *read_probe(const char *path, char *err, size_t errlen)
{
    size_t len;
    char *text = pb_read_file(path, PROBE_MAX_BYTES, &len, err, errlen);
    if (!text)
        return NULL;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!root) {
        snprintf(err, errlen, "%s: not valid JSON", path);
        return NULL;
    }
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    if (!cJSON_IsNumber(schema) || schema->valuedouble != PB_PROBE_SCHEMA ||
        !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "figures"))) {
        snprintf(err, errlen, "%s: not a probe.json of schema %d (\"schema\" and \"figures\")",
                 path, PB_PROBE_SCHEMA);
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

int pb_cmd_probe(int argc, char **argv)
{
    struct probe_cli o;
    int rc;
    if (parse(argc, argv, &o, &rc) != 0)
        return rc;
    pb_log_quiet(o.quiet);
    char err[PB_ERRLEN], outdir[4096];
    cJSON *root = NULL;
    struct pb_topo *t = NULL;

    if (o.from) {
        root = read_probe(o.from, err, sizeof err);
        if (!root) {
            pb_error("%s", err);
            return PB_EXIT_USAGE;
        }
        if (o.outdir) {
            snprintf(outdir, sizeof outdir, "%s", o.outdir);
        } else {
            char copy[4096];
            snprintf(copy, sizeof copy, "%s", o.from);
            snprintf(outdir, sizeof outdir, "%s", dirname(copy));
        }
    } else {
        if (o.outdir)
            snprintf(outdir, sizeof outdir, "%s", o.outdir);
        else
            default_outdir(outdir, sizeof outdir);
        if (pb_topo_load(&t, NULL, NULL, err, sizeof err) != 0) {
            pb_error("%s", err);
            return PB_EXIT_FAIL;
        }
        int r = pb_probe_run(t, &o.po, argc, argv, &root, err, sizeof err);
        if (r != 0) {
            pb_topo_free(t);
            if (pb_stop_signal) {
                pb_warn("interrupted: nothing written");
                return pb_stop_signal == SIGTERM ? PB_EXIT_SIGTERM : PB_EXIT_SIGINT;
            }
            pb_error("%s", err);
            return r == -2 ? PB_EXIT_USAGE : PB_EXIT_FAIL;
        }
    }

    rc = PB_EXIT_OK;
    if (pb_mkdir_p(outdir, err, sizeof err) != 0) {
        pb_error("%s", err);
        rc = PB_EXIT_FAIL;
        goto out;
    }
    if (!o.from) {
        char path[PB_PATH_MAX];
        char *text = cJSON_Print(root);
        if (!text || pb_path_join(path, outdir, "probe.json", err, sizeof err) != 0 ||
            pb_write_text(path, text, err, sizeof err) != 0) {
            pb_error("%s", text ? err : "out of memory");
            free(text);
            rc = PB_EXIT_FAIL;
            goto out;
        }
        free(text);
    }
    pb_probe_print(root);
    if (!o.no_plots) {
        int h = pb_probe_heatmap(root, outdir, o.plots, err, sizeof err);
        if (h < 0 || (h > 0 && cJSON_GetObjectItemCaseSensitive(root, "c2c")))
            pb_warn("no heatmap: %s", err);
        else if (h == 0)
            printf("heatmap: %s/c2c-heatmap.svg and .png\n", outdir);
    }
    if (!o.from)
        printf("probe: %s/probe.json\n", outdir);
out:
    cJSON_Delete(root);
    pb_topo_free(t);
    return rc;
}
