/*
 * The bodies of the decode kernels, compiled once per instruction set: the including file
 * defines VEC (16 floats), VZERO, VLOAD32 / VLOAD16 (16 weights, float32 or float16, widened),
 * VBCAST (a float in memory to all lanes), VSET1 (a float value to all lanes), VFMA (a * b + c),
 * VADD, VSUB, VMUL, VDIV, VSUM (the sum of the lanes), VEXP (exp of each lane), VSTORE, VLOADQ8
 * (16 int8 weights, widened to float), HALF(bits) (one float16 widened), and FN(name) (the name
 * with the instruction set appended).
 *
 * Layout (see kernels.h): the weights of 32 outputs form a panel, stored input by input, so that a
 * panel is one contiguous stream: panel[i][0..31] = W[32 p + 0..31][i]. (Two separate streams of
 * 16 outputs each read 5-9% slower, one stream reads as fast as a plain sum over the same bytes.)
 * A panel is multiplied against up to 8 input rows at once, so that each weight loaded from
 * memory feeds 8 independent fused multiply-adds held in registers (2 x 8 accumulators); a batch
 * of 8 costs little more memory traffic than a batch of 1.
 */

#define DEFINE_BLOCK(NAME, WTYPE, LOAD)                                                            \
    static inline __attribute__((always_inline)) void NAME(const WTYPE *w, int in, const float *x, int xs,  \
                                                           int nr, float *out)                      \
    {                                                                                              \
        VEC acc[MAX_BLOCK_ROWS][2];                                                                \
        for (int r = 0; r < nr; r++) {                                                             \
            acc[r][0] = VZERO;                                                                     \
            acc[r][1] = VZERO;                                                                     \
        }                                                                                          \
        for (int i = 0; i < in; i++) {                                                             \
            VEC a = LOAD(w + (size_t)i * PANEL);                                                   \
            VEC b = LOAD(w + (size_t)i * PANEL + TILE);                                            \
            for (int r = 0; r < nr; r++) {                                                         \
                VEC xv = VBCAST(x + (size_t)r * xs + i);                                           \
                acc[r][0] = VFMA(xv, a, acc[r][0]);                                                \
                acc[r][1] = VFMA(xv, b, acc[r][1]);                                                \
            }                                                                                      \
        }                                                                                          \
        for (int r = 0; r < nr; r++) {                                                             \
            VSTORE(out + r * PANEL, acc[r][0]);                                                    \
            VSTORE(out + r * PANEL + TILE, acc[r][1]);                                             \
        }                                                                                          \
    }

DEFINE_BLOCK(FN(block32), float, VLOAD32)
DEFINE_BLOCK(FN(block16), uint16_t, VLOAD16)

/* int8 weights (the Q8 layout in kernels.h). With one or two rows each block's sums are kept
 * apart and scaled once at the block's end, in two interleaved sets so that consecutive
 * multiply-adds do not wait on each other; with more rows each widened weight vector is scaled
 * once and feeds every row (the accumulators of 8 rows fill the registers). */
