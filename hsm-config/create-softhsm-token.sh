#!/usr/bin/env bash
# Creates (once) a SoftHSM2 token for Signet in a directory of its own, with random PINs kept in
# files that only the owner can read. Running it again changes nothing.
#
#   hsm-config/create-softhsm-token.sh [--dir DIR] [--label LABEL]
#
# DIR defaults to .signet/ in the project (never /var/lib/softhsm unless you pass it); LABEL to
# "signet". Afterwards DIR holds:
#   softhsm2.conf   the SoftHSM2 configuration (export SOFTHSM2_CONF=DIR/softhsm2.conf)
#   tokens/         the token's files
#   user.pin        the user PIN signetd logs in with (hsm.pin: file:user.pin)
#   so.pin          the security officer PIN (keep it away from the daemon)
#   signetd.yaml    a daemon configuration for this token, if there was none
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="$here/../.signet"
label="signet"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --label) label="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "create-softhsm-token: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if ! command -v softhsm2-util >/dev/null; then
  echo "create-softhsm-token: softhsm2 is not installed; as root run: apt-get install -y softhsm2" >&2
  exit 1
fi
if [[ ! "$label" =~ ^[A-Za-z0-9._-]{1,32}$ ]]; then
  echo "create-softhsm-token: the label must be 1-32 characters of A-Z a-z 0-9 . _ -" >&2
  exit 2
fi

umask 077
mkdir -p "$dir/tokens"
dir="$(cd "$dir" && pwd)"
export SOFTHSM2_CONF="$dir/softhsm2.conf"
if [[ ! -f "$SOFTHSM2_CONF" ]]; then
  sed "s#@TOKEN_DIR@#$dir/tokens#" "$here/softhsm2.conf.template" > "$SOFTHSM2_CONF"
fi

new_pin() { head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }
[[ -s "$dir/user.pin" ]] || new_pin > "$dir/user.pin"
[[ -s "$dir/so.pin" ]] || new_pin > "$dir/so.pin"

if softhsm2-util --show-slots | grep -Eq "^[[:space:]]+Label:[[:space:]]+$label[[:space:]]*$"; then
  echo "token '$label' exists in $dir/tokens"
else
  # softhsm2-util takes PINs only as arguments (visible in the process list) or from a
  # terminal; give it a pseudo-terminal (script(1)) and type the PINs, so that they never
  # appear on a command line. Its echo of the typed PINs is discarded.
  so_pin="$(cat "$dir/so.pin")"
  user_pin="$(cat "$dir/user.pin")"
  printf '%s\n%s\n%s\n%s\n' "$so_pin" "$so_pin" "$user_pin" "$user_pin" |
    script -q -e -c "softhsm2-util --init-token --free --label $label" /dev/null >/dev/null
  unset so_pin user_pin
  if ! softhsm2-util --show-slots | grep -Eq "^[[:space:]]+Label:[[:space:]]+$label[[:space:]]*$"; then
    echo "create-softhsm-token: softhsm2-util did not create token '$label'" >&2
    exit 1
  fi
  echo "token '$label' created in $dir/tokens"
fi

if [[ ! -f "$dir/signetd.yaml" ]]; then
  sed -e "s#@TOKEN_LABEL@#$label#" "$here/signetd.yaml.template" > "$dir/signetd.yaml"
  chmod 644 "$dir/signetd.yaml"
  echo "wrote $dir/signetd.yaml"
fi
echo "export SOFTHSM2_CONF=$SOFTHSM2_CONF"
