/* parbench run: parse the options, run the sweep (run.c, run-sweep.c), and
 * print the summary table. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "mode-python.h"
#include "results-csv.h"
#include "options.h"
#include "pb.h"
#include "probe.h"
#include "preflight.h"
#include "run.h"
#include "fsutil.h"
#include "sysinfo.h"

#define MAX_SEED ((1ull << 53) - 1)   /* exact in a JSON number */

static void run_usage(FILE *f)
{
    fprintf(f,
        "usage: parbench run [OPTIONS]\n"
        "\n"
        "Times every kernel x mode x worker count x schedule, validating every run.\n"
        "Configurations run in rounds, each round in a shuffled order, and each one\n"
        "repeats until the 95%% confidence interval of its median is within the\n"
        "precision target.  DIR/results.json and results.csv are rewritten after\n"
        "every round.\n"
        "\n"
        "  -k, --kernels LIST    kernels, comma-separated (default: every kernel that\n"
        "                        'parbench list' does not mark opt-in)\n"
        "  -m, --modes LIST      modes (default: every available mode but the opt-in ones)\n"
        "  -w, --workers LIST    worker counts: '1,2,4', '1-4', 'all' (1..cores) or\n"
        "                        'auto' (1,2,4,.. up to the cores, then the PUs) (default auto)\n"
        "                        (all/auto stop at a cgroup CPU quota unless --oversubscribe)\n"
        "  -s, --size SIZE       tiny, small, medium or large preset (default small;\n"
        "                        tiny takes milliseconds, for tests only)\n"
        "      --set K.P=V       override a kernel parameter, e.g. primes.hi=20000000\n"
        "      --set M.O=V       set an option of a selected mode, e.g. mpi.hosts=FILE\n"
        "                        (repeatable; 'parbench list' shows both; a mode not\n"
        "                        selected with -m is an error)\n"
        "      --python PATH     the interpreter of the Python modes (py-*; default: python3\n"
        "                        on PATH); given twice or as a list (PATH,PATH) every\n"
        "                        Python mode runs once per interpreter, named MODE@VERSION\n"
        "\n"
        "repetitions:\n"
        "      --precision P     stop when the 95%% CI of the median is within P%% of it\n"
        "                        (default 2)\n"
        "      --min-reps N      at least N timed runs (default 5)\n"
        "      --max-reps N      at most N timed runs (default 30)\n"
        "      --time-cap S      at most S seconds of timed runs per configuration (default 60)\n"
        "  -r, --reps N          exactly N timed runs instead (no adaptive stop)\n"
        "      --warmup N        untimed runs before the first timed one (default 1)\n"
        "      --order ORDER     interleaved (default) or sequential (one configuration\n"
        "                        after the other)\n"
        "      --seed N          seed of the interleaved order (default: from the clock;\n"
        "                        recorded, so a rerun can repeat the order)\n"
        "      --time-budget S   stop the whole sweep after S seconds; what ran is kept\n"
        "      --scaling KIND    strong (default: same work at every worker count) or weak\n"
        "                        (the kernel's size parameter grows with the workers)\n"
        "\n"
        "execution:\n"
        "      --schedule LIST   static, dynamic, guided (default dynamic)\n"
        "      --chunk N         tasks per chunk (default: 1 for dynamic/guided,\n"
        "                        one block per worker for static)\n"
        "      --timeout S       a run longer than S seconds fails (default 600)\n"
        "      --bind B          none, core or pu (default core)\n"
        "      --policy P        compact or scatter (default compact)\n"
        "      --cpus LIST       bind worker i to the i-th CPU of this OS-index list\n"
        "      --oversubscribe   allow more workers than cores/PUs (wraps around)\n"
        "      --kinds K         CPU kinds to use on hybrid machines: all (default, fastest\n"
        "                        kind first), fastest, slowest, any (topology order), or\n"
        "                        names from 'parbench topo' (IntelCore,IntelAtom) in order,\n"
        "                        or each: the whole worker ladder once per kind, fastest\n"
        "                        first (-w auto/all count that kind's cores)\n"
        "      --membind M       each worker's share of the output (threads, openmp, shm)\n"
        "                        or result buffer (forkpool, spawn): none (default: where\n"
        "                        first touched), local (its own NUMA node) or interleave\n"
        "                        (page by page over the plan's nodes); needs --bind core\n"
        "                        or pu; records say where the pages were (mem_node)\n"
        "      --smt-yield       in the pre-flight, measure what a core's second hardware\n"
        "                        thread adds: the run's even worker counts on one PU of\n"
        "                        each core vs both PUs of half as many, with two add\n"
        "                        loops and each kernel (threads mode); a few seconds per\n"
        "                        count; skipped with a warning without SMT\n"
        "\n"
        "output:\n"
        "  -o, --output DIR      results directory (default results/HOST-YYYYmmdd-HHMMSS)\n"
        "      --keep-going      after a failed configuration go on (default)\n"
        "      --fail-fast       stop at the first failed configuration\n"
        "  -q, --quiet           no progress line and no informational messages\n"
        "      --no-probe        no machine calibration: each record's breakdown (the gap\n"
        "                        to T1/p in named parts) then lacks the probe-measured\n"
        "                        costs; by default the probes it needs are taken from\n"
        "                        probe.json cached beside the results directory (per\n"
        "                        machine and build; $PARBENCH_PROBE_CACHE: elsewhere) or\n"
        "                        measured once with --quick (a few seconds)\n"
        "\n"
        "Before any kernel is prepared, the memory every input will hold (summed over\n"
        "kernels and weak-scaling copies) must fit in 90%% of what this process may use\n"
        "(MemAvailable, RLIMIT_AS, RLIMIT_DATA, the memory cgroup), and the most threads\n"
        "or processes one configuration starts must fit RLIMIT_NPROC, the pids cgroup\n"
        "and kernel.threads-max; otherwise one error line and exit status 4.\n"
        "\n"
        "exit status: 0 all ran and validated, 1 a configuration failed, 2 bad input,\n"
        "3 an output failed validation, 4 a resource is missing (a mode compiled out,\n"
        "binding unsupported, too little memory or too few processes), 130/143 interrupted.\n"
        "\n"
        "example: parbench run -k primes,factors -m serial,threads -w 1,2 -s medium\n");
}

