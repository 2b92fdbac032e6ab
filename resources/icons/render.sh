#!/usr/bin/env bash
# Renders StreamScope's icon PNGs (committed beside this script, so that building needs no SVG
# renderer) from the hand-drawn SVGs: 16 px from streamscope-small.svg, 22 and 24 px from
# streamscope-24.svg, 32-256 px from streamscope.svg. Needs rsvg-convert (Debian: librsvg2-bin).
# With ImageMagick's convert present it also redraws resources/screenshots/icon-backgrounds.png:
# every size on light and dark panels, and the small ones magnified 4x.
# Run it after changing an SVG and commit the PNGs with it.
set -euo pipefail
cd "$(dirname "$0")"
command -v rsvg-convert >/dev/null || {
    echo "render.sh: needs rsvg-convert: apt-get install librsvg2-bin" >&2
    exit 1
}
source_for() {
    case $1 in
    16) echo streamscope-small.svg ;;
    22 | 24) echo streamscope-24.svg ;;
    *) echo streamscope.svg ;;
    esac
}
sizes=(16 22 24 32 48 64 128 256)
for s in "${sizes[@]}"; do
    rsvg-convert -w "$s" -h "$s" "$(source_for "$s")" -o "streamscope-$s.png"
done
echo "render.sh: wrote streamscope-{$(IFS=,; echo "${sizes[*]}")}.png"

command -v convert >/dev/null || {
    echo "render.sh: no ImageMagick convert: resources/screenshots/icon-backgrounds.png not redrawn"
    exit 0
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rows=()
# GNOME's light panel, white, a dark panel, black.
for bg in "#f6f5f4" "#ffffff" "#2b2b2b" "#000000"; do
    tiles=()
    for s in "${sizes[@]}"; do
        convert -size "${s}x${s}" "xc:$bg" "streamscope-$s.png" -composite -background "$bg" \
            -gravity center -extent "$((s + 16))x272" "$tmp/$s-${bg:1}.png"
        tiles+=("$tmp/$s-${bg:1}.png")
    done
    for s in 16 22 24 32; do
        convert -size "${s}x${s}" "xc:$bg" "streamscope-$s.png" -composite -filter point \
            -resize "$((4 * s))x" -background "$bg" -gravity center \
            -extent "$((4 * s + 16))x272" "$tmp/z$s-${bg:1}.png"
        tiles+=("$tmp/z$s-${bg:1}.png")
    done
    convert "${tiles[@]}" +append "$tmp/row-${bg:1}.png"
    rows+=("$tmp/row-${bg:1}.png")
done
convert "${rows[@]}" -append -depth 8 -strip ../screenshots/icon-backgrounds.png
echo "render.sh: wrote ../screenshots/icon-backgrounds.png"
