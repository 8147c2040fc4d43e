/* RGB8 images read from PNG or JPEG and written as PNG, through libpng and libjpeg. */
#ifndef PB_IMAGE_H
#define PB_IMAGE_H

#include <stddef.h>

/* Largest image accepted, in pixels, so sizes stay far from overflow. */
#define PB_IMAGE_MAX_PIXELS (1u << 30)

struct pb_image {
    unsigned width, height;
    unsigned char *rgb;   /* width * height * 3 bytes, rows top to bottom, no padding */
};

/* Load a PNG or JPEG, told apart by its first bytes, as 8-bit RGB: alpha is
 * composited over black, grayscale is expanded, CMYK JPEGs are refused.
 * Returns 0, or -1 with a one-line message naming the file in `err`. */
int pb_image_load(const char *path, struct pb_image *img, char *err, size_t errlen);

/* Read only the header of a PNG or JPEG: its size, refused as pb_image_load would refuse
 * it (unreadable, not an image, CMYK, empty or over PB_IMAGE_MAX_PIXELS), but without
 * decoding or allocating the pixels, so the memory a load will need is known first.
 * Returns 0, or -1 with `err` filled and both sizes 0. */
int pb_image_probe(const char *path, unsigned *width, unsigned *height, char *err,
                   size_t errlen);

/* The same two from `len` bytes in memory; `name` stands for the file in messages. */
int pb_image_load_mem(const void *data, size_t len, const char *name, struct pb_image *img,
                      char *err, size_t errlen);
int pb_image_probe_mem(const void *data, size_t len, const char *name, unsigned *width,
                       unsigned *height, char *err, size_t errlen);

/* Write `img` as an 8-bit RGB PNG.  Returns 0, or -1 with `err` filled. */
int pb_image_save_png(const char *path, const struct pb_image *img, char *err, size_t errlen);

/* Memory for pixels (and other large inputs a kernel keeps across runs), freed
 * with free().  Blocks of 4 MiB and more are rounded up to whole 2 MiB pages,
 * aligned and advised MADV_HUGEPAGE (transparent huge pages are often "madvise" only): fork copies
 * the page tables of private memory entry by entry, so with 4 KiB pages every
 * fork of the harness (spawn's per chunk, the pool starts) would cost more for
 * each input prepared, of any kernel in the sweep; with 2 MiB pages a block
 * costs one entry per 2 MiB.  Best effort: without THP it is plain memory.
 * NULL when out of memory. */
void *pb_image_alloc(size_t bytes);

/* Free the pixels and zero the struct; safe on a zeroed or already freed image. */
void pb_image_free(struct pb_image *img);

#endif
