# Kernel memory checking: small suites run again on Oclgrind, a simulated OpenCL device that
# reports out-of-bounds accesses, uninitialised reads and data races. It also stands in for a
# second vendor: nothing may depend on PoCL's quirks. Registered through a private ICD
# directory, so the system's PoCL setup is untouched.
find_file(OCLNN_OCLGRIND_ICD liboclgrind-rt-icd.so PATHS /usr/lib/oclgrind /usr/lib64/oclgrind
  /usr/local/lib/oclgrind NO_DEFAULT_PATH)
if(NOT OCLNN_OCLGRIND_ICD)
  message(STATUS "oclgrind not found: the kernel memory-checking tests are skipped")
  return()
endif()

set(OCLNN_OCLGRIND_VENDORS ${CMAKE_CURRENT_BINARY_DIR}/oclgrind-vendors)
file(WRITE ${OCLNN_OCLGRIND_VENDORS}/oclgrind.icd "${OCLNN_OCLGRIND_ICD}\n")

# Suites whose cases are small enough for the simulator; one per kernel file at least.
set(OCLNN_OCLGRIND_SUITES test_smoke test_pad_torch)
foreach(suite IN LISTS OCLNN_OCLGRIND_SUITES)
  if(NOT TARGET ${suite})
    continue()
  endif()
  add_test(NAME oclgrind_${suite} COMMAND ${suite} --jobs 2)
  set_tests_properties(oclgrind_${suite} PROPERTIES
    ENVIRONMENT "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=1;OCLGRIND_DATA_RACES=1;OCLNN_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data"
    FAIL_REGULAR_EXPRESSION "Invalid (read|write)|[Uu]ninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
    TIMEOUT 900)
endforeach()

# The normalization kernels, on the torch cases: once on the default paths and once with every
# InstanceNorm/GroupNorm group through the fused statistics + apply kernel and every output
# written with streaming stores (host/layers/norm.c's test switches). Without the
# uninitialised-value plugin: on these kernels it reports values that the previous kernel wrote
# (the outputs computed from them match torch), and it crashed on a two-kernel vstore4/vload4
# program of a few lines, so its reports there are the plugin's, not the kernels'; bounds and
# races are still checked. A few seconds each.
if(TARGET test_norm_torch)
  set(OCLNN_OCLGRIND_NORM_ENV "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=0;OCLGRIND_DATA_RACES=1;OCLNN_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data")
  add_test(NAME oclgrind_test_norm_torch COMMAND test_norm_torch --jobs 2)
  add_test(NAME oclgrind_test_norm_torch_fused COMMAND test_norm_torch --jobs 2)
  set_tests_properties(oclgrind_test_norm_torch PROPERTIES ENVIRONMENT "${OCLNN_OCLGRIND_NORM_ENV}")
  set_tests_properties(oclgrind_test_norm_torch_fused PROPERTIES
    ENVIRONMENT "${OCLNN_OCLGRIND_NORM_ENV};OCLNN_NORM_FUSED_MIN=1;OCLNN_NORM_STREAM_MIN=0")
  set_tests_properties(oclgrind_test_norm_torch oclgrind_test_norm_torch_fused PROPERTIES
    FAIL_REGULAR_EXPRESSION "Invalid (read|write)|[Uu]ninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
    TIMEOUT 900)
endif()

# Normalization backward and forward_save: the torch.autograd cases, the bad-input and empty
# tables and the deterministic GroupNorm case (its groups take the one-launch norm_bw_fused
# path), once more with streaming stores. About 15 s each.
if(TARGET test_norm_backward)
  set(OCLNN_OCLGRIND_NORM_BW_FILTER "norm_backward/@(torch_autograd_cases|deterministic|empty_input|bad_input)")
  add_test(NAME oclgrind_test_norm_backward COMMAND test_norm_backward --jobs 2
    --filter ${OCLNN_OCLGRIND_NORM_BW_FILTER})
  add_test(NAME oclgrind_test_norm_backward_stream COMMAND test_norm_backward --jobs 2
    --filter ${OCLNN_OCLGRIND_NORM_BW_FILTER})
  set_tests_properties(oclgrind_test_norm_backward PROPERTIES
    ENVIRONMENT "${OCLNN_OCLGRIND_NORM_ENV}")
  set_tests_properties(oclgrind_test_norm_backward_stream PROPERTIES
    ENVIRONMENT "${OCLNN_OCLGRIND_NORM_ENV};OCLNN_NORM_STREAM_MIN=0")
  set_tests_properties(oclgrind_test_norm_backward oclgrind_test_norm_backward_stream PROPERTIES
    FAIL_REGULAR_EXPRESSION "Invalid (read|write)|[Uu]ninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
    TIMEOUT 900)
