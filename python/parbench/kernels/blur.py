"""blur (kernels/blur.c) in NumPy: the same separable Gaussian, byte for byte.

Each task blurs one band of `band` rows of one synthetic image and writes it
at its offset, rows 3 * width bytes apart, the rest of its out_size bytes
zeroed, as blur_run does.  Everything that decides a byte follows the C code:

  - the images: blur.c's synth_fill (integer hashing, exactly rounded IEEE
    products), vectorised;
  - the taps: r = ceil(3 sigma), normalised over all 2r + 1 in double, then
    rounded to float32, centre first (plan_tasks);
  - the vertical pass: acc = w0 * x[y] in float32, then for k = 1..r
    acc += w_k * (x[y - k] + x[y + k]), the two bytes added as integers first,
    rows clamped to the image (blur-band.h's vertical);
  - the horizontal pass along that float32 result: a = w0 * t[i], then
    a += w_k * (t[i - 3k] + t[i + 3k]), the two floats added in float32,
    pixels beyond the edges repeating the edge pixel;
  - the rounding: (int)(a + 0.5f), clamped to 255 (blur_round).

The C band blur lets the compiler fuse each `acc += w * s` into one FMA
(one rounding instead of two) where the instruction set has it: the avx2 and
avx512 paths always, the generic path when the build targets FMA.  NumPy has
no fused multiply-add, so the fused step is emulated exactly: the product of
two float32 values is exact in float64, the float64 sum is made
"round-to-odd" with its exact error (TwoSum), and rounding that to float32
then gives the correctly rounded fused result (Boldo and Melquiond, 2008:
53 >= 2 * 24 + 2).  parbench says in each run command which path the C
kernel took (code_path) and whether the build's own code has FMA (c_fma).

Only synthetic images: blur.files would need libpng's and libjpeg's decoders
reproduced exactly, so with files blur is unavailable in Python.
"""
import math

from parbench.kernels import Unavailable

try:
    import numpy as np
except ImportError:  # the reason is given by make(), so primes and factors still run
    np = None


def _mix32(x):
    """blur.c's mix32 on a uint32 array (wrapping multiplies, as in C)."""
    x = x ^ (x >> np.uint32(16))
    x = x * np.uint32(0x7FEB352D)
    x = x ^ (x >> np.uint32(15))
    x = x * np.uint32(0x846CA68B)
    return x ^ (x >> np.uint32(16))


def _mix32_int(v):
    return int(_mix32(np.array([v & 0xFFFFFFFF], dtype=np.uint32))[0])


