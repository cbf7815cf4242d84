#!/usr/bin/env bash
# Compiles the native decode kernels (Linux x86_64) into $1/libkaizen-kernels.so, with the JNI
# headers of the JDK at $2. Each instruction-set variant is compiled with its own flags; the
# library picks one at load time, so it runs on any x86_64 CPU with AVX2 (and on others
# NativeKernels reports it unusable and Java's kernel runs).
set -euo pipefail
src="$(cd "$(dirname "$0")" && pwd)"
out="$1"
jdk="$2"
[ -f "$jdk/include/jni.h" ] || jdk="$(dirname "$jdk")" # a JRE inside a JDK (Java 8 layout)
if [ ! -f "$jdk/include/jni.h" ]; then
  echo "build.sh: no jni.h under $2/include: build with a JDK, not a JRE" >&2
  exit 1
fi
if ! command -v gcc >/dev/null 2>&1; then
  echo "build.sh: gcc is needed to compile the native decode kernels (Debian: apt-get install gcc libc6-dev)" >&2
  exit 1
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
flags=(-O3 -fPIC -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -I"$src" -I"$jdk/include" -I"$jdk/include/linux")
gcc "${flags[@]}" -mavx512f -mf16c -mfma -c "$src/kernels_avx512.c" -o "$tmp/kernels_avx512.o"
gcc "${flags[@]}" -mavx2 -mf16c -mfma -c "$src/kernels_avx2.c" -o "$tmp/kernels_avx2.o"
gcc "${flags[@]}" -c "$src/kaizen_jni.c" -o "$tmp/kaizen_jni.o"
mkdir -p "$out"
gcc -shared -o "$out/libkaizen-kernels.so" "$tmp"/*.o -lmvec -lm
