#!/usr/bin/env bash
# Writes DIR/release.txt: the SM3 manifest and digest of the built web app in
# DIR (default frontend/dist), and prints the digest. The definition
# (sealbid-webapp-v1), which `sealbid webapp digest` and the app's footer
# compute too:
#   manifest = "sealbid-webapp-v1\n"
#              + for every file but release.txt, by path in byte order:
#                hex(SM3(file)) "  " path "\n"
#   digest   = hex(SM3(manifest))
#   release.txt = manifest + "digest " digest "\n"
# SM3 comes from OpenSSL (`openssl dgst -sm3`, OpenSSL 1.1.1 or later), so the
# digest is computed independently of the Rust code that checks it.
set -euo pipefail
dir=${1:-frontend/dist}

if ! printf '' | openssl dgst -sm3 >/dev/null 2>&1; then
  echo "webapp-digest: this openssl has no SM3 (needs OpenSSL 1.1.1 or later; scripts/setup.sh installs it)" >&2
  exit 1
fi
sm3() { openssl dgst -sm3 -r | cut -d' ' -f1; }

manifest=$(mktemp)
trap 'rm -f "$manifest"' EXIT
echo "sealbid-webapp-v1" > "$manifest"
(cd "$dir" && find . -type f ! -path ./release.txt -printf '%P\n' | LC_ALL=C sort) | while IFS= read -r path; do
  printf '%s  %s\n' "$(sm3 < "$dir/$path")" "$path" >> "$manifest"
done
digest=$(sm3 < "$manifest")
{ cat "$manifest"; printf 'digest %s\n' "$digest"; } > "$dir/release.txt"
echo "$digest"
