#!/bin/bash
# The demo: install what is needed, build, and run the conversation example
# (chunks built, serialized, parsed back by the streaming parser, printed).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target conversation >/dev/null
./build/examples/conversation "$@"
