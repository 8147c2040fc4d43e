/* Image files: PNG round trip, format conversions, and errors (not crashes) on bad files. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "image.h"

static char data_dir[512];

static const char *data(const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    return path;
}

static const unsigned char *pixel(const struct pb_image *im, unsigned x, unsigned y)
{
    return im->rgb + ((size_t)y * im->width + x) * 3;
}

#define CHECK_PIXEL(im, x, y, r, g, b, tol)                                            \
    do {                                                                               \
        const unsigned char *px_ = pixel(im, x, y);                                    \
        CHECK_NEAR(px_[0], r, tol);                                                    \
        CHECK_NEAR(px_[1], g, tol);                                                    \
        CHECK_NEAR(px_[2], b, tol);                                                    \
    } while (0)

/* Loading `path` fails with a message that names the file and contains `what`. */
static void expect_error(const char *path, const char *what)
{
    struct pb_image im;
    char err[512] = "";
    CHECK(pb_image_load(path, &im, err, sizeof err) == -1);
    CHECK(im.rgb == NULL);
    if (strstr(err, path) == NULL || strstr(err, what) == NULL) {
        fprintf(stderr, "loading %s: message \"%s\" lacks \"%s\"\n", path, err, what);
        pb_check_failures++;
    }
}

static void test_round_trip(void)
{
    char dir[] = "/tmp/pb-test-image-XXXXXX", path[600], err[512];
    CHECK(mkdtemp(dir) != NULL);
    struct pb_image a = {53, 31, malloc(53 * 31 * 3)}, b;
    for (size_t i = 0; i < 53 * 31 * 3; i++)
        a.rgb[i] = (unsigned char)(i * 7 + i / 5);
    snprintf(path, sizeof path, "%s/round.png", dir);
    CHECK(pb_image_save_png(path, &a, err, sizeof err) == 0);
    CHECK(pb_image_load(path, &b, err, sizeof err) == 0);
    CHECK_EQ_U(b.width, 53);
    CHECK_EQ_U(b.height, 31);
    CHECK(b.rgb != NULL && memcmp(a.rgb, b.rgb, 53 * 31 * 3) == 0);
    pb_image_free(&b);
    CHECK(b.rgb == NULL && b.width == 0);
    pb_image_free(&b);   /* freeing twice is harmless */

    snprintf(path, sizeof path, "%s/missing-dir/x.png", dir);
    CHECK(pb_image_save_png(path, &a, err, sizeof err) == -1);
    CHECK(strstr(err, path) != NULL);

    /* A link planted under the output name is replaced, never written through,
     * and the image is a 0644 regular file. */
    char victim[600];
    snprintf(victim, sizeof victim, "%s/victim", dir);
    FILE *v = fopen(victim, "w");
    CHECK(v != NULL && fputs("keep", v) >= 0 && fclose(v) == 0);
    snprintf(path, sizeof path, "%s/link.png", dir);
    CHECK(symlink(victim, path) == 0);
    CHECK(pb_image_save_png(path, &a, err, sizeof err) == 0);
    struct stat st;
    CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644);
    CHECK(stat(victim, &st) == 0 && st.st_size == 4);
    CHECK(unlink(path) == 0 && unlink(victim) == 0);
    pb_image_free(&a);
    snprintf(path, sizeof path, "%s/round.png", dir);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);   /* empty: no temporary file was left either */
}

