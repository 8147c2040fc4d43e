/* `parbench topo`: show the machine as hwloc sees it and, with -w, where each
 * worker of a run would be placed.  Works on a described machine too
 * (--synthetic, --xml), which is how placement is tested without big hardware. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "options.h"
#include "pb.h"
#include "placement.h"

#define TOPO_MAX_WORKERS 1024   /* the same bound as `parbench run -w` */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: parbench topo [OPTIONS]\n"
            "\n"
            "Show the machine (packages, NUMA nodes, L3 domains, cores, PUs, caches, CPU model)\n"
            "and, with -w, the CPUs each worker would be bound to.\n"
            "\n"
            "options:\n"
            "  -w, --workers N       plan N workers (1..%d)\n"
            "      --bind B          none: the OS decides; core: one worker per core (default);\n"
            "                        pu: one worker per hardware thread\n"
            "      --policy P        compact: fill a core, L3 and package before the next\n"
            "                        (default); scatter: spread over packages, NUMA nodes,\n"
            "                        L3s, then cores; with --bind pu, SMT siblings last\n"
            "      --cpus LIST       bind worker i to the i-th CPU of LIST (OS indexes: 0,2,4-7)\n"
            "      --oversubscribe   allow more workers than cores/PUs/CPUs; they wrap around\n"
            "      --kinds K         which CPU kinds (hybrid P/E, big.LITTLE cores) and in what\n"
            "                        order: all (default: every core, the fastest kind first),\n"
            "                        fastest, slowest, any (ignore kinds: topology order), or\n"
            "                        names as listed under 'cpu kinds' (IntelCore,IntelAtom),\n"
            "                        filled in the order written; each: one plan and one\n"
            "                        ladder per kind, fastest first (what 'run --kinds each'\n"
            "                        runs)\n"
            "      --membind M       where each worker's memory goes: none (where first\n"
            "                        touched, default), local (its NUMA node), interleave\n"
            "                        (page by page over the plan's nodes); shown per worker\n"
            "      --smt-pair        the two plans of an SMT yield measurement: N workers on\n"
            "                        one PU of N cores, and on both PUs of N/2 cores (cores\n"
            "                        with SMT of the kinds chosen, placed by --policy)\n"
            "      --synthetic DESC  use a described machine, e.g. \"pack:2 core:8 pu:2\"\n"
            "      --xml FILE        use a machine saved as hwloc XML (lstopo FILE.xml)\n"
            "      --export-xml FILE save the machine as hwloc XML\n"
            "      --draw FILE       draw the machine with lstopo (.svg, .png, .pdf, .txt, ...)\n"
            "  -h, --help            show this help\n"
            "\n"
            "Indexes in a plan are hwloc logical indexes, except cpusets, --cpus, smt siblings\n"
            "and the CPUs of a kind (OS indexes).  A worker line names its kind when hwloc\n"
            "reports two or more kinds of core.\n"
            "\n"
            "exit status: 0 ok, 1 error, 2 bad command line or input,\n"
            "             4 --draw without lstopo installed\n",
            TOPO_MAX_WORKERS);
}

/* Bytes as the largest exact binary unit: "48 KiB", "2 MiB"; "unknown" for 0. */
static void format_bytes(uint64_t b, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    if (b == 0) {
        snprintf(buf, len, "unknown");
        return;
    }
    unsigned u = 0;
    while (u < 4 && b % 1024 == 0) {
        b /= 1024;
        u++;
    }
    snprintf(buf, len, "%llu %s", (unsigned long long)b, units[u]);
}

