# Sourced by ./heterolora and .ci/run: sets and exports JAVA_HOME to the newest JDK >= 21 it finds
# (an explicit JAVA_HOME that is new enough wins), or exits 2 with one line saying what to install.
java_major() { # prints the major version of the java binary $1, or 0
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1 || echo 0
}

find_jdk() {
  local candidates=()
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  local d
  for d in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/* "$HOME"/.sdkman/candidates/java/* \
           /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [[ -d "$d" ]] && candidates+=("$d")
  done
  local best="" best_v=0 v
  for d in "${candidates[@]}"; do
    [[ -x "$d/bin/java" && -x "$d/bin/javac" ]] || continue
    v=$(java_major "$d/bin/java"); [[ "$v" =~ ^[0-9]+$ ]] || continue
    if (( v >= 21 && v > best_v )); then best="$d"; best_v=$v; fi
    # an explicit JAVA_HOME that is new enough wins
    if [[ "$d" == "${JAVA_HOME:-}" && $v -ge 21 ]]; then best="$d"; break; fi
  done
  [[ -n "$best" ]] || { echo "heterolora: needs a JDK 21 or newer (set JAVA_HOME, or install e.g. openjdk-21-jdk / Temurin 21+)" >&2; exit 2; }
  echo "$best"
}

JAVA_HOME="$(find_jdk)"; export JAVA_HOME
