/* parbench list: every kernel with its parameters, every mode with its availability. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "mode.h"
#include "pb.h"

static const char *type_name(enum pb_param_type t)
{
    return t == PB_PARAM_U64 ? "integer" : t == PB_PARAM_DOUBLE ? "number" : "text";
}

int pb_cmd_list(int argc, char **argv)
{
    static const struct option longs[] = {{"help", no_argument, NULL, 'h'}, {0}};
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "h", longs, NULL)) != -1;) {
        if (c == 'h') {
            printf("usage: parbench list\n\nLists kernels (with parameters and their small/medium/large\n"
                   "presets, settable with --set KERNEL.PARAM=VALUE) and execution modes.\n");
            return PB_EXIT_OK;
        }
        return PB_EXIT_USAGE;
    }
    if (optind < argc) {
        pb_error("list: unexpected argument '%s'", argv[optind]);
        return PB_EXIT_USAGE;
    }
    printf("kernels:\n");
    for (size_t i = 0; i < pb_nkernels; i++) {
        const struct pb_kernel *k = pb_kernels[i];
        printf("  %-10s %s\n", k->name, k->summary);
        for (size_t j = 0; j < k->nparams; j++) {
            const struct pb_param_def *d = &k->params[j];
            printf("      %s.%-8s %-7s small=%s medium=%s large=%s  %s\n", k->name, d->name,
                   type_name(d->type), d->preset[0][0] ? d->preset[0] : "\"\"",
                   d->preset[1][0] ? d->preset[1] : "\"\"", d->preset[2][0] ? d->preset[2] : "\"\"",
                   d->help);
        }
    }
    printf("\nmodes:\n");
    for (size_t i = 0; i < pb_nmodes; i++) {
        const struct pb_mode *m = pb_modes[i];
        if (m->unavailable)
            printf("  %-10s unavailable: %s\n", m->name, m->unavailable);
        else
            printf("  %-10s %s\n", m->name, m->summary);
    }
    return PB_EXIT_OK;
}
