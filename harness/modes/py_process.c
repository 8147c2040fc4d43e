/* py-process: the Python model "process" of python/parbench/driver.py (mode-python.h). */
#include "mode-python.h"

PB_PY_MODE(py_process, "py-process", "process")

const struct pb_mode pb_mode_py_process = {
    .name = "py-process",
    .summary = "a multiprocessing.Process per chunk, at most WORKERS alive, writing in place (like spawn)",
    .single_worker = false,
    .worker_per_chunk = true,
    .worker = PB_WORKER_PROCESS,
    .output = PB_OUTPUT_IN_PLACE,
    .runtime = PB_RUNTIME_PYTHON,
    .style = {"#ff7f0e", 1, 2},   /* spawn's colour, dashed: the Python runtime */
    .options = pb_py_options,
    .noptions = 1,
    .open = py_process_open,
    .runs_kernel = pb_py_runs_kernel,
    .close = pb_py_close,
    .facts = pb_py_facts,
    .execute = py_process_execute,
    .held = pb_py_held,
    .opt_in = true,
};
