/*
 * JNI entry points of the native decode kernels (ai.kaizen.model.llama.NativeKernels): packed
 * weight matrices in native memory and their product with a few input rows, and a decode step's
 * attention over the Java key/value arrays. The variant for the
 * CPU (AVX-512 or AVX2) is chosen once, when the library loads; on a CPU with neither the library
 * reports no instruction set and Java keeps its own kernel.
 */
#include <jni.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "kernels.h"

static const kz_kernels *kernels; /* NULL: the CPU has neither instruction set */
static int isa;                    /* 0 none, 1 AVX2, 2 AVX-512 */

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        kernels = &kz_kernels_avx512;
        isa = 2;
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
        kernels = &kz_kernels_avx2;
        isa = 1;
    }
    return JNI_VERSION_1_8;
}

JNIEXPORT jint JNICALL Java_ai_kaizen_model_llama_NativeKernels_instructionSet(JNIEnv *env, jclass cls)
{
    return isa;
}

#define HUGE_PAGE ((size_t)2 << 20)

/*
 * Zeroed memory for weights, 2 MiB aligned and advised onto transparent huge pages (Linux's
 * "madvise" mode, the usual default, gives them only where asked). A decode step streams every
 * weight once: on 4 KiB pages every 4 KiB costs a TLB miss, under a hypervisor a two-level page
 * walk, and on this project's machines reading with 4 KiB pages reached 5-20% less bandwidth.
 * Where huge pages are unavailable the advice is ignored and 4 KiB pages serve. Sets *mapped to
 * the bytes to unmap; returns NULL when the memory cannot be had.
 */
