/* blur: exact cases (constant, impulse), agreement with the reference across sigmas, bands,
 * strip layouts and vector code paths, a caught error, file input, saving, and tasks run
 * from several threads. */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "image.h"
#include "kernel.h"

static const struct pb_kernel *k;
static char err[512];
static char tmp[] = "/tmp/pb-test-blur-XXXXXX";

/* Prepare blur with "name=value" settings over the small preset; returns prepare's result. */
static int prepare(struct pb_workload *w, const char *const *set)
{
    struct pb_params p;
    if (pb_params_init(&p, k, PB_SIZE_SMALL, err, sizeof err) != 0)
        return -1;
    for (; *set != NULL; set++) {
        char name[64];
        const char *eq = strchr(*set, '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - *set), *set);
        if (pb_params_set(&p, k, name, eq + 1, err, sizeof err) != 0)
            return -1;
    }
    memset(w, 0, sizeof *w);
    return k->prepare(w, &p, err, sizeof err);
}

struct worker {
    const struct pb_workload *w;
    unsigned char *out;
    size_t first, step;
};

static void *run_tasks(void *arg)
{
    const struct worker *wk = arg;
    for (size_t t = wk->first; t < wk->w->ntasks; t += wk->step)
        k->run(wk->w, t, wk->out + t * wk->w->out_size);
    return NULL;
}

/* Run every task, interleaved over `threads` threads that then exit (their scratch is
 * freed by the key destructor: LeakSanitizer and TSan watch this). */
static unsigned char *run_all(const struct pb_workload *w, size_t threads)
{
    unsigned char *out = calloc(w->ntasks, w->out_size);
    pthread_t id[8];
    struct worker wk[8];
    for (size_t i = 0; i < threads; i++) {
        wk[i] = (struct worker){w, out, i, threads};
        CHECK(pthread_create(&id[i], NULL, run_tasks, &wk[i]) == 0);
    }
    for (size_t i = 0; i < threads; i++)
        pthread_join(id[i], NULL);
    return out;
}

/* Pixel (x, y) of image `task0`'s result, for images whose bands start at task0. */
static const unsigned char *result(const struct pb_workload *w, const unsigned char *out,
                                   size_t task0, size_t band, unsigned width, size_t x, size_t y)
{
    return out + (task0 + y / band) * w->out_size + (y % band * width + x) * 3;
}

static void write_png(const char *name, unsigned width, unsigned height, const unsigned char *rgb3,
                      int impulse)
{
    char path[600];
    struct pb_image im = {width, height, malloc((size_t)width * height * 3)};
    for (size_t i = 0; i < (size_t)width * height; i++)
        memcpy(im.rgb + 3 * i, rgb3, 3);
    if (impulse)
        memset(im.rgb + ((size_t)height / 2 * width + width / 2) * 3, 255, 3);
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    CHECK(pb_image_save_png(path, &im, err, sizeof err) == 0);
    pb_image_free(&im);
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
            char sub[1024];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        if (d != NULL)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void test_constant(void)
{
    static const unsigned char c[3] = {10, 128, 250};
    char files[600];
    struct pb_workload w;
    write_png("const.png", 50, 40, c, 0);
    snprintf(files, sizeof files, "files=%s/const.png", tmp);
    CHECK(prepare(&w, (const char *[]){files, "sigma=3", "band=7", NULL}) == 0);
    unsigned char *out = run_all(&w, 1);
    for (size_t y = 0; y < 40; y++)
        for (size_t x = 0; x < 50; x++)
            CHECK(memcmp(result(&w, out, 0, 7, 50, x, y), c, 3) == 0);
    free(out);
    k->release(&w);
}

/* One white pixel in black: the result is the 2-D kernel, the product of 1-D weights,
 * rounded to nearest. */
static void test_impulse(void)
{
    static const unsigned char black[3] = {0, 0, 0};
    char files[600];
    struct pb_workload w;
    double g[13], sum = 0;
    for (int d = -6; d <= 6; d++)
        sum += g[d + 6] = exp(-d * d / 8.0);   /* sigma 2, radius 6 */
    write_png("impulse.png", 41, 41, black, 1);
    snprintf(files, sizeof files, "files=%s/impulse.png", tmp);
    CHECK(prepare(&w, (const char *[]){files, "sigma=2", "band=16", NULL}) == 0);
    unsigned char *out = run_all(&w, 1);
    for (int y = 0; y < 41; y++)
        for (int x = 0; x < 41; x++) {
            int dx = x - 20, dy = y - 20;
            double want = 0;
            if (abs(dx) <= 6 && abs(dy) <= 6)
                want = 255 * g[dx + 6] * g[dy + 6] / (sum * sum);
            const unsigned char *px = result(&w, out, 0, 16, 41, (size_t)x, (size_t)y);
            CHECK_NEAR(px[0], want, 0.51);   /* rounded to nearest, not truncated */
            CHECK(px[0] == px[1] && px[0] == px[2]);
        }
    CHECK_EQ_U(result(&w, out, 0, 16, 41, 20, 20)[0], 10);   /* 255 / (2 pi 2^2), rounded */
    free(out);
    k->release(&w);
}

/* The vector code paths blur.simd selects; those this build or CPU lacks are skipped. */
static const char *const simds[] = {"generic", "avx2", "avx512"};
enum { NSIMD = sizeof simds / sizeof simds[0] };

static int simd_available(const char *simd)
{
    static int known[NSIMD];   /* 0 unknown, 1 available, -1 not */
    size_t v = 0;
    while (v < NSIMD && strcmp(simds[v], simd) != 0)
        v++;
    if (v < NSIMD && known[v] != 0)
        return known[v] > 0;
    char set[64];
    struct pb_workload w;
    snprintf(set, sizeof set, "simd=%s", simd);
    int ok = prepare(&w, (const char *[]){set, "width=8", "height=8", NULL}) == 0;
    if (ok) {
        k->release(&w);
    } else if (strstr(err, "lacks") != NULL || strstr(err, "not built in") != NULL) {
        printf("skipping %s\n", err);
    } else {
        fprintf(stderr, "blur.simd=%s: unexpected error: %s\n", simd, err);
        pb_check_failures++;
    }
    if (v < NSIMD)
        known[v] = ok ? 1 : -1;
    return ok;
}

/* Prepare with `set`, run every task from `threads` threads, check against the reference. */
static void expect_valid(const char *const *set, size_t threads)
{
    struct pb_workload w;
    if (prepare(&w, set) != 0) {
        fprintf(stderr, "prepare %s %s: %s\n", set[0], set[1], err);
        pb_check_failures++;
        return;
    }
    unsigned char *out = run_all(&w, threads);
    if (k->check(&w, out, err, sizeof err) != 0) {
        fprintf(stderr, "%s", "check failed for");
        for (const char *const *p = set; *p != NULL; p++)
            fprintf(stderr, " %s", *p);
        fprintf(stderr, ": %s\n", err);
        pb_check_failures++;
    }
    free(out);
    k->release(&w);
}

/* Synthetic images across sigmas and band sizes, and the test images of different sizes,
 * all within +-1 of the double-precision reference, for every vector code path; tasks
 * run from two threads. */
static void test_reference(const char *data)
{
    static const char *sigmas[] = {"sigma=0.5", "sigma=1", "sigma=5"};
    static const char *bands[] = {"band=1", "band=7", "band=32", "band=1000"};
    struct pb_workload w;
    for (size_t v = 0; v < NSIMD; v++) {
        char simd[64];
        if (!simd_available(simds[v]))
            continue;
        snprintf(simd, sizeof simd, "simd=%s", simds[v]);
        for (size_t i = 0; i < 3; i++)
            for (size_t j = 0; j < 4; j++)
                expect_valid((const char *[]){simd, sigmas[i], bands[j], "width=67", "height=45",
                                              "images=2", NULL},
                             2);
        /* Wider than one strip (2048 columns at sigma 5, fewer as the radius grows), so
         * strips meet inside the image; and smaller than the radius both ways. */
        expect_valid((const char *[]){simd, "sigma=5", "width=4100", "height=40", "band=13", NULL},
                     2);
        expect_valid((const char *[]){simd, "sigma=50", "width=1300", "height=30", "band=8", NULL},
                     2);
        expect_valid((const char *[]){simd, "sigma=100", "width=700", "height=20", "band=6", NULL},
                     2);
        expect_valid((const char *[]){simd, "sigma=5", "width=10", "height=5", "band=2", NULL}, 1);
        expect_valid((const char *[]){simd, "sigma=2.5", "width=1", "height=1", NULL}, 1);
    }
    /* A band taller than every image: one task per image, out_size sized by the tallest. */
    CHECK(prepare(&w, (const char *[]){"band=1000", "width=67", "height=45", "images=3", NULL}) ==
          0);
    CHECK_EQ_U(w.ntasks, 3);
    CHECK_EQ_U(w.out_size, 45 * 67 * 3);
    k->release(&w);

    char files[600];
    snprintf(files, sizeof files, "files=%s/img", data);
    CHECK(prepare(&w, (const char *[]){files, "sigma=1.5", "band=5", NULL}) == 0);
    CHECK_NEAR(w.work, 37 * 23 + 16 * 16 + 24 * 12 + 32 * 16 + 20 * 10, 0);
    CHECK_STR(w.unit, "pixels");
    CHECK_EQ_U(w.out_size, 5 * 37 * 3);
    unsigned char *out = run_all(&w, 2);
    CHECK(k->check(&w, out, err, sizeof err) == 0);
    free(out);
    k->release(&w);
}

/* Black and white columns in a random order, the same in every row, so the vertical pass
 * keeps the full contrast and a wrong pixel in the horizontal window moves the result by
 * more than 1: where strips meet and at the image's edges. */
static void test_speckle(void)
{
    static const struct { const char *name, *sigma; unsigned width, height; } cases[] = {
        {"speckle-wide.png", "sigma=5", 4100, 9},   /* three strips of 1367 columns */
        {"speckle-r150.png", "sigma=50", 1300, 7},  /* strips of 434 at radius 150 */
        {"speckle-tiny.png", "sigma=3", 5, 4},      /* smaller than the radius */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unsigned width = cases[c].width, height = cases[c].height;
        struct pb_image im = {width, height, malloc((size_t)width * height * 3)};
        for (size_t i = 0; i < (size_t)width * height * 3; i++)
            im.rgb[i] = (i % (width * 3u) * 2654435761u >> 13) & 1 ? 255 : 0;
        char path[600], files[700];
        snprintf(path, sizeof path, "%s/%s", tmp, cases[c].name);
        CHECK(pb_image_save_png(path, &im, err, sizeof err) == 0);
        pb_image_free(&im);
        snprintf(files, sizeof files, "files=%s", path);
        for (size_t v = 0; v < NSIMD; v++) {
            char simd[64];
            if (!simd_available(simds[v]))
                continue;
            snprintf(simd, sizeof simd, "simd=%s", simds[v]);
            expect_valid((const char *[]){simd, files, cases[c].sigma, "band=4", NULL}, 2);
        }
    }
}

/* Every code path gives the same bytes for every band size: a band's rows do not depend on
 * where the band starts.  (Paths may differ from each other by rounding, within +-1.) */
static void test_band_independent(void)
{
    for (size_t v = 0; v < NSIMD; v++) {
        char simd[64];
        if (!simd_available(simds[v]))
            continue;
        snprintf(simd, sizeof simd, "simd=%s", simds[v]);
        struct pb_workload a, b;
        CHECK(prepare(&a, (const char *[]){simd, "width=301", "height=77", "band=1", NULL}) == 0);
        CHECK(prepare(&b, (const char *[]){simd, "width=301", "height=77", "band=20", NULL}) == 0);
        unsigned char *oa = run_all(&a, 2), *ob = run_all(&b, 1);
        for (size_t y = 0; y < 77; y++)
            CHECK(memcmp(result(&a, oa, 0, 1, 301, 0, y), result(&b, ob, 0, 20, 301, 0, y),
                         301 * 3) == 0);
        free(oa);
        free(ob);
        k->release(&a);
        k->release(&b);
    }
}

/* One channel off by 2 fails the check, which names the image, place and values. */
static void test_catches_error(void)
{
    struct pb_workload w;
    CHECK(prepare(&w, (const char *[]){"width=30", "height=20", "images=2", "band=8", NULL}) == 0);
    unsigned char *out = run_all(&w, 1);
    CHECK(k->check(&w, out, err, sizeof err) == 0);
    unsigned char *px = (unsigned char *)result(&w, out, 3, 8, 30, 7, 13);   /* image 1 */
    unsigned char was = px[2];
    px[2] = (unsigned char)(was < 128 ? was + 2 : was - 2);
    CHECK(k->check(&w, out, err, sizeof err) == -1);
    char want[200];
    snprintf(want, sizeof want, "image 1 (synth-1.png) x=7 y=13 channel 2: got %d, want %d",
             px[2], was);
    if (strstr(err, want) == NULL) {
        fprintf(stderr, "check message \"%s\" lacks \"%s\"\n", err, want);
        pb_check_failures++;
    }
    px[2] = (unsigned char)(was < 255 ? was + 1 : was - 1);   /* off by one is accepted */
    CHECK(k->check(&w, out, err, sizeof err) == 0);
    free(out);
    k->release(&w);
}

/* Synthetic input is the same bytes on every prepare. */
static void test_deterministic(void)
{
    struct pb_workload a, b;
    const char *set[] = {"width=101", "height=33", "images=3", NULL};
    CHECK(prepare(&a, set) == 0 && prepare(&b, set) == 0);
    unsigned char *oa = run_all(&a, 1), *ob = run_all(&b, 1);
    CHECK(a.ntasks == b.ntasks && memcmp(oa, ob, a.ntasks * a.out_size) == 0);
    free(oa);
    free(ob);
    k->release(&a);
    k->release(&b);
}

/* finish writes every result as a PNG under its source's name; they load back exactly. */
static void test_save(const char *data)
{
    struct pb_workload w;
    char files[600], save[600], path[700];
    snprintf(files, sizeof files, "files=%s/img/photo.jpg,%s/img/rgb.png", data, data);
    snprintf(save, sizeof save, "save=%s/out", tmp);
    CHECK(prepare(&w, (const char *[]){files, save, "band=4", NULL}) == 0);
    unsigned char *out = run_all(&w, 1);
    CHECK(k->finish(&w, out, err, sizeof err) == 0);
    static const char *names[] = {"photo.png", "rgb.png"};
    size_t task0 = 0;
    for (size_t i = 0; i < 2; i++) {
        struct pb_image im;
        snprintf(path, sizeof path, "%s/out/%s", tmp, names[i]);
        CHECK(pb_image_load(path, &im, err, sizeof err) == 0);
        for (size_t y = 0; y < im.height; y++)
            CHECK(memcmp(result(&w, out, task0, 4, im.width, 0, y), im.rgb + y * im.width * 3,
                         (size_t)im.width * 3) == 0);
        task0 += (im.height + 3) / 4;
        pb_image_free(&im);
    }
    free(out);
    k->release(&w);
}

static void expect_prepare_error(const char *const *set, const char *what)
{
    struct pb_workload w;
    if (prepare(&w, set) != -1 || strstr(err, what) == NULL) {
        fprintf(stderr, "prepare with %s: message \"%s\" lacks \"%s\"\n", set[0], err, what);
        pb_check_failures++;
    }
}

static void test_errors(const char *data)
{
    char files[600], save[600];
    expect_prepare_error((const char *[]){"width=40000", "height=40000", NULL},
                         "blur: 40000x40000 is more than 1073741824 pixels per image");
    snprintf(files, sizeof files, "files=%s/img/rgb.png,%s/no-such.png", data, data);
    expect_prepare_error((const char *[]){files, NULL}, "no-such.png: cannot open");
    snprintf(files, sizeof files, "files=%s/bad/truncated.png", data);
    expect_prepare_error((const char *[]){files, NULL}, "truncated PNG data");
    mkdir(strcat(strcpy(files, tmp), "/empty"), 0777);
    snprintf(files, sizeof files, "files=%s/empty", tmp);
    expect_prepare_error((const char *[]){files, NULL}, "no .png, .jpg or .jpeg files");
    expect_prepare_error((const char *[]){"files=,", NULL}, "names no files");

    /* Two sources that would be saved under one name. */
    static const unsigned char grey[3] = {90, 90, 90};
    mkdir(strcat(strcpy(files, tmp), "/twins"), 0777);
    write_png("twins/x.png", 4, 4, grey, 0);
    write_png("twins/x.PNG", 4, 4, grey, 0);
    snprintf(files, sizeof files, "files=%s/twins", tmp);
    snprintf(save, sizeof save, "save=%s/out2", tmp);
    expect_prepare_error((const char *[]){files, save, NULL}, "both be saved as x.png");
    snprintf(save, sizeof save, "save=%s/const.png", tmp);
    expect_prepare_error((const char *[]){save, NULL}, "not a directory");
    expect_prepare_error((const char *[]){"simd=sse9", NULL},
                         "blur.simd=sse9: expected auto, generic, avx2 or avx512");
}

int main(void)
{
    const char *env = getenv("PB_TEST_DATA");
    const char *data = env ? env : "tests/data";
    k = pb_kernel_find("blur");
    if (mkdtemp(tmp) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_constant();
    test_impulse();
    test_reference(data);
    test_band_independent();
    test_speckle();
    test_catches_error();
    test_deterministic();
    test_save(data);
    test_errors(data);
    remove_tree(tmp);
    CHECK_DONE();
}
