/* parbench run: build the list of configurations, measure each, write results. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "measure.h"
#include "options.h"
#include "pb.h"
#include "placement.h"
#include "results.h"
#include "sysinfo.h"

#define MAX_KERNELS 32
#define MAX_MODES 32
#define MAX_WORKERS 1024   /* the sane bound on -w */
#define MAX_SETS 64

struct run_opts {
    const struct pb_kernel *kernels[MAX_KERNELS];
    size_t nkernels;
    const struct pb_mode *modes[MAX_MODES];
    size_t nmodes;
    const char *workers_text;          /* "auto", "all" or a list */
    enum pb_size size;
    unsigned long long reps, warmup, chunk;
    enum pb_schedule schedules[3];
    size_t nschedules;
    double timeout_s;
    struct pb_place_opts place;
    const char *outdir;
    const char *sets[MAX_SETS];
    size_t nsets;
    bool fail_fast, quiet;
};

static void run_usage(FILE *f)
{
    fprintf(f,
        "usage: parbench run [OPTIONS]\n"
        "\n"
        "Times every kernel x mode x worker count x schedule, validating every run, and\n"
        "writes DIR/results.json and DIR/results.csv after each configuration.\n"
        "\n"
        "  -k, --kernels LIST    kernels, comma-separated (default: primes,factors,blur)\n"
        "  -m, --modes LIST      modes (default: every available mode)\n"
        "  -w, --workers LIST    worker counts: '1,2,4', '1-4', 'all' (1..cores) or\n"
        "                        'auto' (1,2,4,.. up to the cores, then the PUs) (default auto)\n"
        "  -s, --size SIZE       small, medium or large preset (default small)\n"
        "      --set K.P=V       override a kernel parameter, e.g. primes.hi=20000000\n"
        "                        (repeatable; 'parbench list' shows them)\n"
        "  -r, --reps N          timed repetitions per configuration (default 5)\n"
        "      --warmup N        untimed runs first (default 1)\n"
        "      --schedule LIST   static, dynamic, guided (default dynamic)\n"
        "      --chunk N         tasks per chunk (default: 1 for dynamic/guided,\n"
        "                        one block per worker for static)\n"
        "      --timeout S       a run longer than S seconds fails (default 600)\n"
        "      --bind B          none, core or pu (default core)\n"
        "      --policy P        compact or scatter (default compact)\n"
        "      --cpus LIST       bind worker i to the i-th CPU of this OS-index list\n"
        "      --oversubscribe   allow more workers than cores/PUs (wraps around)\n"
        "  -o, --output DIR      results directory (default results/HOST-YYYYmmdd-HHMMSS)\n"
        "      --keep-going      after a failed configuration go on (default)\n"
        "      --fail-fast       stop at the first failed configuration\n"
        "  -q, --quiet           no progress lines\n"
        "\n"
        "example: parbench run -k primes,factors -m serial,threads -w 1,2 -s medium\n");
}

