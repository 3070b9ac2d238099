#include "operator/runtime/controller/reconciler.h"

namespace ferry::controller {

Request Request::FromKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

RequeueDecision DecideRequeue(const ReconcileOutcome& outcome) {
  using metrics::ReconcileResultKind;
  if (!outcome.ok()) {
    if (outcome.error().terminal) {
      return {QueueAction::kDrop, {}, ReconcileResultKind::kError, true};
    }
    return {QueueAction::kAddRateLimited, {}, ReconcileResultKind::kError, false};
  }
  const auto& r = outcome.value();
  if (r.requeue_after > Clock::Duration::zero()) {
    return {QueueAction::kForgetAndAddAfter, r.requeue_after, ReconcileResultKind::kRequeueAfter};
  }
  if (r.requeue) return {QueueAction::kAddRateLimited, {}, ReconcileResultKind::kRequeue};
  return {QueueAction::kForget, {}, ReconcileResultKind::kSuccess};
}

}  // namespace ferry::controller
