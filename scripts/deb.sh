#!/usr/bin/env bash
# The .deb of a staged bundle (scripts/dist.sh --deb calls it): the bundle under
# /opt/cnn-workbench, /usr/bin/cnn-workbench linking to its binary, the desktop entry and icons
# under /usr/share. `sudo apt install ./dist/cnn-workbench_<version>_amd64.deb`.
# usage: scripts/deb.sh STAGED_BUNDLE VERSION
set -euo pipefail
cd "$(dirname "$0")/.."
stage=$1 version=$2
pkg="$PWD/dist/deb/cnn-workbench_${version}_amd64"
rm -rf "$PWD/dist/deb"
mkdir -p "$pkg/DEBIAN" "$pkg/opt" "$pkg/usr/bin" "$pkg/usr/share/doc/cnn-workbench"
cp -a "$stage" "$pkg/opt/cnn-workbench"
# The bundle's share/ stays inside /opt; the desktop looks in /usr/share.
cp -a "$stage/share/applications" "$stage/share/icons" "$pkg/usr/share/"
ln -s ../../opt/cnn-workbench/bin/cnn-workbench "$pkg/usr/bin/cnn-workbench"
ln -s ../../../../opt/cnn-workbench/share/doc/cnn-workbench/README \
    "$pkg/usr/share/doc/cnn-workbench/README.licences"
cat > "$pkg/usr/share/doc/cnn-workbench/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: cnn-workbench

Files: *
License: MIT or Apache-2.0
Comment: The bundled libraries' and crates' licences are in
 /opt/cnn-workbench/share/doc/cnn-workbench/ (README lists which is which).
EOF
size_kb=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
# What the window loads by name at run time (OpenGL, X11, keyboard), and the C++ runtime.
cat > "$pkg/DEBIAN/control" <<EOF
Package: cnn-workbench
Version: $version
Architecture: amd64
Maintainer: cnn-workbench developers <cnn-workbench@localhost>
Installed-Size: $size_kb
Depends: libc6 (>= 2.28), libstdc++6, libgcc-s1, libgl1, libegl1, libx11-6, libxcursor1, libxrandr2, libxi6, libxkbcommon-x11-0
Recommends: libgl1-mesa-dri
Section: science
Priority: optional
Homepage: https://github.com/cnn-workbench/cnn-workbench
Description: workbench to assemble, train and understand convolutional networks
 Click convolutional networks together from a palette, train them on libtorch
 (CPU; CUDA as an add-on pack), compare variants over seeds, inspect filters,
 feature maps and Grad-CAM, and export to PyTorch, TorchScript and ONNX.
EOF
echo "==> packing dist/$(basename "$pkg").deb"
dpkg-deb --root-owner-group -Zzstd -z12 --build "$pkg" "dist/$(basename "$pkg").deb" >/dev/null
ls -l "dist/$(basename "$pkg").deb" | awk '{printf "    %.0f MB\n", $5 / 1e6}'
rm -rf "$PWD/dist/deb"
