// DORA delivery measures from Release outcomes (docs/PIPELINES.md): the Pipeline controller
// watches Releases (their status.history, written by the Release controller) and turns each new
// history entry into observations. Pure; the informer handler (setup.cc) feeds PipelineMetrics.
//
//   Promoted    a deployment (deployment frequency); lead time = its completion - the change time
//               the hand-off recorded on the Release (kHandoffChangeTimeAnnotation) when the
//               promoted version is the one handed off; time to restore = its completion - the
//               completion of the entry before it when that one was RolledBack.
//   RolledBack  a failed deployment (change failure rate = failed / (deployments + failed)).
//   Superseded and Cancelled entries count for neither.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "operator/api/release_types.h"

namespace ferry::pipeline {

// When the change a hand-off delivers was made: the commit time a webhook reported
// (ferry.dev/run-commit-time), else when its run started. Set by the hand-off with
// ferry.dev/handoff-revision/-run/-time (api/meta.h), owned by the field manager ferry-handoff.
inline constexpr char kHandoffChangeTimeAnnotation[] = "ferry.dev/handoff-change-time";

struct DoraObservation {
  enum class Kind { kDeployment, kFailure };
  Kind kind = Kind::kDeployment;
  std::optional<double> leadTimeSeconds;
  std::optional<double> restoreSeconds;
  bool operator==(const DoraObservation&) const = default;
};

// Observations for the history entries of `after` that `before` (null: the Release was just
// seen) does not have and that completed at or after `since` (the observer's start, so a restart
// does not count the whole history again), oldest first.
std::vector<DoraObservation> ObserveRelease(const api::Release* before, const api::Release& after,
                                            api::Time since);

}  // namespace ferry::pipeline
