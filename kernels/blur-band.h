/* The blur of one band of rows, written once and compiled once per instruction set.
 *
 * kernels/blur.c includes this file several times, each time defining
 *   BLUR_VB       the vector width in bytes: 16 (SSE2, NEON), 32 (AVX2) or 64 (AVX-512)
 *   BLUR_NAME(x)  x with a suffix for that instruction set
 * and, for sets above the build's baseline, wrapping the inclusion in a target pragma.
 * The code uses GCC vector extensions (GCC 9 or later, or Clang): plain arithmetic on
 * fixed-width vectors, which the compiler maps onto whatever the target offers.
 *
 * The vertical pass reads bytes and keeps its sums in registers across all 2r + 1 taps,
 * so its inner loop stores nothing (no accumulator traffic, no 4K aliasing between
 * accumulator stores and image loads).  Bytes are widened without shuffles: a 32-bit lane
 * holds four channels, masks and shifts split it into four lanes of 16-bit pair sums,
 * and the four "planes" are interleaved back into channel order once per block, after
 * the taps.  The horizontal pass then runs along the vertical result with its sums in
 * registers too. */

#define vf BLUR_NAME(vf)
#define vi BLUR_NAME(vi)
#define vu BLUR_NAME(vu)
#define VL (BLUR_VB / 4)   /* floats per vector */
/* Block sizes measured best on Sapphire Rapids for all three widths (NV 1, 2, 4 and HV 2,
 * 4, 8 tried): enough independent sums to hide the FMA latency without spilling. */
#define NV 2                         /* vectors of 4 VL channels in one vertical block */
#define HV (BLUR_VB == 16 ? 8 : 4)   /* vectors of VL channels in one horizontal block */

typedef float vf __attribute__((vector_size(BLUR_VB)));
typedef int32_t vi __attribute__((vector_size(BLUR_VB)));
typedef uint32_t vu __attribute__((vector_size(BLUR_VB)));