static void print_machine(const struct pb_topo *t)
{
    struct pb_topo_summary s;
    char l1[32], l2[32], l3[32];
    pb_topo_summary(t, &s);
    format_bytes(s.l1d_bytes, l1, sizeof l1);
    format_bytes(s.l2_bytes, l2, sizeof l2);
    format_bytes(s.l3_bytes, l3, sizeof l3);
    printf("machine: %s\n", pb_topo_source(t));
    printf("cpu model: %s\n", *s.cpu_model ? s.cpu_model : "unknown");
    printf("packages: %u\n", s.packages);
    printf("numa nodes: %u\n", s.numa_nodes);
    printf("l3 domains: %u\n", s.l3_domains);
    printf("cores: %u\n", s.cores);
    printf("pus: %u\n", s.pus);
    printf("smt: %u\n", s.smt);
    printf("l1d cache: %s\n", l1);
    printf("l2 cache: %s\n", l2);
    printf("l3 cache: %s\n", l3);
    char siblings[4096];
    pb_topo_smt_siblings(t, siblings, sizeof siblings);
    printf("smt siblings: %s\n", siblings);
    unsigned nk = pb_topo_nkinds(t);
    if (nk == 0)
        printf("cpu kinds: none reported (all cores alike)\n");
    else
        printf("cpu kinds: %u, fastest first\n", nk);
    for (unsigned k = 0; k < nk; k++) {
        char cpus[256];
        unsigned nc = pb_topo_kind_cores(t, k), np = pb_topo_kind_pus(t, k);
        pb_topo_kind_cpus(t, k, cpus, sizeof cpus);
        printf("kind %s: cpus %s, %u %s, %u %s, efficiency %d%s%s\n", pb_topo_kind_name(t, k),
               cpus, nc, nc == 1 ? "core" : "cores", np, np == 1 ? "pu" : "pus",
               pb_topo_kind_efficiency(t, k), *pb_topo_kind_infos(t, k) ? ", " : "",
               pb_topo_kind_infos(t, k));
    }
    unsigned ladder[64];
    size_t n = pb_topo_ladder(t, 0, ladder, sizeof ladder / sizeof ladder[0]);
    printf("workers for -w auto:");
    for (size_t i = 0; i < n; i++)
        printf(" %u", ladder[i]);
    printf("\nworkers for -w all: 1..%u\n", s.cores);
}

#define PB_TOPO_EACH_MAX 16   /* kinds shown by --kinds each (hwloc reports a handful) */

/* --kinds each: the ladders `run --kinds each` repeats on one kind. */
static void print_kind_ladder(const struct pb_topo *t, const struct pb_place_opts *o)
{
    unsigned ladder[64], all[1024];
    size_t n = pb_topo_ladder_for(t, o, 0, ladder, sizeof ladder / sizeof ladder[0]);
    size_t na = pb_topo_ladder_for(t, o, 1, all, sizeof all / sizeof all[0]);
    printf("workers for -w auto on kind %s:", o->kinds);
    for (size_t i = 0; i < n; i++)
        printf(" %u", ladder[i]);
    printf("\nworkers for -w all on kind %s: 1..%u\n", o->kinds, na ? all[na - 1] : 0);
}

/* The workers of a plan, one line each: cpuset, where it lies, its kind on a
 * machine with kinds, and where its memory goes with --membind. */
static void print_workers(const struct pb_placement *pl)
{
    unsigned n = pb_placement_workers(pl);
    for (unsigned w = 0; w < n; w++) {
        char set[256], where[256], mem[128];
        if (!pb_placement_binds(pl)) {
            printf("worker %u: unbound\n", w);
            continue;
        }
        pb_placement_cpuset_text(pl, w, set, sizeof set);
        pb_placement_where(pl, w, where, sizeof where);
        pb_placement_memory_text(pl, w, mem, sizeof mem);
        const char *kind = pb_placement_kind_name(pl, w);
        printf("worker %u: cpuset %s (%s)%s%s%s%s\n", w, set, where, *kind ? ", kind " : "", kind,
               *mem ? ", memory " : "", mem);
    }
}

/* ", kinds K, membind M" for the choices that differ from the defaults. */
static void print_choices(const struct pb_place_opts *o)
{
    if (o->kinds)
        printf(", kinds %s", o->kinds);
    if (o->membind != PB_MEMBIND_NONE)
        printf(", membind %s", pb_membind_name(o->membind));
}

