/* Shared by every oclnn program (prepended to each layer file). OpenCL C 1.2. */

/* vloadN / vstoreN for the build-time vector width VEC (4, 8 or 16). */
#define OCLNN_CAT2(a, b) a##b
#define OCLNN_CAT(a, b) OCLNN_CAT2(a, b)
#define floatV OCLNN_CAT(float, VEC)
#define vloadV OCLNN_CAT(vload, VEC)
#define vstoreV OCLNN_CAT(vstore, VEC)
