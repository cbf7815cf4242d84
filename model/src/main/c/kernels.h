/* The decode kernels (matrix product, attention) shared by the instruction-set variants and the JNI entry points. */
#ifndef KAIZEN_KERNELS_H
#define KAIZEN_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Outputs per vector (one AVX-512 register of floats). */
#define TILE 16
/* Outputs per panel: two vectors, multiplied together. */
#define PANEL 32
/* Input rows multiplied against one panel at a time (2 x 8 accumulators in registers). */
#define MAX_BLOCK_ROWS 8

/* A weight matrix W (out x in), packed in panels of 32 outputs stored input by input, so that a
 * panel is one contiguous stream: panel[p][i][0..31] = W[32 p + 0..31][i] (the outputs past `out`
 * are zero). */
typedef struct {
    int in;
    int out;
    int panels;    /* ceil(out / 32) */
    int format;    /* KZ_F32, KZ_F16 or KZ_Q8 */
    void *weights; /* mapped, 2 MiB aligned */
    size_t mapped; /* bytes mapped at weights */
} kz_matrix;

/* Weight formats: float32, float16 (widened in registers), int8 in blocks (below). */
#define KZ_F32 0
#define KZ_F16 1
#define KZ_Q8 2

/* int8 weights in blocks of 32 inputs with one float16 scale per output and block (llama.cpp's
 * Q8_0): W[o][i] = scale[o][i / 32] * q[o][i]. A panel is still one stream, block after block;
 * a block holds the 32 outputs' scales (float16), then the weights input by input:
 * block[k] = scales[0..31], q[32 k + 0][0..31], ..., q[32 k + 31][0..31] (1088 bytes; inputs
 * past `in` are zero and never read). */
#define Q8_BLOCK 32
#define Q8_BLOCK_BYTES (PANEL * 2 + Q8_BLOCK * PANEL)

/* Bytes of one panel of a matrix of this format. */
static inline size_t kz_panel_bytes(int format, int in)
{
    if (format == KZ_Q8) {
        return (size_t)((in + Q8_BLOCK - 1) / Q8_BLOCK) * Q8_BLOCK_BYTES;
    }
    return (size_t)in * PANEL * (format == KZ_F16 ? 2 : 4);
}

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

/* One instruction set's kernels: kernel.h compiled with that set's flags (kernels_avx512.c,
 * kernels_avx2.c) fills one of these; the library picks one when it loads. */
typedef struct {
    /* y[r][o] = sum_i x[r][i] W[o][i] for the outputs of panels [from, to). */
    void (*multiply)(const kz_matrix *m, const float *x, int rows, float *y, int from, int to);
    /* out[h * head_dim ..] for the query heads of key/value heads [kv_from, kv_to) of one row; q is
     * the row's queries (heads x head_dim), real[position] is 0 for padding (NULL: no padding),
     * scores has room for keys_seen floats. */
    void (*attend)(const kz_attention *a, const float *keys, const float *values, const float *q, float *out,
                   const uint8_t *real, int row, int kv_from, int kv_to, float *scores);
    /* The MLP's activation: out[i] = silu(gate[i]) * up[i] for i in [from, to). */
    void (*silu_mul)(const float *gate, const float *up, float *out, int from, int to);
    /* out[i] = W[o][i] for every input i: one row of the matrix, widened to float32 (the embedding
     * lookup when the LM head is the embedding). */
    void (*row)(const kz_matrix *m, int o, float *out);
    /* The sum of floats [from, to) of a buffer, read with vector loads (the bandwidth probe). */
    float (*sum)(const float *a, size_t from, size_t to);
} kz_kernels;

extern const kz_kernels kz_kernels_avx512;
extern const kz_kernels kz_kernels_avx2;

#endif