endif()

# LocalResponseNorm and SwitchableNorm backward (and SwitchableNorm's forward_save): the torch
# cases and the bad-input tables on the simulator (bounds and races of lrn_backward's rings and
# the sn_* kernels). About a second each.
foreach(suite IN ITEMS test_norm_lrn_backward test_norm_switchable_backward)
  if(NOT TARGET ${suite})
    continue()
  endif()
  string(REPLACE "test_" "" prefix ${suite})
  add_test(NAME oclgrind_${suite} COMMAND ${suite} --jobs 2
    --filter "${prefix}/@(torch_cases|invalid)")
  set_tests_properties(oclgrind_${suite} PROPERTIES
    ENVIRONMENT "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=0;OCLGRIND_DATA_RACES=1;OCLNN_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data"
    FAIL_REGULAR_EXPRESSION "Invalid (read|write)|[Uu]ninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
    TIMEOUT 900)
endforeach()

# Convolution backward: the torch.autograd cases (wide ones reach the tiled grad_weight kernel
# and its staging) and the bad-input table, once per grad_input path (forward convolution and
# fold, stride phases and interleave, columns and col2im, gather). Without the
# uninitialised-value plugin: it reports the fold's reads of the padded gradient the forward
# helper layer wrote (the results match torch exactly, so every value read was written) and then
# crashes; bounds and races are checked.
# 7-20 s each.
if(TARGET test_conv_backward)
  foreach(path forward stride2 phases columns gather)
    add_test(NAME oclgrind_test_conv_backward_${path} COMMAND test_conv_backward --jobs 2
      --filter "conv_backward_@(torch|invalid)/*")
    set_tests_properties(oclgrind_test_conv_backward_${path} PROPERTIES
      ENVIRONMENT "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=0;OCLGRIND_DATA_RACES=1;OCLNN_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data;OCLNN_CONV_BACKWARD_INPUT=${path}"
      FAIL_REGULAR_EXPRESSION "Invalid (read|write)|[Uu]ninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
      TIMEOUT 900)
  endforeach()
endif()
# The tiled grad_weight reading the input in place (no staging copy): bounds and races.
if(TARGET test_conv_backward)
  add_test(NAME oclgrind_test_conv_backward_in_place COMMAND test_conv_backward --jobs 2
    --filter "conv_backward_in_place/*")
  set_tests_properties(oclgrind_test_conv_backward_in_place PROPERTIES
    ENVIRONMENT "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=0;OCLGRIND_DATA_RACES=1;OCLNN_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data"
    FAIL_REGULAR_EXPRESSION "Invalid (read|write)|[Uu]ninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
    TIMEOUT 900)
endif()
# The outer-product grad_weight (conv_bw_grad_transpose, conv_bw_weight_outer), forced on the random
# configurations and on its default layers (many channels per group): bounds and races.
if(TARGET test_conv_backward)
  add_test(NAME oclgrind_test_conv_backward_outer COMMAND test_conv_backward --jobs 2
    --filter "conv_backward_outer/*")
  set_tests_properties(oclgrind_test_conv_backward_outer PROPERTIES
    ENVIRONMENT "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=0;OCLGRIND_DATA_RACES=1;OCLNN_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data"
    FAIL_REGULAR_EXPRESSION "Invalid (read|write)|[Uu]ninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
    TIMEOUT 900)
