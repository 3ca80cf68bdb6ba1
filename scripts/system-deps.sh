#!/usr/bin/env bash
# Makes sure the Debian packages the tests use are there: Chromium and Firefox ESR (browser
# tests) with PulseAudio for Firefox's sound, coturn (TURN), redis-server and nginx (cluster),
# iproute2, openssl, systemd, a CJK font, and the network lab's iptables, gcc and
# libnetfilter-queue-dev. Installs them
# when run as root on a Debian/Ubuntu machine; otherwise names what is missing and stops.
set -euo pipefail

declare -A needs=(
  [chromium]=/usr/bin/chromium
  [firefox-esr]=/usr/bin/firefox-esr
  # A sound server for Firefox (test/helpers/firefox.ts): without an audio output its
  # AudioContext never runs, and the call page's microphone meter could not be tested there.
  [pulseaudio]=/usr/bin/pulseaudio
  [coturn]=/usr/bin/turnserver
  [redis-server]=/usr/bin/redis-server
  [nginx]=/usr/sbin/nginx
  # The test runner's network namespace (ip) and the HTTPS test's certificate (openssl).
  [iproute2]=/usr/sbin/ip
  [openssl]=/usr/bin/openssl
  # systemd-analyze verify checks deploy/systemd/zerortc.service.
  [systemd]=/usr/bin/systemd-analyze
  # A CJK font, so that the zh-CN page can be looked at in screenshots (not a program: -e below).
  [fonts-noto-cjk]=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
  # The network lab (test/helpers/netlab.ts): NAT and packet filters (iptables), and the delay
  # helper on a netfilter queue, compiled at run time (gcc, libnetfilter-queue-dev).
  [iptables]=/usr/sbin/iptables
  [gcc]=/usr/bin/gcc
  [libnetfilter-queue-dev]=/usr/include/libnetfilter_queue/libnetfilter_queue.h
)
missing=()
for pkg in "${!needs[@]}"; do
  [ -e "${needs[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages for the tests: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts some services on install where it can; the tests start their own.
  exit 0
fi
echo "The tests need these Debian packages: ${missing[*]}" >&2
echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
exit 1
