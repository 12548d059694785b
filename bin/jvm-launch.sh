# Sourced by bin/signet and bin/signetd: runs a jar with a class-data-sharing archive (AppCDS) of
# its own classes, which saves the JVM most of its class loading and verification at start.
#
#   launch_java NAME JAR [JAVA-OPTION...] -- [ARGUMENT...]
#
# One archive per NAME, subcommand, jar (path, size, modification time, mode) and java binary, in
# $SIGNET_CDS_DIR (default: systemd's $CACHE_DIRECTORY, else ${XDG_CACHE_HOME:-~/.cache}/signet;
# set it empty to use no archive), a directory owned by this user that group and others cannot
# write to (else no archive is used). When the archive is there, the JVM maps it (-Xshare:auto: one
# that does not match this jar or JVM is ignored). When it is not, this run writes it at exit
# (-XX:ArchiveClassesAtExit) under a temporary name; it becomes the archive only if the run
# succeeded (or was stopped by TERM, INT or HUP: a daemon) and a JVM accepts it, so a crashed or interrupted run never leaves a broken one. That
# first run is not exec'd: the launcher forwards TERM, INT and HUP to the JVM and waits for it.
# Each archive takes about 30 MB; older archives of the same NAME and subcommand are removed.

launch_java() {
  local name="$1" jar="$2"
  shift 2
  local options=()
  while [[ $# -gt 0 && "$1" != -- ]]; do
    options+=("$1")
    shift
  done
  shift
  local java="${JAVA:-java}"
  # the archive's log lines (a mismatch is not an error) would mix with the command's output
  local quiet=(-Xlog:cds=off -Xlog:cds+dynamic=off)
  local cache="${SIGNET_CDS_DIR-${CACHE_DIRECTORY:-${XDG_CACHE_HOME:-${HOME:-}/.cache}/signet}}"
  local command="${1:-none}"
  if [[ -z "$cache" || "$cache" == /.cache/signet || ! "$command" =~ ^[a-z][a-z0-9-]{0,40}$ ]]; then
    # no cache directory, or an informational run (--version, --help) whose classes are few
    exec "$java" "${options[@]}" -jar "$jar" "$@"
  fi
  # Every program started here delays the JVM's own start by a few milliseconds (nine took 75 ms,
  # these three 51): one readlink for both paths, one stat for the key and the directory's mode,
  # one cksum.
  [[ -d "$cache" ]] || mkdir -p -m 0700 "$cache" 2>/dev/null || true
  local paths java_path jar_path
  paths="$(readlink -f -- "$(command -v "$java")" "$jar")"
  java_path="${paths%%$'\n'*}"
  jar_path="${paths#*$'\n'}"
  local status mode key
  status="$(stat -c '%s %Y %a' -- "$jar_path" "$java_path" "$cache" 2>/dev/null)" || status=""
  mode="${status##*[ $'\n']}"
  key="$(printf '%s\n' "$java_path" "$jar_path" "${status%$'\n'*}" | cksum)"
  key="${key%% *}"
  local archive="$cache/$name-$command-$key.jsa"
  # An archive is code the JVM runs: only from a directory of this user that no one else can
  # write to (and then one the JVM rejects is still ignored).
  if [[ -z "$status" || ! -d "$cache" || ! -O "$cache" || ! -w "$cache" ]] ||
    (("8#$mode" & 8#022)); then
    exec "$java" "${options[@]}" -jar "$jar" "$@"
  fi
  # The same directory keeps the native libraries a jar would otherwise extract on every start
  # (signetd's SQLite driver: database/SqliteNativeLibrary.java).
  options+=(-Dsignet.native.dir="$cache")
  if [[ -f "$archive" ]]; then
    exec "$java" -XX:SharedArchiveFile="$archive" "${quiet[@]}" "${options[@]}" -jar "$jar" "$@"
  fi
  local partial="$archive.$$.partial"
  "$java" -XX:ArchiveClassesAtExit="$partial" "${quiet[@]}" "${options[@]}" -jar "$jar" "$@" &
  local pid=$!
  # a JVM stopped by a signal exits with 128 + its number, after a clean shutdown
  local stopped=-1
  trap 'stopped=143; kill -TERM "$pid" 2>/dev/null' TERM
  trap 'stopped=130; kill -INT "$pid" 2>/dev/null' INT
  trap 'stopped=129; kill -HUP "$pid" 2>/dev/null' HUP
  local status=0
  # wait returns early (above 128) when a trapped signal arrives; wait again until the JVM ends
  while true; do
    status=0
    wait "$pid" || status=$?
    kill -0 "$pid" 2>/dev/null || break
  done
  trap - TERM INT HUP
  if [[ ("$status" -eq 0 || "$status" -eq "$stopped") && -s "$partial" ]] &&
    "$java" -XX:SharedArchiveFile="$partial" -Xshare:on "${quiet[@]}" -cp "$jar" -version \
      >/dev/null 2>&1; then
    rm -f "$cache/$name-$command-"*.jsa
    mv -f "$partial" "$archive"
  else
    rm -f "$partial"
  fi
  exit "$status"
}
