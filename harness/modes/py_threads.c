/* py-threads: the Python model "threads" of python/parbench/driver.py (mode-python.h). */
#include "mode-python.h"

PB_PY_MODE(py_threads, "py-threads", "threads")

const struct pb_mode pb_mode_py_threads = {
    .name = "py-threads",
    .summary = "ThreadPoolExecutor threads of one interpreter write outputs in place (the GIL serialises them unless free-threaded)",
    .single_worker = false,
    .worker = PB_WORKER_THREAD,
    .output = PB_OUTPUT_IN_PLACE,
    .runtime = PB_RUNTIME_PYTHON,
    .style = {"#1f77b4", 4, 2},   /* the threads mode's colour, dashed: the Python runtime */
    .options = pb_py_options,
    .noptions = 1,
    .open = py_threads_open,
    .runs_kernel = pb_py_runs_kernel,
    .close = pb_py_close,
    .facts = pb_py_facts,
    .execute = py_threads_execute,
    .held = pb_py_held,
    .opt_in = true,
};
