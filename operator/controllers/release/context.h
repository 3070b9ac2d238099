// ReleaseContext: the state of one decision pass (internal to controllers/release). It holds the
// snapshot, values derived from it once, the status being built, and the actions so far. Each
// concern is a file of free functions over it: rollout.cc (start, supersede, cancel, idle),
// canary.cc (steps and canary size), bluegreen.cc, pause.cc, analysis.cc, promotion.cc, rollback.cc,
// requests.cc (ferry.dev/<action> annotations) and status.cc (phase, conditions).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "operator/controllers/release/decide.h"

namespace ferry::release::internal {

using Millis = std::chrono::milliseconds;

enum class Request { kPromote, kPromoteFull, kAbort, kRetry, kPause, kResume, kCount };

struct ReleaseContext {
  explicit ReleaseContext(const Snapshot& s);

  const Snapshot& snap;
  const api::Release& rel;
  const api::ReleaseSpec& spec;
  const api::Time now;  // whole seconds: what survives a status round trip
  api::ReleaseStatus st;
  std::vector<Action> actions;
  std::vector<Completion> completions;
  std::optional<Millis> requeue;
  // Set when progress needs a human although the phase says otherwise (analysis unavailable,
  // invalid spec mid-rollout): Stalled=True with this reason and message.
  std::optional<std::pair<std::string, std::string>> stalled;
  std::string waiting;  // why the current step waits, for status.message

  // Derived once per pass by Prechecks (decide.cc).
  bool routed = false;
  std::string canary_name;
  Json version_template;  // the target's template with the Release's changes
  std::string desired_hash;
  Json canary_object;  // BuildCanaryDeployment with replicas 0 (set per EnsureCanary)

  bool pending[static_cast<int>(Request::kCount)] = {};
  bool consumed[static_cast<int>(Request::kCount)] = {};

  void Event(const char* type, std::string reason, std::string message);
  void Requeue(Millis after);
  template <class A>
  void Emit(A action) {
    actions.emplace_back(std::move(action));
  }

  const std::vector<api::CanaryStep>& Steps() const;
  int32_t StepCount() const { return static_cast<int32_t>(Steps().size()); }
  int32_t StepIndex() const;
  std::string StepLabel(int32_t index) const;  // "step 2/5"
  Millis Deadline() const { return std::chrono::seconds(spec.progressDeadlineSeconds); }
  Millis Since(const std::optional<api::Time>& t) const;
};

// requests.cc
void TakeRequests(ReleaseContext& c);
bool Consume(ReleaseContext& c, Request r);
void ReportIgnoredRequests(ReleaseContext& c);
std::string RequestAnnotation(Request r);

// rollout.cc
void ReconcileIdle(ReleaseContext& c);
void StartRollout(ReleaseContext& c, const std::string& why);
bool ReconcileIdentity(ReleaseContext& c);  // false: the rollout ended (superseded, cancelled)
void Supersede(ReleaseContext& c, const std::string& reason, const std::string& why);
void AddHistory(ReleaseContext& c, const char* result, const std::string& reason,
                const std::string& message);
void ResetTraffic(ReleaseContext& c);
// Routed canary: trafficRouting.stableService selects only the target's current pods during a
// rollout (narrowed when it starts), and its own selector again from promotion or when the
// rollout ends (ResetTraffic). Transitions only: emitted in the pass that changes the phase.
void NarrowStableService(ReleaseContext& c);
void WidenStableService(ReleaseContext& c);
void DeleteCanaryIfPresent(ReleaseContext& c);
// Drifted=True with `reason`; an Event when the condition changed (or always_event).
void SetDrifted(ReleaseContext& c, const std::string& reason, const std::string& message,
                bool always_event);
// Drifted=False/InSync with `message`, when it was True.
void ClearDrifted(ReleaseContext& c, const std::string& message);

// canary.cc
void ReconcileCanary(ReleaseContext& c);
int32_t DesiredCanaryReplicasAt(const ReleaseContext& c, int32_t index);

// pause.cc
bool HasPause(const ReleaseContext& c, const char* reason);
// Adds the pause condition `reason` unless present; a "Paused" Event says `why` when `announce`.
bool AddPause(ReleaseContext& c, const char* reason, const std::string& why, bool announce = true);
bool RemovePause(ReleaseContext& c, const char* reason);
bool Blocked(const ReleaseContext& c);  // user pause, spec.paused, inconclusive analysis
enum class StepResult { kDone, kWaiting, kEnded };
StepResult RunPauseStep(ReleaseContext& c, const api::PauseStep& p, bool skip);
void HandlePauseRequests(ReleaseContext& c);
// Why a blocked rollout holds (user pause, spec.paused, inconclusive analysis); "" when not.
std::string PauseMessage(const ReleaseContext& c);

// analysis.cc
StepResult RunAnalysisStep(ReleaseContext& c, int32_t index, const api::AnalysisRef& ref,
                           bool skip);
bool ReconcileBackgroundAnalysis(ReleaseContext& c);  // false: rolled back
void AcceptInconclusive(ReleaseContext& c);
// An analysis run `name` that blocks until it decides (steps, blue-green's pre/post-promotion);
// `label` names it in messages. skip (ferry.dev/promote) concludes it as Successful.
StepResult RunNamedAnalysis(ReleaseContext& c, const std::string& name, const std::string& label,
                            const api::AnalysisRef& ref, bool skip);
inline constexpr char kPrePromotionRun[] = "pre-promotion";
inline constexpr char kPostPromotionRun[] = "post-promotion";
void EmitRunningAnalyses(ReleaseContext& c);
// Ends Running runs with the rollout; `finished` (promotion) concludes the background run as
// Successful, as analysis::DecideRun does for a terminated run.
void StopAnalyses(ReleaseContext& c, const std::string& why, bool finished = false);

// promotion.cc
// What promotion and blue-green say of the target until it carries the new template.
inline constexpr char kApplyingTemplate[] = "applying the new template";
void StartPromotion(ReleaseContext& c, const std::string& why);
void ReconcilePromotion(ReleaseContext& c);
// The target rolled out: history Promoted, canary removed, Healthy.
void CompletePromotion(ReleaseContext& c);

// bluegreen.cc
void ReconcileBlueGreen(ReleaseContext& c);
// After the switch: points the active Service back at the previous version (Rollback calls it).
void BlueGreenSwitchBack(ReleaseContext& c);
// Idle: once the preview's pods are gone, the Services get their own selectors back.
void GiveBackServices(ReleaseContext& c);

// rollback.cc
void Rollback(ReleaseContext& c, const std::string& reason, const std::string& message,
              bool restore_target);

// status.cc
void FinishStatus(ReleaseContext& c, const api::ReleaseStatus& before);

}  // namespace ferry::release::internal
