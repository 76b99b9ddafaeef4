#!/bin/sh
# Pack the PyInstaller folder with its desktop entry into dist/cyclegan-studio-VERSION-linux-ARCH.tar.gz.
set -eu
bundle="$1"
version=$(.venv/bin/python -c "import engine; print(engine.__version__)")
cp packaging/cyclegan-studio.desktop packaging/install-desktop-entry.sh "$bundle/"
chmod +x "$bundle/install-desktop-entry.sh"
archive="dist/cyclegan-studio-$version-linux-$(uname -m).tar.gz"
tar -C "$(dirname "$bundle")" -czf "$archive.part" "$(basename "$bundle")"
mv "$archive.part" "$archive"
ls -lh "$archive"