static int parse_kernels(struct run_opts *o, char *text, char *err, size_t errlen)
{
    char *names[MAX_KERNELS];
    if (pb_split_names("--kernels", text, names, MAX_KERNELS, &o->nkernels, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < o->nkernels; i++) {
        o->kernels[i] = pb_kernel_find(names[i]);
        if (!o->kernels[i]) {
            snprintf(err, errlen, "unknown kernel '%s' (see 'parbench list')", names[i]);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (o->kernels[j] == o->kernels[i]) {
                snprintf(err, errlen, "--kernels: %s is listed twice", names[i]);
                return -1;
            }
    }
    return 0;
}

static int parse_modes(struct run_opts *o, char *text, char *err, size_t errlen)
{
    char *names[MAX_MODES];
    if (pb_split_names("--modes", text, names, MAX_MODES, &o->nmodes, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < o->nmodes; i++) {
        o->modes[i] = pb_mode_find(names[i]);
        if (!o->modes[i]) {
            snprintf(err, errlen, "unknown mode '%s' (see 'parbench list')", names[i]);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (o->modes[j] == o->modes[i]) {
                snprintf(err, errlen, "--modes: %s is listed twice", names[i]);
                return -1;
            }
    }
    return 0;
}

static int parse_schedules(struct run_opts *o, char *text, char *err, size_t errlen)
{
    char *names[3];
    if (pb_split_names("--schedule", text, names, 3, &o->nschedules, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < o->nschedules; i++)
        if (pb_schedule_parse(names[i], &o->schedules[i]) != 0) {
            snprintf(err, errlen, "--schedule: unknown schedule '%s' (static, dynamic, guided)",
                     names[i]);
            return -1;
        }
    return 0;
}

enum { OPT_SET = 256, OPT_WARMUP, OPT_SCHEDULE, OPT_CHUNK, OPT_TIMEOUT, OPT_BIND, OPT_POLICY,
       OPT_CPUS, OPT_OVERSUB, OPT_KEEP, OPT_FAILFAST };

/* Returns 0, -1 on bad input (message in err), or 1 when --help was shown. */
static int parse_run_opts(int argc, char **argv, struct run_opts *o, char *err, size_t errlen)
{
    static const struct option longs[] = {
        {"kernels", required_argument, NULL, 'k'}, {"modes", required_argument, NULL, 'm'},
        {"workers", required_argument, NULL, 'w'}, {"size", required_argument, NULL, 's'},
        {"reps", required_argument, NULL, 'r'},    {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},         {"help", no_argument, NULL, 'h'},
        {"set", required_argument, NULL, OPT_SET}, {"warmup", required_argument, NULL, OPT_WARMUP},
        {"schedule", required_argument, NULL, OPT_SCHEDULE},
        {"chunk", required_argument, NULL, OPT_CHUNK},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"bind", required_argument, NULL, OPT_BIND},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"oversubscribe", no_argument, NULL, OPT_OVERSUB},
        {"keep-going", no_argument, NULL, OPT_KEEP},
        {"fail-fast", no_argument, NULL, OPT_FAILFAST},
        {0}};
    *o = (struct run_opts){.workers_text = "auto", .size = PB_SIZE_SMALL, .reps = 5, .warmup = 1,
                           .schedules = {PB_SCHED_DYNAMIC}, .nschedules = 1, .timeout_s = 600,
                           .place = {.bind = PB_BIND_CORE, .policy = PB_POLICY_COMPACT}};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":k:m:w:s:r:o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'k': if (parse_kernels(o, optarg, err, errlen)) return -1; break;
        case 'm': if (parse_modes(o, optarg, err, errlen)) return -1; break;
        case 'w': o->workers_text = optarg; break;
        case 's':
            if (pb_size_parse(optarg, &o->size) != 0) {
                snprintf(err, errlen, "--size: unknown size '%s' (small, medium, large)", optarg);
                return -1;
            }
            break;
        case 'r':
            if (pb_parse_unsigned("--reps", optarg, 1, 100000, &o->reps, err, errlen)) return -1;
            break;
        case 'o': o->outdir = optarg; break;
        case 'q': o->quiet = true; break;
        case 'h': run_usage(stdout); return 1;
        case OPT_SET:
            if (o->nsets == MAX_SETS) {
                snprintf(err, errlen, "--set: more than %d overrides", MAX_SETS);
                return -1;
            }
            o->sets[o->nsets++] = optarg;
            break;
        case OPT_WARMUP:
            if (pb_parse_unsigned("--warmup", optarg, 0, 1000, &o->warmup, err, errlen)) return -1;
            break;
        case OPT_SCHEDULE: if (parse_schedules(o, optarg, err, errlen)) return -1; break;
        case OPT_CHUNK:
            if (pb_parse_unsigned("--chunk", optarg, 1, 1ull << 40, &o->chunk, err, errlen))
                return -1;
            break;
        case OPT_TIMEOUT:
            if (pb_parse_double("--timeout", optarg, 0.001, 1e7, &o->timeout_s, err, errlen))
                return -1;
            break;
        case OPT_BIND:
            if (pb_bind_parse(optarg, &o->place.bind) != 0) {
                snprintf(err, errlen, "--bind: unknown binding '%s' (none, core, pu)", optarg);
                return -1;
            }
            break;
        case OPT_POLICY:
            if (pb_policy_parse(optarg, &o->place.policy) != 0) {
                snprintf(err, errlen, "--policy: unknown policy '%s' (compact, scatter)", optarg);
                return -1;
            }
            break;
        case OPT_CPUS: o->place.cpus = optarg; break;
        case OPT_OVERSUB: o->place.oversubscribe = true; break;
        case OPT_KEEP: o->fail_fast = false; break;
        case OPT_FAILFAST: o->fail_fast = true; break;
        case ':':
            snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
            return -1;
        default:
            snprintf(err, errlen, "unknown option '%s' (see 'parbench run --help')",
                     argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    if (o->nkernels == 0) {
        static const char *const defaults[] = {"primes", "factors", "blur"};
        for (size_t i = 0; i < 3; i++)
            o->kernels[o->nkernels++] = pb_kernel_find(defaults[i]);
    }
    if (o->nmodes == 0) {
        for (size_t i = 0; i < pb_nmodes && o->nmodes < MAX_MODES; i++)
            if (!pb_modes[i]->unavailable)
                o->modes[o->nmodes++] = pb_modes[i];
    }
    return 0;
}

/* One kernel's prepared input, shared by all its configurations. */
struct prepared {
    const struct pb_kernel *k;
    struct pb_params params;
    struct pb_workload w;
    void *out;
    size_t out_bytes;
    bool finished;      /* finish() already ran on a validated output */
};

static int apply_sets(const struct run_opts *o, struct prepared *p, size_t np, char *err,
                      size_t errlen)
{
    for (size_t i = 0; i < o->nsets; i++) {
        char buf[512];
        if (snprintf(buf, sizeof buf, "%s", o->sets[i]) >= (int)sizeof buf) {
            snprintf(err, errlen, "--set: value too long");
            return -1;
        }
        char *eq = strchr(buf, '=');
        char *dot = strchr(buf, '.');
        if (!eq || !dot || dot > eq) {
            snprintf(err, errlen, "--set '%s': expected KERNEL.PARAM=VALUE", o->sets[i]);
            return -1;
        }
        *eq = *dot = '\0';
        const struct pb_kernel *k = pb_kernel_find(buf);
        if (!k) {
            snprintf(err, errlen, "--set '%s': unknown kernel '%.64s'", o->sets[i], buf);
            return -1;
        }
        if (pb_param_index(k, dot + 1) < 0) {
            snprintf(err, errlen, "--set '%s': kernel %s has no parameter '%s'", o->sets[i],
                     k->name, dot + 1);
            return -1;
        }
        for (size_t j = 0; j < np; j++)
            if (p[j].k == k && pb_params_set(&p[j].params, k, dot + 1, eq + 1, err, errlen) != 0)
                return -1;
    }
    return 0;
}

static void release_prepared(struct prepared *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pb_output_free(p[i].out, p[i].out_bytes);
        if (p[i].w.state && p[i].k->release)
            p[i].k->release(&p[i].w);
    }
}

static void default_outdir(char *buf, size_t len)
{
    char host[128], stamp[32];
    pb_hostname(host, sizeof host);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(buf, len, "results/%s-%s", host, stamp);
}

static void print_summary(const cJSON *records)
{
    printf("\n%-8s %-9s %7s %-8s %12s %14s %-10s %8s %6s\n", "kernel", "mode", "workers",
           "schedule", "median_s", "throughput", "unit/s", "speedup", "valid");
    const cJSON *r;
    cJSON_ArrayForEach(r, records) {
        const cJSON *sp = cJSON_GetObjectItemCaseSensitive(r, "speedup");
        char spb[32] = "-";
        if (cJSON_IsNumber(sp))
            snprintf(spb, sizeof spb, "%.2f", sp->valuedouble);
        printf("%-8s %-9s %7d %-8s %12.4f %14.4g %-10s %8s %6s\n",
               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "kernel")),
               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "mode")),
               cJSON_GetObjectItemCaseSensitive(r, "workers")->valueint,
               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "schedule")),
               cJSON_GetObjectItemCaseSensitive(r, "median_s")->valuedouble,
               cJSON_GetObjectItemCaseSensitive(r, "throughput")->valuedouble,
               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "unit")), spb,
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "valid")) ? "yes" : "NO");
    }
}

