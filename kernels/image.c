/* Image files through libpng's simplified API and libjpeg-turbo; no codec code of our own. */
#define _DEFAULT_SOURCE   /* madvise, MADV_HUGEPAGE */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

#include "image.h"

static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
static const unsigned char jpeg_magic[3] = {0xff, 0xd8, 0xff};

#define HUGE_BYTES ((size_t)2 << 20)

void *pb_image_alloc(size_t bytes)
{
    if (bytes < 2 * HUGE_BYTES)
        return malloc(bytes ? bytes : 1);
    /* Whole huge pages: a 4 KiB tail would cost a fork up to 511 page-table entries an
     * image, and forks of spawn on another kernel must not depend on this one (issue 17). */
    size_t rounded = (bytes + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1);
    void *p = NULL;
    if (rounded < bytes || posix_memalign(&p, HUGE_BYTES, rounded) != 0)
        return NULL;
    /* Before the first touch, so the pages are huge from their first fault. */
    (void)madvise(p, rounded, MADV_HUGEPAGE);
    return p;
}

/* Refuse empty and oversized images before allocating their pixels. */
static int check_size(const char *path, unsigned long w, unsigned long h, char *err,
                      size_t errlen)
{
    if (w == 0 || h == 0 || (unsigned long long)w * h > PB_IMAGE_MAX_PIXELS) {
        snprintf(err, errlen, "%s: %lux%lu is not between 1 and %u pixels", path, w, h,
                 PB_IMAGE_MAX_PIXELS);
        return -1;
    }
    return 0;
}

/* Read the header and, unless `header_only`, the pixels: one path for loading and probing,
 * so a probe refuses exactly what a load would refuse before decoding. */
static int load_png(FILE *f, const char *path, struct pb_image *img, bool header_only,
                    char *err, size_t errlen)
{
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_stdio(&pi, f)) {
        snprintf(err, errlen, "%s: bad PNG header (%s)", path, pi.message);
        png_image_free(&pi);
        return -1;
    }
    if (check_size(path, pi.width, pi.height, err, errlen) != 0) {
        png_image_free(&pi);
        return -1;
    }
    if (header_only) {
        img->width = pi.width;
        img->height = pi.height;
        png_image_free(&pi);
        return 0;
    }
    pi.format = PNG_FORMAT_RGB;
    unsigned char *rgb = pb_image_alloc((size_t)pi.width * pi.height * 3);
    if (rgb == NULL) {
        snprintf(err, errlen, "%s: out of memory for %ux%u pixels", path, pi.width, pi.height);
        png_image_free(&pi);
        return -1;
    }
    const png_color black = {0, 0, 0};   /* alpha is composited over black */
    if (!png_image_finish_read(&pi, &black, rgb, 0, NULL)) {
        snprintf(err, errlen, "%s: corrupt or truncated PNG data (%s)", path, pi.message);
        png_image_free(&pi);
        free(rgb);
        return -1;
    }
    img->width = pi.width;
    img->height = pi.height;
    img->rgb = rgb;
    return 0;
}

struct jpeg_fail {
    struct jpeg_error_mgr mgr;   /* first, so libjpeg's pointer to it is a pointer to us */
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
};

/* libjpeg's default error handler exits the process; jump back to the caller instead. */
static void jpeg_fail_jump(j_common_ptr c)
{
    struct jpeg_fail *fail = (struct jpeg_fail *)c->err;
    c->err->format_message(c, fail->msg);
    longjmp(fail->jump, 1);
}

/* Warnings mean corrupt data that libjpeg would paint gray: refuse it; drop trace messages. */
static void jpeg_fail_message(j_common_ptr c, int level)
{
    if (level < 0)
        jpeg_fail_jump(c);
}

