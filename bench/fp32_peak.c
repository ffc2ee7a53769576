/* The fp32 FMA peak of this machine's cores, for compare_torch.py's --peak-gflops.
 *
 *   cc -O2 -mavx512f -pthread bench/fp32_peak.c -o /tmp/fp32_peak && /tmp/fp32_peak
 *
 * Each thread runs 16 independent chains of 512-bit FMAs (enough to cover the FMA latency of
 * two pipes) from registers, timed with its own CPU time so that other processes' load does not
 * count; the clock is estimated from a chain of dependent integer adds (one per cycle). Prints
 * per-thread GFLOP/s (2 flops per lane per FMA) with one thread and with two at once, and their
 * sum: the peak both cores give when each gets a whole core. Not built by CMake: it needs
 * AVX-512 at compile time. */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static double thread_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define CHAINS 16
#define ROUNDS 25000000L

static double fma_gflops(void) {
  const __m512 x = _mm512_set1_ps(0.5f), y = _mm512_set1_ps(0.25f);
  __m512 a0 = _mm512_set1_ps(0.f), a1 = _mm512_set1_ps(1.f), a2 = _mm512_set1_ps(2.f);
  __m512 a3 = _mm512_set1_ps(3.f), a4 = _mm512_set1_ps(4.f), a5 = _mm512_set1_ps(5.f);
  __m512 a6 = _mm512_set1_ps(6.f), a7 = _mm512_set1_ps(7.f), a8 = _mm512_set1_ps(8.f);
  __m512 a9 = _mm512_set1_ps(9.f), a10 = _mm512_set1_ps(10.f), a11 = _mm512_set1_ps(11.f);
  __m512 a12 = _mm512_set1_ps(12.f), a13 = _mm512_set1_ps(13.f), a14 = _mm512_set1_ps(14.f);
  __m512 a15 = _mm512_set1_ps(15.f);
  const double start = thread_cpu_s();
  for (long r = 0; r < ROUNDS; r++) {
    a0 = _mm512_fmadd_ps(a0, x, y);
    a1 = _mm512_fmadd_ps(a1, x, y);
    a2 = _mm512_fmadd_ps(a2, x, y);
    a3 = _mm512_fmadd_ps(a3, x, y);
    a4 = _mm512_fmadd_ps(a4, x, y);
    a5 = _mm512_fmadd_ps(a5, x, y);
    a6 = _mm512_fmadd_ps(a6, x, y);
    a7 = _mm512_fmadd_ps(a7, x, y);
    a8 = _mm512_fmadd_ps(a8, x, y);
    a9 = _mm512_fmadd_ps(a9, x, y);
    a10 = _mm512_fmadd_ps(a10, x, y);
    a11 = _mm512_fmadd_ps(a11, x, y);
    a12 = _mm512_fmadd_ps(a12, x, y);
    a13 = _mm512_fmadd_ps(a13, x, y);
    a14 = _mm512_fmadd_ps(a14, x, y);
    a15 = _mm512_fmadd_ps(a15, x, y);
  }
  const double seconds = thread_cpu_s() - start;
  /* Keeps the chains live. */
  volatile float sink =
      _mm512_reduce_add_ps(a0) + _mm512_reduce_add_ps(a1) + _mm512_reduce_add_ps(a2) +
      _mm512_reduce_add_ps(a3) + _mm512_reduce_add_ps(a4) + _mm512_reduce_add_ps(a5) +
      _mm512_reduce_add_ps(a6) + _mm512_reduce_add_ps(a7) + _mm512_reduce_add_ps(a8) +
      _mm512_reduce_add_ps(a9) + _mm512_reduce_add_ps(a10) + _mm512_reduce_add_ps(a11) +
      _mm512_reduce_add_ps(a12) + _mm512_reduce_add_ps(a13) + _mm512_reduce_add_ps(a14) +
      _mm512_reduce_add_ps(a15);
  (void)sink;
  return (double)ROUNDS * CHAINS * 16 * 2 / seconds / 1e9;
}

static double clock_ghz(void) {
  const long adds = 1000000000L;
  long v = 0;
  const double start = thread_cpu_s();
  for (long i = 0; i < adds; i++)
    __asm__ volatile("add $1, %0" : "+r"(v));
  return (double)adds / (thread_cpu_s() - start) / 1e9;
}

static void *run_thread(void *result) {
  *(double *)result = fma_gflops();
  return NULL;
}

int main(void) {
  const double ghz = clock_ghz();
  const double one = fma_gflops();
  printf("clock ~%.2f GHz; one thread: %.1f GFLOP/s (%.2f 512-bit FMAs per cycle)\n", ghz, one,
         one / ghz / 32.0);
  double each[2] = {0.0, 0.0};
  pthread_t threads[2];
  for (int i = 0; i < 2; i++)
    if (pthread_create(&threads[i], NULL, run_thread, &each[i]) != 0)
      return 1;
  for (int i = 0; i < 2; i++)
    pthread_join(threads[i], NULL);
  printf("two threads: %.1f + %.1f = %.1f GFLOP/s\n", each[0], each[1], each[0] + each[1]);
  return 0;
}
