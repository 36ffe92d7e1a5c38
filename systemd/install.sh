#!/bin/bash
# Installs xmpp-iot as a systemd service: app files, system user, /etc/xmpp-iot, unit, enable.
# The config is checked (`xmpp-iot check`) before anything is written; a config that fails is
# refused with the check's lines. Every secret moves out of the config into a 0640 file under
# /etc/xmpp-iot, and every file the config names is copied there, so the config the service reads
# names only files it can see (ProtectHome and PrivateTmp hide /home, /root and /tmp).
# Re-running upgrades the app and unit and keeps config.json, unless --config gives a new one:
# that replaces it, and the old one stays beside it as config.json.bak-DATE.
#
#   sudo ./systemd/install.sh [--now] [--config FILE] [--password-file FILE] [--mqtt-password-file FILE]
#   ./systemd/install.sh --root DIR ...   # into an image or scratch dir; no live systemctl, no useradd
#
# Run it from an unpacked bundle (`npm run bundle`) or a built checkout (`npm run build`).
set -euo pipefail

NAME=xmpp-iot
ROOT=""
PREFIX=/opt/xmpp-iot
NODE_BIN=""
CONFIG_SRC=""
PASSWORD_SRC=""
MQTT_PASSWORD_SRC=""
START=no
ENABLE=yes
MIN_NODE_MAJOR=20
MIN_NODE_MINOR=10

usage() {
  cat <<EOF
Usage: $0 [options]
  --root DIR            install below DIR instead of / (image builders, tests)
  --prefix DIR          where the app goes (default $PREFIX)
  --node PATH           node binary for ExecStart (default: /usr/bin/node, else node on PATH)
  --config FILE         install FILE as /etc/$NAME/config.json (checked first); replaces an
                        existing one, which is kept as config.json.bak-DATE. Without it a first
                        install uses config.example.json and a re-run keeps the installed config.
  --password-file FILE  the XMPP password, installed as /etc/$NAME/password (else the config's
                        xmpp.password or xmpp.passwordFile, else \$XMPP_IOT_PASSWORD on a first install)
  --mqtt-password-file FILE  the MQTT broker password, installed as /etc/$NAME/mqtt-password (else
                        mqtt.password or mqtt.passwordFile, else \$XMPP_IOT_MQTT_PASSWORD)
  --now                 (re)start the service after installing
  --no-enable           install but do not enable at boot
EOF
}

die() { echo "install.sh: error: $*" >&2; exit 1; }
note() { echo "install.sh: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT="${2:?--root needs a directory}"; shift 2 ;;
    --prefix) PREFIX="${2:?--prefix needs a directory}"; shift 2 ;;
    --node) NODE_BIN="${2:?--node needs a path}"; shift 2 ;;
    --config) CONFIG_SRC="${2:?--config needs a file}"; shift 2 ;;
    --password-file) PASSWORD_SRC="${2:?--password-file needs a file}"; shift 2 ;;
    --mqtt-password-file) MQTT_PASSWORD_SRC="${2:?--mqtt-password-file needs a file}"; shift 2 ;;
    --now) START=yes; shift ;;
    --no-enable) ENABLE=no; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done

