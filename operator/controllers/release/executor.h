// Executing a Decision's actions (actions.h) against the cluster, in order. The reconciler calls
// ExecuteActions before it writes status, so a failure stops the pass with nothing recorded and
// the next pass repeats the (idempotent) actions; it calls ExecuteDeletes once status is written.
//
//   EnsureCanary       server-side apply, field manager kCanaryFieldManager, force
//   DeleteCanary       collected, run by ExecuteDeletes: delete, propagationPolicy Background;
//                      NotFound is success. A canary is deleted only when a rollout ends, and
//                      deleting it before the status that ends the rollout is written would let
//                      a crash in between read as "canary deleted by hand" and recreate it. The
//                      other order leaves a canary beside an ended rollout, which the idle
//                      reconcile deletes.
//   PromoteTarget,
//   RestoreTarget      server-side apply of the minimal body, kPromotionFieldManager, force
//   SetTrafficWeight,
//   SetHeaderRoute,
//   SetMirror          the TrafficRouter of spec.strategy.canary.trafficRouting
//   SetServiceSelector routing::ApplyServiceSelector (routing/services.h)
//   RunAnalysis        the AnalysisRunner (measurements land in `status`)
//   RecordEvent        collected, recorded by the reconciler once status is written
//   RequeueAfter       collected (the earliest wins, with the analyses' next due times)
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "operator/api/release_types.h"
#include "operator/base/log.h"
#include "operator/controllers/release/actions.h"
#include "operator/controllers/release/analysis_runner.h"
#include "operator/controllers/release/recent_writes.h"
#include "operator/controllers/release/routing/router.h"
#include "operator/kube/client.h"

namespace ferry::release {

struct ExecutionContext {
  kube::Client& client;
  RecentWrites& deployment_writes;  // answers of deployment writes, for the next pass
  AnalysisRunner* analysis = nullptr;
  routing::TrafficRouter* router = nullptr;  // null without trafficRouting
  const api::Release& release;
  api::Time now;
  const log::Logger& log;
};

struct ExecutionError {
  std::string message;
  // A route or spec the user must fix (routing::IsInvalidRoute): report it, do not retry fast.
  bool invalid_route = false;
};

struct Effects {
  std::vector<RecordEvent> events;
  std::vector<DeleteCanary> deletes;  // for ExecuteDeletes, once status is written
  std::optional<std::chrono::milliseconds> requeue;  // earliest RequeueAfter / analysis due time
};

// Executes `actions` in order, stopping at the first failure. RunAnalysis updates `status`.
ferry::Result<Effects, ExecutionError> ExecuteActions(const ExecutionContext& x,
                                                      const std::vector<Action>& actions,
                                                      api::ReleaseStatus& status);

// Runs the deletes ExecuteActions collected, stopping at the first failure.
ferry::Result<void, ExecutionError> ExecuteDeletes(const ExecutionContext& x,
                                                   const std::vector<DeleteCanary>& deletes);

}  // namespace ferry::release