static inline vf BLUR_NAME(load_f)(const float *p)
{
    vf v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline vu BLUR_NAME(load_u)(const unsigned char *p)
{
    vu v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Vertical sums of the NV * BLUR_VB channels from column byte j: dst[i] is the weighted
 * sum of channel j + i over rows[0 .. 2r] (row y - r .. y + r, already clamped). */
static inline void BLUR_NAME(vertical_block)(float *dst, const unsigned char *const *rows,
                                             const float *wp, int r, size_t j)
{
    const vu m8 = (vu){0} + 0x00FF00FFu, m16 = (vu){0} + 0xFFFFu;
    vf a0[NV], a1[NV], a2[NV], a3[NV];   /* channels 4i, 4i + 1, 4i + 2, 4i + 3 */
    for (int v = 0; v < NV; v++) {
        vu x = BLUR_NAME(load_u)(rows[r] + j + v * BLUR_VB);
        vu e = x & m8, o = (x >> 8) & m8;
        a0[v] = wp[0] * __builtin_convertvector((vi)(e & m16), vf);
        a1[v] = wp[0] * __builtin_convertvector((vi)(o & m16), vf);
        a2[v] = wp[0] * __builtin_convertvector((vi)(e >> 16), vf);
        a3[v] = wp[0] * __builtin_convertvector((vi)(o >> 16), vf);
    }
    for (int k = 1; k <= r; k++) {
        const unsigned char *p = rows[r - k] + j, *q = rows[r + k] + j;
        float w = wp[k];
        for (int v = 0; v < NV; v++) {
            vu x = BLUR_NAME(load_u)(p + v * BLUR_VB), y = BLUR_NAME(load_u)(q + v * BLUR_VB);
            /* Symmetric taps share a weight: add the two rows' bytes first, two 9-bit sums
             * per 16-bit half, which cannot carry into each other. */
            vu e = (x & m8) + (y & m8), o = ((x >> 8) & m8) + ((y >> 8) & m8);
            a0[v] += w * __builtin_convertvector((vi)(e & m16), vf);
            a1[v] += w * __builtin_convertvector((vi)(o & m16), vf);
            a2[v] += w * __builtin_convertvector((vi)(e >> 16), vf);
            a3[v] += w * __builtin_convertvector((vi)(o >> 16), vf);
        }
    }
    float plane[4][NV * VL];
    for (int v = 0; v < NV; v++) {
        memcpy(&plane[0][v * VL], &a0[v], sizeof a0[v]);
        memcpy(&plane[1][v * VL], &a1[v], sizeof a1[v]);
        memcpy(&plane[2][v * VL], &a2[v], sizeof a2[v]);
        memcpy(&plane[3][v * VL], &a3[v], sizeof a3[v]);
    }
    for (int i = 0; i < NV * VL; i++)
        for (int c = 0; c < 4; c++)
            dst[4 * i + (c ^ BLUR_BYTE_FLIP)] = plane[c][i];
}

/* dst[i] for the n channels from column byte `off`, block by block; a last partial block is
 * recomputed overlapping the one before (same values), a row narrower than a block is
 * summed one channel at a time. */
static void BLUR_NAME(vertical)(float *restrict dst, const unsigned char *const *rows,
                                const float *wp, int r, size_t off, size_t n)
{
    enum { B = NV * BLUR_VB };
    size_t i = 0;
    for (; i + B <= n; i += B)
        BLUR_NAME(vertical_block)(dst + i, rows, wp, r, off + i);
    if (i < n && n >= B) {
        BLUR_NAME(vertical_block)(dst + n - B, rows, wp, r, off + n - B);
        i = n;
    }
    for (; i < n; i++) {
        float s = wp[0] * (float)rows[r][off + i];
        for (int k = 1; k <= r; k++)
            s += wp[k] * (float)(rows[r - k][off + i] + rows[r + k][off + i]);
        dst[i] = s;
    }
}

/* Horizontal sums of HV * VL channels around t (the vertical result, channel 0 of the
 * block), rounded to bytes.  Neighbouring pixels are 3 floats apart. */
static inline void BLUR_NAME(horizontal_block)(unsigned char *restrict dst, const float *t,
                                               const float *wp, int r)
{
    vf a[HV];
    for (int l = 0; l < HV; l++)
        a[l] = wp[0] * BLUR_NAME(load_f)(t + l * VL);
    for (int k = 1; k <= r; k++) {
        const float *lo = t - 3 * k, *hi = t + 3 * k;
        float w = wp[k];
        for (int l = 0; l < HV; l++)
            a[l] += w * (BLUR_NAME(load_f)(lo + l * VL) + BLUR_NAME(load_f)(hi + l * VL));
    }
    float f[HV * VL];
    memcpy(f, a, sizeof f);
    blur_round(dst, f, HV * VL);
}

static void BLUR_NAME(horizontal)(unsigned char *restrict dst, const float *t, const float *wp,
                                  int r, size_t n)
{
    enum { B = HV * VL };
    size_t i = 0;
    for (; i + B <= n; i += B)
        BLUR_NAME(horizontal_block)(dst + i, t + i, wp, r);
    if (i < n && n >= B) {
        BLUR_NAME(horizontal_block)(dst + n - B, t + n - B, wp, r);
        i = n;
    }
    for (; i < n; i++) {
        float s = wp[0] * t[i];
        for (int k = 1; k <= r; k++)
            s += wp[k] * (t[i - 3 * k] + t[i + 3 * k]);
        blur_round(dst + i, &s, 1);
    }
}

/* One band, strip by strip: for each output row the vertical pass fills `tmp` with the
 * strip's columns plus r pixels either side (edge pixels repeated beyond the image), and
 * the horizontal pass turns it into the strip's output bytes.  A strip's 2r + 1 input rows
 * stay in L2 from one output row to the next. */
static void BLUR_NAME(blur_band)(const struct blur_band *b)
{
    float tmp[BLUR_TMP_FLOATS] __attribute__((aligned(64)));
    const unsigned char *rows[2 * BLUR_RADIUS_MAX + 1];
    const struct pb_image *im = b->im;
    size_t width = im->width, n = 3 * width, r = (size_t)b->r;
    ptrdiff_t last = (ptrdiff_t)im->height - 1;
    for (size_t x0 = 0; x0 < width; x0 += b->strip) {
        size_t x1 = x0 + b->strip < width ? x0 + b->strip : width;
        size_t xa = x0 > r ? x0 - r : 0, xb = x1 + r < width ? x1 + r : width;
        /* tmp holds pixels x0 - r .. x1 + r - 1; the image's part of them starts at xa. */
        float *inside = tmp + 3 * (xa + r - x0), *end = tmp + 3 * (x1 + 2 * r - x0);
        float *after = inside + 3 * (xb - xa);
        for (size_t y = b->y0; y < b->y1; y++) {
            for (ptrdiff_t k = -b->r; k <= b->r; k++) {
                ptrdiff_t yy = (ptrdiff_t)y + k;
                yy = yy < 0 ? 0 : yy > last ? last : yy;
                rows[k + b->r] = im->rgb + (size_t)yy * n;
            }
            BLUR_NAME(vertical)(inside, rows, b->wp, b->r, 3 * xa, 3 * (xb - xa));
            for (float *p = tmp; p < inside; p += 3)
                memcpy(p, inside, 3 * sizeof *p);
            for (float *p = after; p < end; p += 3)
                memcpy(p, after - 3, 3 * sizeof *p);
            BLUR_NAME(horizontal)(b->dst + (y - b->y0) * n + 3 * x0, tmp + 3 * r, b->wp, b->r,
                                  3 * (x1 - x0));
        }
    }
}

#undef vf
#undef vi
#undef vu
#undef VL
#undef NV
#undef HV
