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
