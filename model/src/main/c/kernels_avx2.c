/* The AVX2 variant of kernel.h (compiled with -mavx2 -mf16c -mfma): a "vector" of 16
 * floats is a pair of 256-bit registers. */
#include <immintrin.h>
#include "kernels.h"

typedef struct {
    __m256 lo;
    __m256 hi;
} vec16;

static inline vec16 v_zero(void) { return (vec16){_mm256_setzero_ps(), _mm256_setzero_ps()}; }
static inline vec16 v_load32(const float *p) { return (vec16){_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
static inline vec16 v_load16(const uint16_t *p)
{
    return (vec16){_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)),
                   _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p + 8)))};
}
static inline vec16 v_bcast(const float *p) { __m256 v = _mm256_broadcast_ss(p); return (vec16){v, v}; }
static inline vec16 v_fma(vec16 a, vec16 b, vec16 c)
{
    return (vec16){_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)};
}
static inline void v_store(float *p, vec16 v) { _mm256_storeu_ps(p, v.lo); _mm256_storeu_ps(p + 8, v.hi); }

#define VEC vec16
#define VZERO v_zero()
#define VLOAD32(p) v_load32(p)
#define VLOAD16(p) v_load16(p)
#define VBCAST(p) v_bcast(p)
#define VFMA(a, b, c) v_fma(a, b, c)
#define VSTORE(p, v) v_store(p, v)
#define FN(name) name##_avx2

#include "kernel.h"
