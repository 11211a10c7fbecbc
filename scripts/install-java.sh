#!/usr/bin/env bash
# Find (or install) a Java that Spark 4.0 runs on, for the Spark engine tests, and print its JAVA_HOME.
#
#   export JAVA_HOME="$(bash scripts/install-java.sh)"
#
# - Spark 4.0 supports Java 17 and 21. Looks at $JAVA_HOME, then `java` on the PATH, then the
#   installations in /usr/lib/jvm, and takes the first of version 17 or 21.
# - When there is none, installs Debian's `default-jre-headless` (Java 17 on Debian 12, 21 on
#   Debian 13) with apt-get (as root, or with password-less sudo); if that brings another version,
#   `openjdk-17-jre-headless` or `openjdk-21-jre-headless`, whichever the distribution has.
# - Idempotent: with a suitable Java present nothing is installed.
# Only JAVA_HOME goes to stdout; progress goes to stderr. Exit status is non-zero when no Java can be had.
set -euo pipefail
log() { echo "install-java: $*" >&2; }

major() {  # major version of the java binary $1 ("1.8.0_x" -> 8, "17.0.15" -> 17), empty if it does not run
    local v
    v="$("$1" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')" || true
    case "$v" in
        1.*) echo "$v" | cut -d. -f2 ;;
        "") echo "" ;;
        *) echo "$v" | cut -d. -f1 | cut -d- -f1 ;;
    esac
}

candidates() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"; fi
    if command -v java >/dev/null 2>&1; then readlink -f "$(command -v java)"; fi
    ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -V -r || true
}

find_java() {
    local java m
    while read -r java; do
        [ -n "$java" ] && [ -x "$java" ] || continue
        m="$(major "$java")"
        if [ "$m" = 17 ] || [ "$m" = 21 ]; then
            dirname "$(dirname "$(readlink -f "$java")")"
            return 0
        fi
    done < <(candidates)
    return 1
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
    else return 1
    fi
}

if home="$(find_java)"; then
    log "using Java $(major "$home/bin/java") in $home"
    echo "$home"
    exit 0
fi

log "no Java 17 or 21 found: installing Debian's default-jre-headless with apt-get"
command -v apt-get >/dev/null 2>&1 || { log "apt-get not available; install Java 17 or 21 and set JAVA_HOME"; exit 1; }
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq >&2 || { log "apt-get update failed (need root or password-less sudo)"; exit 1; }
# Debian's JRE packages configure ca-certificates-java, which expects this folder on slim images
as_root mkdir -p /usr/share/man/man1 >&2 || true
as_root apt-get install -y -qq --no-install-recommends default-jre-headless >&2 \
    || log "apt-get install default-jre-headless failed"
if ! home="$(find_java)"; then
    for pkg in openjdk-17-jre-headless openjdk-21-jre-headless; do
        if apt-cache show "$pkg" >/dev/null 2>&1; then
            as_root apt-get install -y -qq --no-install-recommends "$pkg" >&2 && break
        fi
    done
    home="$(find_java)" || { log "no Java 17 or 21 after installing; set JAVA_HOME to one"; exit 1; }
fi
log "installed: Java $(major "$home/bin/java") in $home"
echo "$home"
