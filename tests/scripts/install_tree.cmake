# cmake -DBINARY_DIR=<build tree> -DDESTDIR=<staging root> -P install_tree.cmake
# Installs the build tree under DESTDIR (as a distribution package build does), replacing what a
# previous run left there, so the tests that follow see exactly what `cmake --install` ships.
cmake_minimum_required(VERSION 3.25)
foreach(var BINARY_DIR DESTDIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_tree.cmake: -D${var}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE ${DESTDIR})
set(ENV{DESTDIR} ${DESTDIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR} RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BINARY_DIR} (DESTDIR=${DESTDIR}) failed: ${result}")
endif()
file(GLOB_RECURSE installed RELATIVE ${DESTDIR} ${DESTDIR}/*)
list(SORT installed)
list(JOIN installed "\n  " listing)
message(STATUS "installed under ${DESTDIR}:\n  ${listing}")
