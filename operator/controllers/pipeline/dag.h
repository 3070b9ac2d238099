// Scheduling over a Pipeline's stage DAG (spec.stages[].dependsOn). Pure: no clock, no I/O. The
// reconciler reads the stages' current state from status (and the Jobs), asks PlanRun what to do,
// does it, and records the result; calling PlanRun again with the same state gives the same plan,
// so a reconcile after a crash repeats nothing.
//
// Semantics (those of Tekton's and Argo Workflows' DAGs, "fail fast"):
//   - a stage starts when every stage it dependsOn has Succeeded; independent stages start
//     together (in spec order);
//   - a stage whose attempt failed is retried as a new attempt (a new Job with its own name)
//     while attempts <= its `retries`; after that it is finally Failed;
//   - once a stage is finally Failed, no stage starts any more: stages still Pending become
//     Skipped, stages already Running finish (their Jobs are not killed), and the run is Failed
//     as soon as nothing runs;
//   - the run Succeeds when every stage Succeeded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/api/pipeline_types.h"

namespace ferry::pipeline {

enum class StagePhase { kPending, kRunning, kSucceeded, kFailed, kSkipped };

// The API strings of status.currentRun.stages[].phase ("Pending", "Running", ...); "" is Pending.
std::string_view StagePhaseName(StagePhase p);
std::optional<StagePhase> ParseStagePhase(std::string_view s);

// What the controller knows about one stage of the current run. `attempts` counts the Jobs
// created so far; with phase kFailed it is the attempt that failed.
struct StageState {
  StagePhase phase = StagePhase::kPending;
  int32_t attempts = 0;
  bool operator==(const StageState&) const = default;
};

enum class RunOutcome { kRunning, kSucceeded, kFailed };

struct RunPlan {
  // Stages to start now, in spec order: Pending stages whose dependencies all succeeded
  // (attempt 1), and failed stages with retries left (attempt = attempts + 1).
  struct Start {
    std::string stage;
    int32_t attempt = 1;
    bool operator==(const Start&) const = default;
  };
  std::vector<Start> start;
  // Pending stages that will never run because a stage failed; mark them Skipped.
  std::vector<std::string> skip;
  // The stages that failed for good (retries exhausted), in spec order.
  std::vector<std::string> failed;
  RunOutcome outcome = RunOutcome::kRunning;
  // Stages now Running (after the starts above), in spec order, for status.currentStage.
  std::vector<std::string> running;
};

// The next step of a run. `states` is keyed by stage name; a stage absent from it is Pending
// with no attempts. Stages in `states` that are not in `stages` are ignored. `stages` must form
// a DAG (api::ValidatePipelineSpec guarantees it; dependencies on unknown stages block forever
// and are asserted in debug builds).
RunPlan PlanRun(const std::vector<api::Stage>& stages,
                const std::map<std::string, StageState>& states);

// True when a stage whose attempt number `attempts` failed may run again.
bool HasRetriesLeft(const api::Stage& stage, int32_t attempts);

}  // namespace ferry::pipeline
