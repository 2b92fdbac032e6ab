#!/usr/bin/env bash
# Applies .clang-format to every C++ file of the tree: tracked, and new ones not yet added
# (ignored files, such as build directories, are left alone).
set -euo pipefail
cd "$(dirname "$0")/.."
{ git ls-files -z -- '*.cpp' '*.h'; git ls-files -z --others --exclude-standard -- '*.cpp' '*.h'; } |
    xargs -0 clang-format -i