static inline __attribute__((always_inline)) void FN(block8)(const uint8_t *w, int in, const float *x, int xs,
                                                            int nr, float *out)
{
    VEC acc[MAX_BLOCK_ROWS][2];
    for (int r = 0; r < nr; r++) {
        acc[r][0] = VZERO;
        acc[r][1] = VZERO;
    }
    for (int i0 = 0; i0 < in; i0 += Q8_BLOCK) {
        const uint8_t *b = w + (size_t)(i0 / Q8_BLOCK) * Q8_BLOCK_BYTES;
        VEC s0 = VLOAD16((const uint16_t *)b);
        VEC s1 = VLOAD16((const uint16_t *)b + TILE);
        const int8_t *q = (const int8_t *)(b + PANEL * 2);
        const float *xb = x + i0;
        int n = in - i0 < Q8_BLOCK ? in - i0 : Q8_BLOCK;
        if (nr <= 2) {
            VEC part[2][4];
            for (int r = 0; r < nr; r++) {
                part[r][0] = part[r][1] = part[r][2] = part[r][3] = VZERO;
            }
            int j = 0;
            for (; j + 2 <= n; j += 2) {
                VEC a0 = VLOADQ8(q + (size_t)j * PANEL);
                VEC c0 = VLOADQ8(q + (size_t)j * PANEL + TILE);
                VEC a1 = VLOADQ8(q + (size_t)(j + 1) * PANEL);
                VEC c1 = VLOADQ8(q + (size_t)(j + 1) * PANEL + TILE);
                for (int r = 0; r < nr; r++) {
                    VEC x0 = VBCAST(xb + (size_t)r * xs + j);
                    VEC x1 = VBCAST(xb + (size_t)r * xs + j + 1);
                    part[r][0] = VFMA(x0, a0, part[r][0]);
                    part[r][1] = VFMA(x0, c0, part[r][1]);
                    part[r][2] = VFMA(x1, a1, part[r][2]);
                    part[r][3] = VFMA(x1, c1, part[r][3]);
                }
            }
            if (j < n) {
                VEC a0 = VLOADQ8(q + (size_t)j * PANEL);
                VEC c0 = VLOADQ8(q + (size_t)j * PANEL + TILE);
                for (int r = 0; r < nr; r++) {
                    VEC x0 = VBCAST(xb + (size_t)r * xs + j);
                    part[r][0] = VFMA(x0, a0, part[r][0]);
                    part[r][1] = VFMA(x0, c0, part[r][1]);
                }
            }
            for (int r = 0; r < nr; r++) {
                acc[r][0] = VFMA(VADD(part[r][0], part[r][2]), s0, acc[r][0]);
                acc[r][1] = VFMA(VADD(part[r][1], part[r][3]), s1, acc[r][1]);
            }
        } else {
            for (int j = 0; j < n; j++) {
                VEC a = VMUL(VLOADQ8(q + (size_t)j * PANEL), s0);
                VEC c = VMUL(VLOADQ8(q + (size_t)j * PANEL + TILE), s1);
                for (int r = 0; r < nr; r++) {
                    VEC xv = VBCAST(xb + (size_t)r * xs + j);
                    acc[r][0] = VFMA(xv, a, acc[r][0]);
                    acc[r][1] = VFMA(xv, c, acc[r][1]);
                }
            }
        }
    }
    for (int r = 0; r < nr; r++) {
        VSTORE(out + r * PANEL, acc[r][0]);
        VSTORE(out + r * PANEL + TILE, acc[r][1]);
    }
}

/* The row count is made a constant in each case, so that the compiler keeps every accumulator
 * in a register and unrolls the row loop. */
#define DISPATCH_ROWS(BLOCK, w, in, x, xs, nr, out)                                                \
    switch (nr) {                                                                                  \
    case 1: BLOCK(w, in, x, xs, 1, out); break;                                                    \
    case 2: BLOCK(w, in, x, xs, 2, out); break;                                                    \
    case 3: BLOCK(w, in, x, xs, 3, out); break;                                                    \
    case 4: BLOCK(w, in, x, xs, 4, out); break;                                                    \
    case 5: BLOCK(w, in, x, xs, 5, out); break;                                                    \
    case 6: BLOCK(w, in, x, xs, 6, out); break;                                                    \
    case 7: BLOCK(w, in, x, xs, 7, out); break;                                                    \
    default: BLOCK(w, in, x, xs, 8, out); break;                                                   \
    }

