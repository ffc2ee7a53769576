/*
 * Compiled into every test executable of a sanitizer build (tests/sanitizers.cmake).
 *
 * LeakSanitizer calls __lsan_is_turned_off() at exit and skips the leak check when it returns
 * non-zero. Criterion's runner, the parent process, runs no test code: BoxFort starts every test
 * in a child process whose environment has BXFI_MAP. With --jobs 2 the runner of Criterion
 * 2.4.1 reports a 48-byte calloc of its own at random (test_cache, test_context). Its stack stops
 * one frame inside libcriterion, which has no frame pointers, so the only suppression that would
 * match is leak:libcriterion, and that would also hide every leak made inside a test
 * (criterion_internal_test_main is on those stacks). So the runner is not leak-checked; every
 * test process still is, and ASan/UBSan stay on in both.
 */
#include <stdlib.h>

int __lsan_is_turned_off(void);

int __lsan_is_turned_off(void) { return getenv("BXFI_MAP") == NULL; }
