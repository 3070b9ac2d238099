// The canary while its steps run: observing it, health-based rollback, the step loop, and the
// ensures that keep its size (following the target's replicas) and the route weight current.
#include <algorithm>

#include "operator/controllers/release/context.h"
#include "operator/controllers/release/replicas.h"

namespace ferry::release::internal {

namespace {

// Records the canary's counts in status; detects a canary deleted behind Ferry's back.
void ObserveCanary(ReleaseContext& c) {
  auto& cs = *c.st.canary;
  const auto& d = c.snap.canary;
  if (d.exists && !d.deleting && d.ferryHash == cs.templateHash) {
    cs.deployment = d.name;
    cs.replicas = d.specReplicas;
    cs.readyReplicas = d.readyReplicas;
    cs.availableReplicas = d.availableReplicas;
    return;
  }
  if (!d.exists && !cs.deployment.empty()) {
    SetDrifted(c, kReasonCanaryDeleted,
               "canary Deployment " + cs.deployment + " was deleted; recreating it (" +
                   c.StepLabel(c.StepIndex()) + " restarts its readiness deadline)",
               true);
    c.st.stepStartTime = c.now;
  }
  cs.deployment.clear();
  cs.replicas = cs.readyReplicas = cs.availableReplicas = 0;
}

// True when the canary runs the desired template with `replicas` available.
bool CanaryAvailableAt(const ReleaseContext& c, int32_t replicas) {
  if (replicas == 0) return true;
  const auto& d = c.snap.canary;
  return d.exists && !d.deleting && d.ferryHash == c.desired_hash &&
         d.observedGeneration >= d.generation && d.specReplicas == replicas &&
         d.updatedReplicas >= replicas && d.availableReplicas >= replicas;
}

// Crash loops and the canary Deployment's own progress deadline roll back at any step.
bool CanaryUnhealthy(ReleaseContext& c) {
  if (c.snap.canaryPods.crashLooping > 0) {
    Rollback(c, kReasonCrashLoop,
             std::to_string(c.snap.canaryPods.crashLooping) +
                 " canary pod(s) crash-looping: " + c.snap.canaryPods.message,
             false);
    return true;
  }
  const auto& d = c.snap.canary;
  if (d.exists && d.ferryHash == c.desired_hash && ProgressDeadlineExceeded(d)) {
    Rollback(c, kReasonDeadline,
             "canary Deployment " + d.name + " made no progress in " +
                 std::to_string(c.spec.progressDeadlineSeconds) + "s (ProgressDeadlineExceeded)",
             false);
    return true;
  }
  return false;
}

// setWeight and setCanaryScale: done once the canary is available at its new size.
StepResult RunScaleStep(ReleaseContext& c, int32_t index, bool skip) {
  const auto& step = c.Steps()[index];
  const int32_t want = DesiredCanaryReplicasAt(c, index);
  if (skip || CanaryAvailableAt(c, want)) {
    if (step.setWeight) c.st.canaryWeight = *step.setWeight;
    return StepResult::kDone;
  }
  const Millis waited = c.Since(c.st.stepStartTime);
  if (waited > c.Deadline()) {
    Rollback(c, kReasonDeadline,
             "canary not available at " + std::to_string(want) + " replicas within " +
                 std::to_string(c.spec.progressDeadlineSeconds) + "s (" +
                 std::to_string(c.snap.canary.availableReplicas) + " available)",
             false);
    return StepResult::kEnded;
  }
  c.waiting = "waiting for the canary: " + std::to_string(c.snap.canary.availableReplicas) + "/" +
              std::to_string(want) + " available";
  c.Requeue(std::min(c.Deadline() - waited + Millis(1000), kWaitPollInterval));
  return StepResult::kWaiting;
}

StepResult RunTrafficStep(ReleaseContext& c, const api::CanaryStep& step) {
  auto& traffic = c.st.traffic ? *c.st.traffic : c.st.traffic.emplace();
  if (step.setHeaderRoute) {
    const auto& h = *step.setHeaderRoute;
    auto& routes = traffic.headerRoutes;
    std::erase(routes, h.name);
    if (!h.match.empty()) routes.push_back(h.name);
    c.Emit(SetHeaderRoute{h});
  } else if (step.setMirror) {
    traffic.mirrorPercentage = step.setMirror->percentage;
    c.Emit(SetMirror{step.setMirror->percentage});
  }
  return StepResult::kDone;
}

StepResult RunStep(ReleaseContext& c, int32_t index, bool skip) {
  const auto& step = c.Steps()[index];
  if (step.setWeight || step.setCanaryScale) return RunScaleStep(c, index, skip);
  if (step.pause) return RunPauseStep(c, *step.pause, skip);
  if (step.analysis) return RunAnalysisStep(c, index, *step.analysis, skip);
  return RunTrafficStep(c, step);
}

std::string DescribeStep(const api::CanaryStep& s) {
  if (s.setWeight) return "setWeight " + std::to_string(*s.setWeight);
  if (s.pause) return s.pause->duration ? "pause " + *s.pause->duration : "pause until promoted";
  if (s.analysis) return "analysis";
  if (s.setHeaderRoute) return "setHeaderRoute " + s.setHeaderRoute->name;
  if (s.setMirror) return "setMirror " + std::to_string(s.setMirror->percentage);
  return "setCanaryScale";
}

// Runs steps from the current index until one waits; false when the rollout ended.
bool RunSteps(ReleaseContext& c, bool skip) {
  int32_t index = c.StepIndex();
  bool first = true;
  while (index < c.StepCount()) {
    const bool skip_this = first && skip;
    if (!skip_this && Blocked(c)) break;
    const StepResult r = RunStep(c, index, skip_this);
    if (r == StepResult::kEnded) return false;
    if (r == StepResult::kWaiting) break;
    if (skip_this)
      c.Event(kEventNormal, "StepSkipped", c.StepLabel(index) + " skipped by ferry.dev/promote");
    first = false;
    ++index;
    c.st.currentStepIndex = index;
    c.st.stepStartTime = c.now;
    if (index < c.StepCount()) {
      c.Event(kEventNormal, "StepStarted",
              c.StepLabel(index) + ": " + DescribeStep(c.Steps()[index]));
    }
  }
  return true;
}

void EnsureCanary(ReleaseContext& c) {
  const int32_t want = DesiredCanaryReplicasAt(c, c.StepIndex());
  const auto& d = c.snap.canary;
  if (d.deleting) {
    c.Requeue(kTransitionRequeue);  // recreate once the old one is gone
    return;
  }
  if (d.exists && d.ferryHash == c.desired_hash && d.specReplicas == want) return;
  Json obj = c.canary_object;
  obj["spec"]["replicas"] = want;
  c.Emit(release::EnsureCanary{std::move(obj), want});
}

void EnsureTraffic(ReleaseContext& c) {
  if (c.routed && c.snap.trafficWeight != c.st.canaryWeight) {
    c.Emit(SetTrafficWeight{c.st.canaryWeight});
  }
}

void SetStepPhase(ReleaseContext& c) {
  const bool paused = !c.st.pauseConditions.empty() || c.spec.paused;
  c.st.phase = paused ? api::kReleasePaused : api::kReleaseProgressing;
  const std::string why = c.waiting.empty() ? PauseMessage(c) : c.waiting;
  c.st.message =
      c.StepLabel(c.StepIndex()) + " of " + c.st.canary->version + (why.empty() ? "" : ": " + why);
}

}  // namespace

int32_t DesiredCanaryReplicasAt(const ReleaseContext& c, int32_t index) {
  return DesiredCanaryReplicas(SizingAt(c.Steps(), index), c.snap.target.specReplicas, c.routed);
}

void ReconcileCanary(ReleaseContext& c) {
  c.st.stepCount = c.StepCount();
  ObserveCanary(c);
  if (Consume(c, Request::kAbort)) {
    Rollback(c, kReasonAbortRequested, "rollout aborted by ferry.dev/abort", false);
    return;
  }
  if (CanaryUnhealthy(c) || !ReconcileBackgroundAnalysis(c)) return;
  HandlePauseRequests(c);
  if (Consume(c, Request::kPromoteFull)) {
    StartPromotion(c, "ferry.dev/promote-full skipped the remaining steps");
    return;
  }
  const bool skip = Consume(c, Request::kPromote);
  if (skip) AcceptInconclusive(c);
  if (!RunSteps(c, skip && c.StepIndex() < c.StepCount())) return;
  ReconcileBackgroundAnalysis(c);  // starts it when the steps just reached startingStep
  if (c.StepIndex() >= c.StepCount() && !Blocked(c)) {
    StartPromotion(c, "all " + std::to_string(c.StepCount()) + " steps passed");
    return;
  }
  EnsureCanary(c);
  EnsureTraffic(c);
  EmitRunningAnalyses(c);
  SetStepPhase(c);
}

}  // namespace ferry::release::internal
