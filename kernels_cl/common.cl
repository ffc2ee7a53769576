/* Shared by every oclnn program (prepended to each layer file). OpenCL C 1.2. */

/* vloadN / vstoreN for the build-time vector width VEC (4, 8 or 16). */
#define OCLNN_CAT2(a, b) a##b
#define OCLNN_CAT(a, b) OCLNN_CAT2(a, b)
#define floatV OCLNN_CAT(float, VEC)
#define vloadV OCLNN_CAT(vload, VEC)
#define vstoreV OCLNN_CAT(vstore, VEC)

/* Streaming (non-temporal) floatV stores, for outputs too large to stay in the caches: a plain
 * store first reads the line it writes (read for ownership), a streaming one does not, so a
 * pass that reads x and writes y moves 2 instead of 3 tensors' bytes. Clang-based compilers
 * (PoCL, Oclgrind) have the builtin; elsewhere it is a plain vstoreV. p must be floatV-aligned:
 * STREAM_AT(stream, p) says whether a streaming store may start at p (asked for, and aligned). */
#if defined(__has_builtin)
#if __has_builtin(__builtin_nontemporal_store)
#define STREAM_STOREV(v, p) __builtin_nontemporal_store((v), (__global floatV *)(p))
#endif
#endif
#ifndef STREAM_STOREV
#define STREAM_STOREV(v, p) vstoreV((v), 0, (p))
#endif
#define STREAM_AT(stream, p) ((stream) && ((ulong)(p)) % (VEC * sizeof(float)) == 0)

/* Convolution padding modes (oclnn_conv_padding_mode's values) and the one mapping every
 * convolution kernel applies in its input indexing: coordinate x of the padded (and upsampled)
 * input, relative to the unpadded input of size n, to the coordinate it reads, or -1 for a zero.
 * The host guarantees PyTorch's preconditions: reflect pad < n, circular pad <= n, n >= 1. */
#define MODE_ZEROS 0
#define MODE_REFLECT 1
#define MODE_REPLICATE 2
#define MODE_CIRCULAR 3

inline int conv_source(int x, int n, int mode) {
  if (x >= 0 && x < n)
    return x;
  switch (mode) {
  case MODE_REFLECT:
    return x < 0 ? -x : 2 * (n - 1) - x;
  case MODE_REPLICATE:
    return x < 0 ? 0 : n - 1;
  case MODE_CIRCULAR:
    return x < 0 ? x + n : x - n;
  default:
    return -1;
  }
}

/* FOR_EACH_CB(M) is M(0); M(1); ... M(CB - 1); (used without a semicolon of its own) for the
 * build-time channel block CB (1..16) of the register-tiled convolution kernels: straight-line
 * statements, one per accumulator, written once here instead of an #if ladder in each kernel. */
#ifdef CB
#define OCLNN_CB_STEPS_1(M) M(0);
#define OCLNN_CB_STEPS_2(M) OCLNN_CB_STEPS_1(M) M(1);
#define OCLNN_CB_STEPS_3(M) OCLNN_CB_STEPS_2(M) M(2);
#define OCLNN_CB_STEPS_4(M) OCLNN_CB_STEPS_3(M) M(3);
#define OCLNN_CB_STEPS_5(M) OCLNN_CB_STEPS_4(M) M(4);
#define OCLNN_CB_STEPS_6(M) OCLNN_CB_STEPS_5(M) M(5);
#define OCLNN_CB_STEPS_7(M) OCLNN_CB_STEPS_6(M) M(6);
#define OCLNN_CB_STEPS_8(M) OCLNN_CB_STEPS_7(M) M(7);
#define OCLNN_CB_STEPS_9(M) OCLNN_CB_STEPS_8(M) M(8);
#define OCLNN_CB_STEPS_10(M) OCLNN_CB_STEPS_9(M) M(9);
#define OCLNN_CB_STEPS_11(M) OCLNN_CB_STEPS_10(M) M(10);
#define OCLNN_CB_STEPS_12(M) OCLNN_CB_STEPS_11(M) M(11);
#define OCLNN_CB_STEPS_13(M) OCLNN_CB_STEPS_12(M) M(12);
#define OCLNN_CB_STEPS_14(M) OCLNN_CB_STEPS_13(M) M(13);
#define OCLNN_CB_STEPS_15(M) OCLNN_CB_STEPS_14(M) M(14);
#define OCLNN_CB_STEPS_16(M) OCLNN_CB_STEPS_15(M) M(15);
#define FOR_EACH_CB(M) OCLNN_CAT(OCLNN_CB_STEPS_, CB)(M)
#endif
