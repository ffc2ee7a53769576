# cmake -DMODE=cmake|pkgconfig -DSOURCE_DIR=examples/consumer -DBUILD_DIR=<scratch dir>
#       -DPREFIX=<installed prefix> -DLIBDIR=<lib dir relative to PREFIX> -DC_COMPILER=cc
#       [-DPKG_CONFIG=pkg-config] -P build_consumer.cmake
# Builds examples/consumer against an installed oclnn and runs it:
#  - MODE=cmake: configures the consumer project with CMAKE_PREFIX_PATH=PREFIX, checks that
#    find_package(oclnn) found the installed package (not a build tree or another install),
#    and runs both consumer (shared library) and consumer_static;
#  - MODE=pkgconfig: compiles main.c with the flags `pkg-config oclnn` gives (the .pc file's
#    prefix is pointed at PREFIX with --define-variable, as the install is staged under DESTDIR)
#    and runs it with LD_LIBRARY_PATH=PREFIX/LIBDIR.
cmake_minimum_required(VERSION 3.25)
foreach(var MODE SOURCE_DIR BUILD_DIR PREFIX LIBDIR C_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "build_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "$ ${ARGN}\n${out}${err}")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGN}")
  endif()
endfunction()

file(REMOVE_RECURSE ${BUILD_DIR})
file(MAKE_DIRECTORY ${BUILD_DIR})

if(MODE STREQUAL "cmake")
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR} -DCMAKE_PREFIX_PATH=${PREFIX}
    -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_BUILD_TYPE=Release)
  file(STRINGS ${BUILD_DIR}/CMakeCache.txt found REGEX "^oclnn_DIR:")
  string(FIND "${found}" "${PREFIX}/" at)
  if(NOT at GREATER 0)
    message(FATAL_ERROR "find_package(oclnn) did not use the installed package: ${found}")
  endif()
  run(${CMAKE_COMMAND} --build ${BUILD_DIR})
  run(${BUILD_DIR}/consumer)
  run(${BUILD_DIR}/consumer_static)
elseif(MODE STREQUAL "pkgconfig")
  if(NOT PKG_CONFIG)
    set(PKG_CONFIG pkg-config)
  endif()
  set(ENV{PKG_CONFIG_PATH} ${PREFIX}/${LIBDIR}/pkgconfig)
  set(pc ${PKG_CONFIG} --define-variable=prefix=${PREFIX})
  foreach(what cflags libs)
    execute_process(COMMAND ${pc} --${what} oclnn RESULT_VARIABLE result
      OUTPUT_VARIABLE ${what} OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_VARIABLE err)
    if(NOT result EQUAL 0)
      message(FATAL_ERROR "pkg-config --${what} oclnn failed: ${err}")
    endif()
    string(FIND "${${what}}" "${PREFIX}/" at)
    if(at LESS 0)
      message(FATAL_ERROR "pkg-config --${what} oclnn does not point into ${PREFIX}: ${${what}}")
    endif()
    separate_arguments(${what} UNIX_COMMAND "${${what}}")
  endforeach()
  run(${C_COMPILER} -std=c11 -Wall -Wextra -Wpedantic -Werror ${cflags}
    ${SOURCE_DIR}/main.c -o ${BUILD_DIR}/consumer ${libs})
  set(ENV{LD_LIBRARY_PATH} ${PREFIX}/${LIBDIR})
  run(${BUILD_DIR}/consumer)
else()
  message(FATAL_ERROR "build_consumer.cmake: MODE must be cmake or pkgconfig, not '${MODE}'")
endif()
