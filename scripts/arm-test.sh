#!/usr/bin/env bash
# The bundle on ARM: runs the installed agent under qemu-user emulation as arm64 (Pi 3/4/5 with a
# 64-bit OS) and armv7l (32-bit Raspberry Pi OS) against a private Prosody (test/arm/run.ts).
#
#   scripts/arm-test.sh [--skip-build]
#
# Needs: prosody socat python3-slixmpp qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross
# libc6-armhf-cross libstdc++6-armhf-cross libatomic1-armhf-cross (.ci/packages.txt), and the npm
# registry on the first run (the ARM Node builds are cached in /var/cache/xmpp-iot-arm, else
# tmp/arm-cache; XMPP_IOT_ARM_CACHE overrides). Takes a few minutes: it is not part of npm test.
# The last line is "arm-test: PASSED ..." or "arm-test: FAILED ..."; the exit code says the same.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--skip-build" ]; then
  npm run build --silent || { echo "arm-test: FAILED (npm run build)"; exit 1; }
fi
[ -f dist/test/arm/run.js ] || { echo "arm-test: FAILED (dist/test/arm/run.js missing: npm run build)"; exit 1; }
exec node dist/test/arm/run.js
