"""blur (kernels/blur.c): not available in Python yet.

What an exact port needs, and why it is not done: blur's synthetic images come
from kernels/image.c's generator and its file inputs from libpng/libjpeg
decoders, both of which would have to be reproduced bit for bit; and the C
band blur sums float taps in an order (strips, fused multiply-adds where the
compiler contracts them) that NumPy's float32 separable passes do not follow,
so outputs may differ by one in some channels -- within the check's +-1, but
not the same checksum as serial C, which parbench's cross-mode tests require.
"""
from parbench.kernels import Unavailable

REASON = ("blur has no Python version yet: its synthetic input generator (kernels/image.c) "
          "and the C rounding order are not ported")


def make(params, ntasks, out_size):
    raise Unavailable(REASON)