endif()
# Winograd on the torch cases with each path forced: the fused kernel (V and M in local memory,
# pairs of 8-tile groups, partial and absent groups, and on the dilated cases the paired column
# phases; Oclgrind's local memory raised to 1 MiB, as PoCL's, so that it fits) and the banded
# three-kernel path. Without the uninitialised-value
# plugin: it reports the GEMMs' reads of U, which the weight transform wrote in the launch
# before (as for the kernels above); bounds and races are checked.
if(TARGET test_conv)
  set(OCLNN_OCLGRIND_WINOGRAD_ENV "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=0;OCLGRIND_DATA_RACES=1;OCLNN_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data")
  add_test(NAME oclgrind_test_conv_winograd_fused COMMAND test_conv --jobs 2
    --filter "conv_@(torch/winograd|api/winograd_dilated)")
  set_tests_properties(oclgrind_test_conv_winograd_fused PROPERTIES
    ENVIRONMENT "${OCLNN_OCLGRIND_WINOGRAD_ENV};OCLGRIND_LOCAL_MEM_SIZE=1048576;OCLNN_WINOGRAD_FUSED=1")
  add_test(NAME oclgrind_test_conv_winograd_banded COMMAND test_conv --jobs 2
    --filter "conv_torch/winograd")
  set_tests_properties(oclgrind_test_conv_winograd_banded PROPERTIES
    ENVIRONMENT "${OCLNN_OCLGRIND_WINOGRAD_ENV};OCLNN_WINOGRAD_FUSED=0")
  set_tests_properties(oclgrind_test_conv_winograd_fused oclgrind_test_conv_winograd_banded
    PROPERTIES
    FAIL_REGULAR_EXPRESSION "Invalid (read|write)|[Uu]ninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
    TIMEOUT 900)
endif()
# The backward's 1x1 grad_input on the gemm kernel reading the layer's weights transposed in place
# (no flip, no packing): bounds of the last channel block's weight reads and of the stores.
if(TARGET test_conv_backward)
  add_test(NAME oclgrind_test_conv_backward_gemm_transposed COMMAND test_conv_backward --jobs 2
    --filter "conv_backward_sweep/pointwise_transposed_gemm")
  set_tests_properties(oclgrind_test_conv_backward_gemm_transposed PROPERTIES
    ENVIRONMENT "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=0;OCLGRIND_DATA_RACES=1"
    FAIL_REGULAR_EXPRESSION "Invalid (read|write)|[Uu]ninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
    TIMEOUT 900)
endif()
# The stride-2 grad_input kernel with two q rows per work-item forced (the default on 16-lane
# devices only), on the torch cases: bounds of the taller staged window and the second row's
# stores.
if(TARGET test_conv_backward)
  add_test(NAME oclgrind_test_conv_backward_stride2_rows2 COMMAND test_conv_backward --jobs 2
    --filter "conv_backward_torch/*")
  set_tests_properties(oclgrind_test_conv_backward_stride2_rows2 PROPERTIES
    ENVIRONMENT "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=0;OCLGRIND_DATA_RACES=1;OCLNN_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data;OCLNN_CONV_BACKWARD_INPUT=stride2;OCLNN_CONV_BW_S2_ROWS=2"
    FAIL_REGULAR_EXPRESSION "Invalid (read|write)|[Uu]ninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
    TIMEOUT 900)
endif()
# The depthwise kernel on the torch cases, its multi-block layers in every padding mode and its
# tall kernels (the built-in-height loop that loads each staged row once, and the run-time
# height). Without the uninitialised-value plugin: it crashed on conv_torch/depthwise before the
# built-in height too; bounds and races are checked. About 25 s.
if(TARGET test_conv)
  add_test(NAME oclgrind_test_conv_depthwise COMMAND test_conv --jobs 2
    --filter "conv_@(torch/depthwise|api/depthwise*)")
  set_tests_properties(oclgrind_test_conv_depthwise PROPERTIES
    ENVIRONMENT "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=0;OCLGRIND_DATA_RACES=1;OCLNN_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data"
    FAIL_REGULAR_EXPRESSION "Invalid (read|write)|[Uu]ninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
    TIMEOUT 900)
endif()
