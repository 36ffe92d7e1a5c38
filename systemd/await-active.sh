#!/bin/bash
# Waits (bounded) for a unit to become active or fail, and says which; on failure or timeout it
# prints the unit's last journal lines, so a log read from another computer tells what went wrong.
#
#   await-active.sh UNIT [SECONDS]     exit 0 active, 1 failed, 2 still starting after SECONDS
set -uo pipefail

unit="${1:?usage: await-active.sh UNIT [SECONDS]}"
limit="${2:-120}"
case "$limit" in ''|*[!0-9]*) echo "await-active: SECONDS must be a whole number" >&2; exit 64 ;; esac

journal() {
  echo "--- last journal lines of $unit ---"
  journalctl -u "$unit" -n 30 --no-pager -o short-iso 2>&1 || echo "(journalctl failed)"
  echo "---"
}

waited=0
while :; do
  state="$(systemctl is-active "$unit" 2>/dev/null)"
  case "$state" in
    active) echo "$unit is active (after ${waited}s)"; exit 0 ;;
    failed) echo "$unit failed (after ${waited}s): $(systemctl show -p Result --value "$unit" 2>/dev/null)"; journal; exit 1 ;;
    # inactive with a pending start job: e.g. waiting for network-online.target; keep waiting.
  esac
  if [ "$waited" -ge "$limit" ]; then
    echo "$unit is still '${state:-unknown}' after ${limit}s (waiting for the network or the server?); check later: systemctl status $unit"
    journal
    exit 2
  fi
  sleep 2
  waited=$((waited + 2))
done
