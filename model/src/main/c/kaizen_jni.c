/*
 * JNI entry points of the native decode kernels (ai.kaizen.model.llama.NativeKernels): packed
 * weight matrices in native memory and their product with a few input rows, and a decode step's
 * attention over the Java key/value arrays. The variant for the
 * CPU (AVX-512 or AVX2) is chosen once, when the library loads; on a CPU with neither the library
 * reports no instruction set and Java keeps its own kernel.
 */
#include <jni.h>
#include <stdlib.h>
#include "kernels.h"

typedef void (*multiply_fn)(const kz_matrix *, const float *, int, float *, int, int);
typedef void (*attend_fn)(const kz_attention *, const float *, const float *, const float *, float *, const uint8_t *,
                          int, int, int, float *);

typedef void (*silu_mul_fn)(const float *, const float *, float *, int, int);

static multiply_fn multiply_impl;
static attend_fn attend_impl;
static silu_mul_fn silu_mul_impl;
static int isa; /* 0 none, 1 AVX2, 2 AVX-512 */

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        multiply_impl = kz_multiply_avx512;
        attend_impl = kz_attend_avx512;
        silu_mul_impl = kz_silu_mul_avx512;
        isa = 2;
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
        multiply_impl = kz_multiply_avx2;
        attend_impl = kz_attend_avx2;
        silu_mul_impl = kz_silu_mul_avx2;
        isa = 1;
    }
    return JNI_VERSION_1_8;
}

JNIEXPORT jint JNICALL Java_ai_kaizen_model_llama_NativeKernels_instructionSet(JNIEnv *env, jclass cls)
{
    return isa;
}

/* Returns 0 when the memory cannot be had. */
JNIEXPORT jlong JNICALL Java_ai_kaizen_model_llama_NativeKernels_allocate(JNIEnv *env, jclass cls, jint in, jint out,
                                                                          jboolean half)
{
    kz_matrix *m = calloc(1, sizeof(kz_matrix));
    if (m == NULL) {
        return 0;
    }
    m->in = in;
    m->out = out;
    m->pairs = (out + 2 * TILE - 1) / (2 * TILE);
    m->half = half ? 1 : 0;
    size_t bytes = (size_t)m->pairs * 2 * TILE * in * (half ? 2 : 4);
    bytes = (bytes + 63) & ~(size_t)63; /* aligned_alloc wants a multiple of the alignment */
    m->weights = aligned_alloc(64, bytes);
    if (m->weights == NULL) {
        free(m);
        return 0;
    }
    memset(m->weights, 0, bytes); /* the padding outputs stay zero */
    return (jlong)(intptr_t)m;
}

JNIEXPORT void JNICALL Java_ai_kaizen_model_llama_NativeKernels_release(JNIEnv *env, jclass cls, jlong handle)
{
    kz_matrix *m = (kz_matrix *)(intptr_t)handle;
    free(m->weights);
    free(m);
}

/* Offset of weight W[o][i] in the tiles. */
static inline size_t tile_offset(const kz_matrix *m, int o, int i)
{
    return ((size_t)(o / TILE) * m->in + i) * TILE + o % TILE;
}

/* Writes rows [first, first + count) of W, given row-major (count x in), elements of `size` bytes. */
static void pack_rows(kz_matrix *m, int first, const char *src, int count, size_t size)
{
    char *w = m->weights;
    for (int r = 0; r < count; r++) {
        for (int i = 0; i < m->in; i++) {
            memcpy(w + tile_offset(m, first + r, i) * size, src + ((size_t)r * m->in + i) * size, size);
        }
    }
}

JNIEXPORT void JNICALL Java_ai_kaizen_model_llama_NativeKernels_packFloats(JNIEnv *env, jclass cls, jlong handle,
                                                                           jint first, jfloatArray rows, jint count)
{
    void *src = (*env)->GetPrimitiveArrayCritical(env, rows, NULL);
    pack_rows((kz_matrix *)(intptr_t)handle, first, src, count, sizeof(float));
    (*env)->ReleasePrimitiveArrayCritical(env, rows, src, JNI_ABORT);
}

