/* parbench kernel interface.
 *
 * A kernel describes CPU-bound work as `ntasks` independent tasks.  Task t
 * writes exactly `out_size` bytes at offset t * out_size of one output array,
 * so any execution mode can run tasks anywhere, in any order, and assemble the
 * output by position alone.  Kernels never create threads or processes.
 */
#ifndef PB_KERNEL_H
#define PB_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Size presets.  tiny runs in a few milliseconds serially: for tests that go over
 * every kernel, never for figures. */
enum pb_size { PB_SIZE_TINY, PB_SIZE_SMALL, PB_SIZE_MEDIUM, PB_SIZE_LARGE, PB_SIZE_COUNT };

enum pb_param_type { PB_PARAM_U64, PB_PARAM_DOUBLE, PB_PARAM_STRING };

/* One tunable of a kernel, settable with `--set KERNEL.NAME=VALUE`. */
struct pb_param_def {
    const char *name;                    /* "limit" */
    enum pb_param_type type;
    const char *preset[PB_SIZE_COUNT];   /* default text for tiny, small, medium, large */
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

#define PB_FOOTPRINT_PARTS 6

/* What a kernel's footprint hook reports: its memory in named parts, which the harness
 * adds up and prints as "WHAT: 1.2 GiB input, 1.2 GiB output, ...". */
struct pb_footprint {
    char what[160];                        /* the input in words: "12 images of 4000x3000" */
    const char *hint;                      /* how to need less: "lower blur.images, ..." */
    struct {
        const char *name;                  /* "input", "output", "reference" */
        uint64_t bytes;
    } part[PB_FOOTPRINT_PARTS];
    size_t nparts;
};

/* Byte counts that saturate at UINT64_MAX instead of wrapping, for footprints of absurd
 * parameters: a saturated count is simply more memory than any machine has. */
static inline uint64_t pb_bytes_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static inline uint64_t pb_bytes_mul(uint64_t a, uint64_t b)
{
    return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* Add a part to `f` (parts past PB_FOOTPRINT_PARTS are added to the last one). */
static inline void pb_footprint_add(struct pb_footprint *f, const char *name, uint64_t bytes)
{
    if (f->nparts == PB_FOOTPRINT_PARTS) {
        f->part[f->nparts - 1].bytes = pb_bytes_add(f->part[f->nparts - 1].bytes, bytes);
        return;
    }
    f->part[f->nparts].name = name;
    f->part[f->nparts++].bytes = bytes;
}

struct pb_kernel {
    const char *name;
    const char *summary;                          /* one line for `parbench list` */
    bool opt_in;                                  /* left out of the default sweep: runs only
                                                     when named with -k (noop measures the
                                                     harness, not the machine) */
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
    /* Optional: the most memory this kernel will hold at once at parameters `p`, computed
     * from the parameters (and, for input files, their headers) without allocating or
     * decoding anything, so the harness can refuse a run that does not fit before any
     * prepare.  The parts cover everything prepare builds, the output array the harness
     * maps (ntasks * out_size), and what check and finish allocate (a reference, a
     * buffer).  Returns 0, or -1 with `err` filled for input that prepare would refuse
     * too, with the same message.  NULL means the kernel's own memory is small: the
     * harness then counts only its output array, once prepare has sized it. */
    int (*footprint)(const struct pb_params *p, struct pb_footprint *f, char *err,
                     size_t errlen);
    /* Optional: the parameter `parbench run --scaling weak` multiplies by the
     * worker count; "hi-lo" scales the span (hi' = lo + (hi - lo) * p). */
    const char *scale_param;
    /* Optional: which code the kernel runs at parameters `p` on this CPU, in a few
     * words whose first is the name a user would set ("avx512 (64-byte vectors)" for
     * blur's SIMD pick); recorded in each record as `code_path`.  The string is
     * static; NULL when the kernel cannot tell (the parameters are refused). */
    const char *(*code_path)(const struct pb_params *p);
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