static void *map_weights(size_t bytes, size_t *mapped)
{
    size_t size = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    char *raw = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {
        return NULL;
    }
    /* keep the 2 MiB aligned part, give the rest back */
    char *start = (char *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (start > raw) {
        munmap(raw, (size_t)(start - raw));
    }
    size_t tail = (size_t)(raw + size + HUGE_PAGE - (start + size));
    if (tail > 0) {
        munmap(start + size, tail);
    }
    madvise(start, size, MADV_HUGEPAGE); /* advice: fails harmlessly where THP is off */
    *mapped = size;
    return start;
}

/* A matrix of the format (KZ_F32, KZ_F16, KZ_Q8); returns 0 when the memory cannot be had. */
JNIEXPORT jlong JNICALL Java_ai_kaizen_model_llama_NativeKernels_allocate(JNIEnv *env, jclass cls, jint in, jint out,
                                                                          jint format)
{
    kz_matrix *m = calloc(1, sizeof(kz_matrix));
    if (m == NULL) {
        return 0;
    }
    m->in = in;
    m->out = out;
    m->panels = (out + PANEL - 1) / PANEL;
    m->format = format;
    /* mapped memory starts zero, so the padding outputs stay zero */
    m->weights = map_weights((size_t)m->panels * kz_panel_bytes(format, in), &m->mapped);
    if (m->weights == NULL) {
        free(m);
        return 0;
    }
    return (jlong)(intptr_t)m;
}

JNIEXPORT void JNICALL Java_ai_kaizen_model_llama_NativeKernels_release(JNIEnv *env, jclass cls, jlong handle)
{
    kz_matrix *m = (kz_matrix *)(intptr_t)handle;
    munmap(m->weights, m->mapped);
    free(m);
}

/* Offset of weight W[o][i] in the panels. */
static inline size_t panel_offset(const kz_matrix *m, int o, int i)
{
    return ((size_t)(o / PANEL) * m->in + i) * PANEL + o % PANEL;
}

/* Writes rows [first, first + count) of W, given row-major (count x in), elements of `size` bytes. */
static void pack_rows(kz_matrix *m, int first, const char *src, int count, size_t size)
{
    char *w = m->weights;
    for (int r = 0; r < count; r++) {
        for (int i = 0; i < m->in; i++) {
            memcpy(w + panel_offset(m, first + r, i) * size, src + ((size_t)r * m->in + i) * size, size);
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

/* Writes rows [first, first + count) of an int8 matrix, quantised by the caller: q row-major
 * (count x in), scales (count x blocks) as float16 bits. */
JNIEXPORT void JNICALL Java_ai_kaizen_model_llama_NativeKernels_packInt8(JNIEnv *env, jclass cls, jlong handle,
                                                                         jint first, jbyteArray q, jshortArray scales,
                                                                         jint count)
{
    kz_matrix *m = (kz_matrix *)(intptr_t)handle;
    int blocks = (m->in + Q8_BLOCK - 1) / Q8_BLOCK;
    size_t panel_bytes = kz_panel_bytes(KZ_Q8, m->in);
    const int8_t *qs = (*env)->GetPrimitiveArrayCritical(env, q, NULL);
    const uint16_t *ss = (*env)->GetPrimitiveArrayCritical(env, scales, NULL);
    for (int r = 0; r < count; r++) {
        int o = first + r;
        uint8_t *panel = (uint8_t *)m->weights + (size_t)(o / PANEL) * panel_bytes;
        int lane = o % PANEL;
        for (int k = 0; k < blocks; k++) {
            uint8_t *b = panel + (size_t)k * Q8_BLOCK_BYTES;
            ((uint16_t *)b)[lane] = ss[(size_t)r * blocks + k];
            int n = m->in - k * Q8_BLOCK < Q8_BLOCK ? m->in - k * Q8_BLOCK : Q8_BLOCK;
            for (int j = 0; j < n; j++) {
                ((int8_t *)(b + PANEL * 2))[j * PANEL + lane] = qs[(size_t)r * m->in + k * Q8_BLOCK + j];
            }
        }
    }
    (*env)->ReleasePrimitiveArrayCritical(env, scales, (void *)ss, JNI_ABORT);
    (*env)->ReleasePrimitiveArrayCritical(env, q, (void *)qs, JNI_ABORT);
}

/* y (rows x out) = x (rows x in) W^T, for the outputs of panels [from, to). */
JNIEXPORT void JNICALL Java_ai_kaizen_model_llama_NativeKernels_multiply(JNIEnv *env, jclass cls, jlong handle,
                                                                         jfloatArray x, jint rows, jfloatArray y,
                                                                         jint from, jint to)
{
    const kz_matrix *m = (const kz_matrix *)(intptr_t)handle;
    float *xs = (*env)->GetPrimitiveArrayCritical(env, x, NULL);
    float *ys = (*env)->GetPrimitiveArrayCritical(env, y, NULL);
    kernels->multiply(m, xs, rows, ys, from, to);
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
    kernels->silu_mul(gate, gate + inter, o + (size_t)row * inter, from, to);
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
    kernels->attend(&a, k, v, q + qkv_offset, o + out_offset, r, row, kv_from, kv_to, scores);
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

/* out[offset ..] = W[o][..]: one row of the matrix (an embedding lookup on a tied LM head). */
JNIEXPORT void JNICALL Java_ai_kaizen_model_llama_NativeKernels_row(JNIEnv *env, jclass cls, jlong handle, jint o,
                                                                    jfloatArray out, jint offset)
{
    float *dst = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    kernels->row((const kz_matrix *)(intptr_t)handle, o, dst + offset);
    (*env)->ReleasePrimitiveArrayCritical(env, out, dst, 0);
}

/* The bandwidth probe's buffer: `floats` ones on the weights' kind of memory (written, so that
 * reading it reads memory rather than the kernel's shared zero page). */
typedef struct {
    float *data;
    size_t mapped;
} kz_buffer;

JNIEXPORT jlong JNICALL Java_ai_kaizen_model_llama_NativeKernels_allocateProbe(JNIEnv *env, jclass cls, jlong floats)
{
    kz_buffer *b = calloc(1, sizeof(kz_buffer));
    if (b == NULL) {
        return 0;
    }
    b->data = map_weights((size_t)floats * sizeof(float), &b->mapped);
    if (b->data == NULL) {
        free(b);
        return 0;
    }
    for (size_t i = 0; i < (size_t)floats; i++) {
        b->data[i] = 1.0f;
    }
    return (jlong)(intptr_t)b;
}

/* The sum of the probe's floats [from, to): one streaming read. */
JNIEXPORT jfloat JNICALL Java_ai_kaizen_model_llama_NativeKernels_sumProbe(JNIEnv *env, jclass cls, jlong handle,
                                                                           jlong from, jlong to)
{
    const kz_buffer *b = (const kz_buffer *)(intptr_t)handle;
    return kernels->sum(b->data, (size_t)from, (size_t)to);
}

JNIEXPORT void JNICALL Java_ai_kaizen_model_llama_NativeKernels_releaseProbe(JNIEnv *env, jclass cls, jlong handle)
{
    kz_buffer *b = (kz_buffer *)(intptr_t)handle;
    munmap(b->data, b->mapped);
    free(b);
}