/* As packFloats, for float16 bits: the matrix keeps them as they are. */
JNIEXPORT void JNICALL Java_ai_kaizen_model_llama_NativeKernels_packHalves(JNIEnv *env, jclass cls, jlong handle,
                                                                           jint first, jshortArray rows, jint count)
{
    void *src = (*env)->GetPrimitiveArrayCritical(env, rows, NULL);
    pack_rows((kz_matrix *)(intptr_t)handle, first, src, count, sizeof(uint16_t));
    (*env)->ReleasePrimitiveArrayCritical(env, rows, src, JNI_ABORT);
}

/* y (rows x out) = x (rows x in) W^T, for the outputs of tile pairs [pair_from, pair_to). */
JNIEXPORT void JNICALL Java_ai_kaizen_model_llama_NativeKernels_multiply(JNIEnv *env, jclass cls, jlong handle,
                                                                         jfloatArray x, jint rows, jfloatArray y,
                                                                         jint pair_from, jint pair_to)
{
    const kz_matrix *m = (const kz_matrix *)(intptr_t)handle;
    float *xs = (*env)->GetPrimitiveArrayCritical(env, x, NULL);
    float *ys = (*env)->GetPrimitiveArrayCritical(env, y, NULL);
    multiply_impl(m, xs, rows, ys, pair_from, pair_to);
    (*env)->ReleasePrimitiveArrayCritical(env, y, ys, 0);
    (*env)->ReleasePrimitiveArrayCritical(env, x, xs, JNI_ABORT);
}

/* The MLP's activation of one row: gate_up holds (rows, 2 inter), the gates then the ups; out
 * (rows, inter) gets silu(gate) * up for columns [from, to). */
JNIEXPORT void JNICALL Java_ai_kaizen_model_llama_NativeKernels_siluMul(JNIEnv *env, jclass cls, jfloatArray gate_up,
                                                                        jfloatArray out, jint inter, jint row,
                                                                        jint from, jint to)
{
    float *gu = (*env)->GetPrimitiveArrayCritical(env, gate_up, NULL);
    float *o = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    const float *gate = gu + (size_t)row * 2 * inter;
    silu_mul_impl(gate, gate + inter, o + (size_t)row * inter, from, to);
    (*env)->ReleasePrimitiveArrayCritical(env, out, o, 0);
    (*env)->ReleasePrimitiveArrayCritical(env, gate_up, gu, JNI_ABORT);
}

/* Attention of one row's query heads of key/value heads [kv_from, kv_to); see kz_attend. qkv and
 * out are the step's flat activations, the row's at qkv_offset and out_offset; real is null when no
 * row has padding. */
JNIEXPORT void JNICALL Java_ai_kaizen_model_llama_NativeKernels_attend(
    JNIEnv *env, jclass cls, jfloatArray keys, jfloatArray values, jint capacity, jfloatArray qkv, jint qkv_offset,
    jfloatArray out, jint out_offset, jbooleanArray real, jint row, jint kv_from, jint kv_to, jint heads,
    jint kv_heads, jint head_dim, jint keys_seen, jint column, jfloat scale)
{
    kz_attention a = {heads, kv_heads, head_dim, capacity, keys_seen, column, scale};
    float stack[4096];
    int room = (keys_seen + 15) & ~15; /* the kernel pads scores to whole vectors */
    float *scores = room <= 4096 ? stack : malloc(sizeof(float) * room);
    if (scores == NULL) {
        (*env)->ThrowNew(env, (*env)->FindClass(env, "java/lang/OutOfMemoryError"), "attention scores");
        return;
    }
    float *k = (*env)->GetPrimitiveArrayCritical(env, keys, NULL);
    float *v = (*env)->GetPrimitiveArrayCritical(env, values, NULL);
    float *q = (*env)->GetPrimitiveArrayCritical(env, qkv, NULL);
    float *o = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    uint8_t *r = real == NULL ? NULL : (*env)->GetPrimitiveArrayCritical(env, real, NULL);
    attend_impl(&a, k, v, q + qkv_offset, o + out_offset, r, row, kv_from, kv_to, scores);
    if (r != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, real, r, JNI_ABORT);
    }
    (*env)->ReleasePrimitiveArrayCritical(env, out, o, 0);
    (*env)->ReleasePrimitiveArrayCritical(env, qkv, q, JNI_ABORT);
    (*env)->ReleasePrimitiveArrayCritical(env, values, v, JNI_ABORT);
    (*env)->ReleasePrimitiveArrayCritical(env, keys, k, JNI_ABORT);
    if (scores != stack) {
        free(scores);
    }
}
