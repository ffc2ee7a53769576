# In a sanitizer build (-DOCLNN_SANITIZE=address,undefined) every test of this directory runs
# with these options, so a plain `ctest` there is the CI check:
#  - halt_on_error: stop at the first report;
#  - abort_on_error: die by SIGABRT, not exit(1). Criterion ignores a worker's exit status once
#    its test has passed, so LeakSanitizer's report at process exit would otherwise be printed
#    and the test still counted as passing; a signal makes Criterion fail the run ("crashed
#    during its setup or teardown");
#  - LSan suppressions for the OpenCL runtime's own allocations only (tests/suppressions/lsan.supp);
#  - no leak check in Criterion's runner process, which runs no test code and leaks on its own
#    (tests/suppressions/criterion_runner_lsan.c says why a suppression cannot do it).
if(NOT OCLNN_SANITIZE)
  return()
endif()
if(TARGET oclnn_test_support)
  target_sources(oclnn_test_support
    INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/suppressions/criterion_runner_lsan.c)
endif()
set(OCLNN_SANITIZER_TEST_ENVIRONMENT
  "ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1"
  "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_SOURCE_DIR}/suppressions/lsan.supp:print_suppressions=0"
  "UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1")

# Deferred to the end of this directory, so that it also reaches tests that other tests/*.cmake
# parts (or tests/CMakeLists.txt after this file) add.
function(oclnn_apply_sanitizer_environment)
  get_property(tests DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} PROPERTY TESTS)
  foreach(test IN LISTS tests)
    set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT ${OCLNN_SANITIZER_TEST_ENVIRONMENT})
  endforeach()
endfunction()
cmake_language(DEFER CALL oclnn_apply_sanitizer_environment)
