// Blue-green (spec.strategy.blueGreen). The new version comes up at full size as the canary
// Deployment ("preview"); previewService selects it and activeService is narrowed to the
// target's current pods. After pre-promotion analysis the active Service's selector switches to
// the preview pods (automatically autoPromotionSeconds after the preview is ready, or on
// ferry.dev/promote). The target keeps running the previous version for scaleDownDelaySeconds
// while post-promotion analysis runs, so a rollback is one selector switch. Then the target gets
// the new template (PromoteTarget) and rolls out; once it is complete the Services get their own
// selectors back and the preview is removed.
//
// status.blueGreen.activeHash / previewHash say what the Services select: the stable template
// hash (narrowed to the target's pods), the preview's hash, or "" (their own selectors). A
// selector is written only when that changes (SetServiceSelector), so a pass that changes
// nothing writes nothing. Switched = activeHash equals the preview's hash.
#include "operator/controllers/release/canary_builder.h"
#include "operator/controllers/release/context.h"

namespace ferry::release::internal {

namespace {




const api::BlueGreenStrategy& Bg(const ReleaseContext& c) { return *c.spec.strategy.blueGreen; }

api::BlueGreenStatus& BgStatus(ReleaseContext& c) {
  return c.st.blueGreen ? *c.st.blueGreen : c.st.blueGreen.emplace();
}

// Points `service` at `select` unless status says it already is (`hash` records it) and the
// Service, when read (`observed`), agrees.
void Point(ReleaseContext& c, const std::string& service, std::string& status_hash,
           const std::optional<PodSelection>& observed, PodSelection select,
           const std::string& hash) {
  if (service.empty() || (status_hash == hash && observed.value_or(select) == select)) return;
  c.Emit(SetServiceSelector{service, select});
  status_hash = hash;
}

void PointActive(ReleaseContext& c, PodSelection select, const std::string& hash) {
  Point(c, Bg(c).activeService, BgStatus(c).activeHash, c.snap.activeSelection, select, hash);
}
void PointPreview(ReleaseContext& c, PodSelection select, const std::string& hash) {
  Point(c, Bg(c).previewService, BgStatus(c).previewHash, c.snap.previewSelection, select, hash);
}

bool Switched(const ReleaseContext& c) {
  return c.st.blueGreen && c.st.canary && c.st.blueGreen->activeHash == c.st.canary->templateHash;
}

// The active Service selects the preview although status says it does not: a pass switched it
// and could not write its status.
bool FoundSwitched(const ReleaseContext& c) {
  return c.st.canary && !Switched(c) && c.snap.activeSelection == PodSelection::kCanary;
}

void ObservePreview(ReleaseContext& c) {
  auto& cs = *c.st.canary;
  const auto& d = c.snap.canary;
  const bool mine = d.exists && !d.deleting && d.ferryHash == cs.templateHash;
  cs.deployment = mine ? d.name : "";
  cs.replicas = mine ? d.specReplicas : 0;
  cs.readyReplicas = mine ? d.readyReplicas : 0;
  cs.availableReplicas = mine ? d.availableReplicas : 0;
}

bool PreviewReady(const ReleaseContext& c, int32_t replicas) {
  const auto& d = c.snap.canary;
  return d.exists && !d.deleting && d.ferryHash == c.desired_hash &&
         d.observedGeneration >= d.generation && d.specReplicas == replicas &&
         d.updatedReplicas >= replicas && d.availableReplicas >= replicas;
}

void EnsurePreview(ReleaseContext& c, int32_t replicas) {
  const auto& d = c.snap.canary;
  if (d.deleting) {
    c.Requeue(kTransitionRequeue);
    return;
  }
  if (d.exists && d.ferryHash == c.desired_hash && d.specReplicas == replicas) return;
  Json obj = c.canary_object;
  obj["spec"]["replicas"] = replicas;
  c.Emit(release::EnsureCanary{std::move(obj), replicas});
}

void SetPhase(ReleaseContext& c, const char* active_phase) {
  const bool paused = !c.st.pauseConditions.empty() || c.spec.paused;
  c.st.phase = paused ? api::kReleasePaused : active_phase;
  const std::string why = c.waiting.empty() ? PauseMessage(c) : c.waiting;
  c.st.message = "blue-green " + c.st.canary->version + (why.empty() ? "" : ": " + why);
}

bool PreviewUnhealthy(ReleaseContext& c) {
  if (c.snap.canaryPods.crashLooping > 0) {
    Rollback(c, kReasonCrashLoop,
             std::to_string(c.snap.canaryPods.crashLooping) +
                 " preview pod(s) crash-looping: " + c.snap.canaryPods.message,
             false);
    return true;
  }
  const auto& d = c.snap.canary;
  if (d.exists && d.ferryHash == c.desired_hash && ProgressDeadlineExceeded(d)) {
    Rollback(c, kReasonDeadline,
             "preview Deployment " + d.name + " made no progress (ProgressDeadlineExceeded)",
             false);
    return true;
  }
  return false;
}

void ReconcileSwitched(ReleaseContext& c);

void Switch(ReleaseContext& c, const std::string& why) {
  auto& bg = BgStatus(c);
  RemovePause(c, api::kPauseBlueGreen);
  PointActive(c, PodSelection::kCanary, c.st.canary->templateHash);
  bg.scaleDownTime = c.now + std::chrono::seconds(Bg(c).scaleDownDelaySeconds);
  c.st.stepStartTime = c.now;
  c.Event(kEventNormal, "Switched",
          "Service " + Bg(c).activeService + " now selects version " + c.st.canary->version +
              " (" + why + "); Deployment " + c.snap.target.name + " keeps the previous version until " +
              api::FormatTime(*bg.scaleDownTime));
  ReconcileSwitched(c);
}

// Waits for the gate before the switch: pre-promotion analysis, then a human or the timer.
void PromotionGate(ReleaseContext& c) {
  auto& bg = BgStatus(c);
  if (!bg.previewReadyTime) {
    bg.previewReadyTime = c.now;
    c.Event(kEventNormal, "PreviewReady",
            "version " + c.st.canary->version + " is available at full size behind " +
                (Bg(c).previewService.empty() ? "the preview Deployment" : "Service " + Bg(c).previewService));
  }
  if (Consume(c, Request::kPromoteFull)) return Switch(c, "ferry.dev/promote-full");
  const bool promote = Consume(c, Request::kPromote);
  if (promote) RemovePause(c, api::kPauseInconclusive);
  if (!promote && Blocked(c)) return SetPhase(c, api::kReleaseProgressing);
  if (Bg(c).prePromotionAnalysis) {
    const StepResult r = RunNamedAnalysis(c, kPrePromotionRun, "pre-promotion analysis",
                                          *Bg(c).prePromotionAnalysis, promote);
    if (r == StepResult::kEnded) return;
    if (r == StepResult::kWaiting) return SetPhase(c, api::kReleaseProgressing);
  }
  if (promote) return Switch(c, "ferry.dev/promote");
  if (!Bg(c).autoPromotionEnabled) {
    AddPause(c, api::kPauseBlueGreen, "preview of " + c.st.canary->version + " ready; waiting for ferry.dev/promote");
    c.waiting = "preview ready; annotate ferry.dev/promote to switch";
    return SetPhase(c, api::kReleaseProgressing);
  }
  const Millis delay = std::chrono::seconds(Bg(c).autoPromotionSeconds);
  const Millis elapsed = c.Since(bg.previewReadyTime);
  if (elapsed < delay) {
    c.waiting = "switching automatically at " + api::FormatTime(*bg.previewReadyTime + delay);
    c.Requeue(delay - elapsed);
    return SetPhase(c, api::kReleaseProgressing);
  }
  Switch(c, "autoPromotionSeconds passed");
}

void ReconcilePreview(ReleaseContext& c) {
  if (!ReconcileIdentity(c)) return;
  ObservePreview(c);
  if (Consume(c, Request::kAbort)) {
    return Rollback(c, kReasonAbortRequested, "rollout aborted by ferry.dev/abort", false);
  }
  if (PreviewUnhealthy(c)) return;
  HandlePauseRequests(c);
  const int32_t want = c.snap.target.specReplicas;
  EnsurePreview(c, want);
  if (FoundSwitched(c) && PreviewReady(c, want)) {  // users are on it already: record the switch
    Consume(c, Request::kPromoteFull);
    Consume(c, Request::kPromote);
    return Switch(c, "found switched by a pass whose status was not written");
  }
  PointActive(c, PodSelection::kStable, c.st.stable.templateHash);
  PointPreview(c, PodSelection::kCanary, c.st.canary->templateHash);
  if (PreviewReady(c, want)) return PromotionGate(c);
  const Millis waited = c.Since(c.st.stepStartTime);
  if (waited > c.Deadline()) {
    return Rollback(c, kReasonDeadline,
                    "preview not available at " + std::to_string(want) + " replicas within " +
                        std::to_string(c.spec.progressDeadlineSeconds) + "s (" +
                        std::to_string(c.snap.canary.availableReplicas) + " available)",
                    false);
  }
  c.waiting = "waiting for the preview: " + std::to_string(c.snap.canary.availableReplicas) + "/" +
              std::to_string(want) + " available";
  c.Requeue(std::min(c.Deadline() - waited + Millis(1000), kWaitPollInterval));
  SetPhase(c, api::kReleaseProgressing);
}

std::string TargetRolloutMessage(const ReleaseContext& c, bool applied) {
  return "Deployment " + c.snap.target.name + " rolling out: " +
         (applied ? RolloutProgress(c.snap.target) : std::string(kApplyingTemplate));
}

void StartTargetPromotion(ReleaseContext& c) {
  c.st.rollbackTemplate = c.snap.target.podTemplate;
  c.st.stepStartTime = c.now;
  c.Emit(PromoteTarget{BuildPromotionApply(c.rel)});
  c.Event(kEventNormal, "Promoting",
          "promoting " + c.st.canary->version + " to Deployment " + c.snap.target.name +
              " (users stay on the preview until it has rolled out)");
  c.Requeue(std::min(c.Deadline(), kWaitPollInterval));
  c.waiting = TargetRolloutMessage(c, false);
  SetPhase(c, api::kReleasePromoting);
}

// Switched, target untouched: post-promotion analysis and the scale-down delay.
void ReconcileSwitched(ReleaseContext& c) {
  if (Consume(c, Request::kAbort)) {
    return Rollback(c, kReasonAbortRequested, "aborted by ferry.dev/abort after the switch", false);
  }
  if (c.desired_hash != c.st.canary->templateHash) {
    BlueGreenSwitchBack(c);  // the new spec never reaches users unanalysed
    ReconcileIdentity(c);
    return;
  }
  if (!c.snap.canary.exists || c.snap.canary.deleting || c.snap.canary.availableReplicas == 0) {
    return Rollback(c, kReasonCanaryDeleted,
                    "the preview serving users has no available pods; switched back", false);
  }
  HandlePauseRequests(c);
  const bool promote = Consume(c, Request::kPromote);
  if (promote) RemovePause(c, api::kPauseInconclusive);
  if (!promote && Blocked(c)) return SetPhase(c, api::kReleasePromoting);
  if (Bg(c).postPromotionAnalysis) {
    const StepResult r = RunNamedAnalysis(c, kPostPromotionRun, "post-promotion analysis",
                                          *Bg(c).postPromotionAnalysis, promote);
    if (r == StepResult::kEnded) return;
    if (r == StepResult::kWaiting) return SetPhase(c, api::kReleasePromoting);
  }
  const auto& bg = *c.st.blueGreen;
  if (!promote && bg.scaleDownTime && c.now < *bg.scaleDownTime) {
    c.waiting = "previous version kept until " + api::FormatTime(*bg.scaleDownTime) +
                " (ferry.dev/abort switches back at once)";
    c.Requeue(std::chrono::duration_cast<Millis>(*bg.scaleDownTime - c.now));
    return SetPhase(c, api::kReleasePromoting);
  }
  StartTargetPromotion(c);
}

// The target rolls to the new template while users stay on the preview.
void ReconcileTargetRollout(ReleaseContext& c) {
  const auto& t = c.snap.target;
  const auto& cur = *c.st.canary;
  if (Consume(c, Request::kAbort)) {
    return Rollback(c, kReasonAbortRequested, "promotion aborted by ferry.dev/abort", true);
  }
  const bool applied = TemplateVersion(t.podTemplate) == cur.version;
  if (applied && RolloutComplete(t)) {
    PointActive(c, PodSelection::kAll, "");
    PointPreview(c, PodSelection::kAll, "");
    c.st.blueGreen.reset();
    return CompletePromotion(c);
  }
  const Millis waited = c.Since(c.st.stepStartTime);
  if (waited > c.Deadline() || (applied && ProgressDeadlineExceeded(t))) {
    return Rollback(c, kReasonPromotionFailed,
                    "Deployment " + t.name + " did not finish rolling out " + cur.version +
                        " within " + std::to_string(c.spec.progressDeadlineSeconds) +
                        "s; its previous template is restored",
                    true);
  }
  if (!applied) {
    if (c.spec.version != cur.version || c.desired_hash != cur.templateHash) {
      BlueGreenSwitchBack(c);
      ReconcileIdentity(c);
      return;
    }
    c.Emit(PromoteTarget{BuildPromotionApply(c.rel)});
  }
  c.waiting = TargetRolloutMessage(c, applied);
  c.Requeue(std::min(c.Deadline() - waited + Millis(1000), kWaitPollInterval));
  SetPhase(c, api::kReleasePromoting);
}

}  // namespace

void ReconcileBlueGreen(ReleaseContext& c) {
  c.st.stepCount = 0;
  if (!Switched(c)) {
    ReconcilePreview(c);
  } else {
    ObservePreview(c);
    if (c.st.rollbackTemplate.is_null()) {
      ReconcileSwitched(c);
    } else {
      ReconcileTargetRollout(c);
    }
  }
  if (c.st.canary) EmitRunningAnalyses(c);  // still rolling out (not ended, not superseded)
}

void BlueGreenSwitchBack(ReleaseContext& c) {
  if (!c.spec.strategy.blueGreen || !(Switched(c) || FoundSwitched(c))) return;
  const bool target_changed = !c.st.rollbackTemplate.is_null();
  // Untouched target: its pods still run the previous version, so narrowing to them is instant.
  // A target already (partly) moved to the new version is being restored: select all its pods.
  if (target_changed) {
    PointActive(c, PodSelection::kAll, "");
  } else {
    PointActive(c, PodSelection::kStable, c.st.stable.templateHash);
  }
  c.Event(kEventWarning, "SwitchedBack",
          "Service " + Bg(c).activeService + " selects the previous version again");
}

void GiveBackServices(ReleaseContext& c) {
  if (!c.spec.strategy.blueGreen || !c.st.blueGreen) return;
  if (c.snap.canary.exists) {
    c.Requeue(kTransitionRequeue);  // the preview's pods must be gone before `kAll` selects them
    return;
  }
  PointActive(c, PodSelection::kAll, "");
  PointPreview(c, PodSelection::kAll, "");
  c.st.blueGreen.reset();
}

}  // namespace ferry::release::internal
