#include "operator/plugin/state.h"

#include <cstdio>

#include "operator/api/meta.h"

namespace ferry::plugin {
namespace {

using api::Release;

bool ReleaseRequestPending(const Release& r) {
  const auto& h = r.status.lastHandledRequests;
  const std::pair<const char*, const std::string*> requests[] = {
      {api::kRequestPromote, &h.promote}, {api::kRequestPromoteFull, &h.promoteFull},
      {api::kRequestAbort, &h.abort},     {api::kRequestRetry, &h.retry},
      {api::kRequestPause, &h.pause},     {api::kRequestResume, &h.resume}};
  for (const auto& [annotation, handled] : requests) {
    if (api::PendingRequest(r.metadata, annotation, *handled)) return true;
  }
  return false;
}

std::string Observing(int64_t generation) {
  return "waiting for the operator to observe generation " + std::to_string(generation);
}

std::string PauseLeft(const Release& r, api::Time now) {
  const auto& steps = r.spec.strategy.canary->steps;
  int32_t i = r.status.currentStepIndex.value_or(-1);
  if (i < 0 || static_cast<size_t>(i) >= steps.size() || !steps[i].pause) return "";
  const auto& d = steps[i].pause->duration;
  if (!d) return "promotion: kubectl ferry promote " + r.metadata.name;
  auto total = api::ParseDuration(*d);
  if (!total.ok() || !r.status.stepStartTime) return "pause step " + *d;
  auto left = std::chrono::duration_cast<api::Millis>(*r.status.stepStartTime + total.value() - now);
  if (left.count() < 0) left = api::Millis(0);
  return "pause step: " + api::FormatDuration(std::chrono::duration_cast<std::chrono::seconds>(left)) +
         " of " + *d + " left (skip: kubectl ferry promote " + r.metadata.name + ")";
}

std::string RunningAnalysis(const Release& r) {
  for (const auto& run : r.status.analysisRuns) {
    if (run.phase != api::kAnalysisRunning && run.phase != api::kAnalysisPending) continue;
    std::string out = "analysis " + run.name;
    std::string sep = " (";
    for (const auto& m : run.metrics) {
      out += sep + m.name + " " + std::to_string(m.count) + " measurements";
      sep = ", ";
    }
    return out + (sep == ", " ? ")" : "");
  }
  return "";
}

// The controller keeps a finished run in status.currentRun (and summarizes it in history); only
// an empty/Pending/Running phase means the run is still going.
bool RunActive(const api::PipelineRun& run) {
  return run.phase.empty() || run.phase == api::kRunPending || run.phase == api::kRunRunning;
}

}  // namespace

Verdict ReleaseOutcome(const Release& r) {
  const auto& s = r.status;
  if (s.observedGeneration < r.metadata.generation) {
    return {Outcome::kInProgress, Observing(r.metadata.generation)};
  }
  if (ReleaseRequestPending(r)) return {Outcome::kInProgress, "a request awaits the operator"};
  std::string msg = s.message.empty() ? "" : ": " + s.message;
  if (s.phase == api::kReleaseRolledBack || s.phase == api::kReleaseFailed) {
    return {Outcome::kFailed, s.phase + msg};
  }
  if (s.abort) return {Outcome::kFailed, "Aborted: " + s.abort->reason + " " + s.abort->message};
  if (s.phase == api::kReleaseHealthy) {
    return {Outcome::kSucceeded, "Healthy: " + s.stable.version + " is stable" };
  }
  return {Outcome::kInProgress, (s.phase.empty() ? std::string("Pending") : s.phase) + msg};
}

Verdict PipelineOutcome(const api::Pipeline& p) {
  const auto& s = p.status;
  if (s.observedGeneration < p.metadata.generation) {
    return {Outcome::kInProgress, Observing(p.metadata.generation)};
  }
  const auto& h = s.lastHandledRequests;
  if (api::PendingRequest(p.metadata, api::kRequestRun, h.run) ||
      api::PendingRequest(p.metadata, api::kRequestRetry, h.retry) ||
      api::PendingRequest(p.metadata, api::kRequestCancel, h.cancel)) {
    return {Outcome::kInProgress, "a request awaits the operator"};
  }
  if (s.currentRun && RunActive(*s.currentRun)) {
    return {Outcome::kInProgress, "run " + s.currentRun->id + " " + s.currentRun->phase};
  }
  if (s.pendingRun) return {Outcome::kInProgress, "a run is queued"};
  std::string id, phase, message;  // the newest finished run: the current one, else history's
  if (s.currentRun) {
    id = s.currentRun->id, phase = s.currentRun->phase, message = s.currentRun->message;
  } else if (!s.history.empty()) {
    id = s.history.front().id, phase = s.history.front().phase, message = s.history.front().message;
  } else {
    return {Outcome::kInProgress, "no run yet"};
  }
  std::string line = "run " + id + " " + phase + (message.empty() ? "" : ": " + message);
  if (phase == api::kRunSucceeded) return {Outcome::kSucceeded, line};
  if (phase == api::kRunFailed || phase == api::kRunCancelled) return {Outcome::kFailed, line};
  return {Outcome::kInProgress, line};
}

int ExitCodeFor(Outcome o) { return o == Outcome::kFailed ? kExitRolloutFailed : kExitOk; }

std::string ReleaseWaitingFor(const Release& r, api::Time now) {
  const auto& s = r.status;
  if (ReleaseOutcome(r).outcome != Outcome::kInProgress) return "";
  if (s.observedGeneration < r.metadata.generation) return "the operator (status is older than spec)";
  if (r.spec.paused) return "spec.paused is true (set in git; change it there)";
  for (const auto& pc : s.pauseConditions) {
    if (pc.reason == api::kPauseUser) return "resume: kubectl ferry resume " + r.metadata.name;
    if (pc.reason == api::kPauseInconclusive) {
      return "a decision on inconclusive analysis: kubectl ferry promote|abort " + r.metadata.name;
    }
    if (pc.reason == api::kPauseBlueGreen) return "promotion: kubectl ferry promote " + r.metadata.name;
    if (pc.reason == api::kPauseCanaryStep && api::IsCanary(r.spec)) return PauseLeft(r, now);
  }
  if (std::string a = RunningAnalysis(r); !a.empty()) return a;
  if (s.canary && s.canary->readyReplicas < s.canary->replicas) {
    return "canary replicas ready " + std::to_string(s.canary->readyReplicas) + "/" +
           std::to_string(s.canary->replicas);
  }
  if (s.stable.readyReplicas < s.stable.replicas) {
    return "stable replicas ready " + std::to_string(s.stable.readyReplicas) + "/" +
           std::to_string(s.stable.replicas);
  }
  return s.message.empty() ? "the operator" : s.message;
}

std::string PipelineWaitingFor(const api::Pipeline& p) {
  const auto& s = p.status;
  if (p.spec.suspend) return "spec.suspend is true (set in git; change it there)";
  if (s.currentRun && RunActive(*s.currentRun)) {
    std::string running;
    for (const auto& st : s.currentRun->stages) {
      if (st.phase == api::kRunRunning) running += (running.empty() ? "" : ", ") + st.name;
    }
    if (!running.empty()) return "stages " + running;
    return "run " + s.currentRun->id + " (" + s.currentRun->phase + ")";
  }
  if (s.pendingRun) {
    return "queued run of " + (s.pendingRun->revision.empty() ? "the head of " + p.spec.source.ref
                                                              : s.pendingRun->revision);
  }
  return "";
}

std::optional<Action> ActionFor(Command c, Kind kind, bool full) {
  bool rel = kind == Kind::kRelease;
  switch (c) {
    case Command::kPromote:
      if (!rel) return std::nullopt;
      return full ? Action{"promote --full", api::kRequestPromoteFull, "promoteFull"}
                  : Action{"promote", api::kRequestPromote, "promote"};
    case Command::kAbort:
      return rel ? std::optional(Action{"abort", api::kRequestAbort, "abort"}) : std::nullopt;
    case Command::kPause:
      return rel ? std::optional(Action{"pause", api::kRequestPause, "pause"}) : std::nullopt;
    case Command::kResume:
      return rel ? std::optional(Action{"resume", api::kRequestResume, "resume"}) : std::nullopt;
    case Command::kRetry:
      return Action{"retry", api::kRequestRetry, "retry"};
    case Command::kRun:
      return rel ? std::nullopt : std::optional(Action{"run", api::kRequestRun, "run"});
    case Command::kCancel:
      return rel ? std::nullopt : std::optional(Action{"cancel", api::kRequestCancel, "cancel"});
    default:
      return std::nullopt;
  }
}

nlohmann::json ActionPatch(const Action& a, std::string_view nonce, std::string_view revision) {
  nlohmann::json annotations = {{a.annotation, nonce}};
  if (a.annotation == api::kRequestRun) {
    annotations[api::kRunRevisionAnnotation] =
        revision.empty() ? nlohmann::json(nullptr) : nlohmann::json(revision);
    annotations[api::kRunTriggerAnnotation] = nullptr;
  }
  return {{"metadata", {{"annotations", annotations}}}};
}

std::string MakeNonce(api::Time now, uint32_t random) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", random);
  return api::FormatTime(now) + "-" + hex;
}

bool Acknowledged(const nlohmann::json& obj, const Action& a, std::string_view nonce) {
  auto status = obj.find("status");
  if (status == obj.end() || !status->is_object()) return false;
  auto handled = status->find("lastHandledRequests");
  if (handled == status->end() || !handled->is_object()) return false;
  auto v = handled->find(a.handled_field);
  return v != handled->end() && v->is_string() && v->get<std::string>() == nonce;
}

}  // namespace ferry::plugin
