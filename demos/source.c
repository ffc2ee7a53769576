#include "source.h"

#include <stddef.h>

int demo_source_next(demo_source *source, double t, demo_frame *frame, demo_err *err) {
  if (!source || !frame)
    return demo_fail(err, "demo_source_next: no source");
  int status = source->ops->next(source, t, frame, err);
  if (status == 0 && (frame->width != source->width || frame->height != source->height))
    return demo_fail(err, "%s delivered a %dx%d frame instead of %dx%d", source->description,
                     frame->width, frame->height, source->width, source->height);
  return status;
}

void demo_source_close(demo_source *source) {
  if (source)
    source->ops->close(source);
}
