# Kernel memory checking: small suites run again on Oclgrind, a simulated OpenCL device that
# reports out-of-bounds accesses, uninitialised reads and data races. It also stands in for a
# second vendor: nothing may depend on PoCL's quirks. Registered through a private ICD
# directory, so the system's PoCL setup is untouched.
find_file(OCLNN_OCLGRIND_ICD liboclgrind-rt-icd.so PATHS /usr/lib/oclgrind /usr/lib64/oclgrind
  /usr/local/lib/oclgrind NO_DEFAULT_PATH)
if(NOT OCLNN_OCLGRIND_ICD)
  message(STATUS "oclgrind not found: the kernel memory-checking tests are skipped")
  return()
endif()

set(OCLNN_OCLGRIND_VENDORS ${CMAKE_CURRENT_BINARY_DIR}/oclgrind-vendors)
file(WRITE ${OCLNN_OCLGRIND_VENDORS}/oclgrind.icd "${OCLNN_OCLGRIND_ICD}\n")

# Suites whose cases are small enough for the simulator; one per kernel file at least.
set(OCLNN_OCLGRIND_SUITES test_smoke test_pad_torch)
foreach(suite IN LISTS OCLNN_OCLGRIND_SUITES)
  if(NOT TARGET ${suite})
    continue()
  endif()
  add_test(NAME oclgrind_${suite} COMMAND ${suite} --jobs 2)
  set_tests_properties(oclgrind_${suite} PROPERTIES
    ENVIRONMENT "OCL_ICD_VENDORS=${OCLNN_OCLGRIND_VENDORS};OCLNN_DEVICE=oclgrind;OCLNN_TEST_KEEP_CONTEXT=1;OCLNN_CACHE_DIR=${CMAKE_BINARY_DIR}/test-program-cache-oclgrind;OCLGRIND_UNINITIALIZED=1;OCLGRIND_DATA_RACES=1;OCLNN_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data"
    FAIL_REGULAR_EXPRESSION "Invalid (read|write)|Uninitiali[sz]ed|[Dd]ata race|OCLGRIND FATAL"
    TIMEOUT 900)
endforeach()
