/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Put first on the include path of src/core (CMakeLists.txt): the protocol
 * core does no I/O and has no loop, so it may not include libuv. */
#error "src/core must not use libuv: I/O belongs in src/io"
