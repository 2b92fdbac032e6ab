#!/usr/bin/env bash
# Builds the Debian package build/streamscope_<version>_<arch>.deb (cpack -G DEB, config in
# cmake/Packaging.cmake): configures again first, so that the package's version carries the
# commit being built (0.1.0+git5279a67), builds what is out of date, then packages what
# `cmake --install` would install, under /usr, with dependencies from dpkg-shlibdeps.
# Prints the package's path on the last line. Install it with: apt-get install ./build/streamscope_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/deps.sh
streamscope_install_missing
for tool in help2man dpkg-shlibdeps; do
    command -v "$tool" >/dev/null || { echo "package: $tool is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
streamscope_build
grep -q '^HELP2MAN_EXECUTABLE:FILEPATH=/' build/CMakeCache.txt \
    || { echo "package: CMake found no help2man: the package would lack its man pages" >&2; exit 1; }
rm -f build/streamscope_*.deb
(cd build && cpack -G DEB --config CPackConfig.cmake) >build/cpack.log 2>&1 \
    || { cat build/cpack.log >&2; echo "package: cpack failed (log above: build/cpack.log)" >&2; exit 1; }
debs=(build/streamscope_*.deb)
[ -f "${debs[0]}" ] || { echo "package: cpack made no build/streamscope_*.deb (build/cpack.log)" >&2; exit 1; }
if git -C "$root" --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null | grep -q .; then
    echo "package: note: built from a tree with uncommitted changes; the version names the last commit" >&2
fi
dpkg-deb --field "${debs[0]}" Package Version Architecture Depends Recommends
echo "$root/${debs[0]}"
