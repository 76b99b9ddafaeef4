#!/bin/sh
# Add CycleGAN Studio to the desktop's application menu, pointing at this unpacked folder.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
target="${XDG_DATA_HOME:-$HOME/.local/share}/applications/cyclegan-studio.desktop"
mkdir -p "$(dirname "$target")"
sed "s|@BUNDLE@|$here|g" "$here/cyclegan-studio.desktop" > "$target"
echo "installed $target"