case "$PREFIX" in /*) ;; *) die "--prefix must be absolute" ;; esac
if [ -n "$ROOT" ]; then
  # Created (if missing) only once the config passed its check: a refused install writes nothing.
  [ -d "$ROOT" ] || [ ! -e "$ROOT" ] || die "--root $ROOT is not a directory"
  ROOT="$(realpath -m -- "$ROOT")"
  [ "$ROOT" != "/" ] || ROOT=""
fi
if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
  die "run as root (sudo $0), or use --root DIR"
fi

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -f "$SRC/dist/xmpp-iot.mjs" ] || die "$SRC/dist/xmpp-iot.mjs is missing: run 'npm run build' or install from the bundle"
[ -f "$SRC/systemd/$NAME.service" ] || die "$SRC/systemd/$NAME.service is missing"

# --- Node >= 20.10 ------------------------------------------------------------------------------
# The unit runs an absolute node path. nvm installs under /home or /root, which ProtectHome hides.
if [ -z "$NODE_BIN" ]; then
  if [ -x "$ROOT/usr/bin/node" ] || { [ -z "$ROOT" ] && [ -x /usr/bin/node ]; }; then NODE_BIN=/usr/bin/node
  else NODE_BIN="$(command -v node || true)"; fi
fi
[ -n "$NODE_BIN" ] || die "node not found: install Node.js >= $MIN_NODE_MAJOR.$MIN_NODE_MINOR (e.g. from NodeSource)"
case "$NODE_BIN" in
  /home/*|/root/*|/run/user/*)
    [ -n "$ROOT" ] || die "$NODE_BIN is under a home directory, which the unit's ProtectHome=yes hides; install Node system-wide"
    note "warning: $NODE_BIN is under a home directory, which ProtectHome=yes hides at run time" ;;
  /*) ;;
  *) die "--node must be an absolute path" ;;
esac
# In an image for another architecture the target's node cannot run here: check the host's instead.
HOST_NODE=""
for candidate in "$ROOT$NODE_BIN" "$NODE_BIN" "$(command -v node || true)"; do
  if [ -n "$candidate" ] && node_version="$("$candidate" --version 2>/dev/null)"; then HOST_NODE="$candidate"; break; fi
done
[ -n "$HOST_NODE" ] || die "cannot run $NODE_BIN to check its version"
IFS=. read -r major minor _ <<<"${node_version#v}"
case "$major.$minor" in *[!0-9.]*|.*|*.) die "cannot parse the Node version '$node_version'" ;; esac
if ! { [ "$major" -gt "$MIN_NODE_MAJOR" ] || { [ "$major" -eq "$MIN_NODE_MAJOR" ] && [ "$minor" -ge "$MIN_NODE_MINOR" ]; }; }; then
  die "Node $node_version at $HOST_NODE is too old: xmpp-iot needs >= $MIN_NODE_MAJOR.$MIN_NODE_MINOR"
fi
# The seed-config helper needs a node that runs here (the target's may be another architecture).
HELPER_NODE=""
for candidate in "$ROOT$NODE_BIN" "$NODE_BIN" "$(command -v node || true)"; do
  if [ -n "$candidate" ] && [ "$("$candidate" -p 42 2>/dev/null || true)" = 42 ]; then HELPER_NODE="$candidate"; break; fi
done
[ -n "$HELPER_NODE" ] || die "no node that runs on this machine (needed to prepare the config)"
note "using Node $node_version ($HOST_NODE; the unit runs $NODE_BIN)"

# --- the config: prepare and check before anything is written ----------------------------------
ETC="$ROOT/etc/$NAME"
STAGE="$(mktemp -d "${TMPDIR:-/tmp}/xmpp-iot-install.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
KEEP=no
if [ -n "$CONFIG_SRC" ]; then SEED="$CONFIG_SRC"
elif [ -e "$ETC/config.json" ]; then SEED="$ETC/config.json"; KEEP=yes
else SEED="$SRC/config.example.json"; fi
[ -f "$SEED" ] || die "no config to install: $SEED is missing (give --config FILE)"
prepare=(--seed "$SEED" --stage "$STAGE" --etc "/etc/$NAME" --installed "$ETC" --outbox "/var/lib/$NAME/outbox")
if [ "$KEEP" = yes ]; then prepare+=(--keep); fi
if [ -n "$PASSWORD_SRC" ]; then prepare+=(--password-file "$PASSWORD_SRC"); fi
if [ -n "$MQTT_PASSWORD_SRC" ]; then prepare+=(--mqtt-password-file "$MQTT_PASSWORD_SRC"); fi
prepared=0
"$HELPER_NODE" "$SRC/systemd/seed-config.mjs" "${prepare[@]}" || prepared=$?
# 3: not JSON; the check below says where (line, column) in its own words.
if [ "$prepared" -ne 0 ] && [ "$prepared" -ne 3 ]; then die "$SEED cannot be installed as it is (lines above); nothing was installed"; fi
checked=0
check_out="$("$HELPER_NODE" "$SRC/dist/xmpp-iot.mjs" check --config "$STAGE/check.json" 2>&1)" || checked=$?
check_out="${check_out//$STAGE\/check.json/$SEED}"
if [ "$checked" -ne 0 ]; then
  echo "$check_out" >&2
  echo "install.sh: error: $SEED fails 'xmpp-iot check' (lines above); nothing was installed" >&2
  exit "$checked"
fi
note "check: $check_out"
if [ -n "$ROOT" ] && [ ! -d "$ROOT" ]; then mkdir -p "$ROOT"; note "created $ROOT"; fi

# --- user and groups ----------------------------------------------------------------------------
# Declared in sysusers.d so image builders and later boots agree; gpio exists on Raspberry Pi OS
# but not on a plain Debian box, and SupplementaryGroups= fails the start if a group is missing.
install -d -m 0755 "$ROOT/etc/sysusers.d" "$ROOT/etc/tmpfiles.d"
cat >"$ROOT/etc/sysusers.d/$NAME.conf" <<EOF
# xmpp-iot: the agent's system user; serial ports (dialout) and GPIO chips (gpio).
u $NAME - "xmpp-iot agent" /var/lib/$NAME /usr/sbin/nologin
g dialout -
g gpio -
EOF
chmod 0644 "$ROOT/etc/sysusers.d/$NAME.conf"
# Re-applies owner and mode at every boot, e.g. after a config was copied from a FAT boot partition.
cat >"$ROOT/etc/tmpfiles.d/$NAME.conf" <<EOF
z /etc/$NAME 0750 root $NAME -
z /etc/$NAME/* 0640 root $NAME -
EOF
chmod 0644 "$ROOT/etc/tmpfiles.d/$NAME.conf"

if [ -z "$ROOT" ]; then
  # Every run, not only when the user is missing: an upgrade may add a group (idempotent).
  if command -v systemd-sysusers >/dev/null; then systemd-sysusers "$NAME.conf"
  else
    getent group gpio >/dev/null || groupadd --system gpio
    getent passwd "$NAME" >/dev/null || useradd --system --user-group --home-dir "/var/lib/$NAME" --no-create-home --shell /usr/sbin/nologin "$NAME"
  fi
elif [ -f "$ROOT/etc/passwd" ]; then
  # An image root with its own passwd: create the user there now, so the files below get its group.
  # A bare file name: sysusers reads it from the root's etc/sysusers.d (a path would be the host's).
  systemd-sysusers --root="$ROOT" "$NAME.conf"
else
  note "--root without etc/passwd: the user $NAME is not created; files stay group root"
fi

# Numeric gid from the target's group file, so --root never depends on the host's users.
GROUP_ID=0
if [ -f "$ROOT/etc/group" ]; then
  GROUP_ID="$(awk -F: -v n="$NAME" '$1 == n { print $3 }' "$ROOT/etc/group")"
  GROUP_ID="${GROUP_ID:-0}"
fi
own() { if [ "$(id -u)" -eq 0 ]; then chown "0:$GROUP_ID" "$@"; fi; }

# --- app files ----------------------------------------------------------------------------------
DEST="$ROOT$PREFIX"
if [ "$(cd "$SRC" && pwd -P)" != "$( (cd "$DEST" 2>/dev/null && pwd -P) || echo none)" ]; then
  # Copy beside, then swap: an interrupted upgrade never leaves a half-copied app in place.
  install -d -m 0755 "$(dirname "$DEST")"
  rm -rf "$DEST.new" "$DEST.old"
  mkdir -m 0755 "$DEST.new"
  "$HELPER_NODE" "$SRC/systemd/copy-app.mjs" "$SRC" "$DEST.new" || { rm -rf "$DEST.new"; die "could not copy the app"; }
  if [ "$(id -u)" -eq 0 ]; then chown -R 0:0 "$DEST.new"; fi
  chmod -R u+rwX,go+rX,go-w "$DEST.new"
  if [ -d "$DEST" ]; then mv "$DEST" "$DEST.old"; fi
  mv "$DEST.new" "$DEST"
  rm -rf "$DEST.old"
  note "installed the app into $PREFIX ($(du -sh "$DEST" | cut -f1))"
fi

# --- /etc/xmpp-iot ------------------------------------------------------------------------------
# Secrets and other files the config names were staged above; a file that changes keeps the old
# one beside it as NAME.bak-DATE.
install -d -m 0750 "$ETC"
own "$ETC"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
backup() {
  local file="$1" to="$1.bak-$STAMP"
  [ ! -e "$to" ] || to="$to.$$"
  mv "$file" "$to"
  echo "$to"
}
put() { # put STAGED NAME: install one staged file as $ETC/NAME, 0640 root:xmpp-iot
  local from="$1" name="$2" kept
  if [ -e "$ETC/$name" ] && cmp -s "$from" "$ETC/$name"; then return 0; fi
  if [ -e "$ETC/$name" ]; then kept="$(backup "$ETC/$name")"; note "replaced /etc/$NAME/$name (the previous one is ${kept##*/})"; fi
  # umask first: a secret is never world-readable, not even between create and chmod.
  ( umask 0137; cat "$from" >"$ETC/$name.new" )
  own "$ETC/$name.new"
  chmod 0640 "$ETC/$name.new"
  mv "$ETC/$name.new" "$ETC/$name"
}
for staged_file in "$STAGE"/files/*; do
  [ -e "$staged_file" ] || continue
  put "$staged_file" "${staged_file##*/}"