static int parse_kernels(struct pb_run_opts *o, char *text, char *err, size_t errlen)
{
    char *names[MAX_KERNELS], buf[1024];
    if (pb_split_names("--kernels", text, buf, sizeof buf, names, MAX_KERNELS, &o->nkernels, err,
                       errlen) != 0)
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

static int parse_modes(struct pb_run_opts *o, char *text, char *err, size_t errlen)
{
    char *names[MAX_MODES], buf[1024];
    if (pb_split_names("--modes", text, buf, sizeof buf, names, MAX_MODES, &o->nmodes, err,
                       errlen) != 0)
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

static int parse_schedules(struct pb_run_opts *o, char *text, char *err, size_t errlen)
{
    char *names[3], buf[256];
    if (pb_split_names("--schedule", text, buf, sizeof buf, names, 3, &o->nschedules, err,
                       errlen) != 0)
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
       OPT_CPUS, OPT_OVERSUB, OPT_KEEP, OPT_FAILFAST, OPT_PRECISION, OPT_MINREPS, OPT_MAXREPS,
       OPT_TIMECAP, OPT_SEED, OPT_ORDER, OPT_SCALING, OPT_BUDGET, OPT_KINDS, OPT_MEMBIND,
       OPT_NO_PROBE, OPT_SMT_YIELD, OPT_PYTHON };

/* Returns 0, -1 on bad input (message in err), or 1 when --help was shown. */
static int parse_run_opts(int argc, char **argv, struct pb_run_opts *o, char *err, size_t errlen)
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
        {"kinds", required_argument, NULL, OPT_KINDS},
        {"membind", required_argument, NULL, OPT_MEMBIND},
        {"keep-going", no_argument, NULL, OPT_KEEP},
        {"fail-fast", no_argument, NULL, OPT_FAILFAST},
        {"precision", required_argument, NULL, OPT_PRECISION},
        {"min-reps", required_argument, NULL, OPT_MINREPS},
        {"max-reps", required_argument, NULL, OPT_MAXREPS},
        {"time-cap", required_argument, NULL, OPT_TIMECAP},
        {"seed", required_argument, NULL, OPT_SEED},
        {"order", required_argument, NULL, OPT_ORDER},
        {"scaling", required_argument, NULL, OPT_SCALING},
        {"time-budget", required_argument, NULL, OPT_BUDGET},
        {"no-probe", no_argument, NULL, OPT_NO_PROBE},
        {"smt-yield", no_argument, NULL, OPT_SMT_YIELD},
        {"python", required_argument, NULL, OPT_PYTHON},
        {0}};
    *o = (struct pb_run_opts){.workers_text = "auto", .size = PB_SIZE_SMALL, .warmup = 1,
                           .rule = {.min_reps = 5, .max_reps = 30, .time_cap_s = 60},
                           .precision_pct = 2,
                           .schedules = {PB_SCHED_DYNAMIC}, .nschedules = 1, .timeout_s = 600,
                           .place = {.bind = PB_BIND_CORE, .policy = PB_POLICY_COMPACT}};
    unsigned long long v;
    bool min_given = false;
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
                snprintf(err, errlen, "--size: unknown size '%s' (tiny, small, medium, large)", optarg);
                return -1;
            }
            break;
        case 'r':
            if (pb_parse_unsigned("--reps", optarg, 1, 100000, &v, err, errlen)) return -1;
            o->rule.fixed_reps = (unsigned)v;
            break;
        case 'o':
            /* Room for the longest file name written inside it ("topology.svg", ...). */
            if (strlen(optarg) > PB_PATH_MAX - 64) {
                snprintf(err, errlen, "--output: the directory name is %zu bytes, at most %d",
                         strlen(optarg), PB_PATH_MAX - 64);
                return -1;
            }
            o->outdir = optarg;
            break;
        case 'q': o->quiet = true; break;
        case 'h': run_usage(stdout); return 1;
        case OPT_SET:
            if (o->nsets == MAX_SETS) {
                snprintf(err, errlen, "--set: more than %d overrides", MAX_SETS);
                return -1;
            }
            o->sets[o->nsets++] = optarg;
            break;
        case OPT_PYTHON:   /* (python) the modes' variants are made once -m is known */
            if (o->npythons == MAX_PYTHONS) {
                snprintf(err, errlen, "--python: given more than %d times", MAX_PYTHONS);
                return -1;
            }
            o->pythons[o->npythons++] = optarg;
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
        case OPT_SMT_YIELD: o->smt_yield = true; break;
        case OPT_KINDS:
        case OPT_MEMBIND:
            if (pb_place_opt_parse(&o->place, c == OPT_KINDS ? "kinds" : "membind", optarg, err,
                                   errlen) != 0)
                return -1;
            break;
        case OPT_KEEP: o->fail_fast = false; break;
        case OPT_FAILFAST: o->fail_fast = true; break;
        case OPT_NO_PROBE: o->no_probe = true; break;
        case OPT_PRECISION:
            if (pb_parse_double("--precision", optarg, 0.001, 100, &o->precision_pct, err, errlen))
                return -1;
            break;
        case OPT_MINREPS:
            if (pb_parse_unsigned("--min-reps", optarg, 1, 100000, &v, err, errlen)) return -1;
            o->rule.min_reps = (unsigned)v;
            min_given = true;
            break;
        case OPT_MAXREPS:
            if (pb_parse_unsigned("--max-reps", optarg, 1, 100000, &v, err, errlen)) return -1;
            o->rule.max_reps = (unsigned)v;
            break;
        case OPT_TIMECAP:
            if (pb_parse_double("--time-cap", optarg, 0.001, 1e7, &o->rule.time_cap_s, err, errlen))
                return -1;
            break;
        case OPT_SEED:
            if (pb_parse_unsigned("--seed", optarg, 0, MAX_SEED, &o->seed, err, errlen)) return -1;
            o->seed_given = true;
            break;
        case OPT_ORDER:
            if (strcmp(optarg, "interleaved") != 0 && strcmp(optarg, "sequential") != 0) {
                snprintf(err, errlen, "--order: unknown order '%s' (interleaved, sequential)",
                         optarg);
                return -1;
            }
            o->sequential = strcmp(optarg, "sequential") == 0;
            break;
        case OPT_SCALING:
            if (strcmp(optarg, "strong") != 0 && strcmp(optarg, "weak") != 0) {
                snprintf(err, errlen, "--scaling: unknown scaling '%s' (strong, weak)", optarg);
                return -1;
            }
            o->weak = strcmp(optarg, "weak") == 0;
            break;
        case OPT_BUDGET:
            if (pb_parse_double("--time-budget", optarg, 0.001, 1e9, &o->time_budget_s, err,
                                errlen))
                return -1;
            break;
        default:
            pb_opt_error(c, "run", argv, err, errlen);
            return -1;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    if (!min_given && o->rule.min_reps > o->rule.max_reps)
        o->rule.min_reps = o->rule.max_reps;
    if (o->rule.min_reps > o->rule.max_reps && !o->rule.fixed_reps) {
        snprintf(err, errlen, "--min-reps %u is above --max-reps %u", o->rule.min_reps,
                 o->rule.max_reps);
        return -1;
    }
    o->rule.precision = o->precision_pct / 100;
    if (!o->seed_given) {
        /* From the clock and the pid, mixed, kept to 32 bits so it is easy to retype. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t st = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec +
                      ((uint64_t)getpid() << 32);
        o->seed = pb_splitmix64(&st) & 0xffffffffull;
    }
    if (o->nkernels == 0) {
        for (size_t i = 0; i < pb_nkernels && o->nkernels < MAX_KERNELS; i++)
            if (!pb_kernels[i]->opt_in)
                o->kernels[o->nkernels++] = pb_kernels[i];
    }
    if (o->nmodes == 0) {
        for (size_t i = 0; i < pb_nmodes && o->nmodes < MAX_MODES; i++)
            if (!pb_modes[i]->unavailable && !pb_modes[i]->opt_in)
                o->modes[o->nmodes++] = pb_modes[i];
    }
    /* (python) One variant of each Python mode per --python interpreter. */
    for (size_t i = 0; i < o->nsets && o->npythons; i++)
        if (strncmp(o->sets[i], "py-", 3) == 0 && strstr(o->sets[i], ".interpreter=")) {
            snprintf(err, errlen, "--set %s and --python: name the interpreter one way", o->sets[i]);
            return -1;
        }
    return pb_py_variants(o->modes, &o->nmodes, MAX_MODES, o->pythons, o->npythons, err, errlen);
}

