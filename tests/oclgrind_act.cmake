# The act kernels on Oclgrind (see oclgrind.cmake, included before this file): the torch cases
# of test_act run every kernel of act.cl, in Oclgrind's GPU configuration (lanes interleaved),
# in about a second; the whole suite takes a minute there.
if(NOT OCLNN_OCLGRIND_ICD OR NOT TARGET test_act)
  return()
endif()
add_test(NAME oclgrind_test_act COMMAND test_act --jobs 2 --filter "act/torch_cases")
set_tests_properties(oclgrind_test_act PROPERTIES
  ENVIRONMENT "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=1;OCLGRIND_DATA_RACES=1;OCLNN_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data"
  FAIL_REGULAR_EXPRESSION "Invalid (read|write)|Uninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
  TIMEOUT 900)
