// Rollback: the canary is removed, traffic returns to stable, the target is restored when a
// promotion had changed it, and the version stays aborted (status.abort) until ferry.dev/retry or
// a new version. The stable Deployment is never scaled or changed otherwise, so its available
// replicas never drop.
#include "operator/controllers/release/canary_builder.h"
#include "operator/controllers/release/context.h"

namespace ferry::release::internal {

void Rollback(ReleaseContext& c, const std::string& reason, const std::string& message,
              bool restore_target) {
  BlueGreenSwitchBack(c);
  if (restore_target && !c.st.rollbackTemplate.is_null()) {
    c.Emit(RestoreTarget{BuildRestoreApply(c.rel, c.st.rollbackTemplate)});
  }
  ResetTraffic(c);
  DeleteCanaryIfPresent(c);
  StopAnalyses(c, "rolled back");
  const std::string version = c.st.canary->version;
  const std::string text = "rolled back " + version + ": " + message;
  AddHistory(c, api::kResultRolledBack, reason, message);
  c.st.abort = api::AbortStatus{reason, message, c.now};
  c.st.canary.reset();
  c.st.canaryWeight = 0;
  c.st.pauseConditions.clear();
  c.st.rollbackTemplate = nullptr;
  c.st.completionTime = c.now;
  c.st.phase = api::kReleaseRolledBack;
  const std::string stable = c.st.stable.version.empty() ? "the target's previous version"
                                                         : "stable " + c.st.stable.version;
  c.st.message =
      text + "; " + stable + " keeps serving. Push a new version, or annotate ferry.dev/retry";
  c.Event(kEventWarning, reason, text);
  GiveBackServices(c);  // blue-green: at once if the preview is already gone
}

}  // namespace ferry::release::internal
