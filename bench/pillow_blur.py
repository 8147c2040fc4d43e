#!/usr/bin/python3
"""Time Pillow's GaussianBlur on one image, the filter call only, for bench/run.

usage: pillow_blur.py IMAGE SIGMA REPS

Loads and converts the image once (untimed), then times REPS calls of
im.filter(ImageFilter.GaussianBlur(SIGMA)) with time.perf_counter (wall) and
time.thread_time (CPU), after one untimed warm-up call.  Pillow's GaussianBlur takes
the standard deviation and approximates the Gaussian with three box blurs per axis
(ImagingGaussianBlur), so its cost does not grow with sigma; it runs on one thread.
Prints one line of key=value pairs.  Needs Debian's python3-pil, hence /usr/bin/python3.
"""
import statistics
import sys
import time

import PIL
from PIL import Image, ImageFilter


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: pillow_blur.py IMAGE SIGMA REPS")
    path, sigma, reps = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    im = Image.open(path).convert("RGB")
    im.load()
    blur = ImageFilter.GaussianBlur(sigma)
    im.filter(blur)  # warm-up: first-touch of the result's memory
    wall, cpu = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.thread_time()
        im.filter(blur)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.thread_time() - c0)
    print(
        "pillow=%s width=%d height=%d reps=%d median_s=%.6f min_s=%.6f cpu_s=%.6f"
        % (PIL.__version__, im.width, im.height, reps, statistics.median(wall), min(wall),
           statistics.median(cpu))
    )


if __name__ == "__main__":
    main()
