/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Compiled with src/core's include path by the test layers_core_no_libuv:
 * it must fail, saying why (cmake/poison/uv.h). */
#include <uv.h>
