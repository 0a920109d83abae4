#!/bin/sh
# Adds cnn-workbench to your desktop's application menu (for you only, no root needed): the
# desktop entry, pointing at this unpacked bundle, and its icon under ~/.local/share.
# Run it again after moving the bundle. To remove: delete the two files it names.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
data="${XDG_DATA_HOME:-$HOME/.local/share}"
mkdir -p "$data/applications" "$data/icons/hicolor/256x256/apps"
cp "$here/share/icons/hicolor/256x256/apps/cnn-workbench.png" "$data/icons/hicolor/256x256/apps/"
exe="$here/bin/cnn-workbench"
case "$exe" in
*[\\\"\`\$]*)
    echo "install-desktop-entry: the path $exe holds \\, \", \` or \$, which a desktop entry" \
        "cannot quote simply; move the bundle to a plainer path" >&2
    exit 1
    ;;
esac
# Exec: the absolute path in double quotes, as the Desktop Entry spec asks (spaces and all).
awk -v exe="$exe" '/^Exec=/ { print "Exec=\"" exe "\" %f"; next } { print }' \
    "$here/share/applications/cnn-workbench.desktop" > "$data/applications/cnn-workbench.desktop"
echo "added: $data/applications/cnn-workbench.desktop"
echo "       $data/icons/hicolor/256x256/apps/cnn-workbench.png"
