#!/bin/sh
# Lays skillwright's release archives out as the directory `skillwright build --bin-dir` reads:
#   bin-dir.sh ARCHIVES_DIR BIN_DIR
# ARCHIVES_DIR holds skillwright-cli-<triple>.tar.xz (Linux, macOS) and .zip (Windows), as the
# GitHub Release has them (`gh release download vX.Y.Z --pattern 'skillwright-cli-*'`); BIN_DIR
# gets <triple>/skillwright or <triple>/skillwright.exe for each. Needs tar (with xz) and unzip.
# A Node.js addon (skillwright.node), when you build one, goes beside the binary by hand.
set -eu
archives=${1:?usage: bin-dir.sh ARCHIVES_DIR BIN_DIR}
bin=${2:?usage: bin-dir.sh ARCHIVES_DIR BIN_DIR}
found=0
for a in "$archives"/skillwright-cli-*.tar.xz "$archives"/skillwright-cli-*.zip; do
  [ -f "$a" ] || continue
  name=$(basename "$a")
  triple=${name#skillwright-cli-}
  triple=${triple%.tar.xz}
  triple=${triple%.zip}
  tmp=$(mktemp -d)
  case "$a" in
    *.zip) unzip -q "$a" -d "$tmp" ;;
    *) tar -xJf "$a" -C "$tmp" ;;
  esac
  exe=$(find "$tmp" -type f \( -name skillwright -o -name skillwright.exe \) | head -n 1)
  if [ -z "$exe" ]; then
    echo "error: no skillwright binary in $a" >&2
    exit 2
  fi
  mkdir -p "$bin/$triple"
  cp "$exe" "$bin/$triple/"
  chmod +x "$bin/$triple/$(basename "$exe")"
  rm -rf "$tmp"
  echo "$bin/$triple/$(basename "$exe")"
  found=$((found + 1))
done
if [ "$found" = 0 ]; then
  echo "error: no skillwright-cli-<triple>.tar.xz or .zip in $archives" >&2
  exit 2
fi
