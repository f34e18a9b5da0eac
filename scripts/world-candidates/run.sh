#!/usr/bin/env bash
# World-build candidates as measured for the README ("The first result"): each line builds one world on 2 cores and
# prints its quality and seconds. Needs `./mvnw -q install -DskipTests` first.
#   usage: scripts/world-candidates/run.sh        (runs the candidates below one after another; ~2-3 min each here)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/find-jdk.sh
export MKL_CBWR=AUTO,STRICT
CP=$(mktemp); ./mvnw -B -q -o -pl trainer dependency:build-classpath -Dmdep.outputFile="$CP" >/dev/null
CP="trainer/target/classes:$(cat "$CP")"
D=$(mktemp -d); "$JAVA_HOME/bin/javac" -cp "$CP" -d "$D" scripts/world-candidates/WorldCandidate.java
one() {
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 \
    -cp "$CP:$D" WorldCandidate "$@" 2>/dev/null | grep wall
  python3 - "$1" <<'PY'
import json,sys
d=json.load(open(f'/tmp/wexp/worlds/{sys.argv[1]}/world.json')); s=d['sft']; r=d['reward']
print(sys.argv[1], 'steps', s['steps'], 'accuracy %.3f factuality %.3f' % (s['accuracy'], s['factAccuracy']),
      'reward model vs oracle %.3f' % r['heldOutAccuracyVsOracle'], d['seconds'])
PY
}
#   name entities demos pairs evalPrompts evalFacts sftEpochs sftBatch sftLr sftWarmup rmEpochs rmBatch rmLr rmWarmup
one E  200 6000 3000 400 120 8 32 1e-3 50 2 32 2e-4 20
one W7 200 6000 3000 400 120 7 32 1e-3 50 1 32 2e-4 20
one G  200 6000 1500 400 120 6 32 1.5e-3 40 2 32 2e-4 20
one K2 200 6000 1500 400 120 5 16 1e-3 50 2 32 2e-4 20
one B  200 6000 1500 400 120 4 32 2e-3 30 2 32 2e-4 20
