# The model runner's suites against committed data (tests/data/onnx, tools/gen_onnx_nets.py):
# test_model_onnx (outputs against onnxruntime's, the four style models of ../shared included)
# and test_model_malformed (bad files and inputs). Both read .npy files with tools/npy.c. Without
# the ONNX loader (no protobuf-c) every load is OCLNN_ERR_UNSUPPORTED, so they are not run.
# test_model_malformed is not on tests/valgrind.cmake's list: its flipped-byte test plans and runs
# some 600 small models on PoCL (minutes under valgrind); its host-side tests (files, fuzzer
# regressions, run-time refusals) ran clean under valgrind memcheck (94 s), and the ASan/UBSan
# tree runs all of it.
foreach(suite IN ITEMS test_model_onnx test_model_malformed)
  if(NOT TARGET ${suite})
    continue()
  endif()
  target_sources(${suite} PRIVATE ${CMAKE_SOURCE_DIR}/tools/npy.c)
  target_include_directories(${suite} PRIVATE ${CMAKE_SOURCE_DIR}/tools)
  if(TARGET oclnn-run)
    target_compile_definitions(${suite} PRIVATE OCLNN_RUN_EXE="$<TARGET_FILE:oclnn-run>")
    add_dependencies(${suite} oclnn-run)
  endif()
  if(TARGET PkgConfig::OCLNN_TEST_STB) # tests/demo.cmake looks it up
    target_link_libraries(${suite} PRIVATE PkgConfig::OCLNN_TEST_STB)
    target_compile_definitions(${suite} PRIVATE OCLNN_TEST_HAVE_STB)
  endif()
  if(NOT OCLNN_HAVE_ONNX)
    set_target_properties(${suite} PROPERTIES EXCLUDE_FROM_ALL TRUE)
    set_tests_properties(${suite} PROPERTIES DISABLED TRUE)
  endif()
endforeach()

# test_demo_model: the demo's neural effect (demos/, --model) on the style models; it links the
# demo's core like tests/demo.cmake's suites, and is off where the demo or the loader is.
if(TARGET test_demo_model)
  if(TARGET oclnn_demo_core AND OCLNN_HAVE_ONNX)
    target_link_libraries(test_demo_model PRIVATE oclnn_demo_core)
    if(TARGET oclnn-demo)
      target_compile_definitions(test_demo_model PRIVATE
        OCLNN_DEMO_EXE="$<TARGET_FILE:oclnn-demo>")
      add_dependencies(test_demo_model oclnn-demo)
    endif()
  else()
    set_target_properties(test_demo_model PROPERTIES EXCLUDE_FROM_ALL TRUE)
    set_tests_properties(test_demo_model PROPERTIES DISABLED TRUE)
  endif()
endif()
