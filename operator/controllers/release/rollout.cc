// The rollout lifecycle outside the steps: idle (Healthy, RolledBack, adoption, drift), start,
// superseding, cancelling, history, and returning traffic to stable.
#include <algorithm>

#include "operator/controllers/release/canary_builder.h"
#include "operator/controllers/release/context.h"

namespace ferry::release::internal {

namespace {

// The version was rolled back and nothing asks for it again: no spec change of the pod template
// (a generation bump that keeps the template, e.g. historyLimit, does not retry it).
bool AbortSticks(const ReleaseContext& c) {
  if (!c.st.abort || c.st.history.empty()) return false;
  const auto& last = c.st.history.front();
  if (last.result != api::kResultRolledBack || last.version != c.spec.version) return false;
  return c.snap.release.status.observedGeneration == c.rel.metadata.generation ||
         last.templateHash == c.desired_hash;
}

// The target ran the Release's version and someone else changed it since (a hand edit, an
// emergency `kubectl set image`, a GitOps sync of an older image). Ferry reports it and does not
// fight: re-rolling would undo a hotfix, and with a GitOps tool reverting the target it would
// loop. ferry.dev/retry rolls the version out again; a new version starts a rollout as usual.
bool TargetDrifted(const ReleaseContext& c) {
  const bool was_serving = c.st.phase == api::kReleaseHealthy ||
                           (c.st.phase == api::kReleaseFailed &&
                            api::IsConditionTrue(c.st.conditions, kConditionDrifted));
  return was_serving && c.st.stable.version == c.spec.version &&
         !TemplateRunsVersion(c.snap.target.podTemplate, c.spec);
}

void HoldDrifted(ReleaseContext& c) {
  const std::string why = "Deployment " + c.snap.target.name + " no longer runs version " +
                          c.spec.version + ": its pod template was changed outside Ferry";
  SetDrifted(c, kReasonTargetDrifted, why, false);
  c.st.phase = api::kReleaseFailed;
  c.st.stable.templateHash = c.snap.target.templateHash;
  c.stalled = {kReasonTargetDrifted,
               why + ". Ferry does not undo it; annotate ferry.dev/retry to roll " +
                   c.spec.version +
                   " out again, or set spec.version to what runs now "
                   "(docs/ROLLOUT.md: GitOps without fights)"};
  c.st.message = c.stalled->second;
}

void MarkHealthy(ReleaseContext& c, bool event) {
  const auto& t = c.snap.target;
  const bool changed = c.st.phase != api::kReleaseHealthy;
  c.st.phase = api::kReleaseHealthy;
  c.st.stable.version = c.spec.version;
  c.st.stable.templateHash = t.templateHash;
  c.st.abort.reset();
  c.st.message = "version " + c.spec.version + " runs on Deployment " + t.name;
  ClearDrifted(c, "the target runs the Release's version");
  if (changed && event) c.Event(kEventNormal, "InSync", c.st.message);
}

void Cancel(ReleaseContext& c) {
  const std::string why = "spec.version is back to " + c.spec.version +
                          ", which the target runs; the canary of " + c.st.canary->version +
                          " is removed and stable is untouched";
  AddHistory(c, api::kResultCancelled, kReasonRevertedToStable, why);
  ResetTraffic(c);
  DeleteCanaryIfPresent(c);
  StopAnalyses(c, "rollout cancelled");
  c.st.canary.reset();
  c.st.pauseConditions.clear();
  c.st.canaryWeight = 0;
  c.st.completionTime = c.now;
  c.Event(kEventNormal, "Cancelled", why);
  MarkHealthy(c, false);
}

}  // namespace

void DeleteCanaryIfPresent(ReleaseContext& c) {
  const auto& d = c.snap.canary;
  if (d.exists && !d.deleting) c.Emit(DeleteCanary{c.canary_name, d.uid});
}

void ResetTraffic(ReleaseContext& c) {
  if (!c.routed) return;
  if (c.st.canaryWeight != 0 || c.snap.trafficWeight.value_or(-1) != 0) {
    c.Emit(SetTrafficWeight{0});
  }
  if (c.st.traffic) {
    for (const auto& name : c.st.traffic->headerRoutes) {
      c.Emit(SetHeaderRoute{api::HeaderRouteStep{name, {}}});
    }
    if (c.st.traffic->mirrorPercentage != 0) c.Emit(SetMirror{0});
  }
  c.st.traffic = api::TrafficStatus{};
  WidenStableService(c);
}

void NarrowStableService(ReleaseContext& c) {
  if (!c.routed) return;
  c.Emit(SetServiceSelector{c.spec.strategy.canary->trafficRouting->stableService,
                            PodSelection::kStable});
}

void WidenStableService(ReleaseContext& c) {
  if (!c.routed) return;
  c.Emit(SetServiceSelector{c.spec.strategy.canary->trafficRouting->stableService,
                            PodSelection::kAll});
}

void SetDrifted(ReleaseContext& c, const std::string& reason, const std::string& message,
                bool always_event) {
  const bool changed = api::SetCondition(
      c.st.conditions,
      {kConditionDrifted, api::kConditionTrue, c.rel.metadata.generation, {}, reason, message},
      c.now);
  if (changed || always_event) c.Event(kEventWarning, reason, message);
}

void ClearDrifted(ReleaseContext& c, const std::string& message) {
  const auto* d = api::FindCondition(c.st.conditions, kConditionDrifted);
  if (d == nullptr || d->status != api::kConditionTrue) return;
  api::SetCondition(c.st.conditions,
                    {kConditionDrifted, api::kConditionFalse, c.rel.metadata.generation, {},
                     "InSync", message},
                    c.now);
}

void AddHistory(ReleaseContext& c, const char* result, const std::string& reason,
                const std::string& message) {
  api::ReleaseHistoryEntry e;
  e.version = c.st.canary ? c.st.canary->version : c.spec.version;
  e.templateHash = c.st.canary ? c.st.canary->templateHash : c.desired_hash;
  e.result = result;
  e.reason = reason;
  e.message = message;
  e.startTime = c.st.startTime;
  e.completionTime = c.now;
  c.st.history.insert(c.st.history.begin(), std::move(e));
  const size_t limit = static_cast<size_t>(std::max(c.spec.historyLimit, 1));
  if (c.st.history.size() > limit) c.st.history.resize(limit);
  c.completions.push_back({result, reason, c.Since(c.st.startTime)});
}

void StartRollout(ReleaseContext& c, const std::string& why) {
  const auto& t = c.snap.target;
  auto& st = c.st;
  if (st.stable.version.empty()) st.stable.version = TemplateVersion(t.podTemplate);
  st.stable.templateHash = t.templateHash;
  st.canary = api::VersionStatus{c.spec.version, c.desired_hash, "", 0, 0, 0};
  st.currentStepIndex = 0;
  st.stepCount = c.StepCount();
  st.stepStartTime = c.now;
  st.startTime = c.now;
  st.completionTime.reset();
  st.canaryWeight = 0;
  st.pauseConditions.clear();
  st.abort.reset();
  st.analysisRuns.clear();
  st.rollbackTemplate = nullptr;
  st.traffic.reset();
  if (c.routed) st.traffic = api::TrafficStatus{};
  if (st.blueGreen) st.blueGreen->previewReadyTime.reset(), st.blueGreen->scaleDownTime.reset();
  st.phase = api::kReleaseProgressing;
  const std::string how = c.spec.strategy.blueGreen
                              ? std::string("blue-green")
                              : "in " + std::to_string(c.StepCount()) + " steps";
  c.Event(kEventNormal, "RolloutStarted",
          "rolling out version " + c.spec.version + " (template " + c.desired_hash + ") to " +
              t.name + " " + how + ": " + why);
  NarrowStableService(c);  // routed: the canary's pods share the stable Service's labels
  if (c.spec.strategy.blueGreen) {
    ReconcileBlueGreen(c);
  } else {
    ReconcileCanary(c);
  }
}

void Supersede(ReleaseContext& c, const std::string& reason, const std::string& why) {
  AddHistory(c, api::kResultSuperseded, reason, why);
  ResetTraffic(c);
  StopAnalyses(c, "superseded");
  c.Event(kEventNormal, "Superseded", why);
  StartRollout(c, why);
}

bool ReconcileIdentity(ReleaseContext& c) {
  const auto& cur = *c.st.canary;
  if (c.desired_hash == cur.templateHash) return true;
  if (TemplateRunsVersion(c.snap.target.podTemplate, c.spec)) {
    Cancel(c);
    return false;
  }
  if (cur.version != c.spec.version) {
    Supersede(c, kReasonNewVersion,
              "version " + c.spec.version + " supersedes " + cur.version + " mid-rollout");
  } else if (c.st.stable.templateHash != c.snap.target.templateHash) {
    SetDrifted(c, kReasonTargetDrifted,
               "the pod template of Deployment " + c.snap.target.name +
                   " changed during the rollout; the canary is rebuilt on it from step 1",
               true);
    Supersede(c, kReasonTargetDrifted, "the target's template changed during the rollout");
  } else {
    Supersede(c, kReasonTemplateChanged,
              "spec.template of version " + c.spec.version + " changed mid-rollout");
  }
  return false;
}

// A canary found while idle was left by a crash: between a status write and the delete (the
// rollout had ended), or between applying it and the status write of a rollout's start. The
// first kind is deleted when no rollout starts. A rollout that starts keeps it, as a superseding
// one does: it is that rollout's own canary (or one EnsureCanary rebuilds in place), and only
// one with the desired template hash counts as ready. Deleting it in the pass that counts it
// would pass a step on a canary being deleted, then recreate it as "deleted by hand".
void ReconcileIdle(ReleaseContext& c) {
  GiveBackServices(c);
  if (c.routed && c.snap.trafficWeight.value_or(0) != 0) c.Emit(SetTrafficWeight{0});
  const bool aborted = AbortSticks(c);
  if (aborted || TargetDrifted(c)) {
    if (Consume(c, Request::kRetry)) {
      c.Event(kEventNormal, kReasonRetryRequested,
              "ferry.dev/retry: rolling out " + c.spec.version + " again from step 1");
      StartRollout(c, "retry requested");
      return;
    }
    DeleteCanaryIfPresent(c);
    if (aborted) {
      c.st.phase = api::kReleaseRolledBack;
    } else {
      HoldDrifted(c);
    }
    return;
  }
  if (TemplateRunsVersion(c.snap.target.podTemplate, c.spec)) {
    DeleteCanaryIfPresent(c);
    MarkHealthy(c, true);
    return;
  }
  StartRollout(c, c.st.stable.version.empty() ? "first rollout"
                                              : "new version after " + c.st.stable.version);
}

}  // namespace ferry::release::internal
