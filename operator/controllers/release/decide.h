// The Release controller's decision core: one pure function from an immutable snapshot (the
// Release with its previous status, the observed target and canary, the canary's pod health,
// `now`) to the new status and the actions that move the cluster towards it. The reconciler
// (later: runtime Reconciler over the kube client) only gathers the snapshot, executes the
// actions (actions.h) and writes the status when `statusChanged`.
//
// State lives in status only (step index, step and pause start times, canary version and hash,
// stable version and hash, rollback template, abort, history, handled request nonces): killing
// the operator at any instant and deciding again from the same cluster continues exactly where it
// was. Deciding twice on the same snapshot (with the first decision's status) yields the same
// status, no Events, and only actions whose observed effect is still missing (ensures).
//
// The state machine (docs/ROLLOUT.md has the diagram):
//   Pending/Healthy --new version or template--> Progressing (canary created, steps run)
//   Progressing <--> Paused (pause step, ferry.dev/pause, spec.paused, inconclusive analysis)
//   Progressing --last step or promote-full--> Promoting (target applied, its own rollout)
//   Promoting --target rolled out--> Healthy (canary removed, history Promoted)
//   Progressing/Paused --analysis failed, canary not ready in progressDeadlineSeconds, crash
//       loop, ferry.dev/abort--> RolledBack (canary removed, stable untouched)
//   Promoting --target failed or abort--> RolledBack (target restored from rollbackTemplate)
//   RolledBack --ferry.dev/retry or a new version--> Progressing
//   Progressing/Paused --newer version/template--> Progressing (history Superseded)
//   Progressing/Paused --version back to stable--> Healthy (history Cancelled)
//   Healthy --target changed outside Ferry--> Failed (Drifted, Stalled; not undone; retry)
//   any --invalid spec, missing target--> Failed (Stalled; nothing touched)
// Blue-green (bluegreen.cc) uses the same phases: Progressing while the preview comes up and is
// analysed (Paused waiting for a manual promotion), Promoting from the switch of the active
// Service to the end of the target's rollout, RolledBack after a switch back.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "operator/api/release_types.h"
#include "operator/controllers/release/actions.h"
#include "operator/controllers/release/observed.h"

namespace ferry::release {

// Requeue while waiting on something only time changes (canary readiness without events).
inline constexpr std::chrono::milliseconds kWaitPollInterval{30'000};
// Requeue after a transition whose next step the following pass takes.
inline constexpr std::chrono::milliseconds kTransitionRequeue{1'000};

// Extra condition types of a Release (besides Ready, Reconciling, Stalled).
inline constexpr char kConditionPaused[] = "Paused";
inline constexpr char kConditionDrifted[] = "Drifted";

// Reasons (conditions, Events, status.abort, history).
inline constexpr char kReasonInvalidSpec[] = "InvalidSpec";
inline constexpr char kReasonTargetNotFound[] = "TargetNotFound";
inline constexpr char kReasonStrategyNotSupported[] = "StrategyNotSupported";
inline constexpr char kReasonCanaryConflict[] = "CanaryNameTaken";
inline constexpr char kReasonAnalysisUnavailable[] = "AnalysisUnavailable";
inline constexpr char kReasonAnalysisFailed[] = "AnalysisFailed";
inline constexpr char kReasonAnalysisInconclusive[] = "AnalysisInconclusive";
inline constexpr char kReasonDeadline[] = "ProgressDeadlineExceeded";
inline constexpr char kReasonCrashLoop[] = "CanaryCrashLooping";
inline constexpr char kReasonAbortRequested[] = "AbortRequested";
inline constexpr char kReasonPromotionFailed[] = "PromotionFailed";
inline constexpr char kReasonCompleted[] = "Completed";
inline constexpr char kReasonNewVersion[] = "NewVersion";
inline constexpr char kReasonTemplateChanged[] = "TemplateChanged";
inline constexpr char kReasonTargetDrifted[] = "TargetDrifted";
inline constexpr char kReasonCanaryDeleted[] = "CanaryDeleted";
inline constexpr char kReasonRevertedToStable[] = "RevertedToStable";
inline constexpr char kReasonRetryRequested[] = "RetryRequested";

struct Snapshot {
  api::Release release;       // metadata (generation, uid, annotations), spec, previous status
  ObservedDeployment target;  // spec.targetRef
  ObservedDeployment canary;  // CanaryName(release); exists=false when absent
  PodHealth canaryPods;       // SummarizePods of the canary's pods
  // The weight the router reports now; nullopt when unknown (SetTrafficWeight is then emitted).
  std::optional<int32_t> trafficWeight;
  // Blue-green, while status.blueGreen is set: what the active and preview Services select now
  // (routing::SelectionOf); nullopt when not read or the Service is absent. Status records what
  // Ferry set, but a pass whose status write failed after its selector write leaves the two
  // apart: selectors are re-applied when the world differs, and a switch found done is kept.
  std::optional<PodSelection> activeSelection;
  std::optional<PodSelection> previewSelection;
  // Whether the reconciler can run analyses (RunAnalysis). When false an analysis step holds
  // the rollout with Stalled=True/AnalysisUnavailable: nothing passes silently.
  bool analysisAvailable = false;
  api::Time now{};
};

// How a rollout ended, for metrics (promotions and rollbacks by reason, duration histogram).
struct Completion {
  std::string
      result;  // api::kResultPromoted, kResultRolledBack, kResultSuperseded, kResultCancelled
  std::string reason;
  std::chrono::milliseconds duration{0};
  bool operator==(const Completion&) const = default;
};

struct Decision {
  api::ReleaseStatus status;
  std::vector<Action> actions;
  bool statusChanged = false;           // status != snapshot.release.status
  std::vector<Completion> completions;  // rollouts that ended in this pass
};

Decision Decide(const Snapshot& snapshot);

}  // namespace ferry::release
