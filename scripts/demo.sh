#!/usr/bin/env bash
# Ferry's demo: a commit goes through a Pipeline into a canary Release judged by Prometheus.
#
#   scripts/demo.sh [BUILD_DIR]      (`make demo` builds first, then runs this with build/)
#
# Starts, all on 127.0.0.1 and all stopped again on exit: kube-sim (the in-memory API server,
# TLS + token), the demo service's exporter (scripts/demo/exporter.py: per-version request, error
# and latency metrics for the pods kube-sim runs), a real Prometheus scraping it every second, and
# ferry-operator (with --leader-elect, as the chart runs it). Then:
#   1. the Deployment "web" runs version 1c0ffee; the Release "web" adopts it (Healthy);
#   2. the Pipeline "web" tests and builds commit 600dcafe (Jobs), hands the image to the Release;
#      the canary takes 20% then 50% of the traffic, passes its analysis, and is promoted;
#   3. commit badc0de (whose requests fail: the exporter is told so) goes the same way; its
#      analysis fails and Ferry rolls it back on its own, saying why;
#   4. the fix, commit 5afe1ee, goes the same way as 600dcafe and is promoted: service restored;
#   5. the operator's /metrics must serve every series the Grafana dashboard and the alerts query
#      (charts/ferry/metrics-referenced.txt, checked by tests/charts/metrics_contract.py),
#      among them the DORA time to restore that step 4 measured.
# Environment:
#   DEMO_FAST=1   non-interactive (CI): one line per change instead of the live status view
#   DEMO_KEEP=1   keep the work directory (logs, kubeconfig) after exit
# Exit codes: 0 demo done, 1 something did not happen as it should (it says what, and keeps the
# work directory with the logs and the objects), 130/143 interrupted (SIGINT/SIGTERM). Every
# process it started is stopped in every case; its work directory is removed unless kept.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(cd "${1:-$ROOT/build}" 2>/dev/null && pwd)" || { echo "demo: no build directory ${1:-build}; run 'make demo'" >&2; exit 1; }
FAST="${DEMO_FAST:-0}"
STEP_TIMEOUT=150     # seconds any one phase of the demo may take
FIX=5afe1ee          # the commit that fixes badc0de

SIM="$BUILD/sim/kube-sim"
OPERATOR="$BUILD/operator/cmd/ferry-operator"
PLUGIN_DIR="$BUILD/operator/plugin"
KUBECTL="$ROOT/.tools/bin/kubectl"
for bin in "$SIM" "$OPERATOR" "$PLUGIN_DIR/kubectl-ferry" "$KUBECTL"; do
  [ -x "$bin" ] || { echo "demo: $bin is missing; run 'make demo' (it installs and builds first)" >&2; exit 1; }
