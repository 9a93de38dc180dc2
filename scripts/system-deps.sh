#!/usr/bin/env bash
# Installs Graphviz and the DejaVu fonts through apt-get when they are missing; with the
# argument `chromium`, installs Chromium instead (for `make screenshots`).
set -euo pipefail

missing=()
if [ "${1:-}" = chromium ]; then
  purpose="needed to take screenshots"
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
else
  purpose="needed to render diagrams"
  command -v dot >/dev/null 2>&1 || missing+=(graphviz)
  fc-list 2>/dev/null | grep -qi "DejaVuSans" || [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] \
    || missing+=(fonts-dejavu-core)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing ${missing[*]} ($purpose)..."
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: ${missing[*]} missing and apt-get is not available; install ${missing[*]} with your package manager." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "error: ${missing[*]} missing; run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
echo "Installed ${missing[*]}."
