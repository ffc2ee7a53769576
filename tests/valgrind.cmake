# With -DOCLNN_TEST_VALGRIND=ON (CI: tools/oclnn.sh test), the host-side suites also run under
# valgrind memcheck as valgrind_<suite>, after the suite itself (so the program cache is warm and
# kernels load as binaries instead of being compiled by LLVM under valgrind). These are the suites
# whose work is host code: validation, cache files, contexts, tensors. Suites that spend their
# time in kernels are left to the ASan/UBSan build: valgrind would run PoCL's kernels 20-50x
# slower and check little of ours. Criterion runs each test in its own process; --jobs 1, as
# Criterion itself chooses under valgrind (with 2 its runner leaks 48 bytes and it warns), and
# scripts/run_valgrind.sh follows the processes and reads every one's log.
option(OCLNN_TEST_VALGRIND "Also run the host-side test suites under valgrind (CI)" OFF)
set(OCLNN_VALGRIND_SUITES test_pad_invalid test_cache test_context test_tensor)
if(NOT OCLNN_TEST_VALGRIND)
  return()
endif()
if(OCLNN_SANITIZE)
  message(FATAL_ERROR "OCLNN_TEST_VALGRIND and OCLNN_SANITIZE exclude each other: use two build trees")
endif()
find_program(OCLNN_VALGRIND valgrind REQUIRED)
foreach(suite IN LISTS OCLNN_VALGRIND_SUITES)
  if(NOT TARGET ${suite})
    message(WARNING "OCLNN_TEST_VALGRIND: tests/${suite}.c does not exist; valgrind_${suite} is not run")
    continue()
  endif()
  get_test_property(${suite} ENVIRONMENT environment)
  add_test(NAME valgrind_${suite}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/scripts/run_valgrind.sh ${OCLNN_VALGRIND}
      ${CMAKE_CURRENT_SOURCE_DIR}/suppressions/valgrind.supp
      ${CMAKE_CURRENT_BINARY_DIR}/valgrind/${suite} $<TARGET_FILE:${suite}> --jobs 1)
  # Valgrind costs ~6 s per test process (PoCL and LLVM start under it), so these are the longest
  # tests: COST makes ctest start them (and the suites they wait for) first, not last. The
  # timeout is generous: valgrind_test_cache takes ~260 s on an idle 2-core machine but passed
  # 900 s on one shared with other builds (load 10).
  set_tests_properties(valgrind_${suite} PROPERTIES ENVIRONMENT "${environment}"
    DEPENDS ${suite} LABELS valgrind TIMEOUT 2400 COST 1000)
  set_tests_properties(${suite} PROPERTIES COST 2000)
endforeach()
