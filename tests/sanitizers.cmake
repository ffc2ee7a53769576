# In a sanitizer build (-DOCLNN_SANITIZE=address,undefined) every test of this directory runs
# with these options, so a plain `ctest` there is the CI check:
#  - halt_on_error: stop at the first report;
#  - abort_on_error: die by SIGABRT, not exit(1). Criterion ignores a worker's exit status once
#    its test has passed, so LeakSanitizer's report at process exit would otherwise be printed
#    and the test still counted as passing; a signal makes Criterion fail the run ("crashed
#    during its setup or teardown");
#  - LSan suppressions for the OpenCL runtime's own allocations only (tests/suppressions/lsan.supp);
#  - no leak check in Criterion's runner process, which runs no test code and leaks on its own
#    (tests/suppressions/criterion_runner_lsan.c says why a suppression cannot do it);
#  - every test executable runs through tests/scripts/rerun_after_lsan_tracer_crash.sh, which
#    repeats a run once when LeakSanitizer's own tracer crashed without any finding (the script
#    says why); any real report still fails the test.
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
  # add_test prefixes a test command that names an executable target with the target's
  # CROSSCOMPILING_EMULATOR (unconditionally up to CMake 3.28; TEST_LAUNCHER from 3.29 on).
  get_property(targets DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} PROPERTY BUILDSYSTEM_TARGETS)
  if(TARGET train_filter)
    list(APPEND targets train_filter)
  endif()
  set(launcher sh ${CMAKE_CURRENT_SOURCE_DIR}/scripts/rerun_after_lsan_tracer_crash.sh)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "EXECUTABLE")
      set_property(TARGET ${target} PROPERTY CROSSCOMPILING_EMULATOR ${launcher})
      set_property(TARGET ${target} PROPERTY TEST_LAUNCHER ${launcher})
    endif()
  endforeach()
endfunction()
cmake_language(DEFER CALL oclnn_apply_sanitizer_environment)
