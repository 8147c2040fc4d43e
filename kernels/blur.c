/* blur: Gaussian blur of RGB8 images, one band of rows of one image per task. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "image.h"
#include "kernel.h"

enum { P_SIGMA, P_WIDTH, P_HEIGHT, P_IMAGES, P_BAND, P_FILES, P_SAVE, P_SIMD };

/* Presets, timed serial in the portable build on a Sapphire Rapids core (its AVX-512 path;
 * AVX2 takes about 1.4 times as long, baseline SSE2 about 2.8 times): small is one 12 MP
 * picture at sigma 5, about 0.07 s; medium 8 x 12.6 MP at sigma 10, about 1 s; large one
 * 100 MP picture at sigma 100 (radius 300), about 22 s.  Beyond 100 MP the time grows
 * through sigma, not pixels: input, output and the cached reference take 9 bytes a pixel,
 * so large stays near 0.9 GB.  The reference costs a few kernel runs, once per prepare. */
static const struct pb_param_def blur_params[] = {
    [P_SIGMA] = {"sigma", PB_PARAM_DOUBLE, {"5", "5", "10", "100"}, 0.1, 100,
                 "Gaussian standard deviation in pixels; radius is ceil(3 sigma)"},
    [P_WIDTH] = {"width", PB_PARAM_U64, {"97", "4000", "4096", "10000"}, 1, 1 << 30,
                 "synthetic image width"},
    [P_HEIGHT] = {"height", PB_PARAM_U64, {"61", "3000", "3072", "10000"}, 1, 1 << 30,
                  "synthetic image height"},
    [P_IMAGES] = {"images", PB_PARAM_U64, {"2", "1", "8", "1"}, 1, 10000,
                  "number of synthetic images"},
    [P_BAND] = {"band", PB_PARAM_U64, {"8", "32", "32", "32"}, 1, 1 << 30, "rows per task"},
    [P_FILES] = {"files", PB_PARAM_STRING, {"", "", "", ""}, 0, 0,
                 "'' for synthetic images, else a directory of .png/.jpg or a comma list of files"},
    [P_SAVE] = {"save", PB_PARAM_STRING, {"", "", "", ""}, 0, 0,
                "'' or a directory to write the blurred images to as PNG"},
    [P_SIMD] = {"simd", PB_PARAM_STRING, {"auto", "auto", "auto", "auto"}, 0, 0,
                "vector code: auto (the widest this CPU runs), generic, avx2 or avx512"},
};

/* The largest radius (sigma 100) and strip width, which size the per-call stack buffers. */
#define BLUR_RADIUS_MAX 300
#define BLUR_STRIP_MAX 2048
#define BLUR_TMP_FLOATS (3 * (BLUR_STRIP_MAX + 2 * BLUR_RADIUS_MAX))
/* Bytes of input rows a strip may keep live across output rows: well inside any current
 * core's L2 (256 KiB on the oldest Intel cores, 1-2 MiB since). */
#define BLUR_L2_BUDGET (512 * 1024)

struct blur_image {
    struct pb_image img;
    char name[256];        /* file name under `save`: the source's base name, or synth-N */
};

/* One task's work, handed to the band blur of the chosen instruction set. */
struct blur_band {
    const struct pb_image *im;
    const float *wp;         /* r + 1 taps: the centre, then distance 1 .. r from it */
    int r;
    size_t y0, y1;           /* rows of the band */
    size_t strip;            /* columns per strip, at most BLUR_STRIP_MAX */
    unsigned char *dst;      /* the band's first output row; rows are 3 * width apart */
};

typedef void blur_band_fn(const struct blur_band *b);

struct blur_state {
    double sigma;
    int radius;              /* ceil(3 sigma) */
    float *wp;               /* radius + 1 normalised taps, centre first */
    size_t strip_max;        /* widest strip whose 2r + 1 rows fit BLUR_L2_BUDGET */
    blur_band_fn *band_fn;   /* the band blur for the chosen instruction set */
    size_t band;             /* rows per task, at most the tallest image */
    size_t nimages;
    struct blur_image *images;
    size_t *first_task;      /* nimages + 1: image i owns tasks first_task[i] to [i+1] - 1 */
    char save[256];
    unsigned char **want;    /* reference result per image, filled by the first check */
};

/* Round to nearest and clamp to 255 (float taps may sum to a hair over 1).  Sums of
 * positive weights times bytes are never negative, so the bottom needs no clamp. */
