/* Fuzz target: the parsers of command-line values.  The first byte picks the
 * parser, the rest is the text: --set values, worker lists, numbers (and
 * PARBENCH_FAULT specs), and --cpus lists planned on a big synthetic machine. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "kernel.h"
#include "options.h"
#include "placement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pb_topo *big;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (size == 0 || size > 4096)
        return 0;
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    switch (data[0] % 6) {
    case 0:
    case 1: {
        /* --set KERNEL.PARAM=VALUE for every parameter of every kernel. */
        for (size_t k = 0; k < pb_nkernels; k++) {
            struct pb_params p;
            if (pb_params_init(&p, pb_kernels[k], PB_SIZE_SMALL, err, sizeof err) != 0)
                abort();   /* the presets themselves must always parse */
            for (size_t i = 0; i < pb_kernels[k]->nparams; i++)
                pb_params_set(&p, pb_kernels[k], pb_kernels[k]->params[i].name, text, err,
                              sizeof err);
            pb_params_set(&p, pb_kernels[k], text, "1", err, sizeof err);
        }
        break;
    }
    case 2: {
        unsigned out[64];
        size_t n;
        pb_parse_counts("-w", text, 1024, out, 64, &n, err, sizeof err);
        break;
    }
    case 3: {
        double d;
        unsigned long long u;
        pb_parse_double("--timeout", text, 0.001, 1e7, &d, err, sizeof err);
        pb_parse_unsigned("--reps", text, 1, 100000, &u, err, sizeof err);
        struct pb_fault f;   /* PARBENCH_FAULT, read from the environment */
        if (pb_fault_parse(text, &f) != 0 && f.kind != PB_FAULT_NONE)
            abort();   /* a refused value must leave no fault behind */
        break;
    }
    case 4: {
        char *items[16], buf[256];
        size_t n;
        pb_split_names("-k", text, buf, sizeof buf, items, 16, &n, err, sizeof err);
        break;
    }
    case 5: {
        if (!big && pb_topo_load(&big, "pack:2 core:64 pu:2", NULL, err, sizeof err) != 0)
            abort();
        struct pb_place_opts o = {.bind = PB_BIND_CORE, .cpus = text};
        struct pb_placement *pl;
        for (unsigned w = 1; w <= 4; w++)
            if (pb_placement_make(&pl, big, w, &o, err, sizeof err) == 0)
                pb_placement_free(pl);
        break;
    }
    }
    free(text);
    return 0;
}
