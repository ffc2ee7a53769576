# Warnings for project targets; OCLNN_WERROR (CI) turns them into errors. OCLNN_SANITIZE adds
# -fsanitize=<list> to compile and link of every project target.
function(oclnn_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wvla -Wformat=2 -Wno-unused-parameter)
  if(OCLNN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(OCLNN_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${OCLNN_SANITIZE} -fno-omit-frame-pointer
      -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${OCLNN_SANITIZE})
  endif()
endfunction()
