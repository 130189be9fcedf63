#!/usr/bin/env bash
# Prepares the Wine the tests run quip-host.exe under (npm test's pretest runs it after the
# build): a prefix of the project's own (dist/wine, out of git), initialised once here rather
# than by whichever test starts wine first, and one wineserver kept up for the whole run.
# Why: wine's default server quits 3 s after its last client; a test that starts wine in that
# instant is dropped by the dying server with no output and exit code 0. A server that stays up
# (-p: until 10 minutes after the last client) has no such instant during the run.
#   bash scripts/wine-session.sh          prepare; idempotent, quiet when all is ready
#   bash scripts/wine-session.sh --stop   stop the run's wineserver now
set -u
cd "$(dirname "$0")/.."
export WINEPREFIX="$PWD/dist/wine" WINEDEBUG=-all
command -v wine >/dev/null 2>&1 || exit 0 # the win32 tests say wine is missing
server=$(command -v wineserver || echo /usr/lib/wine/wineserver)
if [ "${1:-}" = "--stop" ]; then
  "$server" -k 2>/dev/null
  exit 0
fi
mkdir -p "$WINEPREFIX"
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  # Made with wine's own short-lived server, which writes the registry out when it exits.
  echo "wine-session: creating the test Wine prefix $WINEPREFIX" >&2
  wine wineboot -i </dev/null >/dev/null 2>&1
  "$server" -w
fi
# -p600: up until 600 s after the last client; when a server is up already this does nothing.
# Its output goes nowhere so it never holds npm test's pipe open.
"$server" -p600 </dev/null >/dev/null 2>&1
exit 0
