// The reconciler contract (controller-runtime's reconcile.Reconciler), enforced in one place:
// Controller::ProcessResult (controller.cc), via the pure DecideRequeue below.
//
// Reconcile(request) makes the world match the object named by request.namespace_/name. It is
// level-based: the request carries only the key, never the event that caused it, so the
// reconciler reads the current state from the cache and acts on it. Many events for one key
// collapse into one reconcile, and a key is never reconciled by two workers at once.
//
// What the returned outcome does:
//   error (not terminal)       the key is re-queued rate-limited (per-key exponential backoff
//                              5 ms .. 1000 s combined with a 10 qps / 100 burst bucket);
//                              counted as result="error" and in ferry_reconcile_errors_total.
//   error with terminal=true   logged and counted (ferry_terminal_reconcile_errors_total), NOT
//                              retried: only a new event for the object reconciles it again.
//                              Use it for what only a user can fix (invalid spec).
//   requeue_after > 0          the backoff is forgotten and the key is added again after exactly
//                              that delay (result="requeue_after"): polling a rollout step.
//   requeue == true            re-queued rate-limited without an error (result="requeue").
//   otherwise                  success: the backoff of the key is forgotten (result="success").
// An exception escaping Reconcile is caught, logged, counted (ferry_reconcile_panics_total) and
// treated as a non-terminal error: it never takes the process down.
#pragma once

#include <string>

#include "operator/base/clock.h"
#include "operator/base/result.h"
#include "operator/metrics/hooks.h"

namespace ferry::controller {

struct Request {
  std::string namespace_;
  std::string name;

  // "namespace/name" (or "name" when cluster-scoped): the work queue key.
  std::string Key() const { return namespace_.empty() ? name : namespace_ + "/" + name; }
  static Request FromKey(const std::string& key);
  friend bool operator==(const Request&, const Request&) = default;
};

struct ReconcileResult {
  bool requeue = false;
  Clock::Duration requeue_after = Clock::Duration::zero();
};

struct ReconcileError {
  std::string message;
  bool terminal = false;
};

// An error that retrying cannot fix.
inline ReconcileError TerminalError(std::string message) { return {std::move(message), true}; }

using ReconcileOutcome = ferry::Result<ReconcileResult, ReconcileError>;

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  virtual ReconcileOutcome Reconcile(const Request& request) = 0;
};

// What the worker does with a key after Reconcile returned `outcome`. Pure.
enum class QueueAction { kForget, kAddRateLimited, kForgetAndAddAfter, kDrop };
struct RequeueDecision {
  QueueAction action;
  Clock::Duration after = Clock::Duration::zero();  // for kForgetAndAddAfter
  metrics::ReconcileResultKind result;
  bool terminal = false;
};
RequeueDecision DecideRequeue(const ReconcileOutcome& outcome);

}  // namespace ferry::controller