static inline void blur_round(unsigned char *restrict dst, const float *restrict f, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        int v = (int)(f[j] + 0.5f);
        dst[j] = (unsigned char)(v > 255 ? 255 : v);
    }
}

/* The vertical pass reads four bytes as one 32-bit lane; the first byte is the low one,
 * except on a big-endian machine, where the four planes come out in reverse order. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define BLUR_BYTE_FLIP 3
#else
#define BLUR_BYTE_FLIP 0
#endif

/* The band blur's sums are products added to accumulators: let the compiler fuse them
 * into FMA instructions where the target has them.  GCC does not by default under
 * -std=c17 (ISO mode sets -ffp-contract=off); Clang already contracts within expressions.
 * Fused or not, every channel stays within the +-1 the check allows. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast")
#endif

/* The band blur, once for the build's own instruction set ... */
#if defined(__AVX512F__)
#define BLUR_VB 64
#elif defined(__AVX__)
#define BLUR_VB 32
#else
#define BLUR_VB 16
#endif
#define BLUR_NAME(x) x##_generic
#define BLUR_GENERIC_PATH(vb) "generic (" #vb "-byte vectors)"
#define BLUR_GENERIC_PATH_OF(vb) BLUR_GENERIC_PATH(vb)
static const char blur_generic_path[] = BLUR_GENERIC_PATH_OF(BLUR_VB);
#include "blur-band.h"
#undef BLUR_VB
#undef BLUR_NAME

/* ... and on x86-64, unless the build already targets AVX-512, once more for each wider
 * set, picked at run time: a portable binary then blurs as fast as a -march=native one.
 * The compilers that read the target pragmas are GCC and Clang. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__AVX512F__) && \
    (!defined(__clang__) || __clang_major__ >= 14)
#define BLUR_HAVE_AVX512 1
#if !defined(__AVX2__) || !defined(__FMA__)
#define BLUR_HAVE_AVX2 1
#endif
#endif

#ifdef BLUR_HAVE_AVX2
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
#define BLUR_VB 32
#define BLUR_NAME(x) x##_avx2
#include "blur-band.h"
#undef BLUR_VB
#undef BLUR_NAME
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

#ifdef BLUR_HAVE_AVX512
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")
#endif
#define BLUR_VB 64
#define BLUR_NAME(x) x##_avx512
#include "blur-band.h"
#undef BLUR_VB
#undef BLUR_NAME
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

/* The band blur named by blur.simd; NULL with `err` filled when this build or CPU lacks it. */
static blur_band_fn *blur_pick(const char *simd, char *err, size_t errlen)
{
    int auto_pick = strcmp(simd, "auto") == 0;
    if (auto_pick || strcmp(simd, "avx512") == 0) {
#ifdef BLUR_HAVE_AVX512
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
            __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            return blur_band_avx512;
        if (!auto_pick) {
            snprintf(err, errlen, "blur.simd=avx512: this CPU lacks AVX-512 F/BW/VL/DQ");
            return NULL;
        }
#else
        if (!auto_pick) {
            snprintf(err, errlen, "blur.simd=avx512: not built in (not x86-64 with GCC or "
                                  "Clang, or the build's own code already uses AVX-512: "
                                  "use generic)");
            return NULL;
        }
#endif
    }
    if (auto_pick || strcmp(simd, "avx2") == 0) {
#ifdef BLUR_HAVE_AVX2
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            return blur_band_avx2;
        if (!auto_pick) {
            snprintf(err, errlen, "blur.simd=avx2: this CPU lacks AVX2 and FMA");
            return NULL;
        }
#else
        if (!auto_pick) {
            snprintf(err, errlen, "blur.simd=avx2: not built in (not x86-64 with GCC or "
                                  "Clang, or the build's own code already uses AVX2: use "
                                  "generic)");
            return NULL;
        }
#endif
    }
    if (auto_pick || strcmp(simd, "generic") == 0)
        return blur_band_generic;
    snprintf(err, errlen, "blur.simd=%s: expected auto, generic, avx2 or avx512", simd);
    return NULL;
}

