# Turns OpenCL C files into byte arrays compiled into the library. C11 string literals stop at
# 4095 characters, so the sources are arrays of bytes, not strings. The generated file defines
# oclnn__embedded_sources[] (name, bytes, size), read by host/program/sources.c.
set(OCLNN_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/OclnnEmbedFile.cmake)

function(oclnn_embed_kernels out_var)
  set(generated ${CMAKE_CURRENT_BINARY_DIR}/oclnn_embedded_kernels.c)
  add_custom_command(OUTPUT ${generated}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${generated} "-DINPUTS=${ARGN}" -P ${OCLNN_EMBED_SCRIPT}
    DEPENDS ${ARGN} ${OCLNN_EMBED_SCRIPT}
    COMMENT "Embedding OpenCL kernels"
    VERBATIM)
  set(${out_var} ${generated} PARENT_SCOPE)
endfunction()
