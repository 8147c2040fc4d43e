/* blur: Gaussian blur of RGB8 images, one band of rows of one image per task. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "image.h"
#include "kernel.h"

enum { P_SIGMA, P_WIDTH, P_HEIGHT, P_IMAGES, P_BAND, P_FILES, P_SAVE };

static const struct pb_param_def blur_params[] = {
    [P_SIGMA] = {"sigma", PB_PARAM_DOUBLE, {"5", "5", "5"}, 0.1, 100,
                 "Gaussian standard deviation in pixels; radius is ceil(3 sigma)"},
    [P_WIDTH] = {"width", PB_PARAM_U64, {"1600", "2048", "4096"}, 1, 1 << 30,
                 "synthetic image width"},
    [P_HEIGHT] = {"height", PB_PARAM_U64, {"1200", "2048", "4096"}, 1, 1 << 30,
                  "synthetic image height"},
    [P_IMAGES] = {"images", PB_PARAM_U64, {"1", "4", "16"}, 1, 10000,
                  "number of synthetic images"},
    [P_BAND] = {"band", PB_PARAM_U64, {"32", "32", "32"}, 1, 1 << 30, "rows per task"},
    [P_FILES] = {"files", PB_PARAM_STRING, {"", "", ""}, 0, 0,
                 "'' for synthetic images, else a directory of .png/.jpg or a comma list of files"},
    [P_SAVE] = {"save", PB_PARAM_STRING, {"", "", ""}, 0, 0,
                "'' or a directory to write the blurred images to as PNG"},
};

struct blur_image {
    struct pb_image img;
    char name[256];        /* file name under `save`: the source's base name, or synth-N */
};

struct blur_state {
    double sigma;
    int radius;              /* ceil(3 sigma) */
    float *weight;           /* 2 * radius + 1 normalised taps */
    size_t band;             /* rows per task, at most the tallest image */
    size_t nimages;
    struct blur_image *images;
    size_t *first_task;      /* nimages + 1 entries: image i owns tasks [first_task[i], first_task[i+1]) */
    size_t scratch_floats;   /* per-thread row buffers, in floats */
    size_t acc_offset;       /* where the horizontal accumulator starts in that buffer */
    char save[256];
    unsigned char **want;    /* reference result per image, filled by the first check */
};

/* Per-thread row buffers, freed by the key's destructor when a thread exits.
 * The key lives for the whole process; fork() children inherit it. */