/* topology.xml and topology.svg next to the results; a missing lstopo is not an error. */
static void write_topology(struct pb_run *r)
{
    char path[PB_PATH_MAX], err[PB_ERRLEN];
    if (pb_path_join(path, r->outdir, "topology.xml", err, sizeof err) == 0 &&
        pb_topo_export_xml(r->topo, path, err, sizeof err) == 0)
        pb_results_set_system(&r->res, "topology_xml", "topology.xml");
    else
        pb_warn("topology not saved: %s", err);
    int rc = pb_path_join(path, r->outdir, "topology.svg", err, sizeof err);
    if (rc == 0)
        rc = pb_topo_draw(r->topo, path, err, sizeof err);
    if (rc == 0)
        pb_results_set_system(&r->res, "topology_picture", "topology.svg");
    else if (rc != 1)
        pb_warn("topology picture not drawn: %s", err);
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


static void print_summary(const cJSON *root)
{
    printf("\n%-8s %-9s %7s %-8s %12s %7s %4s %-11s %12s %-10s %7s %5s %5s\n", "kernel", "mode",
           "workers", "schedule", "median_s", "CI", "reps", "stop", "throughput", "unit/s",
           "speedup", "eff", "valid");
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(root, "results")) {
        char ci[16] = "-", sp[16] = "-", ef[16] = "-", med[16] = "-", thr[16] = "-";
        double v = pb_json_num(r, "ci_rel");
        if (isfinite(v))
            snprintf(ci, sizeof ci, "±%.1f%%", 100 * v);
        if (isfinite(v = pb_json_num(r, "speedup")))
            snprintf(sp, sizeof sp, "%.2f", v);
        if (isfinite(v = pb_json_num(r, "efficiency")))
            snprintf(ef, sizeof ef, "%.2f", v);
        if (isfinite(v = pb_json_num(r, "median_s")))
            snprintf(med, sizeof med, "%.4f", v);
        if (isfinite(v = pb_json_num(r, "throughput")))
            snprintf(thr, sizeof thr, "%.4g", v);
        /* "±" is two bytes in UTF-8 but one column: pad by hand. */
        printf("%-8s %-9s %7.0f %-8s %12s %*s %4.0f %-11s %12s %-10s %7s %5s %5s\n",
               pb_json_str(r, "kernel"), pb_json_str(r, "mode"), pb_json_num(r, "workers"),
               pb_json_str(r, "schedule"), med, strcmp(ci, "-") ? 8 : 7, ci, pb_json_num(r, "reps"),
               pb_json_str(r, "stop_reason"), thr, pb_json_str(r, "unit"), sp, ef,
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "valid")) ? "yes" : "NO");
    }
    /* A fit through two worker counts has one parallel point and no freedom
     * left: it retraces the data, so only fits over three or more are shown
     * (as in the report); results.json keeps them all with their point count. */
    const cJSON *a;
    bool first = true;
    unsigned short_series = 0;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(root, "analysis")) {
        if (!(pb_json_num(a, "points") >= 3)) {
            short_series++;
            continue;
        }
        if (first)
            printf("\nAmdahl fit, T(p) = T1 (f + (1 - f) / p):\n");
        first = false;
        double f = pb_json_num(a, "amdahl_serial_fraction");
        double se = pb_json_num(a, "amdahl_serial_fraction_stderr");
        char sef[32] = "", sp[16] = "-", ef[16] = "-";
        if (isfinite(se))
            snprintf(sef, sizeof sef, " ± %.4f", se);
        double v;
        if (isfinite(v = pb_json_num(a, "speedup_at_max")))
            snprintf(sp, sizeof sp, "%.2f", v);
        if (isfinite(v = pb_json_num(a, "efficiency_at_max")))
            snprintf(ef, sizeof ef, "%.2f", v);
        printf("  %-8s %-9s %-8s f = %.4f%s%s over %.0f worker counts; at %.0f workers speedup "
               "%s, efficiency %s\n",
               pb_json_str(a, "kernel"), pb_json_str(a, "mode"), pb_json_str(a, "schedule"), f, sef,
               f < 0 ? " (negative: the data scale better than Amdahl's law allows; noise)" : "",
               pb_json_num(a, "points"), pb_json_num(a, "max_workers"), sp, ef);
    }
    if (short_series > 0)
        printf("\n%u series with fewer than 3 worker counts: no Amdahl fit shown (it would "
               "retrace the points).\n", short_series);
}

