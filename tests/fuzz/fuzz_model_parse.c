/* libFuzzer target for the ONNX loader's first half (host/model/model_internal.h): protobuf
 * decoding, graph checks and host constant folding, which see every byte of an untrusted model
 * file before OpenCL is involved. Built with clang-15 -fsanitize=fuzzer,address,undefined by
 * tests/fuzz/CMakeLists.txt and run for a bounded time by tests/fuzz.cmake.
 *
 * Beyond "no crash, no leak, no undefined behaviour", it checks the contract: a status from the
 * documented list, a graph exactly on success, a NUL-terminated non-empty message on failure,
 * and a graph whose indices all point inside it. */
#include "model/model_internal.h"

#include <stdint.h>
#include <string.h>

static void check(int ok) {
  if (!ok)
    __builtin_trap();
}

static void check_graph(const oclnn__graph *g) {
  check(g->n_values >= 0 && g->n_nodes >= 0 && g->n_inputs >= 0 && g->n_outputs >= 0);
  for (int v = 0; v < g->n_values; ++v) {
    const oclnn__value *value = &g->values[v];
    check(value->name != NULL);
    check(value->producer >= -1 && value->producer < g->n_nodes);
    (void)strlen(value->name);
    if (value->cst) {
      check(value->cst->rank >= 0 && value->cst->rank <= OCLNN__GRAPH_MAX_RANK);
      check(value->cst->numel >= 0);
      /* Touch the first and last element so ASan sees a short buffer. */
      if (value->cst->numel > 0) {
        size_t elem = oclnn__const_elem_size(value->cst->type);
        check(elem > 0 && value->cst->data != NULL);
        volatile const unsigned char *bytes = value->cst->data;
        (void)bytes[0];
        (void)bytes[(size_t)value->cst->numel * elem - 1];
      }
    }
  }
  for (int n = 0; n < g->n_nodes; ++n) {
    const oclnn__node *node = &g->nodes[n];
    check(node->name != NULL && node->op != NULL);
    for (int i = 0; i < node->n_inputs; ++i)
      check(node->inputs[i] >= -1 && node->inputs[i] < g->n_values);
    for (int i = 0; i < node->n_outputs; ++i)
      check(node->outputs[i] >= 0 && node->outputs[i] < g->n_values);
    for (int a = 0; a < node->n_attrs; ++a)
      check(node->attrs[a].name != NULL);
  }
  for (int i = 0; i < g->n_inputs; ++i)
    check(g->inputs[i] >= 0 && g->inputs[i] < g->n_values);
  for (int i = 0; i < g->n_outputs; ++i)
    check(g->outputs[i] >= 0 && g->outputs[i] < g->n_values);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  memset(err, 'x', sizeof err);
  oclnn__graph *graph = NULL;
  oclnn_status status = oclnn__model_graph_parse(data, size, &graph, err, sizeof err);
  switch (status) {
  case OCLNN_SUCCESS:
    check(graph != NULL);
    check_graph(graph);
    break;
  case OCLNN_ERR_INVALID_VALUE:
  case OCLNN_ERR_INVALID_SHAPE:
  case OCLNN_ERR_OVERFLOW:
  case OCLNN_ERR_UNSUPPORTED:
  case OCLNN_ERR_OUT_OF_MEMORY:
    check(graph == NULL);
    check(memchr(err, '\0', sizeof err) != NULL && err[0] != '\0');
    break;
  default:
    check(0);
  }
  oclnn__model_graph_free(graph);
  return 0;
}