/* The band blur blur_pick chooses, in words, for the records' code_path. */
static const char *blur_code_path(const struct pb_params *p)
{
    char err[256];
    blur_band_fn *fn = blur_pick(p->v[P_SIMD].s, err, sizeof err);
#ifdef BLUR_HAVE_AVX512
    if (fn == blur_band_avx512)
        return "avx512 (64-byte vectors)";
#endif
#ifdef BLUR_HAVE_AVX2
    if (fn == blur_band_avx2)
        return "avx2 (32-byte vectors)";
#endif
    return fn == blur_band_generic ? blur_generic_path : NULL;
}

/* Index of the image whose bands include `task`, by binary search over first_task. */
static size_t image_of_task(const struct blur_state *s, size_t task)
{
    size_t lo = 0, hi = s->nimages;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->first_task[mid] <= task)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The scratch lives on the caller's stack (about 37 KB), not in a per-thread heap buffer:
 * nothing to allocate, first-touch or free when a mode starts fresh threads for every run,
 * and the same memory from one task to the next. */
static void blur_run(const struct pb_workload *w, size_t task, void *out)
{
    const struct blur_state *s = w->state;
    size_t i = image_of_task(s, task);
    const struct pb_image *im = &s->images[i].img;
    size_t y0 = (task - s->first_task[i]) * s->band;
    /* Equal strips no wider than strip_max, so no narrow strip pays the margins alone. */
    size_t nstrips = (im->width + s->strip_max - 1) / s->strip_max;
    struct blur_band b = {
        .im = im,
        .wp = s->wp,
        .r = s->radius,
        .y0 = y0,
        .y1 = y0 + s->band < im->height ? y0 + s->band : im->height,
        .strip = (im->width + nstrips - 1) / nstrips,
        .dst = out,
    };
    s->band_fn(&b);
    /* A task owns all out_size bytes of its slice: zero what the last band of an image, or
     * an image narrower than the widest, leaves over, so modes that ship slices through
     * pipes return the same bytes as those that write in place. */
    size_t used = (b.y1 - b.y0) * 3 * (size_t)im->width;
    if (used < w->out_size)
        memset((unsigned char *)out + used, 0, w->out_size - used);
}

/* Where row y of image i's result lies in the assembled output. */
static const unsigned char *output_row(const struct pb_workload *w, const void *out, size_t i,
                                       size_t y)
{
    const struct blur_state *s = w->state;
    size_t task = s->first_task[i] + y / s->band;
    return (const unsigned char *)out + task * w->out_size +
           y % s->band * s->images[i].img.width * 3;
}

/* Reference: the textbook separable convolution in doubles with its own weights, every
 * tap summed in order, rounded to nearest.  Clamp-to-edge rows are picked by index and
 * columns by padding the vertical result, so the loops stay simple.  The loops run over
 * chunks of a row that stay in L1, and on x86-64 are compiled for the CPU's widest
 * vectors too: the reference then costs about 7 runs of the kernel at sigma 5 and 4 at
 * sigma 100, instead of 13 (it is computed once, before the first check). */
/* No clones under the sanitizers: the ifunc resolver that picks a clone runs while the
 * program is being relocated, before TSan's runtime is up, and crashes it. */
