# The demo's suites (demos/): tests/test_demo.c checks the pipeline, every effect against the C
# double references, sources and bad inputs, and the oclnn-demo executable; tests/test_demo_window.c
# opens a real window under Xvfb and compares its screenshot with the frame the pipeline made.
# They link the demo's static core; without it (OCLNN_BUILD_DEMOS=OFF, or no stb) they are not
# built and ctest lists them as disabled.
pkg_check_modules(OCLNN_TEST_STB IMPORTED_TARGET stb)
find_program(OCLNN_XVFB_RUN xvfb-run)
foreach(suite IN ITEMS test_demo test_demo_window)
  if(NOT TARGET ${suite})
    continue()
  endif()
  if(NOT TARGET oclnn_demo_core OR NOT TARGET PkgConfig::OCLNN_TEST_STB)
    set_target_properties(${suite} PROPERTIES EXCLUDE_FROM_ALL TRUE)
    set_tests_properties(${suite} PROPERTIES DISABLED TRUE)
    continue()
  endif()
  target_link_libraries(${suite} PRIVATE oclnn_demo_core PkgConfig::OCLNN_TEST_STB)
  if(TARGET oclnn-demo)
    target_compile_definitions(${suite} PRIVATE OCLNN_DEMO_EXE="$<TARGET_FILE:oclnn-demo>"
      OCLNN_DEMO_SOURCE_DIR="${CMAKE_SOURCE_DIR}/demos")
    add_dependencies(${suite} oclnn-demo)
  endif()
  if(OCLNN_XVFB_RUN)
    target_compile_definitions(${suite} PRIVATE OCLNN_XVFB_RUN="${OCLNN_XVFB_RUN}")
  endif()
endforeach()
