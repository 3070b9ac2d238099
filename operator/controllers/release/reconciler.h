// Reconciler: the Release controller's I/O half (runtime Reconciler over the informer caches and
// the kube client). One pass for a Release key:
//
//   1. read the Release, its target Deployment, the canary Deployment and the canary's pods from
//      the caches (overlaid with this controller's own recent writes, recent_writes.h), and the
//      router's current weight (with trafficRouting);
//   2. Decide (decide.h): the new status and the actions;
//   3. execute the actions in order (executor.h); a failure ends the pass with an error (retried
//      with backoff) and nothing written, so the next pass repeats them (they are idempotent);
//   4. write status, only when it changed (PUT /status with the read resourceVersion: a stale
//      read conflicts and is retried instead of overwriting a newer status);
//   5. record the decision's Events (only now: an Event describes a transition that is
//      committed), update metrics, and requeue after the earliest RequeueAfter / analysis due.
//
// The target is written only by PromoteTarget/RestoreTarget. An object the API server accepted
// but Ferry cannot decode gets Stalled=True/InvalidSpec and an Event, and is not retried (a
// change of the object reconciles it again).
#pragma once

#include <functional>
#include <memory>

#include "operator/base/clock.h"
#include "operator/base/log.h"
#include "operator/controllers/release/analysis_runner.h"
#include "operator/controllers/release/decide.h"
#include "operator/controllers/release/metrics.h"
#include "operator/controllers/release/recent_writes.h"
#include "operator/controllers/release/routing/router.h"
#include "operator/kube/client.h"
#include "operator/kube/resource.h"
#include "operator/runtime/cache/indexer.h"
#include "operator/runtime/controller/reconciler.h"
#include "operator/runtime/events/event_recorder.h"

namespace ferry::release {

// ferry.dev/v1alpha1 releases.
extern const kube::ResourceRef kReleases;

// Wait before re-checking a route the user must fix (the route's own changes do not reach us).
inline constexpr std::chrono::seconds kInvalidRouteRecheck{30};

using RouterFactory =
    std::function<std::unique_ptr<routing::TrafficRouter>(kube::Client&, const api::Release&)>;

struct ReconcilerOptions {
  kube::Client& client;
  Clock& clock;
  events::EventRecorder& events;
  const cache::Indexer& releases;
  const cache::Indexer& deployments;
  const cache::Indexer& pods;  // needs the kCanaryPodIndex index (snapshot.h)
  AnalysisRunner* analysis = nullptr;  // nullptr: analysis steps stall (AnalysisUnavailable)
  RouterFactory routers;               // empty: a Release with trafficRouting cannot progress
  ReleaseMetrics* metrics = nullptr;
};

class Reconciler final : public controller::Reconciler {
 public:
  explicit Reconciler(ReconcilerOptions options);

  controller::ReconcileOutcome Reconcile(const controller::Request& request) override;

  // For the informers (setup.cc): drop remembered writes once the cache caught up.
  RecentWrites& release_writes() { return release_writes_; }
  RecentWrites& deployment_writes() { return deployment_writes_; }

 private:
  struct Pass;
  controller::ReconcileOutcome Undecodable(const cache::ObjectPtr& obj, const std::string& errors);
  controller::ReconcileOutcome InvalidRoute(Pass& p, const std::string& message);
  // Writes `status` (and logs it) when it differs from the one read; false on a stale read.
  kube::Result<bool> CommitStatus(const Pass& p, const api::ReleaseStatus& status);
  // After the status is written: the pass's Events (logged too) and its metrics.
  void Announce(const Pass& p, const Decision& d, const std::vector<RecordEvent>& events);
  // PUT /status; false with a requeue outcome on a conflict.
  kube::Result<bool> WriteStatus(const cache::Object& obj, const api::ReleaseStatus& status);

  ReconcilerOptions o_;
  RecentWrites release_writes_;
  RecentWrites deployment_writes_;
  log::Logger log_{"release"};
};

}  // namespace ferry::release
