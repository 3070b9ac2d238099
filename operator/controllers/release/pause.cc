// Pauses: pause steps (timed or until promoted), ferry.dev/pause and ferry.dev/resume
// (UserPause), spec.paused (owned by git, never changed by Ferry), inconclusive analysis.
// Pause start times live in status.pauseConditions, so a timed pause survives restarts.
#include <algorithm>

#include "operator/controllers/release/context.h"

namespace ferry::release::internal {

bool HasPause(const ReleaseContext& c, const char* reason) {
  return std::any_of(c.st.pauseConditions.begin(), c.st.pauseConditions.end(),
                     [&](const auto& p) { return p.reason == reason; });
}

bool AddPause(ReleaseContext& c, const char* reason, const std::string& why, bool announce) {
  if (HasPause(c, reason)) return false;
  c.st.pauseConditions.push_back({reason, c.now});
  if (announce) c.Event(kEventNormal, "Paused", why);
  return true;
}

bool RemovePause(ReleaseContext& c, const char* reason) {
  return std::erase_if(c.st.pauseConditions, [&](const auto& p) { return p.reason == reason; }) > 0;
}

bool Blocked(const ReleaseContext& c) {
  return c.spec.paused || HasPause(c, api::kPauseUser) || HasPause(c, api::kPauseInconclusive);
}

std::string PauseMessage(const ReleaseContext& c) {
  if (HasPause(c, api::kPauseInconclusive)) {
    for (const auto& run : c.st.analysisRuns) {
      if (run.phase != api::kAnalysisInconclusive) continue;
      return "analysis " + run.name + " inconclusive" +
             (run.message.empty() ? "" : " (" + run.message + ")") +
             "; annotate ferry.dev/promote to accept it or ferry.dev/abort to roll back";
    }
  }
  if (HasPause(c, api::kPauseUser)) return "paused by ferry.dev/pause; annotate ferry.dev/resume";
  if (c.spec.paused) return "spec.paused is true";
  return "";
}

void HandlePauseRequests(ReleaseContext& c) {
  if (Consume(c, Request::kPause)) {
    AddPause(c, api::kPauseUser, "paused by ferry.dev/pause at " + c.StepLabel(c.StepIndex()));
  }
  if (Consume(c, Request::kResume) && RemovePause(c, api::kPauseUser)) {
    c.Event(kEventNormal, "Resumed",
            c.spec.paused ? "ferry.dev/resume removed the user pause; spec.paused still holds"
                          : "resumed by ferry.dev/resume");
  }
}

StepResult RunPauseStep(ReleaseContext& c, const api::PauseStep& p, bool skip) {
  const std::string label = c.StepLabel(c.StepIndex());
  if (!HasPause(c, api::kPauseCanaryStep)) {
    if (skip) return StepResult::kDone;
    // A later step's StepStarted Event ("step 2/3: pause 5m") already announced it.
    AddPause(c, api::kPauseCanaryStep,
             label + ": " + (p.duration ? "pausing for " + *p.duration : "paused until promoted"),
             c.StepIndex() == 0);
  }
  if (skip) {
    RemovePause(c, api::kPauseCanaryStep);
    return StepResult::kDone;
  }
  if (!p.duration) {
    c.waiting = "paused until promoted (annotate ferry.dev/promote)";
    return StepResult::kWaiting;
  }
  // Validation guarantees a parseable duration.
  const auto d = api::ParseDuration(*p.duration);
  const Millis length = d.ok() ? *d : Millis(0);
  const auto& pc = *std::find_if(c.st.pauseConditions.begin(), c.st.pauseConditions.end(),
                                 [](const auto& x) { return x.reason == api::kPauseCanaryStep; });
  const Millis elapsed = c.Since(pc.startTime);
  if (elapsed >= length) {
    RemovePause(c, api::kPauseCanaryStep);
    return StepResult::kDone;
  }
  // No countdown in status: it would be a status write on every pass.
  c.waiting = "paused for " + *p.duration + " until " + api::FormatTime(*pc.startTime + length);
  c.Requeue(length - elapsed);
  return StepResult::kWaiting;
}

}  // namespace ferry::release::internal
