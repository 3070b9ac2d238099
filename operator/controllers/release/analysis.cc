// Analyses of a canary rollout: step analyses ("step-<index>", block until they decide) and the
// background analysis ("background", from startingStep to the end). Runs live in
// status.analysisRuns; the reconciler measures those that are Running (RunAnalysis) with
// operator/analysis and writes their phase, which the next decision reads. Without an analysis
// runner (Snapshot::analysisAvailable false) an analysis holds the rollout with
// Stalled=True/AnalysisUnavailable: it never passes silently.
#include <algorithm>

#include "operator/controllers/release/context.h"

namespace ferry::release::internal {

namespace {

constexpr char kBackgroundRun[] = "background";

std::string StepRunName(int32_t index) { return "step-" + std::to_string(index); }

api::AnalysisRunStatus* FindRun(ReleaseContext& c, const std::string& name) {
  auto it = std::find_if(c.st.analysisRuns.begin(), c.st.analysisRuns.end(),
                         [&](const auto& r) { return r.name == name; });
  return it == c.st.analysisRuns.end() ? nullptr : &*it;
}

api::AnalysisRunStatus& StartRun(ReleaseContext& c, const std::string& name,
                                 const std::vector<std::string>& metrics) {
  api::AnalysisRunStatus run;
  run.name = name;
  run.phase = api::kAnalysisRunning;
  run.startTime = c.now;
  for (const auto& m : metrics) {
    api::MetricResult r;
    r.name = m;
    r.phase = api::kAnalysisPending;
    run.metrics.push_back(std::move(r));
  }
  c.st.analysisRuns.push_back(std::move(run));
  c.Event(kEventNormal, "AnalysisStarted", "analysis " + name + " started");
  return c.st.analysisRuns.back();
}

void Conclude(ReleaseContext& c, api::AnalysisRunStatus& run, const char* phase,
              const std::string& message) {
  run.phase = phase;
  run.message = message;
  run.completionTime = c.now;
}

bool Unavailable(ReleaseContext& c, const std::string& what) {
  if (c.snap.analysisAvailable) return false;
  c.stalled = {kReasonAnalysisUnavailable,
               what +
                   " cannot run: this operator has no analysis runner; annotate "
                   "ferry.dev/promote to skip it or ferry.dev/abort to roll back"};
  c.waiting = c.stalled->second;
  return true;
}

bool FailedPhase(const std::string& p) {
  return p == api::kAnalysisFailed || p == api::kAnalysisError;
}

std::string RunMessage(const api::AnalysisRunStatus& run) {
  return "analysis " + run.name + " " + run.phase + (run.message.empty() ? "" : ": " + run.message);
}

// Inconclusive: pause for a human (onInconclusive Pause) or roll back (Fail). false: rolled back.
bool HandleInconclusive(ReleaseContext& c, const api::AnalysisRunStatus& run) {
  if (c.spec.analysis.onInconclusive == api::kOnInconclusiveFail) {
    Rollback(c, kReasonAnalysisInconclusive, RunMessage(run) + " (onInconclusive: Fail)", false);
    return false;
  }
  AddPause(c, api::kPauseInconclusive, RunMessage(run));
  return true;
}

}  // namespace

StepResult RunAnalysisStep(ReleaseContext& c, int32_t index, const api::AnalysisRef& ref,
                           bool skip) {
  return RunNamedAnalysis(c, StepRunName(index), c.StepLabel(index) + ": analysis", ref, skip);
}

StepResult RunNamedAnalysis(ReleaseContext& c, const std::string& name, const std::string& label,
                            const api::AnalysisRef& ref, bool skip) {
  api::AnalysisRunStatus* run = FindRun(c, name);
  if (skip) {
    if (run == nullptr) run = &StartRun(c, name, ref.metrics);
    if (run->phase == api::kAnalysisRunning || run->phase == api::kAnalysisInconclusive ||
        run->phase == api::kAnalysisPending) {
      Conclude(c, *run, api::kAnalysisSuccessful, "skipped by ferry.dev/promote");
    }
    RemovePause(c, api::kPauseInconclusive);
    return StepResult::kDone;
  }
  if (run == nullptr) {
    if (Unavailable(c, label)) return StepResult::kWaiting;
    StartRun(c, name, ref.metrics);
    c.waiting = "analysis " + name + " running";
    return StepResult::kWaiting;
  }
  if (run->phase == api::kAnalysisSuccessful) return StepResult::kDone;
  if (FailedPhase(run->phase)) {
    Rollback(c, kReasonAnalysisFailed, RunMessage(*run), false);
    return StepResult::kEnded;
  }
  if (run->phase == api::kAnalysisInconclusive) {
    return HandleInconclusive(c, *run) ? StepResult::kWaiting : StepResult::kEnded;
  }
  if (Unavailable(c, label)) return StepResult::kWaiting;
  c.waiting = "analysis " + name + " running";
  return StepResult::kWaiting;
}

bool ReconcileBackgroundAnalysis(ReleaseContext& c) {
  const auto& bg = c.spec.strategy.canary->analysis;
  if (!bg || c.StepIndex() < bg->startingStep) return true;
  api::AnalysisRunStatus* run = FindRun(c, kBackgroundRun);
  if (run == nullptr) {
    if (!Unavailable(c, "background analysis")) StartRun(c, kBackgroundRun, bg->metrics);
    return true;
  }
  if (FailedPhase(run->phase)) {
    Rollback(c, kReasonAnalysisFailed, RunMessage(*run), false);
    return false;
  }
  if (run->phase == api::kAnalysisInconclusive) return HandleInconclusive(c, *run);
  if (run->phase == api::kAnalysisRunning) Unavailable(c, "background analysis");
  return true;
}

void AcceptInconclusive(ReleaseContext& c) {
  if (!RemovePause(c, api::kPauseInconclusive)) return;
  if (api::AnalysisRunStatus* bg = FindRun(c, kBackgroundRun);
      bg && bg->phase == api::kAnalysisInconclusive) {
    Conclude(c, *bg, api::kAnalysisSuccessful, "inconclusive; accepted by ferry.dev/promote");
  }
  c.Event(kEventNormal, "InconclusiveAccepted",
          "inconclusive analysis accepted by ferry.dev/promote");
}

void EmitRunningAnalyses(ReleaseContext& c) {
  if (!c.snap.analysisAvailable) return;
  const auto& canary = c.spec.strategy.canary;
  const auto& blue_green = c.spec.strategy.blueGreen;
  for (const auto& run : c.st.analysisRuns) {
    if (run.phase != api::kAnalysisRunning) continue;
    RunAnalysis a{run.name, {}, {}};
    for (const auto& m : run.metrics) a.metrics.push_back(m.name);
    if (run.name == kBackgroundRun && canary && canary->analysis) a.args = canary->analysis->args;
    if (blue_green) {
      const auto& ref = run.name == kPrePromotionRun ? blue_green->prePromotionAnalysis
                                                     : blue_green->postPromotionAnalysis;
      if (ref && (run.name == kPrePromotionRun || run.name == kPostPromotionRun)) a.args = ref->args;
    }
    for (int32_t i = 0; i < c.StepCount(); ++i) {
      const auto& ref = c.Steps()[i].analysis;
      if (ref && run.name == StepRunName(i)) a.args = ref->args;
    }
    c.Emit(std::move(a));
  }
}

void StopAnalyses(ReleaseContext& c, const std::string& why, bool finished) {
  for (auto& run : c.st.analysisRuns) {
    if (run.phase != api::kAnalysisRunning) continue;
    if (run.name == kBackgroundRun && finished) {
      Conclude(c, run, api::kAnalysisSuccessful, why);
    } else {
      run.message = "stopped: " + why;
      run.completionTime = c.now;
    }
  }
}

}  // namespace ferry::release::internal