/* The worst outcome so far decides the exit status. */
static int worse(int a, int b)
{
    static const int rank[] = {[PB_EXIT_OK] = 0, [PB_EXIT_INVALID] = 1, [PB_EXIT_FAIL] = 2};
    if (a == PB_EXIT_SIGINT || a == PB_EXIT_SIGTERM)
        return a;
    if (b == PB_EXIT_SIGINT || b == PB_EXIT_SIGTERM)
        return b;
    return rank[b] > rank[a] ? b : a;
}

/* Measure one configuration and add its record; returns its status. */
static int run_config(const struct run_opts *o, struct pb_topo *topo, struct prepared *p,
                      const struct pb_mode *m, unsigned workers, enum pb_schedule sched,
                      struct pb_results *res, size_t index, size_t total)
{
    char err[PB_ERRLEN];
    struct pb_placement *pl = NULL;
    struct pb_config c = {.kernel = p->k, .params = &p->params, .w = &p->w, .mode = m,
                          .plan = {.workers = workers, .schedule = sched, .chunk = o->chunk,
                                   .timeout_s = o->timeout_s},
                          .place = &o->place, .warmup = (unsigned)o->warmup,
                          .reps = (unsigned)o->reps};
    struct pb_outcome out;
    if (pb_placement_make(&pl, topo, workers, &o->place, err, sizeof err) != 0) {
        /* The plan was checked before the sweep, so this is unexpected: record it. */
        memset(&out, 0, sizeof out);
        out.status = PB_EXIT_FAIL;
        snprintf(out.error, sizeof out.error, "%s", err);
        pb_results_add(res, &c, &out);
        return out.status;
    }
    c.plan.placement = pl;
    pb_info("[%zu/%zu] %s %s workers=%u %s", index, total, p->k->name, m->name, workers,
            pb_schedule_name(sched));
    int st = pb_measure(&c, p->out, &out);
    if (st == PB_EXIT_OK && p->k->finish && !p->finished) {
        p->finished = true;
        if (p->k->finish(&p->w, p->out, out.error, sizeof out.error) != 0)
            st = out.status = PB_EXIT_FAIL;
    }
    if (st != PB_EXIT_OK && st != PB_EXIT_SIGINT)
        pb_error("%s %s workers=%u: %s", p->k->name, m->name, workers, out.error);
    pb_results_add(res, &c, &out);
    for (unsigned i = 0; st == PB_EXIT_OK && i < workers; i++)
        if (out.off_plan[i])
            pb_warn("%s %s workers=%u: worker %u ran outside its planned cpuset in %u run(s)",
                    p->k->name, m->name, workers, i, out.off_plan[i]);
    pb_outcome_free(&out);
    pb_placement_free(pl);
    return st;
}