static void test_formats(void)
{
    struct pb_image im;
    char err[512];

    /* A vertical red-to-blue gradient; values read with ImageMagick's `txt:` output. */
    CHECK(pb_image_load(data("img/rgb.png"), &im, err, sizeof err) == 0);
    CHECK_EQ_U(im.width, 37);
    CHECK_EQ_U(im.height, 23);
    CHECK_PIXEL(&im, 0, 0, 255, 0, 0, 0);
    CHECK_PIXEL(&im, 5, 11, 127, 0, 127, 0);
    CHECK_PIXEL(&im, 36, 22, 0, 0, 255, 0);
    pb_image_free(&im);

    /* Left half opaque green, right half transparent white: composited over black. */
    CHECK(pb_image_load(data("img/alpha.png"), &im, err, sizeof err) == 0);
    CHECK_EQ_U(im.width, 16);
    CHECK_PIXEL(&im, 3, 5, 0, 255, 0, 0);
    CHECK_PIXEL(&im, 12, 5, 0, 0, 0, 0);
    pb_image_free(&im);

    /* 8-bit grayscale PNG becomes R = G = B. */
    CHECK(pb_image_load(data("img/gray.png"), &im, err, sizeof err) == 0);
    CHECK_EQ_U(im.width, 24);
    CHECK_EQ_U(im.height, 12);
    CHECK_PIXEL(&im, 0, 0, 255, 255, 255, 0);
    CHECK_PIXEL(&im, 0, 5, 139, 139, 139, 0);
    CHECK_PIXEL(&im, 23, 11, 0, 0, 0, 0);
    pb_image_free(&im);

    /* JPEG: lossy, so colours are only close.  Left half red, right half blue. */
    CHECK(pb_image_load(data("img/photo.jpg"), &im, err, sizeof err) == 0);
    CHECK_EQ_U(im.width, 32);
    CHECK_EQ_U(im.height, 16);
    CHECK_PIXEL(&im, 4, 8, 255, 0, 0, 8);
    CHECK_PIXEL(&im, 28, 8, 0, 0, 255, 8);
    pb_image_free(&im);

    /* Grayscale JPEG, white at the top to black at the bottom. */
    CHECK(pb_image_load(data("img/mono.jpg"), &im, err, sizeof err) == 0);
    CHECK_EQ_U(im.width, 20);
    CHECK_EQ_U(im.height, 10);
    CHECK_PIXEL(&im, 0, 0, 255, 255, 255, 4);
    CHECK_PIXEL(&im, 10, 9, 0, 0, 0, 4);
    for (size_t i = 0; i < (size_t)im.width * im.height; i++)
        CHECK(im.rgb[3 * i] == im.rgb[3 * i + 1] && im.rgb[3 * i] == im.rgb[3 * i + 2]);
    pb_image_free(&im);
}

/* Probing reads only the header: the size of every format, without the pixels (the
 * huge files have none), and the same refusals as loading. */
static void test_probe(void)
{
    static const struct { const char *name; unsigned w, h; } ok[] = {
        {"img/rgb.png", 37, 23},   {"img/alpha.png", 16, 16}, {"img/gray.png", 24, 12},
        {"img/photo.jpg", 32, 16}, {"img/mono.jpg", 20, 10},
        {"huge/30000x30000.png", 30000, 30000}, {"huge/30000x30000.jpg", 30000, 30000},
    };
    char err[512];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        unsigned w = 0, h = 0;
        CHECK(pb_image_probe(data(ok[i].name), &w, &h, err, sizeof err) == 0);
        CHECK_EQ_U(w, ok[i].w);
        CHECK_EQ_U(h, ok[i].h);
    }
    static const char *const bad[] = {"bad/notimage.png", "bad/cmyk.jpg", "bad/no-such-file.png",
                                      "img"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct pb_image im;
        char load_err[512];
        unsigned w = 1, h = 1;
        CHECK(pb_image_probe(data(bad[i]), &w, &h, err, sizeof err) == -1);
        CHECK(w == 0 && h == 0);
        CHECK(pb_image_load(data(bad[i]), &im, load_err, sizeof load_err) == -1);
        CHECK_STR(err, load_err);
    }
    /* A header that claims pixels the file lacks probes fine and fails to load. */
    struct pb_image im;
    CHECK(pb_image_load(data("huge/30000x30000.png"), &im, err, sizeof err) == -1);
    CHECK(strstr(err, "truncated PNG data") != NULL);
    CHECK(pb_image_load(data("huge/30000x30000.jpg"), &im, err, sizeof err) == -1);
    CHECK(strstr(err, "JPEG data") != NULL);
}

int main(void)
{
    const char *env = getenv("PB_TEST_DATA");
    snprintf(data_dir, sizeof data_dir, "%s", env ? env : "tests/data");

    test_round_trip();
    test_formats();
    test_probe();

    expect_error(data("bad/notimage.png"), "not a PNG or JPEG file");
    expect_error(data("bad/truncated.png"), "truncated PNG data");
    expect_error(data("bad/corrupt.png"), "PNG data");
    expect_error(data("bad/truncated.jpg"), "truncated JPEG data");
    expect_error(data("bad/cmyk.jpg"), "CMYK");
    expect_error(data("bad/no-such-file.png"), "cannot open");
    expect_error(data("img"), "cannot read");
    CHECK_DONE();
}
