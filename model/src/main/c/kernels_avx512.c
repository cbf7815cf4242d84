/* The AVX-512 variant of kernel.h (compiled with -mavx512f -mf16c -mfma). */
#include <immintrin.h>
#include "kernels.h"

/* glibc's libmvec: expf on 16 lanes (vector function ABI name) */
__m512 _ZGVeN16v_expf(__m512 x);

#define VEC __m512
#define VZERO _mm512_setzero_ps()
#define VLOAD32(p) _mm512_loadu_ps(p)
#define VLOAD16(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define VLOADQ8(p) _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(p))))
#define VBCAST(p) _mm512_set1_ps(*(p))
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VSUB(a, b) _mm512_sub_ps(a, b)
#define VMUL(a, b) _mm512_mul_ps(a, b)
#define VDIV(a, b) _mm512_div_ps(a, b)
#define VSUM(a) _mm512_reduce_add_ps(a)
#define VEXP(a) _ZGVeN16v_expf(a)
#define VSTORE(p, v) _mm512_storeu_ps(p, v)
#define HALF(bits) _cvtsh_ss(bits)
#define FN(name) name##_avx512

#include "kernel.h"