static void print_plan(const struct pb_placement *pl, const struct pb_place_opts *o)
{
    unsigned n = pb_placement_workers(pl);
    printf("plan: %u %s, ", n, n == 1 ? "worker" : "workers");
    if (o->cpus)
        printf("cpus %s", o->cpus);
    else if (o->bind == PB_BIND_NONE)
        printf("bind none (not bound: the OS places them)");
    else
        printf("bind %s, policy %s", pb_bind_name(o->bind), pb_policy_name(o->policy));
    print_choices(o);
    printf("%s\n", pb_placement_oversubscribed(pl) ? ", oversubscribed" : "");
    print_workers(pl);
}

static void print_smt_pair(const struct pb_placement *spread, const struct pb_placement *packed,
                           const struct pb_place_opts *o)
{
    unsigned n = pb_placement_workers(spread);
    printf("smt yield: %u workers on one PU of %u cores, then on both PUs of %u %s\n", n, n,
           n / 2, n / 2 == 1 ? "core" : "cores");
    printf("plan: %u workers, one PU per core, policy %s", n, pb_policy_name(o->policy));
    print_choices(o);
    printf("\n");
    print_workers(spread);
    printf("plan: %u workers, both PUs of %u %s, policy %s", n, n / 2,
           n / 2 == 1 ? "core" : "cores", pb_policy_name(o->policy));
    print_choices(o);
    printf("\n");
    print_workers(packed);
}

enum {
    OPT_BIND = 256, OPT_POLICY, OPT_CPUS, OPT_OVERSUB, OPT_SYNTH, OPT_XML, OPT_EXPORT, OPT_DRAW,
    OPT_KINDS, OPT_MEMBIND, OPT_SMT_PAIR,
};

