# cmake -DPROTOC_C=<protoc-c> -DPROTO_DIR=<dir of onnx.proto> -DOUT_DIR=<dir> -P OclnnOnnxProto.cmake
# Compiles onnx.proto with protoc-c into OUT_DIR/onnx.pb-c.{c,h}, then renames the generated
# global symbols from onnx__* to oclnn__onnx__*: the static library may only define names that
# start with oclnn_ (tests/scripts/check_exports.cmake), and a program that links its own copy
# of onnx.pb-c must not clash with ours.
cmake_minimum_required(VERSION 3.25)
foreach(var PROTOC_C PROTO_DIR OUT_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "OclnnOnnxProto.cmake: -D${var}=... is required")
  endif()
endforeach()
set(raw_dir ${OUT_DIR}/protoc-c-raw)
file(MAKE_DIRECTORY ${raw_dir})
execute_process(COMMAND ${PROTOC_C} --proto_path=${PROTO_DIR} --c_out=${raw_dir} onnx.proto
  RESULT_VARIABLE result ERROR_VARIABLE errors)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "protoc-c failed on ${PROTO_DIR}/onnx.proto (${result}): ${errors}")
endif()
foreach(ext c h)
  file(READ ${raw_dir}/onnx.pb-c.${ext} text)
  string(REGEX REPLACE "([^A-Za-z0-9_])onnx__" "\\1oclnn__onnx__" text "${text}")
  file(WRITE ${OUT_DIR}/onnx.pb-c.${ext}.tmp "${text}")
  file(RENAME ${OUT_DIR}/onnx.pb-c.${ext}.tmp ${OUT_DIR}/onnx.pb-c.${ext})
endforeach()
