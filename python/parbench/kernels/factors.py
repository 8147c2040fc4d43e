"""factors (kernels/factors.c): count the divisors of start + task by testing
every d in 1..n; each task writes the count as one native-endian uint64."""
import struct

_U64 = struct.Struct("=Q")


def divisors(n):
    count = 0
    for d in range(1, n + 1):
        if n % d == 0:
            count += 1
    return count


class Factors:
    def __init__(self, params, ntasks, out_size):
        self.start, self.count = int(params["start"]), int(params["count"])
        if ntasks != self.count or out_size != 8:
            raise ValueError(f"factors: {ntasks} tasks of {out_size} bytes, expected "
                             f"{self.count} of 8")

    def run_into(self, buf, offset, task):
        _U64.pack_into(buf, offset, divisors(self.start + task))


def make(params, ntasks, out_size, ctx=None):
    return Factors(params, ntasks, out_size)
