// RunPass (pass.h): the driver, estimates and conditions.
#include "operator/controllers/pipeline/pass.h"

#include <algorithm>

#include "operator/controllers/pipeline/pass_internal.h"

namespace ferry::pipeline {

Result<PassOutput> RunPass(const PassInput& in) { return detail::Pass(in).Run(); }

namespace detail {

namespace {


}  // namespace

Pass::Pass(const PassInput& in)
    : in_(in), p_(*in.pipeline), now_(api::TruncateToSeconds(in.now)), st_(out_.status) {
  st_ = p_.status;
}

Result<PassOutput> Pass::Run() {
  const int64_t gen = p_.metadata.generation;
  api::FieldErrors errs = api::ValidatePipeline(p_);
  if (!errs.empty()) {
    std::string msg = api::JoinErrors(errs);
    if (api::MarkStalled(st_.conditions, gen, kReasonInvalidSpec, msg, now_)) {
      Event(kWarning, kReasonInvalidSpec, msg);
    }
    st_.message = "invalid spec: " + msg;
    st_.observedGeneration = gen;
    return std::move(out_);
  }
  const std::optional<api::PipelineRun> before = st_.currentRun;
  HandleCancel();
  HandleRunRequest();
  for (int round = 0; round < kMaxProgressRounds; ++round) {
    if (st_.currentRun && IsRunActive(*st_.currentRun)) {
      if (Status s = Progress(); !s.ok()) return s.error();
      if (st_.currentRun && IsRunActive(*st_.currentRun)) break;
    }
    if (!st_.pendingRun || p_.spec.suspend) break;
    StartQueued();
  }
  RefreshEstimates(st_.currentRun != before);
  SetConditions();
  st_.observedGeneration = gen;
  return std::move(out_);
}

void Pass::StopRun(api::PipelineRun& run, std::string_view phase, std::string_view stage_phase,
                   const std::string& message) {
  for (auto& s : run.stages) {
    if (s.phase == api::kRunRunning) {
      s.phase = std::string(stage_phase);
      s.message = message;
      s.completionTime = now_;
    } else if (s.phase.empty() || s.phase == api::kRunPending) {
      s.phase = phase == api::kRunCancelled ? api::kRunCancelled : api::kStageSkipped;
      s.message = message;
    }
  }
  run.phase = std::string(phase);
  run.message = message;
  run.completionTime = now_;
}

void Pass::RefreshEstimates(bool run_changed) {
  out_.estimates = EstimateStages(p_.spec.stages, st_.history);
  if (!st_.currentRun || !IsRunActive(*st_.currentRun)) {
    if (st_.currentRun) st_.currentRun->estimatedCompletionTime.reset();
    return;
  }
  // Only when the run changed: "now" moves the estimate of an overdue stage every second, and a
  // pass that changes nothing else must not write status.
  if (!run_changed) return;
  api::PipelineRun& run = *st_.currentRun;
  std::map<std::string, StageProgress> progress;
  for (const auto& s : run.stages) {
    progress[s.name] = {ParseStagePhase(s.phase).value_or(StagePhase::kPending), s.startTime,
                        s.completionTime};
  }
  RunEstimate est = EstimateRun(p_.spec.stages, progress, out_.estimates, now_);
  for (auto& s : run.stages) {
    bool done = s.phase == api::kRunSucceeded || s.phase == api::kRunFailed ||
                s.phase == api::kStageSkipped || s.phase == api::kRunCancelled;
    if (done) continue;  // keep the estimate it had, to compare with the outcome
    auto it = est.stageCompletion.find(s.name);
    if (it != est.stageCompletion.end()) {
      s.estimatedCompletionTime = api::TruncateToSeconds(it->second);
    } else {
      s.estimatedCompletionTime.reset();
    }
  }
  if (est.completion) {
    run.estimatedCompletionTime = api::TruncateToSeconds(*est.completion);
  } else {
    run.estimatedCompletionTime.reset();
  }
}

void Pass::SetConditions() {
  const int64_t gen = p_.metadata.generation;
  if (!st_.currentRun) {
    st_.phase = api::kPipelineIdle;
    st_.message = p_.spec.suspend ? "suspended; no run yet" : "no run yet";
    st_.currentStage.clear();
    api::MarkReady(st_.conditions, gen, kReasonIdle, st_.message, now_);
    return;
  }
  const api::PipelineRun& run = *st_.currentRun;
  st_.phase = run.phase.empty() ? api::kRunPending : run.phase;
  if (IsRunActive(run)) {
    std::string msg = "run " + run.id;
    if (!st_.currentStage.empty()) msg += " at " + st_.currentStage;
    if (run.estimatedCompletionTime) {
      msg += " (estimated completion " + api::FormatTime(*run.estimatedCompletionTime) + ")";
    }
    st_.message = msg;
    api::MarkReconciling(st_.conditions, gen, kReasonRunning, msg, now_);
    return;
  }
  st_.currentStage.clear();
  std::string msg = "run " + run.id + " " + run.phase;
  if (!run.message.empty()) msg += ": " + run.message;
  st_.message = msg;
  if (run.phase == api::kRunSucceeded) {
    api::MarkReady(st_.conditions, gen, kReasonSucceeded, msg, now_);
    return;
  }
  std::string reason = run.phase == api::kRunCancelled ? kReasonCancelled : kReasonStageFailed;
  if (run.handoff && run.handoff->phase == api::kRunFailed) reason = kReasonHandoffFailed;
  if (run.message.rfind("run timed out", 0) == 0) reason = kReasonTimedOut;
  msg += "; to build it again: kubectl annotate pipeline " + Name() +
         " ferry.dev/retry=\"$(date +%s)\" --overwrite";
  st_.message = msg;
  api::MarkStalled(st_.conditions, gen, reason, msg, now_);
}

void Pass::Event(std::string_view type, std::string_view reason, std::string message) {
  out_.events.push_back({std::string(type), std::string(reason), std::move(message)});
}

const api::Stage* Pass::FindStage(std::string_view name) const {
  for (const auto& s : p_.spec.stages) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace detail
}  // namespace ferry::pipeline
