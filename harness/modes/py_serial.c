/* py-serial: the Python model "serial" of python/parbench/driver.py (mode-python.h). */
#include "mode-python.h"

PB_PY_MODE(py_serial, "py-serial", "serial")

const struct pb_mode pb_mode_py_serial = {
    .name = "py-serial",
    .summary = "one interpreter runs every task in a plain loop: the Python baseline",
    .single_worker = true,
    .worker = PB_WORKER_CALLER,
    .output = PB_OUTPUT_IN_PLACE,
    .runtime = PB_RUNTIME_PYTHON,
    .style = {"#000000", 6, 2},   /* serial's colour, dashed: the Python runtime */
    .options = pb_py_options,
    .noptions = 1,
    .open = py_serial_open,
    .runs_kernel = pb_py_runs_kernel,
    .close = pb_py_close,
    .facts = pb_py_facts,
    .execute = py_serial_execute,
    .held = pb_py_held,
    .opt_in = true,
};