static void FN(kz_multiply)(const kz_matrix *m, const float *x, int rows, float *y, int from, int to)
{
    float block[MAX_BLOCK_ROWS * PANEL];
    for (int p = from; p < to; p++) {
        int o0 = p * PANEL;
        int width = m->out - o0 < PANEL ? m->out - o0 : PANEL;
        for (int r0 = 0; r0 < rows; r0 += MAX_BLOCK_ROWS) {
            int nr = rows - r0 < MAX_BLOCK_ROWS ? rows - r0 : MAX_BLOCK_ROWS;
            const float *xr = x + (size_t)r0 * m->in;
            if (m->format == KZ_Q8) {
                const uint8_t *w = (const uint8_t *)m->weights + (size_t)p * kz_panel_bytes(KZ_Q8, m->in);
                DISPATCH_ROWS(FN(block8), w, m->in, xr, m->in, nr, block)
            } else if (m->format == KZ_F16) {
                const uint16_t *w = (const uint16_t *)m->weights + (size_t)p * m->in * PANEL;
                DISPATCH_ROWS(FN(block16), w, m->in, xr, m->in, nr, block)
            } else {
                const float *w = (const float *)m->weights + (size_t)p * m->in * PANEL;
                DISPATCH_ROWS(FN(block32), w, m->in, xr, m->in, nr, block)
            }
            for (int r = 0; r < nr; r++) {
                memcpy(y + (size_t)(r0 + r) * m->out + o0, block + r * PANEL, sizeof(float) * width);
            }
        }
    }
}

/* Scores of the 16 positions of one key block (see kernels.h): 64 bytes per dimension, the block
 * read front to back. */
static inline __attribute__((always_inline)) VEC FN(score_block)(const float *block, int hd, const float *q,
                                                                float scale)
{
    VEC acc = VZERO;
    for (int d = 0; d < hd; d++) {
        acc = VFMA(VSET1(q[d] * scale), VLOAD32(block + (size_t)d * KEY_BLOCK), acc);
    }
    return acc;
}

/* out[0..16 NV) = sum_s p[s] v[s][..], the accumulators held in registers. */
static inline __attribute__((always_inline)) void FN(weigh_values)(const float *v, int hd, const float *p, int n,
                                                                  int nv, float *out)
{
    VEC acc[8];
    for (int j = 0; j < nv; j++) {
        acc[j] = VZERO;
    }
    for (int s = 0; s < n; s++) {
        VEC ps = VSET1(p[s]);
        const float *vs = v + (size_t)s * hd;
        for (int j = 0; j < nv; j++) {
            acc[j] = VFMA(ps, VLOAD32(vs + 16 * j), acc[j]);
        }
    }
    for (int j = 0; j < nv; j++) {
        VSTORE(out + 16 * j, acc[j]);
    }
}

/* One query head's attention over the cached positions [0, n) of its key/value head (see
 * kernels.h for the layout). scores has room for n rounded up to 16; cap is a multiple of 16. */
static void FN(attend_head)(const float *k, const float *v, int cap, int hd, const float *q, float scale, int n,
                            const uint8_t *real, int column, float *scores, float *out)
{
    int s;
    /* whole blocks: the positions past n in the last one are stale, and masked below */
    for (s = 0; s < n; s += KEY_BLOCK) {
        VSTORE(scores + s, FN(score_block)(k + (size_t)s * hd, hd, q, scale));
    }
    int padded = (n + 15) & ~15;
    float max = -INFINITY;
    for (s = 0; s < padded; s++) {
        if (s >= n || (real != NULL && s != column && !real[s])) {
            scores[s] = -INFINITY; /* exp gives exactly 0 */
        } else if (scores[s] > max) {
            max = scores[s];
        }
    }
    /* glibc's vector expf (libmvec), 16 lanes at a time instead of a scalar call per position */
    VEC vmax = VSET1(max);
    VEC vsum = VZERO;
    for (s = 0; s < padded; s += 16) {
        VEC e = VEXP(VSUB(VLOAD32(scores + s), vmax));
        VSTORE(scores + s, e);
        vsum = VADD(vsum, e);
    }
    float inv = 1.0f / VSUM(vsum);
    for (s = 0; s < n; s++) {
        scores[s] *= inv;
    }
    /* masked positions have weight 0 and finite values, so they add exactly nothing */
    if (hd == 64) {
        FN(weigh_values)(v, hd, scores, n, 4, out);
    } else if (hd == 128) {
        FN(weigh_values)(v, hd, scores, n, 8, out);
    } else {
        for (int d = 0; d < hd; d++) {
            out[d] = 0;
        }
        for (s = 0; s < n; s++) {
            const float *vs = v + (size_t)s * hd;
            for (int d = 0; d < hd; d++) {
                out[d] += scores[s] * vs[d];
            }
        }
    }
}

