#include "operator/plugin/help.h"

#include <array>
#include <utility>

namespace ferry::plugin {
namespace {

constexpr std::string_view kGeneral = R"(kubectl ferry: observe and steer Ferry Releases and Pipelines.

Usage:
  kubectl ferry COMMAND [NAME] [flags]

Commands:
  get [NAME]             Releases and Pipelines as a tree with their Deployments, Jobs and analysis
  status NAME            a release's steps, weights, replicas, analysis and what it waits for;
                         a pipeline's current run (--watch: live view, --wait: block for CI)
  history NAME           finished rollouts of a Release, or runs of a Pipeline
  promote NAME [--full]  release: finish the current pause/analysis step (--full: all steps)
  abort NAME             release: roll back to stable now
  retry NAME             release: restart an aborted/failed rollout; pipeline: re-run the last failure
  pause NAME             release: hold the rollout where it is
  resume NAME            release: lift a pause made by "pause"
  run NAME [--revision REV]  pipeline: start a run (of commit REV)
  cancel NAME            pipeline: cancel the running run
  version                plugin and server versions

NAME is "name", "release/name" or "pipeline/name" (needed only when both kinds share the name).
Actions set the annotation ferry.dev/<action> to a fresh nonce and nothing else; the operator
acknowledges it in status.lastHandledRequests (docs/API.md).

Global flags:
  --kubeconfig FILE      kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)
  --context NAME         kubeconfig context
  -n, --namespace NS     namespace (default: the context's)
  -A, --all-namespaces   get: every namespace
  -o, --output FORMAT    json | yaml | wide (get, status, history, version)
  --wait                 status: exit when the rollout/run ends; actions: wait for acknowledgement
  --timeout DURATION     with --wait/--watch: give up after 90, 30s, 10m, 1h (default 0: no limit)
  -h, --help             help (kubectl ferry COMMAND --help)

Exit codes:
  0  success (status --wait: Healthy / run Succeeded)
  1  error: API server, network, kubeconfig, object not found
  2  usage: unknown command or flag, missing NAME
  3  rollout failed: RolledBack, Failed or aborted (pipelines: run Failed or Cancelled)
  4  timeout: --timeout passed first
)";

constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kTopics = {{
    {"get", R"(kubectl ferry get [NAME] [-n NS | -A] [-o wide|json|yaml]

Lists Releases and Pipelines as a tree: a Release with its stable and canary Deployments (ready
replicas) and analysis runs (last values); a Pipeline with the Jobs of its current run.
  kubectl ferry get -A
  kubectl ferry get release/churn-model -o yaml
)"},
    {"status", R"(kubectl ferry status NAME [--watch | --wait] [--timeout D] [-o json|yaml]

Release: phase, step progress bar, canary weight, stable/canary replica readiness, last analysis
values, and what the rollout is waiting for. Pipeline: the current run's stages.
  --watch   redraw on every change until the rollout (run) ends
  --wait    print one line per change of the summary until it ends; exit 0 Healthy/Succeeded,
            3 RolledBack/Failed/aborted, 4 on --timeout
  kubectl ferry status churn-model --wait --timeout 30m   # in CI after a deploy
)"},
    {"history", R"(kubectl ferry history NAME [-o json|yaml]

A Release's finished rollouts (version, result, reason, duration) or a Pipeline's finished runs.
)"},
    {"promote", R"(kubectl ferry promote NAME [--full] [--wait [--timeout D]]

Ends the current pause step, skips the current analysis step, promotes a blue-green preview, or
resumes an inconclusive-analysis pause. --full skips all remaining steps and promotes now.
Sets ferry.dev/promote (ferry.dev/promote-full) to a fresh nonce; --wait waits until the
operator acknowledges it in status.lastHandledRequests.
)"},
    {"abort", R"(kubectl ferry abort NAME [--wait [--timeout D]]

Rolls the Release back to stable now; the version stays aborted until "retry" or a new version.
)"},
    {"retry", R"(kubectl ferry retry NAME [--wait [--timeout D]]

Release: restarts an aborted or failed rollout of the same version from step 0.
Pipeline: runs the last failed or cancelled run's revision again.
)"},
    {"pause", R"(kubectl ferry pause NAME [--wait [--timeout D]]

Holds the rollout where it is (a UserPause condition); spec.paused, which git owns, is untouched.
)"},
    {"resume", R"(kubectl ferry resume NAME [--wait [--timeout D]]

Lifts a pause made by "kubectl ferry pause" (not spec.paused, which belongs to git).
)"},
    {"run", R"(kubectl ferry run PIPELINE [--revision REV] [--wait [--timeout D]]

Starts a run subject to spec.concurrencyPolicy, of commit REV when given, else
spec.source.revision, else the head of spec.source.ref.
)"},
    {"cancel", R"(kubectl ferry cancel PIPELINE [--wait [--timeout D]]

Cancels the running run; its Jobs are deleted.
)"},
    {"version", R"(kubectl ferry version [--client] [-o json|yaml]

Prints the plugin's version and the API server's (--client: the plugin's only, no cluster).
)"},
}};

}  // namespace

std::string CommandHelp(std::string_view topic) {
  for (const auto& [name, text] : kTopics) {
    if (name == topic) {
      return std::string(text) +
             "\nGlobal flags: --kubeconfig, --context, -n/--namespace, -h/--help.\n"
             "Exit codes: 0 ok, 1 error, 2 usage, 3 rollout failed, 4 timeout "
             "(kubectl ferry --help).\n";
    }
  }
  return std::string(kGeneral);
}

}  // namespace ferry::plugin