struct scratch {
    size_t nfloats;
    float *buf;
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_key_error;

static void scratch_free(void *p)
{
    struct scratch *sc = p;
    free(sc->buf);
    free(sc);
}

static void scratch_key_create(void)
{
    scratch_key_error = pthread_key_create(&scratch_key, scratch_free);
}

/* This thread's buffer of at least `nfloats` floats, 64-byte aligned, or NULL when out of memory. */
static float *scratch_get(size_t nfloats)
{
    struct scratch *sc = pthread_getspecific(scratch_key);
    if (sc == NULL) {
        if ((sc = calloc(1, sizeof *sc)) == NULL)
            return NULL;
        if (pthread_setspecific(scratch_key, sc) != 0) {
            free(sc);
            return NULL;
        }
    }
    if (sc->nfloats < nfloats) {
        free(sc->buf);
        sc->buf = aligned_alloc(64, (nfloats * sizeof(float) + 63) / 64 * 64);
        sc->nfloats = sc->buf ? nfloats : 0;
    }
    return sc->buf;
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

/* The inner loops of the two passes.  Each runs over contiguous arrays with restrict
 * parameters (GCC ignores restrict on local pointers), so -O3 vectorises them without
 * alias checks; the read-only inputs may overlap, which restrict allows.  Taps come in
 * symmetric pairs, two pairs per sweep to halve the accumulator loads and stores. */
static inline void scale_u8(float *restrict acc, const unsigned char *restrict a, float wa,
                            size_t n)
{
    for (size_t j = 0; j < n; j++)
        acc[j] = wa * (float)a[j];
}

static inline void add_pair_u8(float *restrict acc, const unsigned char *restrict a,
                               const unsigned char *restrict b, float wab, size_t n)
{
    for (size_t j = 0; j < n; j++)
        acc[j] += wab * (float)(a[j] + b[j]);
}

static inline void add_pairs_u8(float *restrict acc, const unsigned char *restrict a,
                                const unsigned char *restrict b, float wab,
                                const unsigned char *restrict c, const unsigned char *restrict d,
                                float wcd, size_t n)
{
    for (size_t j = 0; j < n; j++)
        acc[j] += wab * (float)(a[j] + b[j]) + wcd * (float)(c[j] + d[j]);
}

static inline void scale_f32(float *restrict acc, const float *restrict a, float wa, size_t n)
{
    for (size_t j = 0; j < n; j++)
        acc[j] = wa * a[j];
}

static inline void add_pair_f32(float *restrict acc, const float *restrict a,
                                const float *restrict b, float wab, size_t n)
{
    for (size_t j = 0; j < n; j++)
        acc[j] += wab * (a[j] + b[j]);
}

static inline void add_pairs_f32(float *restrict acc, const float *restrict a,
                                 const float *restrict b, float wab, const float *restrict c,
                                 const float *restrict d, float wcd, size_t n)
{
    for (size_t j = 0; j < n; j++)
        acc[j] += wab * (a[j] + b[j]) + wcd * (c[j] + d[j]);
}

/* Row y of an image, clamped to the first or last row. */
static const unsigned char *image_row(const struct pb_image *im, ptrdiff_t y)
{
    ptrdiff_t last = (ptrdiff_t)im->height - 1;
    y = y < 0 ? 0 : y > last ? last : y;
    return im->rgb + (size_t)y * im->width * 3;
}

/* Vertical pass for output row y over input rows y-r..y+r. */
static void blur_vertical(const struct blur_state *s, const struct pb_image *im, ptrdiff_t y,
                          float *acc)
{
    const float *wt = s->weight;
    ptrdiff_t r = s->radius, k = 1;
    size_t n = (size_t)im->width * 3;
    scale_u8(acc, image_row(im, y), wt[r], n);
    for (; k < r; k += 2)
        add_pairs_u8(acc, image_row(im, y - k), image_row(im, y + k), wt[r - k],
                     image_row(im, y - k - 1), image_row(im, y + k + 1), wt[r - k - 1], n);
    if (k == r)
        add_pair_u8(acc, image_row(im, y - k), image_row(im, y + k), wt[r - k], n);
}

/* Clamp-to-edge for the horizontal pass: copy the edge pixels into the r-pixel margins. */
static void blur_pad(float *row, size_t n, size_t pad)
{
    for (size_t j = 0; j < pad; j++) {
        row[j] = row[pad + j % 3];
        row[pad + n + j] = row[pad + n - 3 + j % 3];
    }
}

/* Horizontal pass over a padded row, where image pixel x sits at in[3 (x + r)]. */
static void blur_horizontal(const float *wt, size_t r, const float *in, float *acc, size_t n)
{
    const float *centre = in + 3 * r;
    size_t k = 1;
    scale_f32(acc, centre, wt[r], n);
    for (; k < r; k += 2)
        add_pairs_f32(acc, centre - 3 * k, centre + 3 * k, wt[r - k], centre - 3 * (k + 1),
                      centre + 3 * (k + 1), wt[r - k - 1], n);
    if (k == r)
        add_pair_f32(acc, centre - 3 * k, centre + 3 * k, wt[r - k], n);
}

/* Round to nearest and clamp to 255 (float taps may sum to a hair over 1).  Sums of
 * positive weights times bytes are never negative, so the bottom needs no clamp. */
static void blur_store(const float *restrict acc, unsigned char *restrict dst, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        int v = (int)(acc[j] + 0.5f);
        dst[j] = (unsigned char)(v > 255 ? 255 : v);
    }
}

static void blur_run(const struct pb_workload *w, size_t task, void *out)
{
    const struct blur_state *s = w->state;
    size_t i = image_of_task(s, task);
    const struct pb_image *im = &s->images[i].img;
    size_t y0 = (task - s->first_task[i]) * s->band;
    size_t y1 = y0 + s->band < im->height ? y0 + s->band : im->height;
    size_t n = (size_t)im->width * 3, pad = 3 * (size_t)s->radius;
    float *row = scratch_get(s->scratch_floats);
    if (row == NULL)
        return;   /* out of memory: the band stays unwritten and check reports it */
    float *acc = row + s->acc_offset;
    unsigned char *dst = out;
    for (size_t y = y0; y < y1; y++) {
        blur_vertical(s, im, (ptrdiff_t)y, row + pad);
        blur_pad(row, n, pad);
        blur_horizontal(s->weight, (size_t)s->radius, row, acc, n);
        blur_store(acc, dst + (y - y0) * n, n);
    }
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
 * columns by padding the vertical result, so the loops stay simple and reasonably fast. */
static int reference_blur(const struct pb_image *im, double sigma, unsigned char *dst)
{
    ptrdiff_t r = (ptrdiff_t)ceil(3 * sigma), h = im->height;
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
    for (ptrdiff_t y = 0; rc == 0 && y < h; y++) {
        memset(col, 0, (n + 2 * pad) * sizeof *col);
        for (ptrdiff_t k = -r; k <= r; k++) {
            ptrdiff_t yy = y + k < 0 ? 0 : y + k >= h ? h - 1 : y + k;
            const unsigned char *src = im->rgb + (size_t)yy * n;
            for (size_t j = 0; j < n; j++)
                col[pad + j] += wt[k + r] * src[j];
        }
        for (size_t j = 0; j < pad; j++) {
            col[j] = col[pad + j % 3];
            col[pad + n + j] = col[pad + n - 3 + j % 3];
        }
        memset(sum, 0, n * sizeof *sum);
        for (ptrdiff_t k = 0; k <= 2 * r; k++)
            for (size_t j = 0; j < n; j++)
                sum[j] += wt[k] * col[3 * (size_t)k + j];
        for (size_t j = 0; j < n; j++) {
            double v = floor(sum[j] + 0.5);
            dst[(size_t)y * n + j] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
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
            unsigned char *ref = malloc(n * im->height);
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
                    snprintf(why, len, "image %zu (%s) x=%zu y=%zu channel %zu: got %d, want %d (+-1)",
                             i, s->images[i].name, j / 3, y, j % 3, got[j], want[j]);
                    return -1;
                }
        }
    }
    return 0;
}

static int blur_finish(const struct pb_workload *w, const void *out, char *err, size_t errlen)
{
    const struct blur_state *s = w->state;
    if (s->save[0] == '\0')
        return 0;
    for (size_t i = 0; i < s->nimages; i++) {
        const struct pb_image *im = &s->images[i].img;
        size_t n = (size_t)im->width * 3;
        struct pb_image res = {im->width, im->height, malloc(n * im->height)};
        char path[600];
        if (res.rgb == NULL) {
            snprintf(err, errlen, "blur: out of memory saving image %zu", i);
            return -1;
        }
        for (size_t y = 0; y < im->height; y++)
            memcpy(res.rgb + y * n, output_row(w, out, i, y), n);
        snprintf(path, sizeof path, "%s/%s", s->save, s->images[i].name);
        int rc = pb_image_save_png(path, &res, err, errlen);
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
    return dot != NULL && dot != name && (strcasecmp(dot, ".png") == 0 ||
                                          strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
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
            snprintf(err, errlen, "blur.files=%s: cannot open directory: %s", files, strerror(errno));
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
            snprintf(err, errlen, "blur.files=%s: no .png, .jpg or .jpeg files in the directory", files);
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

static int make_synthetic(struct blur_state *s, const struct pb_params *p, char *err,
                          size_t errlen)
{
    uint64_t w = p->v[P_WIDTH].u, h = p->v[P_HEIGHT].u, count = p->v[P_IMAGES].u;
    if (w * h > PB_IMAGE_MAX_PIXELS) {
        snprintf(err, errlen, "blur: %" PRIu64 "x%" PRIu64 " is more than %u pixels per image",
                 w, h, PB_IMAGE_MAX_PIXELS);
        return -1;
    }
    if ((s->images = calloc((size_t)count, sizeof *s->images)) == NULL) {
        snprintf(err, errlen, "blur: out of memory");
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        struct pb_image *im = &s->images[i].img;
        s->nimages = i + 1;
        if ((im->rgb = malloc((size_t)(w * h * 3))) == NULL) {
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
    free(s->weight);
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

/* Normalised float taps, the bands of every image, and the buffer sizes. */
static int plan_tasks(struct pb_workload *w, struct blur_state *s, uint64_t band, char *err,
                      size_t errlen)
{
    size_t r = (size_t)s->radius, max_w = 0, max_h = 0;
    double pixels = 0, sum = 0;
    s->weight = malloc((2 * r + 1) * sizeof *s->weight);
    s->first_task = malloc((s->nimages + 1) * sizeof *s->first_task);
    s->want = calloc(s->nimages, sizeof *s->want);
    if (s->weight == NULL || s->first_task == NULL || s->want == NULL) {
        snprintf(err, errlen, "blur: out of memory");
        return -1;
    }
    for (size_t k = 0; k <= 2 * r; k++) {
        double d = (double)k - (double)r;
        sum += exp(-d * d / (2 * s->sigma * s->sigma));
    }
    for (size_t k = 0; k <= 2 * r; k++) {
        double d = (double)k - (double)r;
        s->weight[k] = (float)(exp(-d * d / (2 * s->sigma * s->sigma)) / sum);
    }
    for (size_t i = 0; i < s->nimages; i++) {
        const struct pb_image *im = &s->images[i].img;
        max_w = im->width > max_w ? im->width : max_w;
        max_h = im->height > max_h ? im->height : max_h;
        pixels += (double)im->width * im->height;
    }
    /* A band taller than every image would only waste output space. */
    s->band = band < max_h ? (size_t)band : max_h;
    s->first_task[0] = 0;
    for (size_t i = 0; i < s->nimages; i++)
        s->first_task[i + 1] = s->first_task[i] + (s->images[i].img.height + s->band - 1) / s->band;
    w->ntasks = s->first_task[s->nimages];
    w->out_size = s->band * max_w * 3;
    if (w->ntasks > SIZE_MAX / w->out_size) {
        snprintf(err, errlen, "blur: the output of %zu tasks of %zu bytes overflows", w->ntasks,
                 w->out_size);
        return -1;
    }
    /* Padded row of (max_w + 2r) pixels, then the accumulator, 16-float aligned. */
    s->acc_offset = ((max_w + 2 * r) * 3 + 15) / 16 * 16;
    s->scratch_floats = s->acc_offset + max_w * 3;
    w->work = pixels;
    w->unit = "pixels";
    return 0;
}

static int blur_prepare(struct pb_workload *w, const struct pb_params *p, char *err,
                        size_t errlen)
{
    pthread_once(&scratch_once, scratch_key_create);
    if (scratch_key_error != 0) {
        snprintf(err, errlen, "blur: pthread_key_create: %s", strerror(scratch_key_error));
        return -1;
    }
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
    snprintf(s->save, sizeof s->save, "%s", save);
    const char *files = p->v[P_FILES].s;
    int rc = files[0] != '\0' ? load_images(s, files, err, errlen)
                              : make_synthetic(s, p, err, errlen);
    if (rc != 0 || plan_tasks(w, s, p->v[P_BAND].u, err, errlen) != 0) {
        blur_free_state(s);
        return -1;
    }
    w->state = s;
    return 0;
}

static void blur_release(struct pb_workload *w)
{
    blur_free_state(w->state);
    w->state = NULL;
    /* The calling thread may never exit before the process does (the main thread), so
     * free its buffers here rather than leave them to the key's destructor. */
    struct scratch *sc = pthread_getspecific(scratch_key);
    if (sc != NULL) {
        pthread_setspecific(scratch_key, NULL);
        scratch_free(sc);
    }
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
};
