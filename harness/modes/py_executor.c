/* py-executor: the Python model "executor" of python/parbench/driver.py (mode-python.h). */
#include "mode-python.h"

PB_PY_MODE(py_executor, "py-executor", "executor")

const struct pb_mode pb_mode_py_executor = {
    .name = "py-executor",
    .summary = "concurrent.futures.ProcessPoolExecutor (fork); outputs pickled back and copied into place",
    .single_worker = false,
    .worker = PB_WORKER_PROCESS,
    .output = PB_OUTPUT_COPIED,
    .runtime = PB_RUNTIME_PYTHON,
    .style = {"#d62728", 8, 2},   /* forkpool's colour (a pool, like py-pool), dashed: Python */
    .options = pb_py_options,
    .noptions = 1,
    .open = py_executor_open,
    .runs_kernel = pb_py_runs_kernel,
    .close = pb_py_close,
    .facts = pb_py_facts,
    .execute = py_executor_execute,
    .held = pb_py_held,
    .opt_in = true,
};