def synth(width, height, seed):
    """blur.c's synth_fill: the test picture `seed`, as a (height, 3 * width) uint8 array."""
    w, h = width, height
    discs = []
    for k in range(4):
        a = _mix32_int(seed * 8 + k)
        b = _mix32_int(a)
        c = _mix32_int(b)
        rad = 1 + c % ((min(w, h) // 3 + 1) & 0xFFFFFFFF)
        discs.append((a % w, b % h, rad * rad, [(c >> (8 * ch)) & 255 for ch in range(3)]))
    sx, sy, sxy = 255.0 / w, 255.0 / h, 255.0 / (w + h)
    x = np.arange(w, dtype=np.int64)
    y = np.arange(h, dtype=np.int64)[:, None]
    v = [np.broadcast_to((x.astype(np.float64) * sx).astype(np.int64), (h, w)).copy(),
         np.broadcast_to((y.astype(np.float64) * sy).astype(np.int64), (h, w)).copy(),
         255 - ((x + y).astype(np.float64) * sxy).astype(np.int64)]
    for cx, cy, r2, rgb in discs:
        inside = (x - cx) ** 2 + (y - cy) ** 2 < r2
        for ch in range(3):
            v[ch] = np.where(inside, (v[ch] + rgb[ch]) // 2, v[ch])
    hy = _mix32(y.astype(np.uint32) ^ np.uint32(_mix32_int(seed)))
    noise = _mix32(x.astype(np.uint32) ^ hy)
    out = np.empty((h, w, 3), dtype=np.uint8)
    for ch in range(3):
        t = v[ch] + ((noise >> np.uint32(8 * ch)) & np.uint32(31)).astype(np.int64) - 16
        out[:, :, ch] = np.clip(t, 0, 255)
    return out.reshape(h, 3 * w)


def taps(sigma):
    """The r + 1 float32 taps of plan_tasks, centre first, and r."""
    r = int(math.ceil(3 * sigma))
    total = 0.0
    for k in range(2 * r + 1):
        d = float(k) - float(r)
        total += math.exp(-d * d / (2 * sigma * sigma))
    return [np.float32(math.exp(-float(k * k) / (2 * sigma * sigma)) / total)
            for k in range(r + 1)], r


_LOW29 = 0x1FFFFFFF   # the float64 mantissa bits below float32's
_HALF29 = 0x10000000  # ... holding a float32 midpoint


def _fma(acc, w, s):
    """float32 fma(w, s, acc) for float32 arrays acc, s and a float32 scalar w, every
    value >= 0.  The product is exact in float64 (24 x 24 bits); the float64 sum then
    rounds once more, which changes the float32 result only where that sum lands on
    a float32 midpoint (double rounding): there, and only there, the exact error
    (TwoSum) rounds the sum to odd first, which makes the final rounding correct."""
    a = acc.astype(np.float64)
    p = np.float64(w) * s.astype(np.float64)
    t = a + p
    bits = t.view(np.int64)
    mid = np.flatnonzero((bits & _LOW29) == _HALF29)
    if mid.size:
        am, pm, tm = a.ravel()[mid], p.ravel()[mid], t.ravel()[mid]
        bb = tm - am
        err = (am - (tm - bb)) + (pm - bb)   # tm + err == am + pm exactly
        flat = bits.reshape(-1)
        flat[mid] += np.where(err > 0, 1, np.where(err < 0, -1, 0))   # >= 0: up is +1
    return t.astype(np.float32)


class Blur:
    def __init__(self, params, ntasks, out_size, ctx):
        self.sigma = float(params["sigma"])
        self.width, self.height = int(params["width"]), int(params["height"])
        self.images = int(params["images"])
        self.band = min(int(params["band"]), self.height)
        per_image = -(-self.height // self.band)
        want_tasks, want_size = per_image * self.images, self.band * self.width * 3
        if ntasks != want_tasks or out_size != want_size:
            raise ValueError(f"blur: {ntasks} tasks of {out_size} bytes, expected {want_tasks} "
                             f"of {want_size}")
        self.per_image, self.out_size = per_image, out_size
        self.wp, self.r = taps(self.sigma)
        path = ctx.get("code_path", "")
        self.fused = path.startswith(("avx2", "avx512")) or bool(ctx.get("c_fma"))
        self.pixels = [synth(self.width, self.height, i) for i in range(self.images)]

    def band_of(self, task):
        """The task's rows [y0, y1) blurred, as a uint8 array of (y1 - y0, 3 * width)."""
        img = self.pixels[task // self.per_image]
        y0 = task % self.per_image * self.band
        y1 = min(y0 + self.band, self.height)
        r, wp, n = self.r, self.wp, y1 - y0
        rows = np.clip(np.arange(y0 - r, y1 + r), 0, self.height - 1)
        x = img[rows].astype(np.int32)                      # rows y0 - r .. y1 + r - 1
        acc = wp[0] * x[r:r + n].astype(np.float32)
        for k in range(1, r + 1):
            s = (x[r - k:r - k + n] + x[r + k:r + k + n]).astype(np.float32)
            acc = _fma(acc, wp[k], s) if self.fused else acc + wp[k] * s
        # Pixels beyond the left and right edges repeat the edge pixel.
        t = np.concatenate([np.tile(acc[:, :3], (1, r)), acc, np.tile(acc[:, -3:], (1, r))],
                           axis=1)
        c, m = 3 * r, 3 * self.width
        a = wp[0] * t[:, c:c + m]
        for k in range(1, r + 1):
            s = t[:, c - 3 * k:c - 3 * k + m] + t[:, c + 3 * k:c + 3 * k + m]
            a = _fma(a, wp[k], s) if self.fused else a + wp[k] * s
        v = (a + np.float32(0.5)).astype(np.int32)
        return np.minimum(v, 255).astype(np.uint8)

    def run_into(self, buf, offset, task):
        b = self.band_of(task).tobytes()
        buf[offset:offset + len(b)] = b
        if len(b) < self.out_size:
            buf[offset + len(b):offset + self.out_size] = bytes(self.out_size - len(b))


FILES_WHY = ("blur in Python: blur.files needs libpng's and libjpeg's decoders reproduced "
             "exactly; Python blurs synthetic images only")


def unavailable(params):
    """Why blur cannot run in this interpreter at `params`, or None."""
    if np is None:
        import sys
        return (f"blur in Python needs NumPy, which {sys.executable} "
                f"(Python {sys.version.split()[0]}) lacks")
    if params.get("files", ""):
        return FILES_WHY
    return None


def make(params, ntasks, out_size, ctx=None):
    why = unavailable(params)
    if why:
        raise Unavailable(why)
    return Blur(params, ntasks, out_size, ctx or {})
