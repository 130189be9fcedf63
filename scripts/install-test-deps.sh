#!/usr/bin/env bash
# `npm test` runs this first (npm's "pretest"): installs the real SIP peers the interop tests
# use — Kamailio, SIPp (sip-tester) and baresip —, chromium for the web UI's browser tests, and
# the toolchains and emulators of the native board host (quip-host: gcc cross compilers for
# armhf and win32, qemu-user, wine), all Debian packages, when they are missing.
# Idempotent: when every binary is present it does nothing and touches no network. When it
# cannot install (no apt-get, not root), it says so and the interop tests skip with the reason.
set -u

need=()
command -v kamailio >/dev/null 2>&1 || [ -x /usr/sbin/kamailio ] || need+=(kamailio)
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v baresip >/dev/null 2>&1 || need+=(baresip)
# The web UI's browser tests drive Debian's chromium with playwright-core (never a downloaded browser).
[ -x /usr/bin/chromium ] || need+=(chromium)
# quip-host's targets: linux-x64 (gcc, on the machine already), linux-armhf under qemu-arm, win32 under wine.
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v make >/dev/null 2>&1 || need+=(make)
command -v arm-linux-gnueabihf-gcc >/dev/null 2>&1 || need+=(gcc-arm-linux-gnueabihf libc6-dev-armhf-cross)
command -v qemu-arm >/dev/null 2>&1 || need+=(qemu-user)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64)
command -v wine >/dev/null 2>&1 || need+=(wine wine64)
# An independent G.711 reference for the audio tests (SoX's u-law/A-law), cross-checked when present.
command -v sox >/dev/null 2>&1 || need+=(sox)
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: no apt-get here; missing ${need[*]} — those interop tests will skip" >&2
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n)
  else
    echo "install-test-deps: not root and no password-less sudo; missing ${need[*]} — those interop tests will skip" >&2
    exit 0
  fi
fi

echo "install-test-deps: installing ${need[*]} from Debian packages" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >&2 || true
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >&2; then
  echo "install-test-deps: apt-get install ${need[*]} failed — those interop tests will skip" >&2
fi
exit 0
