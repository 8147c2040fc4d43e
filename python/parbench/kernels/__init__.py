"""The kernels in Python, one module per kernel, paired by name with kernels/NAME.c.

Each module defines make(params, ntasks, out_size, ctx) -> a kernel object with
run_into(buf, offset, task): task `task`'s output bytes written at buf[offset:
offset + out_size], byte for byte what the C kernel writes, so the C kernel's
check validates a Python run.  A kernel that cannot run (a missing package)
raises Unavailable with the reason from make(), and may define
unavailable(params) -> the reason or None, which parbench asks before a
sweep (its runs_kernel hook) to leave such configurations out.  ctx says what the C kernel's
code did that the Python version must follow: code_path (the kernel's
code_path text) and c_fma (whether the build's own code has fused multiply-add).
"""
import importlib


class Unavailable(Exception):
    """This kernel cannot run in this interpreter; the message says why."""


def load(name):
    """The module of kernel `name`, or Unavailable."""
    if name not in ("primes", "factors", "blur"):
        raise Unavailable(f"{name}: no Python version of this kernel")
    return importlib.import_module(f"parbench.kernels.{name}")
