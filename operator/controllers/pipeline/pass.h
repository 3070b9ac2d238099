// One reconcile pass of a Pipeline, without I/O: from the Pipeline (spec and previous status), the
// Jobs (with their Pods) it owns and `now`, the new status and what to do about it. The
// reconciler (reconciler.h) gathers the inputs from its informer caches, writes the status when
// it changed, then creates the Jobs, records the Events and the metrics; the hand-off to the
// Release is its only write made during the pass (through HandoffFunc, an idempotent server-side
// apply), because its outcome belongs in the same status write.
//
// Order of a pass (docs/PIPELINES.md):
//   1. an invalid spec: Stalled/InvalidSpec naming every field, nothing else;
//   2. ferry.dev/cancel: the active run (and a queued one) is Cancelled;
//   3. a requested run (RequestedRun) meets spec.concurrencyPolicy (DecideNewRun): start, replace
//      the active run, queue, or drop it; the request is marked handled in every case;
//   4. the active run progresses: Jobs observed (ObserveStages), the run's timeout enforced,
//      PlanRun, ApplyPlan, the Jobs of started (and vanished) stages built, the hand-off made on
//      success; a finished run goes to status.history (RecordHistory); a queued run starts next;
//   5. estimates (estimate.h) refreshed when the run changed, conditions set (kstatus).
// Same inputs, same output: a pass whose status equals the previous one writes nothing.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/api/pipeline_types.h"
#include "operator/base/result.h"
#include "operator/controllers/pipeline/estimate.h"
#include "operator/controllers/pipeline/run_state.h"

namespace ferry::pipeline {

// Condition reasons (docs/API.md: Ready "Succeeded"/"Idle", Reconciling "Running", Stalled
// "InvalidSpec"/"StageFailed").
inline constexpr char kReasonIdle[] = "Idle";
inline constexpr char kReasonRunning[] = "Running";
inline constexpr char kReasonSucceeded[] = "Succeeded";
inline constexpr char kReasonStageFailed[] = "StageFailed";
inline constexpr char kReasonHandoffFailed[] = "HandoffFailed";
inline constexpr char kReasonTimedOut[] = "TimedOut";
inline constexpr char kReasonCancelled[] = "Cancelled";
inline constexpr char kReasonInvalidSpec[] = "InvalidSpec";

// The outcome of applying a hand-off: the container it set, or why it cannot be done (a missing
// Release, an ambiguous container, an image the API server refused). A transient failure (the
// API server unreachable, a conflict) is an Error instead: the pass fails and is retried.
struct HandoffOutcome {
  bool applied = false;
  std::string container;
  std::string message;  // why it failed, when !applied
};
// Applies the substituted hand-off of `run`.
using HandoffFunc =
    std::function<Result<HandoffOutcome>(const api::Handoff&, const api::PipelineRun&)>;

struct PassInput {
  const api::Pipeline* pipeline = nullptr;
  // Every Job owned by the Pipeline (with its Pods), by Job name.
  std::map<std::string, ObservedJob> jobs;
  api::Time now;
  std::string git_image = kDefaultGitImage;
  HandoffFunc handoff;  // required when spec.handoff is set
};

// An Event about the Pipeline.
struct Notice {
  std::string type;  // "Normal" or "Warning"
  std::string reason;
  std::string message;
  bool operator==(const Notice&) const = default;
};

// A stage attempt that ended in this pass, for the metrics.
struct StageEnded {
  std::string stage;
  std::string phase;  // Succeeded or Failed
  double seconds = 0;
  std::optional<Millis> estimate;  // the model's median before it ran
};

// A run that ended in this pass, for the metrics.
struct RunEnded {
  std::string id;
  std::string phase;  // Succeeded, Failed or Cancelled
  std::string trigger;
  double seconds = 0;
  std::optional<Millis> estimate;  // the estimated duration when it started, if known
};

struct PassOutput {
  api::PipelineStatus status;
  std::vector<Json> create;  // Jobs to create (AlreadyExists = already there: adopt it)
  std::vector<Notice> events;
  std::vector<StageEnded> stagesEnded;
  std::vector<RunEnded> runsEnded;
  // Per-stage estimates from the history (for the estimate gauge).
  std::map<std::string, DurationEstimate> estimates;
  // Wake up then even if nothing changes (the run's timeout).
  std::optional<std::chrono::milliseconds> requeueAfter;
};

// The pass. An Error only for a transient hand-off failure.
Result<PassOutput> RunPass(const PassInput& in);

// The Jobs to delete (names), given the status the pass wrote and every Job the Pipeline owns:
//   - Jobs of runs that are neither status.currentRun nor in status.history (pruned runs, and
//     runs lost by a crash between their start and their first status write);
//   - Jobs still active (neither Complete nor Failed) of runs that are not active: stages of
//     cancelled, replaced or timed-out runs.
// Jobs already being deleted, and Jobs of runs numbered above status.lastRunNumber (a status read
// older than the Jobs: never act on it), are left alone.
std::vector<std::string> JobsToDelete(std::string_view pipeline, const api::PipelineStatus& status,
                                      const std::map<std::string, ObservedJob>& jobs);

}  // namespace ferry::pipeline
