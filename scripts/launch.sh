# Shared by the launchers: builds the jars when missing or older than any source, then runs a main class.
# Usage (sourced): launch MODULE MAIN_CLASS ARGS...; JVM options: $jvm_defaults (the launcher's), then
# $CLOAKMESH_JAVA_OPTS (the user's, which win where both set one).
launch() {
  local module=$1 main=$2
  shift 2
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local jar="$root/$module/target/$module.jar"
  # Stale when any main source, resource or pom is newer than the jar (tests do not go into the jar).
  if [ ! -f "$jar" ] || [ -n "$(find "$root" -name target -prune -o -name .git -prune -o \
        -type f \( -path '*/src/main/*' -o -name 'pom.xml' \) -newer "$jar" -print -quit)" ]; then
    echo "building $module ..." >&2
    (cd "$root" && mvn -q -B -Dstyle.color=never -DskipTests package -pl "$module" -am) >&2 || { echo "build failed" >&2; exit 1; }
  fi
  exec java ${jvm_defaults:-} ${CLOAKMESH_JAVA_OPTS:-} -cp "$jar:$root/$module/target/lib/*" "$main" "$@"
}
