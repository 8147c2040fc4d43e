/* parbench list: every kernel with its parameters, every mode with its traits,
 * options and availability; or (--names) one name a line for scripts. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "mode.h"
#include "options.h"
#include "pb.h"

static const char *type_name(enum pb_param_type t)
{
    return t == PB_PARAM_U64 ? "integer" : t == PB_PARAM_DOUBLE ? "number" : "text";
}

static void list_usage(FILE *f)
{
    fprintf(f,
        "usage: parbench list [--names kernels|modes]\n"
        "\n"
        "Lists kernels (with parameters and their tiny/small/medium/large presets,\n"
        "settable with --set KERNEL.PARAM=VALUE) and execution modes (with their traits\n"
        "as results records name them, and their options, settable with\n"
        "--set MODE.OPTION=VALUE).\n"
        "\n"
        "  --names kernels   one kernel name a line (opt-in kernels too)\n"
        "  --names modes     one mode name a line; a mode compiled out is followed by a\n"
        "                    tab and why it is unavailable\n");
}

static void list_kernels(void)
{
    printf("kernels:\n");
    for (size_t i = 0; i < pb_nkernels; i++) {
        const struct pb_kernel *k = pb_kernels[i];
        printf("  %-10s %s%s\n", k->name, k->summary,
               k->opt_in ? " (opt-in: runs only when named with -k)" : "");
        for (size_t j = 0; j < k->nparams; j++) {
            const struct pb_param_def *d = &k->params[j];
            printf("      %s.%-8s %-7s", k->name, d->name, type_name(d->type));
            for (int s = 0; s < PB_SIZE_COUNT; s++)
                printf(" %s=%s", pb_size_name((enum pb_size)s),
                       d->preset[s][0] ? d->preset[s] : "\"\"");
            printf("  %s\n", d->help);
        }
    }
}

static void list_modes(void)
{
    printf("\nmodes:\n");
    for (size_t i = 0; i < pb_nmodes; i++) {
        const struct pb_mode *m = pb_modes[i];
        if (m->unavailable)
            printf("  %-10s unavailable: %s\n", m->name, m->unavailable);
        else
            printf("  %-10s %s\n", m->name, m->summary);
        printf("             worker_kind=%s output_path=%s runtime=%s%s%s\n",
               pb_worker_kind_name(m->worker), pb_output_path_name(m->output),
               pb_runtime_name(m->runtime), m->single_worker ? " single_worker" : "",
               m->opt_in ? " opt_in" : "");
        for (size_t j = 0; j < m->noptions; j++)
            printf("      %s.%-8s %s\n", m->name, m->options[j].name, m->options[j].help);
        /* The kernels it runs on one line, each one it cannot run with the reason. */
        char runs[512] = "", why[PB_ERRLEN];
        size_t used = 0;
        for (size_t j = 0; m->runs_kernel && j < pb_nkernels; j++)
            if (m->runs_kernel(pb_kernels[j], NULL, NULL, why, sizeof why)) {
                int w = snprintf(runs + used, sizeof runs - used, "%s%s", used ? ", " : "",
                                 pb_kernels[j]->name);
                used += w > 0 && (size_t)w < sizeof runs - used ? (size_t)w : 0;
            }
        if (m->runs_kernel)
            printf("             runs %s\n", used ? runs : "no kernel");
        for (size_t j = 0; m->runs_kernel && j < pb_nkernels; j++)
            if (!m->runs_kernel(pb_kernels[j], NULL, NULL, why, sizeof why))
                printf("             cannot run %s: %s\n", pb_kernels[j]->name, why);
    }
}

int pb_cmd_list(int argc, char **argv)
{
    static const struct option longs[] = {{"help", no_argument, NULL, 'h'},
                                          {"names", required_argument, NULL, 'n'}, {0}};
    const char *names = NULL;
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":h", longs, NULL)) != -1;) {
        if (c == 'h') {
            list_usage(stdout);
            return PB_EXIT_OK;
        }
        if (c == 'n' && (strcmp(optarg, "kernels") == 0 || strcmp(optarg, "modes") == 0)) {
            names = optarg;
            continue;
        }
        if (c == 'n')
            pb_error("list: --names takes kernels or modes, not '%s'", optarg);
        else {
            char err[PB_ERRLEN];
            pb_opt_error(c, "list", argv, err, sizeof err);
            pb_error("list: %s", err);
        }
        return PB_EXIT_USAGE;
    }
    if (optind < argc) {
        pb_error("list: unexpected argument '%s'", argv[optind]);
        return PB_EXIT_USAGE;
    }
    if (names && strcmp(names, "kernels") == 0) {
        for (size_t i = 0; i < pb_nkernels; i++)
            printf("%s\n", pb_kernels[i]->name);
    } else if (names) {
        for (size_t i = 0; i < pb_nmodes; i++)
            if (pb_modes[i]->unavailable)
                printf("%s\t%s\n", pb_modes[i]->name, pb_modes[i]->unavailable);
            else
                printf("%s\n", pb_modes[i]->name);
    } else {
        list_kernels();
        list_modes();
    }
    return PB_EXIT_OK;
}