int pb_cmd_topo(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"workers", required_argument, NULL, 'w'},
        {"bind", required_argument, NULL, OPT_BIND},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"oversubscribe", no_argument, NULL, OPT_OVERSUB},
        {"synthetic", required_argument, NULL, OPT_SYNTH},
        {"xml", required_argument, NULL, OPT_XML},
        {"export-xml", required_argument, NULL, OPT_EXPORT},
        {"draw", required_argument, NULL, OPT_DRAW},
        {"kinds", required_argument, NULL, OPT_KINDS},
        {"membind", required_argument, NULL, OPT_MEMBIND},
        {"smt-pair", no_argument, NULL, OPT_SMT_PAIR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct pb_place_opts po = {.bind = PB_BIND_CORE, .policy = PB_POLICY_COMPACT};
    const char *synthetic = NULL, *xml = NULL, *export_xml = NULL, *draw = NULL;
    unsigned workers = 0;
    bool plan_opts = false, smt_pair = false;
    char err[PB_ERRLEN];

    /* Our own messages, in the one-line error format; 0 resets glibc's
     * getopt so main() or an earlier call may have used it. */
    opterr = 0;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': {
            unsigned long long v;
            if (pb_parse_unsigned("--workers", optarg, 1, TOPO_MAX_WORKERS, &v, err,
                                  sizeof err) != 0) {
                pb_error("%s", err);
                return PB_EXIT_USAGE;
            }
            workers = (unsigned)v;
            break;
        }
        case OPT_BIND:
            if (pb_bind_parse(optarg, &po.bind) != 0) {
                pb_error("--bind: unknown binding '%s' (none, core, pu)", optarg);
                return PB_EXIT_USAGE;
            }
            plan_opts = true;
            break;
        case OPT_POLICY:
            if (pb_policy_parse(optarg, &po.policy) != 0) {
                pb_error("--policy: unknown policy '%s' (compact, scatter)", optarg);
                return PB_EXIT_USAGE;
            }
            plan_opts = true;
            break;
        case OPT_CPUS:
            po.cpus = optarg;
            plan_opts = true;
            break;
        case OPT_OVERSUB:
            po.oversubscribe = true;
            plan_opts = true;
            break;
        case OPT_KINDS:
        case OPT_MEMBIND:
            if (pb_place_opt_parse(&po, c == OPT_KINDS ? "kinds" : "membind", optarg, err,
                                   sizeof err) != 0) {
                pb_error("%s", err);
                return PB_EXIT_USAGE;
            }
            plan_opts = true;
            break;
        case OPT_SMT_PAIR:
            smt_pair = true;
            plan_opts = true;
            break;
        case OPT_SYNTH:
            synthetic = optarg;
            break;
        case OPT_XML:
            xml = optarg;
            break;
        case OPT_EXPORT:
            export_xml = optarg;
            break;
        case OPT_DRAW:
            draw = optarg;
            break;
        case 'h':
            usage(stdout);
            return PB_EXIT_OK;
        default:
            pb_opt_error(c, "topo", argv, err, sizeof err);
            pb_error("%s", err);
            return PB_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        pb_error("topo: unexpected argument '%s'", argv[optind]);
        return PB_EXIT_USAGE;
    }
    if (plan_opts && workers == 0) {
        pb_error("topo: --bind, --policy, --cpus, --oversubscribe, --kinds, --membind and "
                 "--smt-pair need -w N");
        return PB_EXIT_USAGE;
    }

    struct pb_topo *t;
    if (pb_topo_load(&t, synthetic, xml, err, sizeof err) != 0) {
        pb_error("%s", err);
        /* A bad description or file is the user's input; this machine failing is not. */
        return synthetic || xml ? PB_EXIT_USAGE : PB_EXIT_FAIL;
    }
    int rc = PB_EXIT_OK;
    /* Everything that can fail runs before printing, so a failure is its one
     * error line and nothing else. */
    struct pb_placement *pl = NULL, *packed = NULL;
    if (workers && smt_pair &&
        pb_placement_make_smt_pair(&pl, &packed, t, workers, &po, err, sizeof err) != 0) {
        pb_error("%s", err);
        rc = PB_EXIT_USAGE;
        goto out;
    }
    /* --kinds each: one plan per kind (the first in pl, the others in more[]) */
    const char *choice[PB_TOPO_EACH_MAX];
    struct pb_place_opts each_po[PB_TOPO_EACH_MAX];
    struct pb_placement *more[PB_TOPO_EACH_MAX] = {NULL};
    size_t nchoice = pb_kinds_is_each(po.kinds) && !smt_pair
                         ? pb_kinds_expand(t, po.kinds, choice, PB_TOPO_EACH_MAX)
                         : 0;
    for (size_t i = 0; i < nchoice; i++) {
        each_po[i] = po;
        each_po[i].kinds = choice[i];
        if (workers && pb_placement_make(i ? &more[i] : &pl, t, workers, &each_po[i], err,
                                         sizeof err) != 0) {
            pb_error("--kinds each, kind %s: %s", choice[i], err);
            rc = PB_EXIT_USAGE;
            goto out;
        }
    }
    if (workers && !smt_pair && nchoice == 0 &&
        pb_placement_make(&pl, t, workers, &po, err, sizeof err) != 0) {
        pb_error("%s", err);
        rc = PB_EXIT_USAGE;
        goto out;
    }
    if (export_xml && pb_topo_export_xml(t, export_xml, err, sizeof err) != 0) {
        pb_error("--export-xml: %s", err);
        rc = PB_EXIT_FAIL;
        goto out;
    }
    if (draw) {
        int d = pb_topo_draw(t, draw, err, sizeof err);
        if (d != 0) {
            pb_error("--draw: %s", err);
            rc = d == 1 ? PB_EXIT_MISSING : d == 2 ? PB_EXIT_USAGE : PB_EXIT_FAIL;
            goto out;
        }
    }
    print_machine(t);
    for (size_t i = 0; i < nchoice; i++)
        print_kind_ladder(t, &each_po[i]);
    if (pl) {
        printf("\n");
        if (packed)
            print_smt_pair(pl, packed, &po);
        else
            print_plan(pl, nchoice ? &each_po[0] : &po);
    }
    for (size_t i = 1; i < nchoice && more[i]; i++) {
        printf("\n");
        print_plan(more[i], &each_po[i]);
    }
    fflush(stdout);
out:
    for (size_t i = 1; i < PB_TOPO_EACH_MAX; i++)
        pb_placement_free(more[i]);
    pb_placement_free(pl);
    pb_placement_free(packed);
    pb_topo_free(t);
    return rc;
}