int pb_cmd_run(int argc, char **argv)
{
    struct run_opts o;
    char err[PB_ERRLEN];
    int rc = parse_run_opts(argc, argv, &o, err, sizeof err);
    if (rc > 0)
        return PB_EXIT_OK;
    if (rc < 0) {
        pb_error("%s", err);
        return PB_EXIT_USAGE;
    }
    pb_log_quiet(o.quiet);

    struct pb_topo *topo = NULL;
    if (pb_topo_load(&topo, NULL, NULL, err, sizeof err) != 0) {
        pb_error("%s", err);
        return PB_EXIT_FAIL;
    }
    unsigned workers[MAX_WORKERS];
    size_t nworkers;
    if (strcmp(o.workers_text, "auto") == 0 || strcmp(o.workers_text, "all") == 0) {
        nworkers = pb_topo_ladder(topo, strcmp(o.workers_text, "all") == 0, workers, MAX_WORKERS);
    } else if (pb_parse_counts("--workers", o.workers_text, MAX_WORKERS, workers, MAX_WORKERS,
                               &nworkers, err, sizeof err) != 0) {
        pb_error("%s", err);
        pb_topo_free(topo);
        return PB_EXIT_USAGE;
    }
    /* Check every placement before any work, so a bad plan never costs a long sweep. */
    for (size_t i = 0; i < nworkers; i++) {
        struct pb_placement *pl;
        if (pb_placement_make(&pl, topo, workers[i], &o.place, err, sizeof err) != 0) {
            pb_error("%s", err);
            pb_topo_free(topo);
            return PB_EXIT_USAGE;
        }
        pb_placement_free(pl);
    }

    struct prepared prep[MAX_KERNELS] = {0};
    size_t nprep = 0;
    int status = PB_EXIT_OK;
    for (size_t i = 0; i < o.nkernels; i++, nprep++) {
        prep[i].k = o.kernels[i];
        if (pb_params_init(&prep[i].params, prep[i].k, o.size, err, sizeof err) != 0)
            goto usage_error;
    }
    if (apply_sets(&o, prep, nprep, err, sizeof err) != 0)
        goto usage_error;
    for (size_t i = 0; i < nprep; i++) {
        pb_info("preparing %s (%s)", prep[i].k->name, pb_size_name(o.size));
        if (prep[i].k->prepare(&prep[i].w, &prep[i].params, err, sizeof err) != 0)
            goto usage_error;
        prep[i].out_bytes = prep[i].w.ntasks * prep[i].w.out_size;
        prep[i].out = pb_output_alloc(prep[i].out_bytes);
        if (!prep[i].out) {
            snprintf(err, sizeof err, "%s: cannot map %zu bytes for the output", prep[i].k->name,
                     prep[i].out_bytes);
            goto usage_error;
        }
    }

    char outdir[4096];
    if (o.outdir)
        snprintf(outdir, sizeof outdir, "%s", o.outdir);
    else
        default_outdir(outdir, sizeof outdir);
    struct pb_results res;
    if (pb_results_open(&res, outdir, pb_sysinfo(topo, argc, argv), err, sizeof err) != 0)
        goto usage_error;

    /* Serial once per kernel (it has one worker and no schedule), then every other mode. */
    size_t total = 0, index = 0;
    for (size_t m = 0; m < o.nmodes; m++)
        total += strcmp(o.modes[m]->name, "serial") == 0 ? 1 : nworkers * o.nschedules;
    total *= nprep;
    for (size_t i = 0; i < nprep && !pb_stop_signal; i++) {
        for (size_t m = 0; m < o.nmodes && !pb_stop_signal; m++) {
            const struct pb_mode *mode = o.modes[m];
            bool serial = strcmp(mode->name, "serial") == 0;
            for (size_t wi = 0; wi < (serial ? 1 : nworkers) && !pb_stop_signal; wi++) {
                for (size_t s = 0; s < (serial ? 1 : o.nschedules) && !pb_stop_signal; s++) {
                    int st = run_config(&o, topo, &prep[i], mode, serial ? 1 : workers[wi],
                                        serial ? PB_SCHED_STATIC : o.schedules[s], &res,
                                        ++index, total);
                    status = worse(status, st);
                    if (pb_results_write(&res, err, sizeof err) != 0) {
                        pb_error("%s", err);
                        status = worse(status, PB_EXIT_FAIL);
                        goto done;
                    }
                    if (o.fail_fast && st != PB_EXIT_OK)
                        goto done;
                }
            }
        }
    }
done:
    if (pb_stop_signal) {
        status = pb_stop_signal == SIGTERM ? PB_EXIT_SIGTERM : PB_EXIT_SIGINT;
        pb_warn("interrupted: the %zu finished configuration(s) are kept in %s", index ? index - 1 : 0,
                outdir);
    }
    print_summary(res.records);
    printf("\nresults: %s/results.json and results.csv\n", outdir);
    pb_results_close(&res);
    release_prepared(prep, nprep);
    pb_topo_free(topo);
    return status;

usage_error:
    pb_error("%s", err);
    release_prepared(prep, nprep);
    pb_topo_free(topo);
    return PB_EXIT_USAGE;
}
