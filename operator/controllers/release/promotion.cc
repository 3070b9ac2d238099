// Promotion: the target Deployment receives the new version through server-side apply of only
// the fields the Release changes, rolls out with its own strategy, and once it is complete and
// healthy the canary is removed. Its previous template is kept in status.rollbackTemplate; a
// target that does not finish within progressDeadlineSeconds is restored from it.
#include <algorithm>

#include "operator/controllers/release/canary_builder.h"
#include "operator/controllers/release/context.h"

namespace ferry::release::internal {

void CompletePromotion(ReleaseContext& c) {
  const auto& t = c.snap.target;
  const std::string version = c.st.canary->version;
  const std::string why = "version " + version + " promoted: Deployment " + t.name +
                          " rolled out (" + std::to_string(t.availableReplicas) + " available)";
  AddHistory(c, api::kResultPromoted, kReasonCompleted, why);
  ResetTraffic(c);  // the stable Service now selects the new version
  DeleteCanaryIfPresent(c);
  StopAnalyses(c, "rollout finished", true);
  c.st.stable.version = version;
  c.st.stable.templateHash = t.templateHash;
  c.st.canary.reset();
  c.st.canaryWeight = 0;
  c.st.pauseConditions.clear();
  c.st.rollbackTemplate = nullptr;
  c.st.completionTime = c.now;
  c.st.phase = api::kReleaseHealthy;
  c.st.message = "version " + version + " runs on Deployment " + t.name;
  ClearDrifted(c, "the target runs the promoted version");
  c.Event(kEventNormal, "Promoted", why);
  if (c.spec.version != version) c.Requeue(kTransitionRequeue);  // a newer version waits
}

namespace {

// Until the target carries the new template its counts describe the old one.
std::string PromotingMessage(const ReleaseContext& c, bool applied) {
  return "promoting " + c.st.canary->version + " to Deployment " + c.snap.target.name + ": " +
         (applied ? RolloutProgress(c.snap.target) : std::string(kApplyingTemplate));
}

}  // namespace

void StartPromotion(ReleaseContext& c, const std::string& why) {
  c.st.currentStepIndex = c.StepCount();
  c.st.stepStartTime = c.now;  // the target's rollout deadline counts from here
  c.st.rollbackTemplate = c.snap.target.podTemplate;
  c.st.pauseConditions.clear();
  c.st.phase = api::kReleasePromoting;
  c.st.message = PromotingMessage(c, false);
  WidenStableService(c);  // the target's new pods must join the stable Service as they start
  c.Emit(PromoteTarget{BuildPromotionApply(c.rel)});
  c.Event(
      kEventNormal, "Promoting",
      "promoting " + c.st.canary->version + " to Deployment " + c.snap.target.name + ": " + why);
  c.Requeue(std::min(c.Deadline(), kWaitPollInterval));
}

void ReconcilePromotion(ReleaseContext& c) {
  const auto& t = c.snap.target;
  const auto& cur = *c.st.canary;
  if (Consume(c, Request::kAbort)) {
    Rollback(c, kReasonAbortRequested, "promotion aborted by ferry.dev/abort", true);
    return;
  }
  const bool applied = TemplateVersion(t.podTemplate) == cur.version;
  const Millis waited = c.Since(c.st.stepStartTime);
  if (applied && RolloutComplete(t)) {
    CompletePromotion(c);
    return;
  }
  if (waited > c.Deadline() || (applied && ProgressDeadlineExceeded(t))) {
    Rollback(c, kReasonPromotionFailed,
             "Deployment " + t.name + " did not finish rolling out " + cur.version + " within " +
                 std::to_string(c.spec.progressDeadlineSeconds) + "s (" + RolloutProgress(t) +
                 "); its previous template is restored",
             true);
    return;
  }
  if (!applied) {
    if (c.spec.version != cur.version) {
      // The promotion never reached the target and the spec moved on: start the newer one.
      Supersede(c, kReasonNewVersion,
                "version " + c.spec.version + " supersedes " + cur.version + " before promotion");
      return;
    }
    c.Emit(PromoteTarget{BuildPromotionApply(c.rel)});  // not visible yet: apply again
  }
  c.st.message = PromotingMessage(c, applied);
  c.Requeue(std::min(c.Deadline() - waited + Millis(1000), kWaitPollInterval));
}

}  // namespace ferry::release::internal