done
while read -r name; do
  [ -n "$name" ] && [ ! -e "$ETC/$name" ] || continue
  ( umask 0137; : >"$ETC/$name" ); own "$ETC/$name"; chmod 0640 "$ETC/$name"
done <"$STAGE/empty"
if [ "$KEEP" = yes ]; then
  note "kept the existing /etc/$NAME/config.json (give --config FILE to replace it)"
elif [ -e "$ETC/config.json" ] && cmp -s "$STAGE/config.json" "$ETC/config.json"; then
  note "/etc/$NAME/config.json is unchanged"
else
  [ -e "$ETC/config.json" ] && existed=yes || existed=no
  put "$STAGE/config.json" config.json
  [ "$existed" = yes ] || note "wrote /etc/$NAME/config.json from $SEED"
fi
for file in "$ETC"/*; do
  case "$file" in *.new) rm -f "$file" ;; *) [ -f "$file" ] && { own "$file"; chmod 0640 "$file"; } ;; esac
done

# --- unit ---------------------------------------------------------------------------------------
UNIT_DIR="$ROOT/etc/systemd/system"
install -d -m 0755 "$UNIT_DIR"
sed -e "s#/usr/bin/node #$NODE_BIN #g" -e "s#/opt/xmpp-iot/#$PREFIX/#g" \
  "$SRC/systemd/$NAME.service" >"$UNIT_DIR/$NAME.service.new"
chmod 0644 "$UNIT_DIR/$NAME.service.new"
mv "$UNIT_DIR/$NAME.service.new" "$UNIT_DIR/$NAME.service"

if [ -n "$ROOT" ]; then
  if [ "$ENABLE" = yes ]; then
    # systemctl --root only writes the [Install] symlinks; fall back to writing it ourselves.
    systemctl --root="$ROOT" enable "$NAME.service" >/dev/null 2>&1 || {
      install -d -m 0755 "$UNIT_DIR/multi-user.target.wants"
      ln -sfn "/etc/systemd/system/$NAME.service" "$UNIT_DIR/multi-user.target.wants/$NAME.service"
    }
  fi
  note "installed into $ROOT (enable=$ENABLE)"
  exit 0
fi

systemd-tmpfiles --create "/etc/tmpfiles.d/$NAME.conf" || true
systemctl daemon-reload
if [ "$ENABLE" = yes ]; then systemctl enable "$NAME.service"; fi
if [ "$START" = yes ]; then
  systemctl restart "$NAME.service"
  note "started; follow the log with: journalctl -u $NAME -f"
elif systemctl is-active --quiet "$NAME.service"; then
  note "the running agent keeps the old version until: systemctl restart $NAME"
else
  note "next: edit /etc/$NAME/config.json and /etc/$NAME/password, then: systemctl start $NAME"
fi
