/* py-shm: the Python model "shm" of python/parbench/driver.py (mode-python.h). */
#include "mode-python.h"

PB_PY_MODE(py_shm, "py-shm", "shm")

const struct pb_mode pb_mode_py_shm = {
    .name = "py-shm",
    .summary = "Processes forked per run share the output mapping and a Value + Lock task counter; in place (like shm)",
    .single_worker = false,
    .worker = PB_WORKER_PROCESS,
    .output = PB_OUTPUT_IN_PLACE,
    .runtime = PB_RUNTIME_PYTHON,
    .style = {"#2ca02c", 12, 2},   /* shm's colour, dashed: the Python runtime */
    .options = pb_py_options,
    .noptions = 1,
    .open = py_shm_open,
    .runs_kernel = pb_py_runs_kernel,
    .close = pb_py_close,
    .facts = pb_py_facts,
    .execute = py_shm_execute,
    .held = pb_py_held,
    .opt_in = true,
};
