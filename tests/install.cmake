# Install tests: `cmake --install` of this build tree (staged under DESTDIR, as a package build
# does, so nothing outside the build tree is touched), then
#   install_exports            the installed liboclnn.so exports only (and all of) the public API
#   install_consumer_cmake     examples/consumer builds with find_package(oclnn) and runs
#   install_consumer_pkgconfig examples/consumer builds with pkg-config oclnn and runs
# Skipped in sanitizer builds: an instrumented library cannot be linked into the plain consumer,
# and the normal build tree runs these tests.
if(OCLNN_SANITIZE)
  return()
endif()

set(OCLNN_INSTALL_TEST_DESTDIR ${CMAKE_CURRENT_BINARY_DIR}/install-test)
set(OCLNN_INSTALL_TEST_PREFIX ${OCLNN_INSTALL_TEST_DESTDIR}${CMAKE_INSTALL_PREFIX})
set(OCLNN_INSTALL_TEST_LIBDIR ${CMAKE_INSTALL_LIBDIR})
if(IS_ABSOLUTE ${CMAKE_INSTALL_LIBDIR})
  file(RELATIVE_PATH OCLNN_INSTALL_TEST_LIBDIR ${CMAKE_INSTALL_PREFIX} ${CMAKE_INSTALL_LIBDIR})
endif()
set(OCLNN_INSTALL_TEST_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR})
if(NOT IS_ABSOLUTE ${OCLNN_INSTALL_TEST_INCLUDEDIR})
  set(OCLNN_INSTALL_TEST_INCLUDEDIR ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_INCLUDEDIR})
endif()
find_program(OCLNN_NM NAMES nm REQUIRED)
find_program(OCLNN_PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)

add_test(NAME install_tree
  COMMAND ${CMAKE_COMMAND} -DBINARY_DIR=${CMAKE_BINARY_DIR} -DDESTDIR=${OCLNN_INSTALL_TEST_DESTDIR}
    -P ${CMAKE_CURRENT_SOURCE_DIR}/scripts/install_tree.cmake)
set_tests_properties(install_tree PROPERTIES FIXTURES_SETUP oclnn_installed TIMEOUT 120)

add_test(NAME install_exports
  COMMAND ${CMAKE_COMMAND} -DNM=${OCLNN_NM}
    -DSHARED=${OCLNN_INSTALL_TEST_PREFIX}/${OCLNN_INSTALL_TEST_LIBDIR}/liboclnn.so
    -DSTATIC=${OCLNN_INSTALL_TEST_PREFIX}/${OCLNN_INSTALL_TEST_LIBDIR}/liboclnn.a
    -DHEADERS=${OCLNN_INSTALL_TEST_DESTDIR}${OCLNN_INSTALL_TEST_INCLUDEDIR}
    -P ${CMAKE_CURRENT_SOURCE_DIR}/scripts/check_exports.cmake)
set_tests_properties(install_exports PROPERTIES FIXTURES_REQUIRED oclnn_installed TIMEOUT 60)

foreach(mode cmake pkgconfig)
  add_test(NAME install_consumer_${mode}
    COMMAND ${CMAKE_COMMAND} -DMODE=${mode} -DSOURCE_DIR=${CMAKE_SOURCE_DIR}/examples/consumer
      -DBUILD_DIR=${CMAKE_CURRENT_BINARY_DIR}/consumer-${mode} -DPREFIX=${OCLNN_INSTALL_TEST_PREFIX}
      -DLIBDIR=${OCLNN_INSTALL_TEST_LIBDIR} -DC_COMPILER=${CMAKE_C_COMPILER}
      -DPKG_CONFIG=${OCLNN_PKG_CONFIG} -P ${CMAKE_CURRENT_SOURCE_DIR}/scripts/build_consumer.cmake)
  set_tests_properties(install_consumer_${mode} PROPERTIES FIXTURES_REQUIRED oclnn_installed
    ENVIRONMENT "OCLNN_CACHE_DIR=${OCLNN_TEST_CACHE_DIR}" TIMEOUT 300)
endforeach()
