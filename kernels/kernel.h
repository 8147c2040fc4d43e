/* parbench kernel interface.
 *
 * A kernel describes CPU-bound work as `ntasks` independent tasks.  Task t
 * writes exactly `out_size` bytes at offset t * out_size of one output array,
 * so any execution mode can run tasks anywhere, in any order, and assemble the
 * output by position alone.  Kernels never create threads or processes.
 */
#ifndef PB_KERNEL_H
#define PB_KERNEL_H

#include <stddef.h>
#include <stdint.h>

enum pb_size { PB_SIZE_SMALL, PB_SIZE_MEDIUM, PB_SIZE_LARGE, PB_SIZE_COUNT };

enum pb_param_type { PB_PARAM_U64, PB_PARAM_DOUBLE, PB_PARAM_STRING };

/* One tunable of a kernel, settable with `--set KERNEL.NAME=VALUE`. */
struct pb_param_def {
    const char *name;                    /* "limit" */
    enum pb_param_type type;
    const char *preset[PB_SIZE_COUNT];   /* default text for small, medium, large */
    double min, max;                     /* accepted range for numbers */
    const char *help;                    /* one line for `parbench list` */
};

#define PB_PARAMS_MAX 8

struct pb_param_value {
    uint64_t u;      /* PB_PARAM_U64 */
    double d;        /* PB_PARAM_DOUBLE */
    const char *s;   /* PB_PARAM_STRING, points into storage owned by pb_params */
};

/* A kernel's parameters after presets and --set overrides were applied. */
struct pb_params {
    enum pb_size size;
    struct pb_param_value v[PB_PARAMS_MAX];   /* indexed like the kernel's defs */
    char text[PB_PARAMS_MAX][256];            /* every value as text, for records */
};

/* The prepared input of one kernel at one set of parameters. */
struct pb_workload {
    size_t ntasks;        /* independent tasks */
    size_t out_size;      /* bytes each task writes into the output array */
    double work;          /* total work in `unit`s, for throughput */
    const char *unit;     /* "numbers", "divisions", "pixels" */
    void *state;          /* the kernel's input, read-only while tasks run */
};

struct pb_kernel {
    const char *name;
    const char *summary;                          /* one line for `parbench list` */
    const struct pb_param_def *params;            /* may be NULL when nparams == 0 */
    size_t nparams;
    /* Build the input and size the tasks.  Returns 0, or -1 with `err` filled. */
    int (*prepare)(struct pb_workload *w, const struct pb_params *p, char *err, size_t errlen);
    /* Run one task, writing w->out_size bytes at `out` (the task's own slice). */
    void (*run)(const struct pb_workload *w, size_t task, void *out);
    /* Check the assembled output against an independent reference.
     * Returns 0 when valid, else -1 with `why` filled. */
    int (*check)(const struct pb_workload *w, const void *out, char *why, size_t len);
    /* Optional: act on a validated output (e.g. blur.save writes images). */
    int (*finish)(const struct pb_workload *w, const void *out, char *err, size_t errlen);
    void (*release)(struct pb_workload *w);
    /* Optional: the parameter `parbench run --scaling weak` multiplies by the
     * worker count; "hi-lo" scales the span (hi' = lo + (hi - lo) * p). */
    const char *scale_param;
};

/* Registry, generated from kernels.def. */
extern const struct pb_kernel *const pb_kernels[];
extern const size_t pb_nkernels;
const struct pb_kernel *pb_kernel_find(const char *name);

/* Parameters: fill `p` with the preset for `size`, then apply overrides.
 * Each returns 0, or -1 with a one-line message in `err`. */
int pb_params_init(struct pb_params *p, const struct pb_kernel *k, enum pb_size size,
                   char *err, size_t errlen);
int pb_params_set(struct pb_params *p, const struct pb_kernel *k, const char *name,
                  const char *value, char *err, size_t errlen);
/* Index of a parameter by name, or -1. */
int pb_param_index(const struct pb_kernel *k, const char *name);
const char *pb_size_name(enum pb_size s);
int pb_size_parse(const char *text, enum pb_size *out);

#endif