static void FN(kz_attend)(const kz_attention *a, const float *keys, const float *values, const float *q, float *out,
                   const uint8_t *real, int row, int kv_from, int kv_to, float *scores)
{
    int group = a->heads / a->kv_heads;
    for (int kv = kv_from; kv < kv_to; kv++) {
        size_t bh = (size_t)row * a->kv_heads + kv;
        const float *k = keys + bh * a->head_dim * a->capacity;
        const float *v = values + bh * a->capacity * a->head_dim;
        for (int h = kv * group; h < (kv + 1) * group; h++) {
            FN(attend_head)(k, v, a->capacity, a->head_dim, q + (size_t)h * a->head_dim, a->scale, a->keys_seen, real,
                            a->column, scores, out + (size_t)h * a->head_dim);
        }
    }
}

/* out[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i] for i in [from, to). */
static void FN(kz_silu_mul)(const float *gate, const float *up, float *out, int from, int to)
{
    int i = from;
    VEC one = VSET1(1.0f);
    for (; i + 16 <= to; i += 16) {
        VEC g = VLOAD32(gate + i);
        VEC e = VEXP(VSUB(VZERO, g));
        VSTORE(out + i, VMUL(VDIV(g, VADD(one, e)), VLOAD32(up + i)));
    }
    for (; i < to; i++) {
        out[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
    }
}

static void FN(kz_row)(const kz_matrix *m, int o, float *out)
{
    if (m->format == KZ_Q8) {
        /* the same products as the Java copy's dequantisation: scale * q, in float */
        const uint8_t *panel = (const uint8_t *)m->weights + (size_t)(o / PANEL) * kz_panel_bytes(KZ_Q8, m->in);
        int lane = o % PANEL;
        for (int i = 0; i < m->in; i++) {
            const uint8_t *b = panel + (size_t)(i / Q8_BLOCK) * Q8_BLOCK_BYTES;
            float scale = HALF(((const uint16_t *)b)[lane]);
            out[i] = scale * (float)((const int8_t *)(b + PANEL * 2))[(i % Q8_BLOCK) * PANEL + lane];
        }
        return;
    }
    /* W[o][i] is at panel o / 32, input i, lane o % 32: one float per panel row */
    size_t at = (size_t)(o / PANEL) * m->in * PANEL + o % PANEL;
    if (m->format == KZ_F16) {
        const uint16_t *w = (const uint16_t *)m->weights + at;
        for (int i = 0; i < m->in; i++) {
            out[i] = HALF(w[(size_t)i * PANEL]);
        }
    } else {
        const float *w = (const float *)m->weights + at;
        for (int i = 0; i < m->in; i++) {
            out[i] = w[(size_t)i * PANEL];
        }
    }
}

static float FN(kz_sum)(const float *a, size_t from, size_t to)
{
    /* four independent accumulators, so that the adds never wait on each other */
    VEC s0 = VZERO, s1 = VZERO, s2 = VZERO, s3 = VZERO;
    size_t i = from;
    for (; i + 64 <= to; i += 64) {
        s0 = VADD(s0, VLOAD32(a + i));
        s1 = VADD(s1, VLOAD32(a + i + 16));
        s2 = VADD(s2, VLOAD32(a + i + 32));
        s3 = VADD(s3, VLOAD32(a + i + 48));
    }
    float sum = VSUM(VADD(VADD(s0, s1), VADD(s2, s3)));
    for (; i < to; i++) {
        sum += a[i];
    }
    return sum;
}

const kz_kernels FN(kz_kernels) = {FN(kz_multiply), FN(kz_attend), FN(kz_silu_mul), FN(kz_row), FN(kz_sum)};
