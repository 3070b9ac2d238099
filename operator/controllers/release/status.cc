// kstatus conditions from the phase: exactly one of Ready, Reconciling, Stalled is True; Paused
// mirrors the phase. Conditions change (and their lastTransitionTime moves) only on real
// transitions, so an unchanged pass writes nothing.
#include <algorithm>

#include "operator/controllers/release/context.h"

namespace ferry::release::internal {

namespace {

void MarkFromPhase(ReleaseContext& c) {
  auto& st = c.st;
  const int64_t gen = c.rel.metadata.generation;
  if (c.stalled) {
    api::MarkStalled(st.conditions, gen, c.stalled->first, c.stalled->second, c.now);
  } else if (st.phase == api::kReleaseHealthy) {
    api::MarkReady(st.conditions, gen, api::kReleaseHealthy, st.message, c.now);
  } else if (st.phase == api::kReleaseRolledBack) {
    api::MarkStalled(st.conditions, gen, st.abort ? st.abort->reason : "RolledBack", st.message,
                     c.now);
  } else {
    api::MarkReconciling(st.conditions, gen, st.phase, st.message, c.now);
  }
  const bool paused = st.phase == api::kReleasePaused;
  api::SetCondition(st.conditions,
                    {kConditionPaused,
                     paused ? api::kConditionTrue : api::kConditionFalse,
                     gen,
                     {},
                     paused ? "Paused" : "NotPaused",
                     paused ? st.message : ""},
                    c.now);
}

}  // namespace

void FinishStatus(ReleaseContext& c, const api::ReleaseStatus& before) {
  if (c.st.phase.empty()) c.st.phase = api::kReleasePending;
  if (c.stalled && c.st.message.empty()) c.st.message = c.stalled->second;
  MarkFromPhase(c);
  // A new stall (one that no transition above already announced) gets its Event here.
  if (c.stalled) {
    const auto* old = api::FindCondition(before.conditions, api::kConditionStalled);
    const bool was = old && old->status == api::kConditionTrue && old->reason == c.stalled->first &&
                     old->message == c.stalled->second;
    const bool announced = std::any_of(c.actions.begin(), c.actions.end(), [&](const Action& a) {
      const auto* e = std::get_if<RecordEvent>(&a);
      return e != nullptr && e->reason == c.stalled->first;
    });
    if (!was && !announced) c.Event(kEventWarning, c.stalled->first, c.stalled->second);
  }
}

}  // namespace ferry::release::internal
