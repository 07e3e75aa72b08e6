#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The libmsrp authors
# With MSRP_BUILD_TESTS=OFF the library and the msrp command configure and
# build on a machine without cmocka: pkg-config here fails for cmocka (and
# records that it was asked), as it would where it is not installed.
#
#   no_cmocka.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$1 work=$2
rm -rf "$work"
mkdir -p "$work"
cat >"$work/pkg-config" <<'SH'
#!/bin/sh
for a in "$@"; do
  case $a in *cmocka*) echo "$a" >>"$(dirname "$0")/asked"; exit 1 ;; esac
done
exec /usr/bin/pkg-config "$@"
SH
chmod +x "$work/pkg-config"
cmake -S "$src" -B "$work/build" -G Ninja -DMSRP_BUILD_TESTS=OFF \
  -DPKG_CONFIG_EXECUTABLE="$work/pkg-config" >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; echo "configure failed without cmocka" >&2; exit 1; }
if [ -e "$work/asked" ]; then
  echo "the build asked pkg-config for cmocka with tests off: $(cat "$work/asked")" >&2
  exit 1
fi
cmake --build "$work/build" -j "$(nproc)" --target msrp msrp_static msrp_tool \
  >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
"$work/build/tools/msrp" --version
echo "built with tests off, and cmocka never asked for"