done
command -v prometheus >/dev/null || { echo "demo: prometheus is not installed; run scripts/install-deps.sh" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ferry-demo.XXXXXX")"
export KUBECONFIG="$WORK/kubeconfig"
export PATH="$PLUGIN_DIR:$(dirname "$KUBECTL"):$PATH"
PIDS=()
FG_PID=""   # the long-waiting command run_fg runs, if any
T0=$SECONDS

# ---- output ------------------------------------------------------------------------------------
if [ -t 1 ]; then BOLD=$'\033[1m'; DIM=$'\033[2m'; RED=$'\033[31m'; GREEN=$'\033[32m'; OFF=$'\033[0m'
else BOLD=""; DIM=""; RED=""; GREEN=""; OFF=""; fi
say()  { printf '%s[%3ds]%s %s\n' "$DIM" $((SECONDS - T0)) "$OFF" "$*"; }
section() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$OFF"; }
die()  {
  printf '%sdemo failed:%s %s\n' "$RED" "$OFF" "$*" >&2
  printf 'logs: %s (kept)\n' "$WORK" >&2
  DEMO_KEEP=1
  kubectl -n demo get releases,pipelines,deployments,jobs,pods -o yaml >"$WORK/objects.yaml" 2>&1 || true
  kubectl -n demo get events -o custom-columns=TIME:.lastTimestamp,OBJECT:.involvedObject.name,TYPE:.type,REASON:.reason,COUNT:.count,MESSAGE:.message >"$WORK/events.txt" 2>&1 || true
  printf 'objects and events at the failure: %s/objects.yaml, %s/events.txt\n' "$WORK" "$WORK" >&2
  for f in operator.log kube-sim.log exporter.log prometheus.log; do
    [ -s "$WORK/$f" ] && { printf -- '--- last lines of %s\n' "$f" >&2; tail -n 15 "$WORK/$f" >&2; }
  done
  exit 1
}

cleanup() {
  local code=$?
  local i
  [ -z "$FG_PID" ] || { kill -TERM "$FG_PID" 2>/dev/null || true; wait "$FG_PID" 2>/dev/null || true; }
  # Newest first (the operator before the API server it talks to), each given 5 s to stop.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[$i]}" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "${PIDS[$i]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${PIDS[$i]}" 2>/dev/null || true
    wait "${PIDS[$i]}" 2>/dev/null || true
  done
  if [ "${DEMO_KEEP:-0}" = 1 ]; then echo "demo: work directory kept: $WORK"; else rm -rf "$WORK"; fi
  exit "$code"
}
trap cleanup EXIT
trap 'echo "demo: interrupted; stopping everything it started" >&2; exit 130' INT
trap 'exit 143' TERM

# spawn LOG COMMAND...: starts a service in the background, output to $WORK/LOG, in a session of
# its own so that Ctrl-C reaches only this script, whose cleanup stops the services one by one,
# and not the services directly. setsid execs in place (no fork: the script's children are not
# process-group leaders), so $! is the service's own pid.
spawn() {
  local log=$1
  shift
  setsid "$@" >"$WORK/$log" 2>&1 </dev/null &
  PIDS+=($!)
}

# run_fg COMMAND...: runs COMMAND (a long wait) in the background and waits for it, so that a
# signal to this script is handled at once (bash runs traps only once a foreground command ends);
# cleanup stops it. Returns COMMAND's exit code.
run_fg() {
  local code=0
  "$@" &
  FG_PID=$!
  wait "$FG_PID" || code=$?
  FG_PID=""
  return $code
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.5 s until it succeeds.
wait_for() {
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "timed out after ${limit}s waiting for $what"
    sleep 0.5
  done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
jp() { kubectl -n demo get "$1" -o "jsonpath={$2}" 2>/dev/null; }
phase_is() { [ "$(jp release/web .status.phase)" = "$1" ]; }
# "<phase> <stable version> <canary version>" of the Release, e.g. "Progressing 1c0ffee 600dcafe".
release_line() { jp release/web '.status.phase} {.status.stable.version} {.status.canary.version'; }
# The newest entry of the Release's history (newest first) as "<version> <result> <reason>".
last_history() { jp release/web '.status.history[0].version} {.status.history[0].result} {.status.history[0].reason'; }
# The Release's analysis runs of the current rollout as "<name>=<phase> ...".
analysis_runs() { jp release/web 'range .status.analysisRuns[*]}{.name}={.phase}{" "}{end'; }

# ---- 1. the cluster, the service and its monitoring --------------------------------------------
start_sim() {
  section "Starting kube-sim, the demo service's exporter and Prometheus"
  spawn kube-sim.log "$SIM" --tls --token "demo-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')" \
    --kubeconfig-out "$KUBECONFIG" --pod-ready-delay 1
  wait_for 20 "kube-sim to listen" grep -q "listening on" "$WORK/kube-sim.log"
  say "kube-sim: $(grep -o 'https://[^ ]*' "$WORK/kube-sim.log")  (kubeconfig: $KUBECONFIG)"

  spawn exporter.log python3 "$ROOT/scripts/demo/exporter.py" --kubeconfig "$KUBECONFIG" --namespace demo \
    --selector app=web
  wait_for 20 "the exporter to listen" grep -q "listening on" "$WORK/exporter.log"
  EXPORTER="$(grep -o 'http://[^ ]*' "$WORK/exporter.log" | head -n1)"
  say "demo service exporter: $EXPORTER/metrics"

  local port
  for _ in 1 2 3; do  # a free port can be taken between the probe and Prometheus' bind: retry
    port="$(free_port)"
    mkdir -p "$WORK/prometheus"
    cat >"$WORK/prometheus/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: demo-web
    static_configs: [{targets: ["${EXPORTER#http://}"]}]
EOF
    spawn prometheus.log prometheus --config.file="$WORK/prometheus/prometheus.yml" \
      --storage.tsdb.path="$WORK/prometheus/data" --web.listen-address="127.0.0.1:$port" --log.level=warn
    PROMETHEUS="http://127.0.0.1:$port"
    local deadline=$((SECONDS + 30))
    until curl -fs "$PROMETHEUS/-/ready" >/dev/null 2>&1; do
      kill -0 "${PIDS[-1]}" 2>/dev/null || break
      [ $SECONDS -lt $deadline ] || die "Prometheus did not become ready in 30s"
      sleep 0.5
    done
    curl -fs "$PROMETHEUS/-/ready" >/dev/null 2>&1 && break
  done
  curl -fs "$PROMETHEUS/-/ready" >/dev/null 2>&1 || die "Prometheus did not start (see prometheus.log)"
  say "Prometheus $(prometheus --version 2>&1 | head -n1 | awk '{print $3}'): $PROMETHEUS (scrapes every 1s)"
}

# ---- 2. Ferry ----------------------------------------------------------------------------------
start_operator() {
  section "Installing Ferry's CRDs and starting ferry-operator"
  kubectl apply -f "$ROOT/crds/" >/dev/null
  kubectl wait --for condition=established --timeout=30s crd/releases.ferry.dev crd/pipelines.ferry.dev >/dev/null
  kubectl create namespace ferry-system >/dev/null  # where the chart installs it: its Lease lives there
  spawn operator.log "$OPERATOR" --kubeconfig="$KUBECONFIG" --metrics-bind-address=127.0.0.1:0 \
    --health-probe-bind-address=127.0.0.1:0 --webhook-bind-address=0 --graceful-shutdown-timeout=5s \
    --leader-elect --leader-election-namespace=ferry-system --log-format=text
  wait_for 30 "ferry-operator to serve its endpoints" grep -q "serving endpoints" "$WORK/operator.log"
  local line
  line="$(grep -m1 "serving endpoints" "$WORK/operator.log")"
  METRICS_PORT="$(grep -oE 'metricsPort[=:"]+[0-9]+' <<<"$line" | grep -oE '[0-9]+$')"
  HEALTH_PORT="$(grep -oE 'healthPort[=:"]+[0-9]+' <<<"$line" | grep -oE '[0-9]+$')"
  [ -n "$METRICS_PORT" ] && [ -n "$HEALTH_PORT" ] || die "cannot read the operator's ports from: $line"
  wait_for 60 "ferry-operator to be ready (/readyz)" curl -fs "http://127.0.0.1:$HEALTH_PORT/readyz"
  wait_for 60 "ferry-operator to lead (ferry_leader_election_master_status 1)" is_leader
  local holder
  holder="$(kubectl -n ferry-system get lease/ferry-operator-leader -o jsonpath='{.spec.holderIdentity}' 2>/dev/null)" ||
    die "ferry-operator leads but there is no Lease ferry-system/ferry-operator-leader"
  say "ferry-operator ready, leading (Lease ferry-system/ferry-operator-leader held by $holder):" \
    "metrics http://127.0.0.1:$METRICS_PORT/metrics, probes :$HEALTH_PORT"
}

# is_leader: the operator's /metrics says it holds the Lease.
is_leader() {
  curl -fs "http://127.0.0.1:$METRICS_PORT/metrics" | grep -qE '^ferry_leader_election_master_status(\{[^}]*\})? 1(\.0*)?$'
}

# ---- 3. the application ------------------------------------------------------------------------
deploy_app() {
  section "Deploying the service 'web' (version 1c0ffee) and its Release"
  sed "s#__PROMETHEUS__#$PROMETHEUS#g" "$ROOT/scripts/demo/app.yaml" >"$WORK/app.yaml"
  kubectl apply -f "$WORK/app.yaml" | sed 's/^/  /'
  wait_for 60 "Deployment web to be available" kubectl -n demo rollout status deployment/web --timeout=1s
  wait_for 60 "Release web to adopt 1c0ffee (Healthy)" phase_is Healthy
  say "Release web: $(release_line)"
  # Tell the service how each version behaves: 600dcafe is good, badc0de fails 30% of requests.
  curl -fs -X POST "$EXPORTER/behaviour?version=badc0de&errorRate=0.3&latency=0.3" >/dev/null
  say "the exporter will make version badc0de fail 30% of its requests (p95 ~0.5s)"
}

# show_rollout VERSION: follows the Release while VERSION rolls out; returns the plugin's exit code.
show_rollout() {
  local version=$1 code=0
  wait_for "$STEP_TIMEOUT" "the hand-off of $version to start the canary" \
    bash -c "[ \"\$(kubectl -n demo get release/web -o jsonpath='{.spec.version}')\" = $version ]"
  say "hand-off done: Release web now wants $version; following the rollout"
  if [ "$FAST" = 1 ] || [ ! -t 1 ]; then
    run_fg kubectl ferry -n demo status release/web --wait --timeout "${STEP_TIMEOUT}s" || code=$?
  else
    run_fg kubectl ferry -n demo status release/web --watch --timeout "${STEP_TIMEOUT}s" || code=$?
  fi
  return $code
}

run_pipeline() {
  local revision=$1 code=0
  say "Pipeline web: testing and building commit $revision"
  if [ "$FAST" = 1 ] || [ ! -t 1 ]; then
    run_fg kubectl ferry -n demo status pipeline/web --wait --timeout "${STEP_TIMEOUT}s" || code=$?
  else
    run_fg kubectl ferry -n demo status pipeline/web --watch --timeout "${STEP_TIMEOUT}s" || code=$?
  fi
  kubectl -n demo get jobs -l ferry.dev/pipeline=web -L ferry.dev/revision,ferry.dev/stage | sed 's/^/  /'
  [ $code = 0 ] || die "the Pipeline run of $revision ended with exit code $code (expected 0: Succeeded)"
  local built
  built="$(jp pipeline/web .status.lastBuiltRevision)"
  [ "$built" = "$revision" ] || die "Pipeline web succeeded but last built '$built', not $revision"
}

# promoted_version REVISION: REVISION goes from the Pipeline through the canary to production;
# both analyses must pass, the Deployment must run its image, and the history must say so.
# Sets PROMOTED_SECONDS (commit to production).
promoted_version() {
  local revision=$1 start=$SECONDS code=0 image
  run_pipeline "$revision"
  show_rollout "$revision" || code=$?
  [ $code = 0 ] || die "the rollout of $revision ended with exit code $code (expected 0: Healthy): $(release_line)"
  wait_for 60 "Release web to be Healthy on $revision" bash -c \
    "[ \"\$(kubectl -n demo get release/web -o jsonpath='{.status.phase} {.status.stable.version}')\" = 'Healthy $revision' ]"
  image="$(jp deployment/web '.spec.template.spec.containers[0].image')"
  [ "$image" = "registry.local/demo/web:$revision" ] || die "Deployment web runs $image after the promotion of $revision"
  [ "$(last_history)" = "$revision Promoted Completed" ] || die "history does not end with $revision promoted: $(last_history)"
  # Both analyses (at 20% and at 50%) must have passed on Prometheus' data.
  [ "$(analysis_runs)" = "step-1=Successful step-3=Successful " ] ||
    die "the analyses of $revision did not both pass: $(analysis_runs)"
  PROMOTED_SECONDS=$((SECONDS - start))
  say "${GREEN}promoted${OFF}: Deployment web runs $image (${PROMOTED_SECONDS}s from commit to production)"
}

good_version() {
  section "Commit 600dcafe: Pipeline -> canary -> analysis -> promotion"
  kubectl apply -f "$ROOT/scripts/demo/pipeline.yaml" | sed 's/^/  /'
  promoted_version 600dcafe
  GOOD_SECONDS=$PROMOTED_SECONDS
}

bad_version() {
  section "Commit badc0de: its requests fail; the analysis catches it and Ferry rolls back"
  local start=$SECONDS
  kubectl -n demo patch pipeline/web --type merge -p '{"spec":{"source":{"revision":"badc0de"}}}' | sed 's/^/  /'
  run_pipeline badc0de
  local code=0
  show_rollout badc0de || code=$?
  [ $code = 3 ] || die "the rollout of badc0de ended with exit code $code (expected 3: rolled back): $(release_line)"
  local image
  image="$(jp deployment/web '.spec.template.spec.containers[0].image')"
  [ "$image" = registry.local/demo/web:600dcafe ] || die "Deployment web runs $image after the rollback"
  kubectl -n demo get deployment/web-canary >/dev/null 2>&1 && die "the canary Deployment is still there after the rollback"
  [ "$(last_history)" = "badc0de RolledBack AnalysisFailed" ] || die "history does not end with badc0de rolled back by its analysis: $(last_history)"
  [ "$(analysis_runs)" = "step-1=Failed " ] || die "the analysis at 20% of badc0de did not fail: $(analysis_runs)"
  [ "$(jp release/web .status.stable.version)" = 600dcafe ] || die "the stable version is not 600dcafe after the rollback: $(release_line)"
  BAD_SECONDS=$((SECONDS - start))
  ROLLBACK_REASON="$(jp release/web '.status.history[0].reason'): $(jp release/web '.status.history[0].message')"
  say "${RED}rolled back${OFF}: $ROLLBACK_REASON"
  echo "  Events:"
  kubectl -n demo get events --field-selector involvedObject.kind=Release,involvedObject.name=web \
    --sort-by=.lastTimestamp -o custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message 2>/dev/null | tail -n 8 | sed 's/^/    /'
  echo "  History:"
  kubectl ferry -n demo history release/web | sed 's/^/    /'
}

fixed_version() {
  section "Commit $FIX: the fix goes the same way and is promoted; the service is restored"
  kubectl -n demo patch pipeline/web --type merge -p "{\"spec\":{\"source\":{\"revision\":\"$FIX\"}}}" | sed 's/^/  /'
  promoted_version "$FIX"
  FIX_SECONDS=$PROMOTED_SECONDS
  echo "  History (newest first):"
  kubectl ferry -n demo history release/web | sed 's/^/    /'
}

# metrics_contract: every series the dashboard and the alerts query must be on the operator's
# /metrics now that a Pipeline has run, and a version was promoted, rolled back and restored.
metrics_contract() {
  section "ferry-operator's /metrics against the dashboard's and the alerts' queries"
  # The time-to-restore histogram is observed (from the Release's history) by the operator's
  # informer shortly after the promotion: give it up to 30 s, then let the contract say what is
  # missing, if anything.
  local deadline=$((SECONDS + 30))
  until restore_observed || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
  curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" >"$WORK/metrics.txt" || die "cannot scrape ferry-operator's /metrics"
  local out code=0
  out="$(python3 "$ROOT/tests/charts/metrics_contract.py" <"$WORK/metrics.txt" 2>&1)" || code=$?
  [ $code = 0 ] || die "ferry-operator does not serve series the dashboard/alerts use (charts/ferry/metrics-referenced.txt; scrape in metrics.txt):
$out"
  restore_observed || die "ferry_dora_time_to_restore_seconds{namespace=\"demo\"} counts no restore after the fix's promotion"
  say "all $(awk '$2 == "operator"' "$ROOT/charts/ferry/metrics-referenced.txt" | wc -l) operator series of charts/ferry/metrics-referenced.txt are served"
  RESTORE_SECONDS="$(grep -E '^ferry_dora_time_to_restore_seconds_sum\{[^}]*namespace="demo"' "$WORK/metrics.txt" | awk '{printf "%.0f", $2}')" || true
  grep -E '^ferry_(dora_[a-z_]+(_count|_total)|leader_election_master_status)[{ ]' "$WORK/metrics.txt" | sed 's/^/  /'
}

restore_observed() {
  curl -fs "http://127.0.0.1:$METRICS_PORT/metrics" |
    grep -qE '^ferry_dora_time_to_restore_seconds_count\{[^}]*namespace="demo"[^}]*\} [1-9]'
}

summary() {
  section "Summary"
  cat <<EOF
  600dcafe  built and tested by Pipeline web, canaried at 20% and 50%, analysis passed -> promoted (${GOOD_SECONDS}s)
  badc0de   built and tested by Pipeline web, canaried at 20%, analysis failed -> rolled back (${BAD_SECONDS}s)
            reason: $ROLLBACK_REASON
  $FIX   the fix: built and tested, canaried at 20% and 50%, analysis passed -> promoted (${FIX_SECONDS}s)
            service restored ${RESTORE_SECONDS}s after the rollback (ferry_dora_time_to_restore_seconds)
  Deployment web runs $(jp deployment/web '.spec.template.spec.containers[0].image') with $(jp deployment/web .status.availableReplicas)/4 pods available
  demo time: $((SECONDS - T0))s; everything it started is being stopped.
EOF
}

start_sim
start_operator
deploy_app
good_version
bad_version
fixed_version
metrics_contract
summary
