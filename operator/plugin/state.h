// What the plugin decides from decoded objects (pure, no I/O): whether a rollout or run has
// ended and how (for `status --wait` and its exit code), what a rollout is waiting for, and the
// imperative actions as merge patches of one annotation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "operator/api/pipeline_types.h"
#include "operator/api/release_types.h"
#include "operator/plugin/options.h"

namespace ferry::plugin {

enum class Outcome { kInProgress, kSucceeded, kFailed };

struct Verdict {
  Outcome outcome = Outcome::kInProgress;
  std::string summary;  // one line: "Healthy: v7 serves 100%", "RolledBack: analysis failed ..."
  bool operator==(const Verdict&) const = default;
};

// A Release has ended when the operator has observed its current generation and handled every
// request annotation: Healthy -> kSucceeded; RolledBack, Failed or status.abort -> kFailed.
Verdict ReleaseOutcome(const api::Release& r);
// A Pipeline's latest run: kInProgress while a run is current or queued, or a run request is not
// yet handled; then the newest history entry decides (Succeeded -> kSucceeded, Failed or
// Cancelled -> kFailed). A Pipeline that never ran is kInProgress (waiting for its first run).
Verdict PipelineOutcome(const api::Pipeline& p);

// The exit code of `status --wait` for an outcome (kExitOk or kExitRolloutFailed).
int ExitCodeFor(Outcome o);

// What the rollout is waiting for, for a human: "promotion: kubectl ferry promote churn-model",
// "pause step: 3m20s left", "analysis step-2 (error-rate 3/5 measurements)", "canary replicas
// ready 1/2", "spec.paused is true (set in git)", ... ; "" when nothing (ended).
std::string ReleaseWaitingFor(const api::Release& r, api::Time now);
// "stages build, test running", "queued run of abc123 (concurrencyPolicy Queue)", "".
std::string PipelineWaitingFor(const api::Pipeline& p);

// An imperative action: the annotation set and the status.lastHandledRequests field that
// acknowledges it.
struct Action {
  std::string verb;          // as printed: "promote", "promote --full", "run"
  std::string annotation;    // "ferry.dev/promote"
  std::string handled_field; // "promote", "promoteFull", ...
};

// The action of an action command on a kind (kRelease or kPipeline); nullopt when the command is
// not an action of that kind (e.g. abort on a Pipeline).
std::optional<Action> ActionFor(Command c, Kind kind, bool full);

// The merge patch of an action: {"metadata":{"annotations":{annotation: nonce}}}. A pipeline run
// also sets ferry.dev/run-revision to `revision`, or removes a stale one (null) when empty, and
// removes ferry.dev/run-trigger (a manual run).
nlohmann::json ActionPatch(const Action& a, std::string_view nonce, std::string_view revision);

// A fresh nonce: RFC 3339 time, '-', 8 hex digits of `random` ("2026-11-25T10:00:00Z-0badcafe").
std::string MakeNonce(api::Time now, uint32_t random);

// status.lastHandledRequests.<handled_field> of a raw object equals `nonce`.
bool Acknowledged(const nlohmann::json& obj, const Action& a, std::string_view nonce);

}  // namespace ferry::plugin
