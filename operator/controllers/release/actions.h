// What a Release decision asks the reconciler to do (decide.h). Each action is idempotent, so
// doing one twice (a retry after a failed status write, a restart) is harmless.
//
// The reconciler executes the actions in order, THEN writes the new status (only if it changed):
// a crash in between repeats the actions on the next pass, never skips them, because every
// decision is recomputed from status and the observed cluster.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "operator/api/release_types.h"

namespace ferry::release {

using Json = api::Json;

// Server-side apply `deployment` (BuildCanaryDeployment) with field manager kCanaryFieldManager
// and force: creates the canary, updates its template (a superseding version) or its replicas.
// Emitted only when the observed canary differs (absent, other template hash, other replicas).
struct EnsureCanary {
  Json deployment;
  int32_t replicas = 0;
  bool operator==(const EnsureCanary&) const = default;
};

// Delete the canary Deployment (propagationPolicy Background; NotFound is success). `uid` (the
// observed canary's) is a precondition: a canary recreated since is not deleted.
struct DeleteCanary {
  std::string name;
  std::string uid;
  bool operator==(const DeleteCanary&) const = default;
};

// Server-side apply `body` (BuildPromotionApply) to the target with kPromotionFieldManager and
// force: the target starts its own rolling update to the new version.
struct PromoteTarget {
  Json body;
  bool operator==(const PromoteTarget&) const = default;
};

// Server-side apply `body` (BuildRestoreApply) with kPromotionFieldManager and force: the
// target returns to status.rollbackTemplate after a failed promotion.
struct RestoreTarget {
  Json body;
  bool operator==(const RestoreTarget&) const = default;
};

// With trafficRouting: send `weight`% of traffic to the canary Service (0 = all stable).
struct SetTrafficWeight {
  int32_t weight = 0;
  bool operator==(const SetTrafficWeight&) const = default;
};

// With trafficRouting: add (non-empty match) or remove (empty match) a header route.
struct SetHeaderRoute {
  api::HeaderRouteStep route;
  bool operator==(const SetHeaderRoute&) const = default;
};

// With gatewayAPI: mirror `percentage`% of requests to the canary (0 removes the mirror).
struct SetMirror {
  int32_t percentage = 0;
  bool operator==(const SetMirror&) const = default;
};

// Take the due measurements of status.analysisRuns[name] (its metrics are `metrics`, names of
// spec.analysis.metrics), append them to the run in status and decide the run with
// analysis::DecideRun; the next Decide reads the run's phase. Emitted every pass while the run is
// Running; the reconciler requeues for the run's next due measurement itself.
struct RunAnalysis {
  std::string name;  // "step-<index>" or "background"
  std::vector<std::string> metrics;
  std::vector<api::AnalysisArg> args;  // values for {{args.NAME}} in the metrics' queries
  bool operator==(const RunAnalysis&) const = default;
};

// Which pods a Service that Ferry steers selects (blue-green's active and preview Services, a
// routed canary's stable Service). The reconciler applies it with routing::ApplyServiceSelector.
enum class PodSelection {
  kAll,     // the Service's own selector (Ferry's keys removed): what the repository declares
  kStable,  // only the target's current pods: + pod-template-hash of its newest ReplicaSet
  kCanary,  // only the canary's pods: + ferry.dev/role=canary
};

// Server-side apply the selector of Service `service` (the Release's namespace) so it selects
// `select`, with field manager routing::kRouterFieldManager and force. Emitted on transitions.
struct SetServiceSelector {
  std::string service;
  PodSelection select = PodSelection::kAll;
  bool operator==(const SetServiceSelector&) const = default;
};

// An Event on the Release (type "Normal" or "Warning"); emitted only on transitions.
struct RecordEvent {
  std::string type;
  std::string reason;
  std::string message;
  bool operator==(const RecordEvent&) const = default;
};

// Reconcile again after `after` (a timed pause ends, a deadline passes) even without a watch
// event. At most one per decision: the earliest.
struct RequeueAfter {
  std::chrono::milliseconds after{0};
  bool operator==(const RequeueAfter&) const = default;
};

using Action =
    std::variant<EnsureCanary, DeleteCanary, PromoteTarget, RestoreTarget, SetTrafficWeight,
                 SetHeaderRoute, SetMirror, SetServiceSelector, RunAnalysis, RecordEvent,
                 RequeueAfter>;

// "EnsureCanary", "RecordEvent", ... for logs and test messages.
std::string ActionName(const Action& a);
// A one-line description, e.g. "EnsureCanary(replicas=3)" or "RecordEvent(Warning RolledBack:
// ...)".
std::string DescribeAction(const Action& a);
// "all", "stable", "canary".
std::string PodSelectionName(PodSelection s);

inline constexpr char kEventNormal[] = "Normal";
inline constexpr char kEventWarning[] = "Warning";

}  // namespace ferry::release