/* The worst outcome so far decides the exit status. */
static int worse(int a, int b)
{
    static const int rank[] = {[PB_EXIT_OK] = 0, [PB_EXIT_INVALID] = 1, [PB_EXIT_FAIL] = 2};
    if (a == PB_EXIT_SIGINT || a == PB_EXIT_SIGTERM)
        return a;
    if (b == PB_EXIT_SIGINT || b == PB_EXIT_SIGTERM)
        return b;
    if (b != PB_EXIT_OK && b != PB_EXIT_INVALID && b != PB_EXIT_FAIL)
        b = PB_EXIT_FAIL;
    return rank[b] > rank[a] ? b : a;
}

/* Options, preparation, results header (method, topology, pre-flight), the
 * sweep, then the summary.  The exit status is the worst configuration's. */
int pb_cmd_run(int argc, char **argv)
{
    struct pb_run *r = calloc(1, sizeof *r);
    char err[PB_ERRLEN];
    if (!r) {
        pb_error("out of memory");
        return PB_EXIT_FAIL;
    }
    int rc = parse_run_opts(argc, argv, &r->o, err, sizeof err);
    if (rc != 0) {
        if (rc < 0)
            pb_error("%s", err);
        free(r);
        /* (python) A signal that stopped --python's interpreter probe is the user's stop. */
        if (rc < 0 && pb_stop_signal)
            return pb_stop_signal == SIGTERM ? PB_EXIT_SIGTERM : PB_EXIT_SIGINT;
        return rc > 0 ? PB_EXIT_OK : PB_EXIT_USAGE;
    }
    /* A mode compiled out is a missing resource, not a failed run: say so before any work. */
    for (size_t i = 0; i < r->o.nmodes; i++)
        if (r->o.modes[i]->unavailable) {
            pb_error("mode %s is unavailable: %s", r->o.modes[i]->name, r->o.modes[i]->unavailable);
            free(r);
            return PB_EXIT_MISSING;
        }
    pb_log_quiet(r->o.quiet);
    pb_progress_init(&r->prog, r->o.quiet);
    int status = pb_run_prepare(r, err, sizeof err);
    if (status != PB_EXIT_OK)
        goto fail;
    if (r->o.outdir)
        snprintf(r->outdir, sizeof r->outdir, "%s", r->o.outdir);
    else
        default_outdir(r->outdir, sizeof r->outdir);
    cJSON *sys = pb_sysinfo(r->topo, argc, argv);
    if (pb_results_open(&r->res, r->outdir, sys, err, sizeof err) != 0) {
        status = PB_EXIT_USAGE;
        goto fail;
    }
    r->res_open = true;
    r->res.rule = r->o.rule;
    pb_results_set(&r->res, "method", pb_run_method(&r->o));
    write_topology(r);

    /* Just before the timed work, so it sees the machine as the sweep will. */
    cJSON *pre = pb_preflight(r->topo);
    pb_preflight_smt(r, pre);   /* SMT siblings, plans sharing cores, --smt-yield */
    const cJSON *w;
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(pre, "warnings"))
        pb_warn("pre-flight: %s", w->valuestring);
    pb_results_set(&r->res, "preflight", pre);
    /* The calibration the records' breakdowns use (probe/cache.c): cached per
     * machine and build, measured now (quick) when absent. */
    pb_results_set(&r->res, "probe", r->o.no_probe ? pb_probe_none("--no-probe")
                                                   : pb_probe_for_run(r->topo, sys, r->outdir));

    pb_info("%zu configuration(s), %s order, seed %llu; results in %s", r->ncfg,
            r->o.sequential ? "sequential" : "interleaved", r->o.seed, r->outdir);
    if (pb_run_sweep(r) != 0)
        status = PB_EXIT_FAIL;
    pb_run_close_modes(r);

    for (size_t i = 0; i < r->ncfg; i++)
        if (r->sweep.item[i].stop == PB_STOP_FAILED)
            status = worse(status, r->sweep.item[i].status);
    size_t nskipped = (size_t)cJSON_GetArraySize(r->res.skipped);
    if (pb_stop_signal) {
        status = pb_stop_signal == SIGTERM ? PB_EXIT_SIGTERM : PB_EXIT_SIGINT;
        pb_warn("interrupted: the configurations with timed runs are kept in %s", r->outdir);
    } else if (nskipped) {
        pb_warn("%zu configuration(s) did not get their minimum runs: see \"skipped\" in "
                "%s/results.json", nskipped, r->outdir);
    }
    print_summary(r->res.root);
    printf("\nresults: %s/results.json and results.csv\n", r->outdir);
    pb_run_free(r);
    free(r);
    return status;

fail:
    pb_error("%s", err);
    pb_run_free(r);
    free(r);
    return status;
}
