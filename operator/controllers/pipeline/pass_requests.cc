// RunPass (pass.h): ferry.dev/cancel, requested runs and spec.concurrencyPolicy.
#include <string>

#include "operator/controllers/pipeline/pass_internal.h"

namespace ferry::pipeline::detail {

namespace {


std::string Describe(const RunIntent& intent) {
  std::string rev = intent.revision.empty() ? "the head of the ref" : intent.revision;
  return rev + " (trigger " + intent.trigger.type + ")";
}

}  // namespace

void Pass::HandleCancel() {
  if (auto nonce = RequestedCancel(p_)) {
    st_.lastHandledRequests.cancel = *nonce;
    std::string msg = "cancelled by the ferry.dev/cancel request";
    StopRun(*st_.currentRun, api::kRunCancelled, api::kRunCancelled, msg);
    Event(kNormal, "RunCancelled", "run " + st_.currentRun->id + " " + msg);
    if (st_.pendingRun) {
      Event(kNormal, "QueuedRunDropped",
            "the queued run of " + st_.pendingRun->revision + " was dropped with the cancel");
      st_.pendingRun.reset();
    }
    FinishRun();
    return;
  }
  if (auto nonce = api::PendingRequest(p_.metadata, api::kRequestCancel,
                                       st_.lastHandledRequests.cancel)) {
    st_.lastHandledRequests.cancel = *nonce;
    if (st_.pendingRun) {
      Event(kNormal, "QueuedRunDropped",
            "the queued run of " + st_.pendingRun->revision + " was cancelled");
      st_.pendingRun.reset();
    } else {
      Event(kNormal, "NothingToCancel", "ferry.dev/cancel: no run is in progress");
    }
  }
}

void Pass::MarkHandled(const RunIntent& intent) {
  const std::string& type = intent.trigger.type;
  if (type == api::kTriggerSpec) {
    st_.lastBuiltRevision = intent.revision;
  } else if (type == api::kTriggerRetry) {
    st_.lastHandledRequests.retry = intent.trigger.request;
  } else {
    st_.lastHandledRequests.run = intent.trigger.request;
  }
}

void Pass::HandleRunRequest() {
  if (p_.spec.suspend) return;  // requests wait until spec.suspend is false again
  auto requested = RequestedRun(p_);
  if (!requested.ok()) {
    // Mark the offending nonce handled so the same bad request is reported once.
    auto run = api::PendingRequest(p_.metadata, api::kRequestRun, st_.lastHandledRequests.run);
    if (run) {
      st_.lastHandledRequests.run = *run;
    } else if (auto retry = api::PendingRequest(p_.metadata, api::kRequestRetry,
                                                st_.lastHandledRequests.retry)) {
      st_.lastHandledRequests.retry = *retry;
    }
    Event(kWarning, "InvalidRequest", requested.error().message);
    return;
  }
  if (!requested.value()) return;
  const RunIntent intent = *requested.value();
  MarkHandled(intent);
  const auto& policy = p_.spec.concurrencyPolicy;
  switch (DecideNewRun(policy, st_.currentRun, st_.pendingRun, intent.revision)) {
    case NewRunAction::kStart:
      StartRun(intent);
      return;
    case NewRunAction::kReplace: {
      std::string id = st_.currentRun->id;
      StopRun(*st_.currentRun, api::kRunCancelled, api::kRunCancelled,
              "replaced by a run of " + Describe(intent) + " (concurrencyPolicy Replace)");
      Event(kNormal, "RunReplaced",
            "run " + id + " cancelled: a run of " + Describe(intent) + " replaces it");
      FinishRun();
      StartRun(intent);
      return;
    }
    case NewRunAction::kQueue: {
      if (st_.pendingRun) {
        Event(kNormal, "QueuedRunReplaced",
              "the queued run of " + st_.pendingRun->revision + " is replaced by a newer request");
      }
      st_.pendingRun = api::PendingRun{intent.revision, intent.trigger, now_};
      Event(kNormal, "RunQueued",
            "a run of " + Describe(intent) + " waits for run " + st_.currentRun->id +
                " (concurrencyPolicy Queue)");
      return;
    }
    case NewRunAction::kDrop:
      Event(kWarning, "RunDropped",
            "a run of " + Describe(intent) + " was not started: run " + st_.currentRun->id +
                " is in progress (concurrencyPolicy Forbid); request it again when it ends");
      return;
    case NewRunAction::kAlreadyActive:
      return;
  }
}

void Pass::StartRun(const RunIntent& intent) {
  const int64_t number = st_.lastRunNumber + 1;
  st_.lastRunNumber = number;
  st_.currentRun = NewRun(p_, number, intent.revision, p_.spec.source.ref, intent.trigger, now_);
  Event(kNormal, "RunStarted",
        "run " + st_.currentRun->id + " started for " + Describe(intent));
}

void Pass::StartQueued() {
  api::PendingRun pending = std::move(*st_.pendingRun);
  st_.pendingRun.reset();
  StartRun(RunIntent{pending.revision, pending.trigger});
}

}  // namespace ferry::pipeline::detail