#if defined(BLUR_HAVE_AVX512) && !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("default", "avx2", "avx512f")))
#endif
static void reference_row(const struct pb_image *im, const double *wt, ptrdiff_t r, ptrdiff_t y,
                          double *col, double *sum, unsigned char *dst)
{
    enum { CHUNK = 512 };   /* doubles: 4 KB of sums, the rows' bytes and the weights in L1 */
    ptrdiff_t h = im->height;
    size_t n = (size_t)im->width * 3, pad = 3 * (size_t)r;
    for (size_t j0 = 0; j0 < n; j0 += CHUNK) {
        size_t j1 = j0 + CHUNK < n ? j0 + CHUNK : n;
        for (size_t j = j0; j < j1; j++)
            col[pad + j] = 0;
        for (ptrdiff_t k = -r; k <= r; k++) {
            ptrdiff_t yy = y + k < 0 ? 0 : y + k >= h ? h - 1 : y + k;
            const unsigned char *src = im->rgb + (size_t)yy * n;
            for (size_t j = j0; j < j1; j++)
                col[pad + j] += wt[k + r] * src[j];
        }
    }
    for (size_t j = 0; j < pad; j++) {
        col[j] = col[pad + j % 3];
        col[pad + n + j] = col[pad + n - 3 + j % 3];
    }
    for (size_t j0 = 0; j0 < n; j0 += CHUNK) {
        size_t j1 = j0 + CHUNK < n ? j0 + CHUNK : n;
        for (size_t j = j0; j < j1; j++)
            sum[j] = 0;
        for (ptrdiff_t k = 0; k <= 2 * r; k++)
            for (size_t j = j0; j < j1; j++)
                sum[j] += wt[k] * col[3 * (size_t)k + j];
    }
    for (size_t j = 0; j < n; j++) {
        double v = floor(sum[j] + 0.5);
        dst[j] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

static int reference_blur(const struct pb_image *im, double sigma, unsigned char *dst)
{
    ptrdiff_t r = (ptrdiff_t)ceil(3 * sigma);
    size_t n = (size_t)im->width * 3, pad = 3 * (size_t)r;
    double *wt = malloc((size_t)(2 * r + 1) * sizeof *wt);
    double *col = malloc((n + 2 * pad) * sizeof *col);   /* vertical result, padded */
    double *sum = malloc(n * sizeof *sum);
    int rc = wt && col && sum ? 0 : -1;
    double total = 0;
    for (ptrdiff_t k = -r; rc == 0 && k <= r; k++)
        total += wt[k + r] = exp(-(double)(k * k) / (2 * sigma * sigma));
    for (ptrdiff_t k = -r; rc == 0 && k <= r; k++)
        wt[k + r] /= total;
    for (ptrdiff_t y = 0; rc == 0 && y < (ptrdiff_t)im->height; y++)
        reference_row(im, wt, r, y, col, sum, dst + (size_t)y * n);
    free(wt);
    free(col);
    free(sum);
    return rc;
}

/* The harness calls check from one thread only, so the lazy reference needs no lock;
 * each image's reference is computed on the first call and reused by every later run. */
static int blur_check(const struct pb_workload *w, const void *out, char *why, size_t len)
{
    struct blur_state *s = w->state;
    for (size_t i = 0; i < s->nimages; i++) {
        const struct pb_image *im = &s->images[i].img;
        size_t n = (size_t)im->width * 3;
        if (s->want[i] == NULL) {
            unsigned char *ref = pb_image_alloc(n * im->height);   /* kept: see image.h */
            if (ref == NULL || reference_blur(im, s->sigma, ref) != 0) {
                free(ref);
                snprintf(why, len, "blur: out of memory for the reference of image %zu", i);
                return -1;
            }
            s->want[i] = ref;
        }
        for (size_t y = 0; y < im->height; y++) {
            const unsigned char *got = output_row(w, out, i, y), *want = s->want[i] + y * n;
            for (size_t j = 0; j < n; j++)
                if (abs(got[j] - want[j]) > 1) {
                    snprintf(why, len,
                             "image %zu (%s) x=%zu y=%zu channel %zu: got %d, want %d (+-1)", i,
                             s->images[i].name, j / 3, y, j % 3, got[j], want[j]);
                    return -1;
                }
        }
    }
    return 0;
}

/* Bands are out_size = band * (widest width) * 3 bytes apart, so an image as wide as the
 * widest has its rows back to back in the output and is saved from there; only a narrower
 * one is first gathered into a buffer of its own size. */
static int blur_finish(const struct pb_workload *w, const void *out, char *err, size_t errlen)
{
    const struct blur_state *s = w->state;
    if (s->save[0] == '\0')
        return 0;
    for (size_t i = 0; i < s->nimages; i++) {
        const struct pb_image *im = &s->images[i].img;
        size_t n = (size_t)im->width * 3;
        int contiguous = w->out_size == s->band * n;
        /* pb_image_save_png only reads the pixels; the cast drops const for its struct. */
        struct pb_image res = {im->width, im->height,
                               contiguous ? (unsigned char *)output_row(w, out, i, 0)
                                          : malloc(n * im->height)};
        char path[600];
        if (res.rgb == NULL) {
            snprintf(err, errlen, "blur: out of memory saving image %zu", i);
            return -1;
        }
        for (size_t y = 0; !contiguous && y < im->height; y++)
            memcpy(res.rgb + y * n, output_row(w, out, i, y), n);
        snprintf(path, sizeof path, "%s/%s", s->save, s->images[i].name);
        int rc = pb_image_save_png(path, &res, err, errlen);
        if (!contiguous)
            pb_image_free(&res);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

/* A deterministic test picture: a colour gradient, four discs and hashed noise, so the
 * blur meets smooth areas, hard edges and fine detail.  Integer hashing and exactly
 * rounded IEEE products only, so every machine makes the same bytes. */
static void synth_fill(struct pb_image *im, uint32_t seed)
{
    int64_t w = im->width, h = im->height;
    struct { int64_t cx, cy, r2; int rgb[3]; } disc[4];
    for (uint32_t k = 0; k < 4; k++) {
        uint32_t a = mix32(seed * 8 + k), b = mix32(a), c = mix32(b);
        int64_t rad = 1 + (int64_t)(c % (uint32_t)((w < h ? w : h) / 3 + 1));
        disc[k].cx = (int64_t)(a % (uint32_t)w);
        disc[k].cy = (int64_t)(b % (uint32_t)h);
        disc[k].r2 = rad * rad;
        for (int ch = 0; ch < 3; ch++)
            disc[k].rgb[ch] = (int)((c >> (8 * ch)) & 255);
    }
    double sx = 255.0 / (double)w, sy = 255.0 / (double)h, sxy = 255.0 / (double)(w + h);
    for (int64_t y = 0; y < h; y++) {
        uint32_t hy = mix32((uint32_t)y ^ mix32(seed));
        unsigned char *p = im->rgb + (size_t)y * (size_t)w * 3;
        for (int64_t x = 0; x < w; x++, p += 3) {
            int v[3] = {(int)((double)x * sx), (int)((double)y * sy),
                        255 - (int)((double)(x + y) * sxy)};
            for (int k = 0; k < 4; k++) {
                int64_t dx = x - disc[k].cx, dy = y - disc[k].cy;
                if (dx * dx + dy * dy < disc[k].r2)
                    for (int ch = 0; ch < 3; ch++)
                        v[ch] = (v[ch] + disc[k].rgb[ch]) / 2;
            }
            uint32_t noise = mix32((uint32_t)x ^ hy);
            for (int ch = 0; ch < 3; ch++) {
                int t = v[ch] + (int)((noise >> (8 * ch)) & 31) - 16;
                p[ch] = (unsigned char)(t < 0 ? 0 : t > 255 ? 255 : t);
            }
        }
    }
}

static int has_image_suffix(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot != NULL && dot != name &&
           (strcasecmp(dot, ".png") == 0 || strcasecmp(dot, ".jpg") == 0 ||
            strcasecmp(dot, ".jpeg") == 0);
}

struct path_list {
    char **v;
    size_t n, cap;
};

static int path_push(struct path_list *l, char *path)
{
    if (path == NULL)
        return -1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (v == NULL) {
            free(path);
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = path;
    return 0;
}

static void path_list_free(struct path_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files named by blur.files: a directory's images sorted by name, or a comma list. */
static int list_files(const char *files, struct path_list *l, char *err, size_t errlen)
{
    struct stat st;
    if (stat(files, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *d = opendir(files);
        if (d == NULL) {
            snprintf(err, errlen, "blur.files=%s: cannot open directory: %s", files,
                     strerror(errno));
            return -1;
        }
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            if (!has_image_suffix(e->d_name))
                continue;
            size_t size = strlen(files) + strlen(e->d_name) + 2;
            char *path = malloc(size);
            if (path != NULL)
                snprintf(path, size, "%s/%s", files, e->d_name);
            if (path_push(l, path) != 0) {
                closedir(d);
                snprintf(err, errlen, "blur: out of memory listing %s", files);
                return -1;
            }
        }
        closedir(d);
        if (l->n == 0) {
            snprintf(err, errlen, "blur.files=%s: no .png, .jpg or .jpeg files in the directory",
                     files);
            return -1;
        }
        qsort(l->v, l->n, sizeof *l->v, compare_paths);
        return 0;
    }
    for (const char *p = files; *p != '\0';) {
        size_t len = strcspn(p, ",");
        if (len > 0 && path_push(l, strndup(p, len)) != 0) {
            snprintf(err, errlen, "blur: out of memory listing %s", files);
            return -1;
        }
        p += len + (p[len] == ',');
    }
    if (l->n == 0) {
        snprintf(err, errlen, "blur.files=%s names no files", files);
        return -1;
    }
    return 0;
}

/* Output name for a source file: its base name with the extension replaced by .png. */
static void output_name(char *name, size_t size, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    snprintf(name, size, "%.*s.png", len, base);
}

static int load_images(struct blur_state *s, const char *files, char *err, size_t errlen)
{
    struct path_list l = {0};
    int rc = list_files(files, &l, err, errlen);
    if (rc == 0 && (s->images = calloc(l.n, sizeof *s->images)) == NULL) {
        snprintf(err, errlen, "blur: out of memory");
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        rc = pb_image_load(l.v[i], &s->images[i].img, err, errlen);
        output_name(s->images[i].name, sizeof s->images[i].name, l.v[i]);
        s->nimages = i + 1;
    }
    path_list_free(&l);
    return rc;
}

/* Two sources with one base name (a.png, a.jpg) would overwrite each other under `save`. */
static int check_unique_names(struct blur_state *s, char *err, size_t errlen)
{
    char **names = malloc(s->nimages * sizeof *names);
    if (names == NULL) {
        snprintf(err, errlen, "blur: out of memory");
        return -1;
    }
    for (size_t i = 0; i < s->nimages; i++)
        names[i] = s->images[i].name;
    qsort(names, s->nimages, sizeof *names, compare_paths);
    int rc = 0;
    for (size_t i = 1; rc == 0 && i < s->nimages; i++)
        if (strcmp(names[i - 1], names[i]) == 0) {
            snprintf(err, errlen, "blur.save: two source files would both be saved as %s",
                     names[i]);
            rc = -1;
        }
    free(names);
    return rc;
}

/* The in-kernel bound on one synthetic image, checked by prepare and footprint alike. */
static int check_synthetic_size(const struct pb_params *p, char *err, size_t errlen)
{
    uint64_t w = p->v[P_WIDTH].u, h = p->v[P_HEIGHT].u;
    if (w * h > PB_IMAGE_MAX_PIXELS) {
        snprintf(err, errlen, "blur: %" PRIu64 "x%" PRIu64 " is more than %u pixels per image",
                 w, h, PB_IMAGE_MAX_PIXELS);
        return -1;
    }
    return 0;
}

static int make_synthetic(struct blur_state *s, const struct pb_params *p, char *err,
                          size_t errlen)
{
    uint64_t w = p->v[P_WIDTH].u, h = p->v[P_HEIGHT].u, count = p->v[P_IMAGES].u;
    if (check_synthetic_size(p, err, errlen) != 0)
        return -1;
    if ((s->images = calloc((size_t)count, sizeof *s->images)) == NULL) {
        snprintf(err, errlen, "blur: out of memory");
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        struct pb_image *im = &s->images[i].img;
        s->nimages = i + 1;
        if ((im->rgb = pb_image_alloc((size_t)(w * h * 3))) == NULL) {
            snprintf(err, errlen, "blur: out of memory for %zu images of %" PRIu64 "x%" PRIu64,
                     (size_t)count, w, h);
            return -1;
        }
        im->width = (unsigned)w;
        im->height = (unsigned)h;
        synth_fill(im, (uint32_t)i);
        snprintf(s->images[i].name, sizeof s->images[i].name, "synth-%zu.png", i);
    }
    return 0;
}

static void blur_free_state(struct blur_state *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nimages; i++) {
        pb_image_free(&s->images[i].img);
        if (s->want != NULL)
            free(s->want[i]);
    }
    free(s->images);
    free(s->want);
    free(s->first_task);
    free(s->wp);
    free(s);
}

/* Create the save directory up front, so a long run does not fail only at the end. */
static int make_save_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "blur.save=%s: cannot create directory: %s", dir, strerror(errno));
        return -1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "blur.save=%s: not a directory", dir);
        return -1;
    }
    return 0;
}

/* Rows per task: the band asked for, but never taller than the tallest image (a taller
 * band would only waste output space). */
static uint64_t band_rows(uint64_t band, uint64_t max_h)
{
    return band < max_h ? band : max_h;
}

/* Tasks of an image `h` rows tall: one per band, the last one possibly short. */
static uint64_t bands_of(uint64_t h, uint64_t band)
{
    return h / band + (h % band != 0);
}

/* Normalised float taps, the strip width and the bands of every image. */
static int plan_tasks(struct pb_workload *w, struct blur_state *s, uint64_t band, char *err,
                      size_t errlen)
{
    size_t r = (size_t)s->radius, max_w = 0, max_h = 0;
    double pixels = 0, sum = 0;
    s->wp = malloc((r + 1) * sizeof *s->wp);
    s->first_task = malloc((s->nimages + 1) * sizeof *s->first_task);
    s->want = calloc(s->nimages, sizeof *s->want);
    if (s->wp == NULL || s->first_task == NULL || s->want == NULL) {
        snprintf(err, errlen, "blur: out of memory");
        return -1;
    }
    /* Normalised over all 2r + 1 taps, exactly as the reference does. */
    for (size_t k = 0; k <= 2 * r; k++) {
        double d = (double)k - (double)r;
        sum += exp(-d * d / (2 * s->sigma * s->sigma));
    }
    for (size_t k = 0; k <= r; k++)
        s->wp[k] = (float)(exp(-(double)(k * k) / (2 * s->sigma * s->sigma)) / sum);
    /* Strips keep their 2r + 1 input rows within the L2 budget, but are at least 4r wide:
     * each strip's vertical pass also covers r columns either side, and at large radii
     * recomputing those margins costs more than reading rows from L3 (measured at sigma
     * 50 and 100). */
    s->strip_max = BLUR_L2_BUDGET / (3 * (2 * r + 1));
    s->strip_max = s->strip_max < 4 * r ? 4 * r : s->strip_max;
    s->strip_max = s->strip_max < 256 ? 256 : s->strip_max > BLUR_STRIP_MAX ? BLUR_STRIP_MAX
                                                                           : s->strip_max;
    for (size_t i = 0; i < s->nimages; i++) {
        const struct pb_image *im = &s->images[i].img;
        max_w = im->width > max_w ? im->width : max_w;
        max_h = im->height > max_h ? im->height : max_h;
        pixels += (double)im->width * im->height;
    }
    s->band = (size_t)band_rows(band, max_h);
    s->first_task[0] = 0;
    for (size_t i = 0; i < s->nimages; i++)
        s->first_task[i + 1] = s->first_task[i] + bands_of(s->images[i].img.height, s->band);
    w->ntasks = s->first_task[s->nimages];
    w->out_size = s->band * max_w * 3;
    if (w->ntasks > SIZE_MAX / w->out_size) {
        snprintf(err, errlen, "blur: the output of %zu tasks of %zu bytes overflows", w->ntasks,
                 w->out_size);
        return -1;
    }
    w->work = pixels;
    w->unit = "pixels";
    return 0;
}

static int blur_prepare(struct pb_workload *w, const struct pb_params *p, char *err,
                        size_t errlen)
{
    blur_band_fn *band_fn = blur_pick(p->v[P_SIMD].s, err, errlen);
    if (band_fn == NULL)
        return -1;
    const char *save = p->v[P_SAVE].s;
    if (save[0] != '\0' && make_save_dir(save, err, errlen) != 0)
        return -1;
    struct blur_state *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "blur: out of memory");
        return -1;
    }
    s->sigma = p->v[P_SIGMA].d;
    s->radius = (int)ceil(3 * s->sigma);
    s->band_fn = band_fn;
    snprintf(s->save, sizeof s->save, "%s", save);
    const char *files = p->v[P_FILES].s;
    int rc = files[0] != '\0' ? load_images(s, files, err, errlen)
                              : make_synthetic(s, p, err, errlen);
    if (rc == 0 && files[0] != '\0' && save[0] != '\0')
        rc = check_unique_names(s, err, errlen);
    if (rc != 0 || plan_tasks(w, s, p->v[P_BAND].u, err, errlen) != 0) {
        blur_free_state(s);
        return -1;
    }
    w->state = s;
    return 0;
}

