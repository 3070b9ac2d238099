#include "operator/controllers/pipeline/dag.h"

#include <cassert>
#include <set>

namespace ferry::pipeline {

namespace {

StageState StateOf(const std::map<std::string, StageState>& states, const std::string& name) {
  auto it = states.find(name);
  return it == states.end() ? StageState{} : it->second;
}

bool DependenciesSucceeded(const api::Stage& stage,
                           const std::map<std::string, StageState>& states) {
  for (const auto& dep : stage.dependsOn) {
    if (StateOf(states, dep).phase != StagePhase::kSucceeded) return false;
  }
  return true;
}

}  // namespace

std::string_view StagePhaseName(StagePhase p) {
  switch (p) {
    case StagePhase::kPending:
      return api::kRunPending;
    case StagePhase::kRunning:
      return api::kRunRunning;
    case StagePhase::kSucceeded:
      return api::kRunSucceeded;
    case StagePhase::kFailed:
      return api::kRunFailed;
    case StagePhase::kSkipped:
      return api::kStageSkipped;
  }
  return api::kRunPending;
}

std::optional<StagePhase> ParseStagePhase(std::string_view s) {
  if (s.empty()) return StagePhase::kPending;
  for (auto p : {StagePhase::kPending, StagePhase::kRunning, StagePhase::kSucceeded,
                 StagePhase::kFailed, StagePhase::kSkipped}) {
    if (StagePhaseName(p) == s) return p;
  }
  return std::nullopt;
}

bool HasRetriesLeft(const api::Stage& stage, int32_t attempts) { return attempts <= stage.retries; }

RunPlan PlanRun(const std::vector<api::Stage>& stages,
                const std::map<std::string, StageState>& states) {
#ifndef NDEBUG
  std::set<std::string> names;
  for (const auto& s : stages) names.insert(s.name);
  for (const auto& s : stages) {
    for (const auto& dep : s.dependsOn) assert(names.contains(dep) && "dependsOn unknown stage");
  }
#endif
  RunPlan plan;
  // First pass: stages that failed for good decide whether anything may start.
  for (const auto& s : stages) {
    StageState st = StateOf(states, s.name);
    if (st.phase == StagePhase::kFailed && !HasRetriesLeft(s, st.attempts)) {
      plan.failed.push_back(s.name);
    }
  }
  bool failing = !plan.failed.empty();
  bool all_succeeded = true;
  for (const auto& s : stages) {
    StageState st = StateOf(states, s.name);
    if (st.phase != StagePhase::kSucceeded) all_succeeded = false;
    switch (st.phase) {
      case StagePhase::kRunning:
        plan.running.push_back(s.name);
        break;
      case StagePhase::kFailed:
        if (!failing) {
          plan.start.push_back({s.name, st.attempts + 1});
          plan.running.push_back(s.name);
        }
        break;
      case StagePhase::kPending:
        if (failing) {
          plan.skip.push_back(s.name);
        } else if (DependenciesSucceeded(s, states)) {
          plan.start.push_back({s.name, st.attempts + 1});
          plan.running.push_back(s.name);
        }
        break;
      case StagePhase::kSucceeded:
      case StagePhase::kSkipped:
        break;
    }
  }
  if (all_succeeded) {
    plan.outcome = RunOutcome::kSucceeded;
  } else if (plan.running.empty()) {
    // Failed for good, or nothing can progress (a Skipped stage without a failure): done.
    plan.outcome = RunOutcome::kFailed;
  }
  return plan;
}

}  // namespace ferry::pipeline
