#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# Install the build into a fresh prefix and build two programs against it,
# as a user would: one with pkg-config, one with find_package(msrp); both
# must run and print the library's version.
#
#   check_install.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=$1 work=$2
rm -rf "$work"
mkdir -p "$work/app"
pfx=$work/prefix
cmake --install "$build" --prefix "$pfx" >/dev/null
# the prefix may move: the .pc file finds it from where it lies
mv "$pfx" "$work/moved"
pfx=$work/moved
cat >"$work/app/hello.c" <<'C'
#include <msrp/msrp.h>

#include <stdio.h>
#include <string.h>

int main(void) {
  msrp_uri u = MSRP_URI_INIT;
  const char *text = "msrp://127.0.0.1:2855/s1;tcp";
  if (strcmp(msrp_version(), MSRP_VERSION_STRING) != 0 ||
      msrp_uri_parse(&u, text, strlen(text)) != 0)
    return 1;
  printf("libmsrp %s: port %d\n", msrp_version(), u.port);
  msrp_uri_clear(&u);
  return 0;
}
C
export LD_LIBRARY_PATH=$pfx/lib
want="libmsrp $(sed -n 's/^project(libmsrp VERSION \([0-9.]*\).*/\1/p' \
  "$(dirname "$0")/../../CMakeLists.txt"): port 2855"
# pkg-config
flags=$(PKG_CONFIG_PATH=$pfx/lib/pkgconfig pkg-config --cflags --libs msrp)
cc "$work/app/hello.c" $flags -o "$work/app/hello_pc"
got=$("$work/app/hello_pc")
[ "$got" = "$want" ] || { echo "pkg-config build printed '$got'" >&2; exit 1; }
# find_package(msrp)
cat >"$work/app/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(hello C)
find_package(msrp REQUIRED)
add_executable(hello_cmake hello.c)
target_link_libraries(hello_cmake PRIVATE msrp::msrp)
CM
cmake -S "$work/app" -B "$work/app/build" -DCMAKE_PREFIX_PATH="$pfx" \
  >/dev/null
cmake --build "$work/app/build" >/dev/null
got=$("$work/app/build/hello_cmake")
[ "$got" = "$want" ] || { echo "find_package build printed '$got'" >&2; exit 1; }
# 0.x: the program records the soname with the minor version
# (docs/design.md, Compatibility), so that it never loads another minor
majmin=$(printf '%s' "$want" | sed -E 's/^libmsrp ([0-9]+)\.([0-9]+)\..*/\1.\2/')
needed=$(objdump -p "$work/app/build/hello_cmake" | awk '/NEEDED.*libmsrp/ {print $2}')
[ "$needed" = "libmsrp.so.$majmin" ] ||
  { echo "the program needs '$needed', not libmsrp.so.$majmin" >&2; exit 1; }
echo "installed: pkg-config and find_package(msrp) builds both ran: $got (needs $needed)"
