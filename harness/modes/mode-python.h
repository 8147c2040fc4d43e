/* The Python modes (py_*.c): one descriptor per CPython execution model, all
 * run by one implementation (python.c) that keeps a long-lived interpreter
 * running python/parbench/driver.py and talks to it over two pipes. */
#ifndef PB_MODE_PYTHON_H
#define PB_MODE_PYTHON_H

#include "mode.h"

/* The options every Python mode declares (set with --set MODE.interpreter=PATH). */
extern const struct pb_mode_option pb_py_options[];
extern const size_t pb_py_noptions;

/* The hooks, for the driver's model `model` ("serial", "threads", "pool",
 * "executor", "shm", "process", "queue"); `mode` names the mode in messages. */
int pb_py_open(const char *mode, const char *model, const struct pb_mode_args *args,
               void **state, char *err, size_t errlen);
void pb_py_close(void *state);
bool pb_py_runs_kernel(const struct pb_kernel *k, const struct pb_params *p, void *state,
                       char *why, size_t whylen);
void pb_py_facts(void *state, const struct pb_plan *plan, struct pb_facts *out);
struct pb_held pb_py_held(void *state);
int pb_py_execute(const char *mode, const char *model, const struct pb_kernel *k,
                  const struct pb_workload *w, const struct pb_plan *plan, void *out,
                  struct pb_sample *s, char *err, size_t errlen);

#define PB_PY_INTERPS_MAX 8

/* `--python PATH[,PATH...]` (each of the `ngiven` texts a path or a comma list):
 * ask each interpreter its version (a broken one is an error naming it), then
 * replace every Python mode in modes[0 .. *nmodes) by one variant per interpreter,
 * its `preset` naming the interpreter and, with more than one, its name too
 * ("py-pool@3.13.1t").  No --python (ngiven 0): nothing changes.  Returns 0, or -1
 * with one line in `err` (no Python mode selected, too many, a broken interpreter). */
int pb_py_variants(const struct pb_mode **modes, size_t *nmodes, size_t max,
                   const char *const *given, size_t ngiven, char *err, size_t errlen);

/* One mode's descriptor hooks, as thin wrappers that name the model. */
#define PB_PY_MODE(ident, modename, modelname)                                                 \
    static int ident##_open(const struct pb_mode_args *args, void **state, char *err,          \
                            size_t errlen)                                                     \
    {                                                                                          \
        return pb_py_open(modename, modelname, args, state, err, errlen);                      \
    }                                                                                          \
    static int ident##_execute(const struct pb_kernel *k, const struct pb_workload *w,         \
                               const struct pb_plan *plan, void *out, struct pb_sample *s,     \
                               char *err, size_t errlen)                                       \
    {                                                                                          \
        return pb_py_execute(modename, modelname, k, w, plan, out, s, err, errlen);            \
    }

#endif
