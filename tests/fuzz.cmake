# fuzz_model_parse: the ONNX loader's parse + check + fold stage under libFuzzer with ASan and
# UBSan (tests/fuzz/), for OCLNN_FUZZ_SECONDS (default 30) after replaying every seed. libFuzzer
# ships with clang-15 on Debian (libclang-common-15-dev), not with clang-14, and the whole library
# has to be compiled with clang for coverage, so the test builds tests/fuzz as a project of its
# own in fuzz/ under this build tree (about 15 s once, then incremental).
# On by default where clang-15 and the ONNX loader exist; not in sanitizer trees (the fuzz build
# is one already). Skip it in a quick local run with `ctest -LE fuzz`.
find_program(OCLNN_FUZZ_CLANG NAMES clang-15)
set(OCLNN_FUZZ_SECONDS 30 CACHE STRING "How long tests/fuzz.cmake's fuzz_model_parse fuzzes")
if(OCLNN_SANITIZE OR NOT OCLNN_HAVE_ONNX)
  return()
endif()
if(NOT OCLNN_FUZZ_CLANG)
  message(STATUS "clang-15 not found (Debian: apt-get install clang-15): no fuzz_model_parse test")
  return()
endif()
add_test(NAME fuzz_model_parse
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/scripts/run_fuzz.sh ${OCLNN_FUZZ_CLANG}
    ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/fuzz ${OCLNN_FUZZ_SECONDS})
set_tests_properties(fuzz_model_parse PROPERTIES LABELS fuzz TIMEOUT 900 COST 500)
