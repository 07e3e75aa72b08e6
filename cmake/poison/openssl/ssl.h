/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Put first on the include path of src/core (CMakeLists.txt): the core may
 * use libcrypto (hashes, random numbers) but not TLS, which is I/O. */
#error "src/core must not use libssl: TLS belongs in src/io"
