#!/usr/bin/env bash
# The system packages the tests use as real parts: PostgreSQL (a real server), Prometheus (promtool and
# a real server) and Chromium (headless, for the reports). Installed with apt where we are root;
# elsewhere the tests that need one skip with a message naming the package (under CI they fail).
#   scripts/system-packages.sh          install what is missing if we can, else say what is missing
#   scripts/system-packages.sh --require   the same, but a failed install is an error (CI)
set -uo pipefail
require=0
[ "${1:-}" = "--require" ] && require=1

missing=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    exit 0
  fi
  echo "apt-get could not install: ${missing[*]}" >&2
else
  echo "not installed (not root or no apt): ${missing[*]}; the tests that need them will skip" >&2
fi
exit $require
