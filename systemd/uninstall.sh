#!/bin/bash
# Removes the xmpp-iot service and app. Keeps /etc/xmpp-iot (config, password), /var/lib/xmpp-iot
# (the outbox: readings not yet delivered) and the user unless --purge: a reinstall then picks up
# where the old one stopped.
#
#   sudo ./systemd/uninstall.sh [--purge]      |      ./systemd/uninstall.sh --root DIR [--purge]
set -euo pipefail

NAME=xmpp-iot
ROOT=""
PREFIX=/opt/xmpp-iot
PURGE=no

die() { echo "uninstall.sh: error: $*" >&2; exit 1; }
note() { echo "uninstall.sh: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT="${2:?--root needs a directory}"; shift 2 ;;
    --prefix) PREFIX="${2:?--prefix needs a directory}"; shift 2 ;;
    --purge) PURGE=yes; shift ;;
    -h|--help) echo "Usage: $0 [--root DIR] [--prefix DIR] [--purge]"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done
case "$PREFIX" in /?*) ;; *) die "--prefix must be an absolute path other than /" ;; esac
if [ -n "$ROOT" ]; then
  [ -d "$ROOT" ] || die "--root $ROOT is not a directory"
  ROOT="$(cd "$ROOT" && pwd)"
  [ "$ROOT" != "/" ] || ROOT=""
fi
if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then die "run as root (sudo $0), or use --root DIR"; fi

UNIT="$ROOT/etc/systemd/system/$NAME.service"
if [ -z "$ROOT" ]; then
  # Stopping first lets the agent flush and send STOPPING=1; the outbox stays on disk.
  systemctl disable --now "$NAME.service" 2>/dev/null || true
else
  systemctl --root="$ROOT" disable "$NAME.service" >/dev/null 2>&1 || true
fi
rm -f "$ROOT/etc/systemd/system/multi-user.target.wants/$NAME.service" "$UNIT"
rm -rf "$ROOT$PREFIX" "$ROOT$PREFIX.new" "$ROOT$PREFIX.old"
note "removed the unit and $PREFIX"

if [ "$PURGE" = yes ]; then
  rm -rf "$ROOT/etc/$NAME" "$ROOT/var/lib/$NAME" "$ROOT/var/lib/private/$NAME"
  rm -f "$ROOT/etc/sysusers.d/$NAME.conf" "$ROOT/etc/tmpfiles.d/$NAME.conf"
  if [ -z "$ROOT" ]; then
    if getent passwd "$NAME" >/dev/null; then userdel "$NAME" 2>/dev/null || true; fi
    if getent group "$NAME" >/dev/null; then groupdel "$NAME" 2>/dev/null || true; fi
  elif [ -f "$ROOT/etc/passwd" ]; then
    # Only our own user and group lines; dialout and gpio belong to the system.
    for file in passwd shadow group gshadow; do
      if [ -f "$ROOT/etc/$file" ]; then sed -i "/^$NAME:/d" "$ROOT/etc/$file"; fi
    done
  fi
  note "purged /etc/$NAME, /var/lib/$NAME (outbox) and the user $NAME"
else
  note "kept /etc/$NAME, /var/lib/$NAME and the user $NAME (use --purge to remove them)"
fi
if [ -z "$ROOT" ]; then systemctl daemon-reload; fi