/* The footprint of `n` images, image i being w[i] x h[i] (or all w[0] x h[0] when `same`).
 * What blur holds at once, read from prepare, check and finish:
 *   input      every image, 3 bytes a pixel (prepare), plus per image its blur_image
 *              entry, first_task slot and want pointer;
 *   output     ntasks * out_size, out_size = band * widest * 3, band clamped to the tallest
 *              (the harness's mapping; plan_tasks sizes it);
 *   reference  every image again (check keeps want[i] for later runs), plus, while one is
 *              computed, reference_blur's weights and two rows of doubles of the widest;
 *   save       with blur.save, finish gathers an image narrower than the widest into a
 *              buffer of its own size, one at a time: the largest such image.
 * A task's scratch lives on its thread's stack (about 37 KB, see blur_run), and libpng and
 * libjpeg decode row by row into the image itself, so neither is counted. */
static void footprint_of(const unsigned *w, const unsigned *h, size_t n, bool same,
                         const struct pb_params *p, struct pb_footprint *f)
{
    uint64_t max_w = 0, max_h = 0, pixels = 0, save_px = 0, ntasks = 0;
    for (size_t i = 0; i < (same ? 1 : n); i++) {
        max_w = w[i] > max_w ? w[i] : max_w;
        max_h = h[i] > max_h ? h[i] : max_h;
        pixels = pb_bytes_add(pixels, (uint64_t)w[i] * h[i]);
    }
    if (same)
        pixels = pb_bytes_mul(pixels, n);
    uint64_t band = band_rows(p->v[P_BAND].u, max_h);
    for (size_t i = 0; i < (same ? 1 : n); i++) {
        ntasks = pb_bytes_add(ntasks, bands_of(h[i], band));
        if (w[i] < max_w && (uint64_t)w[i] * h[i] > save_px)
            save_px = (uint64_t)w[i] * h[i];
    }
    if (same)
        ntasks = pb_bytes_mul(ntasks, n);
    uint64_t r = (uint64_t)ceil(3 * p->v[P_SIGMA].d);
    uint64_t tables =
        pb_bytes_mul(n, sizeof(struct blur_image) + sizeof(size_t) + sizeof(unsigned char *));
    uint64_t ref_rows = ((2 * r + 1) + 2 * 3 * max_w + 2 * 3 * r) * sizeof(double);
    pb_footprint_add(f, "input", pb_bytes_add(pb_bytes_mul(pixels, 3), tables));
    pb_footprint_add(f, "output", pb_bytes_mul(ntasks, pb_bytes_mul(band * max_w, 3)));
    pb_footprint_add(f, "reference", pb_bytes_add(pb_bytes_mul(pixels, 3), ref_rows));
    if (p->v[P_SAVE].s[0] != '\0' && save_px > 0)
        pb_footprint_add(f, "save buffer", save_px * 3);
}

