/* Fuzz target: PNG/JPEG decoding into the blur kernel's RGB8 images, and the
 * header probe the memory check uses, which must agree with every load. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pb_image img;
    char err[512];
    unsigned w, h;
    int probed = pb_image_probe_mem(data, size, "fuzz", &w, &h, err, sizeof err);
    if (pb_image_load_mem(data, size, "fuzz", &img, err, sizeof err) == 0) {
        /* A file that loads was probed at its size: the memory check saw it right. */
        if (probed != 0 || w != img.width || h != img.height)
            abort();
        /* Touch every pixel so a short allocation shows under ASan. */
        volatile unsigned sum = 0;
        for (size_t i = 0; i < (size_t)img.width * img.height * 3; i++)
            sum += img.rgb[i];
        (void)sum; /* read only to touch the pixels: clang's -Wunused-but-set-variable */
        pb_image_free(&img);
    }
    return 0;
}