/* The header and, unless `header_only`, the pixels, as load_png. */
static int load_jpeg(FILE *f, const char *path, struct pb_image *img, bool header_only,
                     char *err, size_t errlen)
{
    struct jpeg_decompress_struct cinfo;
    struct jpeg_fail fail;
    unsigned char *volatile rgb = NULL;   /* volatile: read after longjmp */

    cinfo.err = jpeg_std_error(&fail.mgr);
    fail.mgr.error_exit = jpeg_fail_jump;
    fail.mgr.emit_message = jpeg_fail_message;
    if (setjmp(fail.jump)) {
        snprintf(err, errlen, "%s: corrupt or truncated JPEG data (%s)", path, fail.msg);
        jpeg_destroy_decompress(&cinfo);
        free(rgb);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, f);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        snprintf(err, errlen, "%s: CMYK JPEG images are not supported", path);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    if (check_size(path, cinfo.image_width, cinfo.image_height, err, errlen) != 0) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    if (header_only) {   /* at scale 1 the output is as large as the image */
        img->width = cinfo.image_width;
        img->height = cinfo.image_height;
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    cinfo.out_color_space = JCS_RGB;   /* libjpeg-turbo expands grayscale */
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * 3;
    rgb = pb_image_alloc(stride * cinfo.output_height);
    if (rgb == NULL) {
        snprintf(err, errlen, "%s: out of memory for %ux%u pixels", path, cinfo.output_width,
                 cinfo.output_height);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = rgb + cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    img->width = cinfo.output_width;
    img->height = cinfo.output_height;
    img->rgb = rgb;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

/* Decode an open stream (or only its header), telling PNG from JPEG by its first bytes. */
static int load_stream(FILE *f, const char *path, struct pb_image *img, bool header_only,
                       char *err, size_t errlen)
{
    unsigned char head[8];
    size_t n = fread(head, 1, sizeof head, f);
    if (ferror(f)) {
        char msg[128];
        strerror_r(errno, msg, sizeof msg);
        snprintf(err, errlen, "%s: cannot read: %s", path, msg);
        return -1;
    }
    if (n == sizeof png_magic && memcmp(head, png_magic, sizeof png_magic) == 0) {
        rewind(f);
        return load_png(f, path, img, header_only, err, errlen);
    }
    if (n >= sizeof jpeg_magic && memcmp(head, jpeg_magic, sizeof jpeg_magic) == 0) {
        rewind(f);
        return load_jpeg(f, path, img, header_only, err, errlen);
    }
    snprintf(err, errlen, "%s: not a PNG or JPEG file", path);
    return -1;
}

static int load_file(const char *path, struct pb_image *img, bool header_only, char *err,
                     size_t errlen)
{
    memset(img, 0, sizeof *img);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        char msg[128];
        strerror_r(errno, msg, sizeof msg);
        snprintf(err, errlen, "%s: cannot open: %s", path, msg);
        return -1;
    }
    int rc = load_stream(f, path, img, header_only, err, errlen);
    fclose(f);
    return rc;
}

int pb_image_load(const char *path, struct pb_image *img, char *err, size_t errlen)
{
    return load_file(path, img, false, err, errlen);
}

int pb_image_probe(const char *path, unsigned *width, unsigned *height, char *err,
                   size_t errlen)
{
    struct pb_image img;
    int rc = load_file(path, &img, true, err, errlen);
    *width = img.width;
    *height = img.height;
    return rc;
}

static int load_mem(const void *data, size_t len, const char *name, struct pb_image *img,
                    bool header_only, char *err, size_t errlen)
{
    memset(img, 0, sizeof *img);
    /* fmemopen refuses a zero-length buffer; an empty file is simply not an image. */
    if (len == 0) {
        snprintf(err, errlen, "%s: not a PNG or JPEG file", name);
        return -1;
    }
    FILE *f = fmemopen((void *)data, len, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open the buffer", name);
        return -1;
    }
    int rc = load_stream(f, name, img, header_only, err, errlen);
    fclose(f);
    return rc;
}

int pb_image_load_mem(const void *data, size_t len, const char *name, struct pb_image *img,
                      char *err, size_t errlen)
{
    return load_mem(data, len, name, img, false, err, errlen);
}

int pb_image_probe_mem(const void *data, size_t len, const char *name, unsigned *width,
                       unsigned *height, char *err, size_t errlen)
{
    struct pb_image img;
    int rc = load_mem(data, len, name, &img, true, err, errlen);
    *width = img.width;
    *height = img.height;
    return rc;
}

/* Written to a fresh temporary file beside `path` (mkstemp: O_EXCL, 0600), then
 * renamed over it: a run stopped mid-write never leaves a truncated PNG under
 * the final name, and no existing file or planted link is written through. */
int pb_image_save_png(const char *path, const struct pb_image *img, char *err, size_t errlen)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp) {
        snprintf(err, errlen, "%.200s: path too long", path);
        return -1;
    }
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot create a file beside it: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        return -1;
    }
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    pi.width = img->width;
    pi.height = img->height;
    pi.format = PNG_FORMAT_RGB;
    bool ok = png_image_write_to_stdio(&pi, f, 0, img->rgb, 0, NULL) != 0;
    if (!ok)
        snprintf(err, errlen, "%s: cannot write PNG (%s)", path, pi.message);
    png_image_free(&pi);
    /* Images are for looking at, so readable like any file the user writes. */
    if (ok && (fflush(f) != 0 || fchmod(fileno(f), 0644) != 0)) {
        snprintf(err, errlen, "%s: cannot write PNG: %s", path, strerror(errno));
        ok = false;
    }
    if (fclose(f) != 0 && ok) {
        snprintf(err, errlen, "%s: cannot write PNG: %s", path, strerror(errno));
        ok = false;
    }
    if (ok && rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot rename the written PNG into place: %s", path,
                 strerror(errno));
        ok = false;
    }
    if (!ok)
        unlink(tmp);
    return ok ? 0 : -1;
}

void pb_image_free(struct pb_image *img)
{
    free(img->rgb);
    memset(img, 0, sizeof *img);
}
