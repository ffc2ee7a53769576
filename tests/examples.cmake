# examples/train_filter as a test: the loss of a conv + BatchNorm network trained with SGD on
# oclnn kernels must fall below a tenth of its first value (the example's exit status).
if(TARGET train_filter)
  add_test(NAME example_train_filter COMMAND train_filter --quiet)
  set_tests_properties(example_train_filter PROPERTIES
    ENVIRONMENT "OCLNN_CACHE_DIR=${OCLNN_TEST_CACHE_DIR}" TIMEOUT 900)
endif()

# examples/pad_image as a test: pads a photo from ../shared/images with every mode, compares
# each output value with a C reference (--check) and checks the size of the PNG it writes.
# Skipped (reported as such) when the photo is not there.
if(NOT TARGET pad_image)
  return()
endif()
add_test(NAME example_pad_image
  COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:pad_image>
    -DINPUT=${CMAKE_SOURCE_DIR}/../shared/images/chelsea.png
    -DOUTPUT=${CMAKE_CURRENT_BINARY_DIR}/example_pad_image.png -DPAD=32
    -P ${CMAKE_CURRENT_SOURCE_DIR}/scripts/run_pad_image.cmake)
set_tests_properties(example_pad_image PROPERTIES
  ENVIRONMENT "OCLNN_CACHE_DIR=${OCLNN_TEST_CACHE_DIR}"
  SKIP_REGULAR_EXPRESSION "pad_image test skipped" TIMEOUT 300)
