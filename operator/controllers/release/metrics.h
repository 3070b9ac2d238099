// ReleaseMetrics: the Release controller's Prometheus families, registered on the operator's
// registry (prometheus-cpp stays inside metrics.cc). Label contract:
// charts/ferry/metrics-referenced.txt.
//
//   ferry_release_info{namespace,release,phase}                 1 for the current phase only
//   ferry_release_canary_weight{namespace,release}               status.canaryWeight (percent)
//   ferry_release_current_step{namespace,release}                status.currentStepIndex (0 idle)
//   ferry_release_rollout_duration_seconds{namespace,release,result}  histogram of rollouts
//                                                                that ended (Promoted,
//                                                                RolledBack, Superseded,
//                                                                Cancelled)
//   ferry_release_promotions_total{namespace,release}
//   ferry_release_rollbacks_total{namespace,release,reason}
// A deleted Release's series are removed (Forget), as kube-state-metrics does.
#pragma once

#include <memory>
#include <string>

#include "operator/api/release_types.h"
#include "operator/controllers/release/decide.h"
#include "operator/metrics/registry.h"

namespace ferry::release {

class ReleaseMetrics {
 public:
  explicit ReleaseMetrics(metrics::Registry& registry);
  ~ReleaseMetrics();
  ReleaseMetrics(const ReleaseMetrics&) = delete;
  ReleaseMetrics& operator=(const ReleaseMetrics&) = delete;

  // Sets the gauges of one Release from its (new) status.
  void Observe(const std::string& ns, const std::string& release,
               const api::ReleaseStatus& status);
  // Counts a rollout that ended.
  void Complete(const std::string& ns, const std::string& release, const Completion& c);
  // Removes every series of a Release that no longer exists.
  void Forget(const std::string& ns, const std::string& release);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::release
