"""primes (kernels/primes.c): count the primes in [lo, hi) by trial division by
odd numbers up to floor(sqrt(n)), one block of `block` numbers per task; each
task writes its count as one native-endian uint64."""
import math
import struct

_U64 = struct.Struct("=Q")


def is_prime(n, r):
    """n prime, with r = floor(sqrt(n)), as is_prime32/is_prime64 in C."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    for d in range(3, r + 1, 2):
        if n % d == 0:
            return False
    return True


class Primes:
    def __init__(self, params, ntasks, out_size):
        self.lo, self.hi, self.block = int(params["lo"]), int(params["hi"]), int(params["block"])
        want = (self.hi - self.lo + self.block - 1) // self.block
        if ntasks != want or out_size != 8:
            raise ValueError(f"primes: {ntasks} tasks of {out_size} bytes, expected {want} of 8")

    def run_into(self, buf, offset, task):
        a = self.lo + task * self.block
        b = min(a + self.block, self.hi)
        r = math.isqrt(a)
        count = 0
        for n in range(a, b):
            # floor(sqrt(n)) grows by at most one from n to n + 1, as in C.
            if (r + 1) * (r + 1) <= n:
                r += 1
            count += is_prime(n, r)
        _U64.pack_into(buf, offset, count)


def make(params, ntasks, out_size, ctx=None):
    return Primes(params, ntasks, out_size)
