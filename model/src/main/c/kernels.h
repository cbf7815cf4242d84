/* The decode kernels (matrix product, attention) shared by the instruction-set variants and the JNI entry points. */
#ifndef KAIZEN_KERNELS_H
#define KAIZEN_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Outputs per tile (one AVX-512 register of floats). */
#define TILE 16
/* Input rows multiplied against one pair of tiles at a time (2 x 8 accumulators in registers). */
#define MAX_BLOCK_ROWS 8

/* A weight matrix W (out x in), packed in tiles of 16 outputs, an even number of tiles (the
 * outputs past `out` are zero). */
typedef struct {
    int in;
    int out;
    int pairs;   /* tile pairs: ceil(out / 32) */
    int half;    /* 1: float16 weights, 0: float32 */
    void *weights;
} kz_matrix;

/* Positions per key block. */
#define KEY_BLOCK 16

/* One decode step's attention over a layer's cached keys and values, for one row (sequence).
 * Keys are stored in blocks of 16 positions, each block dimension by dimension, so that the scores
 * of 16 positions are one register of accumulators and the keys are read front to back:
 * keys[(((row * kv_heads + kv) * capacity / 16 + position / 16) * head_dim + d) * 16 + position % 16].
 * Values are row-major: values[((row * kv_heads + kv) * capacity + position) * head_dim + d].
 * (A transposed layout, all positions of one dimension together, read 64 short runs per head,
 * too short for the hardware prefetcher.) The capacity is a multiple of 16. */
typedef struct {
    int heads;
    int kv_heads;
    int head_dim;
    int capacity;
    int keys_seen; /* positions to attend: the new one included */
    int column;    /* the new position (always attended) */
    float scale;
} kz_attention;

/* out[h * head_dim ..] for the query heads of key/value heads [kv_from, kv_to) of one row; q is
 * the row's queries (heads x head_dim), real[position] is 0 for padding (NULL: no padding),
 * scores has room for keys_seen floats. */
void kz_attend_avx512(const kz_attention *a, const float *keys, const float *values, const float *q, float *out,
                      const uint8_t *real, int row, int kv_from, int kv_to, float *scores);
void kz_attend_avx2(const kz_attention *a, const float *keys, const float *values, const float *q, float *out,
                    const uint8_t *real, int row, int kv_from, int kv_to, float *scores);

/* The MLP's activation: out[i] = silu(gate[i]) * up[i] for i in [from, to). */
void kz_silu_mul_avx512(const float *gate, const float *up, float *out, int from, int to);
void kz_silu_mul_avx2(const float *gate, const float *up, float *out, int from, int to);

/* y[r][o] = sum_i x[r][i] W[o][i] for the outputs of tile pairs [pair_from, pair_to). */
void kz_multiply_avx512(const kz_matrix *m, const float *x, int rows, float *y, int pair_from, int pair_to);
void kz_multiply_avx2(const kz_matrix *m, const float *x, int rows, float *y, int pair_from, int pair_to);

#endif
