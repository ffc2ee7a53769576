# Kernel files added after oclgrind.cmake's list, on Oclgrind (see oclgrind.cmake, included
# before this file), in Oclgrind's GPU configuration (lanes interleaved):
#  - act.cl: test_act's torch cases run every kernel in about a second (the whole suite takes a
#    minute there);
#  - pad_backward.cl: every test_pad_backward test but the large shapes, in about 8 s.
if(NOT OCLNN_OCLGRIND_ICD)
  return()
endif()
set(OCLNN_OCLGRIND_FILTERED test_act "act/torch_cases" test_pad_backward "pad_backward/[!l]*")
while(OCLNN_OCLGRIND_FILTERED)
  list(POP_FRONT OCLNN_OCLGRIND_FILTERED suite filter)
  if(NOT TARGET ${suite})
    continue()
  endif()
  add_test(NAME oclgrind_${suite} COMMAND ${suite} --jobs 2 --filter "${filter}")
  set_tests_properties(oclgrind_${suite} PROPERTIES
    ENVIRONMENT "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=1;OCLGRIND_DATA_RACES=1;OCLNN_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data"
    FAIL_REGULAR_EXPRESSION "Invalid (read|write)|[Uu]ninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
    TIMEOUT 900)
endwhile()