/* Synthetic images from their parameters; files from their headers, nothing decoded. */
static int blur_footprint(const struct pb_params *p, struct pb_footprint *f, char *err,
                          size_t errlen)
{
    const char *files = p->v[P_FILES].s;
    if (files[0] == '\0') {
        if (check_synthetic_size(p, err, errlen) != 0)
            return -1;
        unsigned w = (unsigned)p->v[P_WIDTH].u, h = (unsigned)p->v[P_HEIGHT].u;
        snprintf(f->what, sizeof f->what, "%" PRIu64 " image%s of %ux%u", p->v[P_IMAGES].u,
                 p->v[P_IMAGES].u == 1 ? "" : "s", w, h);
        f->hint = "lower blur.images, blur.width or blur.height";
        footprint_of(&w, &h, (size_t)p->v[P_IMAGES].u, true, p, f);
        return 0;
    }
    struct path_list l = {0};
    unsigned *w = NULL, *h = NULL;
    int rc = list_files(files, &l, err, errlen);
    if (rc == 0 &&
        ((w = malloc(l.n * sizeof *w)) == NULL || (h = malloc(l.n * sizeof *h)) == NULL)) {
        snprintf(err, errlen, "blur: out of memory");
        rc = -1;
    }
    unsigned max_w = 0, max_h = 0;
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        rc = pb_image_probe(l.v[i], &w[i], &h[i], err, errlen);
        max_w = w[i] > max_w ? w[i] : max_w;
        max_h = h[i] > max_h ? h[i] : max_h;
    }
    if (rc == 0) {
        snprintf(f->what, sizeof f->what, "%zu image%s of up to %ux%u from %.100s", l.n,
                 l.n == 1 ? "" : "s", max_w, max_h, files);
        f->hint = "use fewer or smaller files in blur.files";
        footprint_of(w, h, l.n, false, p, f);
    }
    free(w);
    free(h);
    path_list_free(&l);
    return rc;
}

static void blur_release(struct pb_workload *w)
{
    blur_free_state(w->state);
    w->state = NULL;
}

const struct pb_kernel pb_kernel_blur = {
    .name = "blur",
    .summary = "Gaussian blur of RGB images, separable, in bands of rows",
    .params = blur_params,
    .nparams = sizeof blur_params / sizeof blur_params[0],
    .prepare = blur_prepare,
    .run = blur_run,
    .check = blur_check,
    .finish = blur_finish,
    .release = blur_release,
    .footprint = blur_footprint,
    .scale_param = "images",
    .code_path = blur_code_path,
};
