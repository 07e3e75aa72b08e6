/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* msrp load: the load generator (load.c). */
#ifndef MSRP_TOOLS_LOAD_H
#define MSRP_TOOLS_LOAD_H

int load_main(int argc, char **argv);

#endif
