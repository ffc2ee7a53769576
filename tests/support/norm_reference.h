/* Plain C double-precision references of the normalization layers (SPEC.md semantics), for the
 * test suites. Inputs are float arrays (what the device sees); outputs, statistics and running
 * statistics are double. The input is described as (N, C, S): batch, channels, the product of
 * the spatial dims. Optional arrays are NULL when absent. Every function writes y = act(norm(x)
 * + residual), act being ReLU when relu is nonzero. */
#ifndef OCLNN_TEST_NORM_REFERENCE_H
#define OCLNN_TEST_NORM_REFERENCE_H

#include <stddef.h>

/* Mean and biased variance of each group g of an (A, G, B) layout (x[a][g][b]), two-pass. */
void norm_ref_moments(const float *x, size_t A, size_t G, size_t B, double *mean, double *var);

/* BatchNorm. batch_stats: normalise with the batch statistics (training, or no running stats),
 * else with running_mean/var. update: training with running statistics; factor is the momentum
 * (momentum=None: 1 / num_batches_tracked after the increment). */
void norm_ref_batch(const float *x, size_t N, size_t C, size_t S, double eps, int batch_stats,
                    const float *weight, const float *bias, double *running_mean,
                    double *running_var, int update, double factor, const float *residual, int relu,
                    double *y);

/* InstanceNorm: instance_stats (training, or no running stats) or the running ones; update:
 * training with running statistics (batch mean of the instance statistics). */
void norm_ref_instance(const float *x, size_t N, size_t C, size_t S, double eps, int instance_stats,
                       const float *weight, const float *bias, double *running_mean,
                       double *running_var, int update, double momentum, const float *residual,
                       int relu, double *y);

/* LayerNorm over rows of M: weight/bias have M entries. */
void norm_ref_layer(const float *x, size_t rows, size_t M, double eps, const float *weight,
                    const float *bias, const float *residual, int relu, double *y);

/* GroupNorm with G groups. */
void norm_ref_group(const float *x, size_t N, size_t C, size_t S, size_t G, double eps,
                    const float *weight, const float *bias, const float *residual, int relu,
                    double *y);

/* LocalResponseNorm. */
void norm_ref_lrn(const float *x, size_t N, size_t C, size_t S, long size, double alpha,
                  double beta, double k, double *y);

/* SwitchableNorm (its authors' SwitchNorm2d on (N, C, S)). mean_weight/var_weight: 3 logits
 * with using_bn, else 2. Running statistics only with using_bn. */
void norm_ref_switchable(const float *x, size_t N, size_t C, size_t S, double eps, int training,
                         int using_bn, int moving_average, double momentum, const float *weight,
                         const float *bias, const float *mean_weight, const float *var_weight,
                         double *running_mean, double *running_var, const float *residual, int relu,
                         double *y);

/* --- helpers for the norm suites (need Criterion, see test_support.h) --- */
#include "test_support.h"

/* Fills x with offset + scale * U[-1, 1), deterministic in seed. */
void norm_test_random(float *x, size_t count, uint64_t seed, double scale, double offset);

/* Fills x with offset + scale * N(0, 1) (Box-Muller), deterministic in seed. */
void norm_test_normal(float *x, size_t count, uint64_t seed, double scale, double offset);

/* A tiny deterministic generator for test parameters: returns 0 .. bound-1. */
uint64_t norm_test_pick(uint64_t *state, uint64_t bound);

/* Downloads a tensor into a malloc'd array (count = its element count, at least 1 float). */
float *norm_test_download(oclnn_context *ctx, const oclnn_tensor *t);

/* Asserts got == want to mixed tolerance; `what` names the case in the failure message. */
void norm_test_close(const char *what, const float *got, const double *want, size_t count,
                     double atol, double rtol);

/* The largest |got - want| / (atol + rtol |want|) seen since the last reset (for tuning and
 * reporting how much margin a tolerance has). */
double norm_test_worst(int reset);
#endif
