// Run bookkeeping, pure: ids, what a new revision does to a running run (spec.concurrencyPolicy),
// the finished-run summary kept in status.history, and history pruning (whose Jobs to delete).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/api/pipeline_types.h"

namespace ferry::pipeline {

// "<pipeline>-<number>", the value of the ferry.dev/run label and $(run.id).
std::string RunId(std::string_view pipeline, int64_t number);

// The label selector of a run's Jobs (and Pods): "ferry.dev/pipeline=P,ferry.dev/run=ID".
std::string RunSelector(std::string_view pipeline, std::string_view run_id);

// A run someone asked for: what to build and why.
struct RunIntent {
  std::string revision;  // empty: the head of spec.source.ref
  api::RunTrigger trigger;
  bool operator==(const RunIntent&) const = default;
};

// The run requested now, in order of precedence: an unhandled ferry.dev/run annotation (with
// ferry.dev/run-revision, else spec.source.revision; ferry.dev/run-trigger Webhook or Manual), an
// unhandled ferry.dev/retry (the newest failed or cancelled run's revision), or a
// spec.source.revision that differs from status.lastBuiltRevision (trigger Spec). nullopt when
// nothing is asked. An error names the annotation to fix (a revision that is not a commit id, a
// retry with nothing to retry); the reconciler reports it in an Event and marks the nonce handled.
Result<std::optional<RunIntent>> RequestedRun(const api::Pipeline& pipeline);

// The nonce of an unhandled ferry.dev/cancel, when a run is active to cancel.
std::optional<std::string> RequestedCancel(const api::Pipeline& pipeline);

enum class NewRunAction {
  kStart,          // nothing runs: start it now
  kReplace,        // Replace: cancel the running run (delete its Jobs), then start it
  kQueue,          // Queue: record it in status.pendingRun (replacing an older pending one)
  kDrop,           // Forbid: drop it, with an Event saying so
  kAlreadyActive,  // the running (or pending) run already builds this revision: nothing to do
};

// What a request for a run of `revision` does, given the run in progress (if any) and the queued
// one. An unknown policy is treated as the default Replace (validation rejects it before).
NewRunAction DecideNewRun(std::string_view policy, const std::optional<api::PipelineRun>& current,
                          const std::optional<api::PendingRun>& pending, std::string_view revision);

// True while a run still has work (Pending or Running).
bool IsRunActive(const api::PipelineRun& run);

// The history entry of a finished run: its phase, times, and per stage the phase and duration
// (completion - start in whole seconds; 0 for stages that never started).
api::RunSummary Summarize(const api::PipelineRun& run);

// Inserts `summary` at the front of `history` (newest first), drops entries beyond `limit`
// (at least 1) and returns the ids of the dropped runs, oldest first: the reconciler deletes their
// Jobs (RunSelector) so finished Jobs do not pile up in etcd.
std::vector<std::string> RecordHistory(std::vector<api::RunSummary>& history,
                                       api::RunSummary summary, int32_t limit);

}  // namespace ferry::pipeline
