/* The AVX2 variant of kernel.h (compiled with -mavx2 -mf16c -mfma): a "vector" of 16
 * floats is a pair of 256-bit registers. */
#include <immintrin.h>
#include "kernels.h"

/* glibc's libmvec: expf on 8 lanes (vector function ABI name) */
__m256 _ZGVdN8v_expf(__m256 x);

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
static inline vec16 v_loadq8(const int8_t *p)
{
    __m128i b = _mm_loadu_si128((const __m128i *)p);
    return (vec16){_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b)), _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(b, 8)))};
}
static inline vec16 v_bcast(const float *p) { __m256 v = _mm256_broadcast_ss(p); return (vec16){v, v}; }
static inline vec16 v_set1(float x) { __m256 v = _mm256_set1_ps(x); return (vec16){v, v}; }
static inline vec16 v_add(vec16 a, vec16 b) { return (vec16){_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }
static inline vec16 v_sub(vec16 a, vec16 b) { return (vec16){_mm256_sub_ps(a.lo, b.lo), _mm256_sub_ps(a.hi, b.hi)}; }
static inline vec16 v_mul(vec16 a, vec16 b) { return (vec16){_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)}; }
static inline vec16 v_div(vec16 a, vec16 b) { return (vec16){_mm256_div_ps(a.lo, b.lo), _mm256_div_ps(a.hi, b.hi)}; }
static inline vec16 v_exp(vec16 a) { return (vec16){_ZGVdN8v_expf(a.lo), _ZGVdN8v_expf(a.hi)}; }
static inline float v_sum(vec16 a)
{
    __m256 s = _mm256_add_ps(a.lo, a.hi);
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}
static inline vec16 v_fma(vec16 a, vec16 b, vec16 c)
{
    return (vec16){_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)};
}
static inline void v_store(float *p, vec16 v) { _mm256_storeu_ps(p, v.lo); _mm256_storeu_ps(p + 8, v.hi); }

#define VEC vec16
#define VZERO v_zero()
#define VLOAD32(p) v_load32(p)
#define VLOAD16(p) v_load16(p)
#define VLOADQ8(p) v_loadq8(p)
#define VBCAST(p) v_bcast(p)
#define VSET1(x) v_set1(x)
#define VFMA(a, b, c) v_fma(a, b, c)
#define VADD(a, b) v_add(a, b)
#define VSUB(a, b) v_sub(a, b)
#define VMUL(a, b) v_mul(a, b)
#define VDIV(a, b) v_div(a, b)
#define VSUM(a) v_sum(a)
#define VEXP(a) v_exp(a)
#define VSTORE(p, v) v_store(p, v)
#define HALF(bits) _cvtsh_ss(bits)
#define FN(name) name##_avx2

#include "kernel.h"
