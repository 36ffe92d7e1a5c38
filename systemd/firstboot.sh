#!/bin/bash
# First-boot installer for a freshly flashed Raspberry Pi OS Lite, with no network needed.
# Copy to the boot partition (/boot/firmware on Bookworm) next to:
#   xmpp-iot-<version>.tar.gz     from `npm run bundle`
#   xmpp-iot-config.json          your config (optional; else config.example.json)
#   xmpp-iot-password             the XMPP password (optional; deleted from the FAT partition after use)
#   node-v2*-linux-<arch>.tar.xz  only if the image has no Node >= 20.10 (nodejs.org binaries;
#                                 arm64 for 64-bit Pi OS, armv7l for 32-bit)
# and run it once as root: from Imager's firstrun.sh, cloud-init's runcmd, or by hand over SSH.
# Everything it prints also goes to xmpp-iot-firstboot.log on the boot partition, readable from a PC.
#
#   firstboot.sh [--root DIR]   (--root: install into DIR and start nothing; for tests and images)
set -euo pipefail

BOOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT=""
if [ "${1:-}" = "--root" ]; then ROOT="${2:?--root needs a directory}"; fi
exec > >(tee -a "$BOOT/xmpp-iot-firstboot.log") 2>&1
echo "xmpp-iot firstboot: $(date -u +%FT%TZ)"

tarball="$(find "$BOOT" -maxdepth 1 -name 'xmpp-iot-*.tar.gz' | sort -V | tail -n 1)"
[ -n "$tarball" ] || { echo "firstboot: no xmpp-iot-*.tar.gz in $BOOT" >&2; exit 1; }

# Node from a nodejs.org tarball on the boot partition, when the image has none (or an old one).
# It goes to /usr/local (bin/node), outside /home, which the unit's ProtectHome=yes hides.
node_ok() {
  local v; v="$("$1" --version 2>/dev/null)" || return 1
  IFS=. read -r major minor _ <<<"${v#v}"
  [ "$major" -gt 20 ] 2>/dev/null || { [ "$major" -eq 20 ] && [ "$minor" -ge 10 ]; } 2>/dev/null
}
have_node=no
candidates=("$ROOT/usr/bin/node" "$ROOT/usr/local/bin/node")
if [ -z "$ROOT" ]; then candidates+=("$(command -v node || true)"); fi
for candidate in "${candidates[@]}"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && node_ok "$candidate"; then have_node=yes; break; fi
done
node_args=()
if [ "$have_node" = no ]; then
  # The target's architecture; for an image built elsewhere, say XMPP_IOT_ARCH=arm64 (or armv7l).
  case "${XMPP_IOT_ARCH:-$(uname -m)}" in aarch64|arm64) arch=arm64 ;; armv7l) arch=armv7l ;; armv6l) arch=armv6l ;; x86_64|x64) arch=x64 ;; *) arch="$(uname -m)" ;; esac
  node_tarball="$(find "$BOOT" -maxdepth 1 -name "node-v*-linux-$arch.tar.*" | sort -V | tail -n 1)"
  [ -n "$node_tarball" ] || { echo "firstboot: no Node >= 20.10 and no node-v*-linux-$arch.tar.* in $BOOT" >&2; exit 1; }
  mkdir -p "$ROOT/usr/local"
  tar -xf "$node_tarball" -C "$ROOT/usr/local" --strip-components=1 --no-same-owner
  node_args=(--node /usr/local/bin/node)
  echo "firstboot: installed Node from $(basename "$node_tarball") into /usr/local"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work" --no-same-owner
args=("${node_args[@]}")
if [ -n "$ROOT" ]; then args+=(--root "$ROOT"); fi
if [ -f "$BOOT/xmpp-iot-config.json" ]; then args+=(--config "$BOOT/xmpp-iot-config.json"); fi
if [ -f "$BOOT/xmpp-iot-password" ]; then args+=(--password-file "$BOOT/xmpp-iot-password"); fi
"$work/xmpp-iot/systemd/install.sh" "${args[@]}" || {
  status=$?
  echo "firstboot: the install failed (exit $status, lines above) and nothing was started; fix" \
    "xmpp-iot-config.json on the boot partition, then run: sudo bash $BOOT/$(basename "${BASH_SOURCE[0]}")" >&2
  exit "$status"
}

# FAT has no permissions: anyone who can read the SD card can read it. The secret now lives in
# /etc/xmpp-iot/password (0640), so remove the copy.
rm -f "$BOOT/xmpp-iot-password"
if [ -z "$ROOT" ]; then
  # --no-block: under Imager's firstrun.sh this runs before network-online.target; the unit waits.
  systemctl start --no-block xmpp-iot.service
  # Whether it came up, in the log on the boot partition: bounded, since this may hold up the boot
  # (XMPP_IOT_FIRSTBOOT_WAIT seconds, default 120; 0 = do not wait).
  "$work/xmpp-iot/systemd/await-active.sh" xmpp-iot.service "${XMPP_IOT_FIRSTBOOT_WAIT:-120}" || true
fi
echo "firstboot: done; logs: journalctl -u xmpp-iot"
