# test_model_api's small graphs on Oclgrind (tests/oclgrind.cmake sets up the device): the
# model runner's own device work (box copies for Slice/Concat, copies of outputs, buffers
# shared between steps) and the layers it drives, checked for out-of-bounds accesses,
# uninitialised reads and races. The style-net tests are too large for the simulator.
if(NOT OCLNN_OCLGRIND_VENDORS OR NOT TARGET test_model_api OR NOT OCLNN_HAVE_ONNX)
  return()
endif()
add_test(NAME oclgrind_test_model_api COMMAND test_model_api --jobs 2
  "--filter=model_api/@(group_norm*|outputs_that*|scalar*|plan_time*)")
set_tests_properties(oclgrind_test_model_api PROPERTIES
  ENVIRONMENT "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=1;OCLGRIND_DATA_RACES=1"
  FAIL_REGULAR_EXPRESSION "Invalid (read|write)|[Uu]ninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL|Tested: 0"
  TIMEOUT 900)
