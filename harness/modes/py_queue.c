/* py-queue: the Python model "queue" of python/parbench/driver.py (mode-python.h). */
#include "mode-python.h"

PB_PY_MODE(py_queue, "py-queue", "queue")

const struct pb_mode pb_mode_py_queue = {
    .name = "py-queue",
    .summary = "JoinableQueue of chunks every worker takes from, one result Queue they all put on (like queue)",
    .single_worker = false,
    .worker = PB_WORKER_PROCESS,
    .output = PB_OUTPUT_COPIED,
    .runtime = PB_RUNTIME_PYTHON,
    .style = {"#8c564b", 2, 2},   /* queue's colour, dashed: the Python runtime */
    .options = pb_py_options,
    .noptions = 1,
    .open = py_queue_open,
    .runs_kernel = pb_py_runs_kernel,
    .close = pb_py_close,
    .facts = pb_py_facts,
    .execute = py_queue_execute,
    .held = pb_py_held,
    .opt_in = true,
};
