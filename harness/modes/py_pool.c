/* py-pool: the Python model "pool" of python/parbench/driver.py (mode-python.h). */
#include "mode-python.h"

PB_PY_MODE(py_pool, "py-pool", "pool")

const struct pb_mode pb_mode_py_pool = {
    .name = "py-pool",
    .summary = "multiprocessing.Pool (fork) .map over the chunks; outputs pickled back and copied into place (like forkpool)",
    .single_worker = false,
    .worker = PB_WORKER_PROCESS,
    .output = PB_OUTPUT_COPIED,
    .runtime = PB_RUNTIME_PYTHON,
    .style = {"#d62728", 10, 2},   /* forkpool's colour, dashed: the Python runtime */
    .options = pb_py_options,
    .noptions = 1,
    .open = py_pool_open,
    .runs_kernel = pb_py_runs_kernel,
    .close = pb_py_close,
    .facts = pb_py_facts,
    .execute = py_pool_execute,
    .held = pb_py_held,
    .opt_in = true,
};
