/* The SDL2 window: live frames, keys, the status bar, screenshots. */
#ifndef OCLNN_DEMO_UI_SDL_H
#define OCLNN_DEMO_UI_SDL_H

#include "demo_util.h"
#include "options.h"

/* demo_run_window's result when SDL finds no display (err says why): run headless instead. */
#define DEMO_NO_DISPLAY 1

/* Runs the window until the user quits (or --frames frames were shown). 0 on success, -1 on an
 * error, DEMO_NO_DISPLAY when no window can be opened. */
int demo_run_window(const demo_options *o, demo_err *err);

#endif
