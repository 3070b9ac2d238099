#include "operator/controllers/pipeline/runs.h"

#include <algorithm>
#include <chrono>

#include "operator/api/validation.h"
#include "operator/controllers/pipeline/job_builder.h"

namespace ferry::pipeline {

std::string RunId(std::string_view pipeline, int64_t number) {
  return std::string(pipeline) + "-" + std::to_string(number);
}

std::string RunSelector(std::string_view pipeline, std::string_view run_id) {
  return std::string(kLabelPipeline) + "=" + LabelValue(pipeline) + "," + kLabelRun + "=" +
         LabelValue(run_id);
}

Result<std::optional<RunIntent>> RequestedRun(const api::Pipeline& p) {
  const auto& handled = p.status.lastHandledRequests;
  if (auto nonce = api::PendingRequest(p.metadata, api::kRequestRun, handled.run)) {
    const auto& ann = p.metadata.annotations;
    auto rev = ann.find(api::kRunRevisionAnnotation);
    std::string revision = rev != ann.end() ? rev->second : p.spec.source.revision;
    if (!revision.empty() && !IsCommitId(revision)) {
      return Error{std::string(api::kRunRevisionAnnotation) + ": " + api::Quote(revision) +
                   " is not a commit id (7 to 64 lower-case hex digits)"};
    }
    auto trig = ann.find(api::kRunTriggerAnnotation);
    bool webhook = trig != ann.end() && trig->second == api::kTriggerWebhook;
    return std::optional<RunIntent>(
        RunIntent{revision, {webhook ? api::kTriggerWebhook : api::kTriggerManual, *nonce}});
  }
  if (auto nonce = api::PendingRequest(p.metadata, api::kRequestRetry, handled.retry)) {
    const auto& h = p.status.history;  // newest first: only the newest run may be retried
    if (!h.empty() &&
        (h.front().phase == api::kRunFailed || h.front().phase == api::kRunCancelled)) {
      return std::optional<RunIntent>(RunIntent{h.front().revision, {api::kTriggerRetry, *nonce}});
    }
    return Error{std::string(api::kRequestRetry) +
                 ": the last run did not fail and was not cancelled; there is nothing to retry"};
  }
  const std::string& pinned = p.spec.source.revision;
  if (!pinned.empty() && pinned != p.status.lastBuiltRevision) {
    return std::optional<RunIntent>(RunIntent{pinned, {api::kTriggerSpec, ""}});
  }
  return std::optional<RunIntent>();
}

std::optional<std::string> RequestedCancel(const api::Pipeline& p) {
  if (!p.status.currentRun || !IsRunActive(*p.status.currentRun)) return std::nullopt;
  return api::PendingRequest(p.metadata, api::kRequestCancel, p.status.lastHandledRequests.cancel);
}

bool IsRunActive(const api::PipelineRun& run) {
  return run.phase.empty() || run.phase == api::kRunPending || run.phase == api::kRunRunning;
}

NewRunAction DecideNewRun(std::string_view policy, const std::optional<api::PipelineRun>& current,
                          const std::optional<api::PendingRun>& pending,
                          std::string_view revision) {
  bool active = current && IsRunActive(*current);
  if (!active) return NewRunAction::kStart;
  if (!revision.empty() && current->revision == revision) return NewRunAction::kAlreadyActive;
  if (policy == api::kConcurrencyQueue) {
    if (pending && !revision.empty() && pending->revision == revision) {
      return NewRunAction::kAlreadyActive;
    }
    return NewRunAction::kQueue;
  }
  if (policy == api::kConcurrencyForbid) return NewRunAction::kDrop;
  return NewRunAction::kReplace;
}

api::RunSummary Summarize(const api::PipelineRun& run) {
  api::RunSummary s;
  s.id = run.id;
  s.number = run.number;
  s.revision = run.revision;
  s.trigger = run.trigger.type;
  s.phase = run.phase;
  s.message = run.message;
  s.startTime = run.startTime;
  s.completionTime = run.completionTime;
  for (const auto& st : run.stages) {
    int64_t secs = 0;
    if (st.startTime && st.completionTime && *st.completionTime > *st.startTime) {
      secs = std::chrono::duration_cast<std::chrono::seconds>(*st.completionTime - *st.startTime)
                 .count();
    }
    s.stages.push_back({st.name, st.phase, secs});
  }
  return s;
}

std::vector<std::string> RecordHistory(std::vector<api::RunSummary>& history,
                                       api::RunSummary summary, int32_t limit) {
  history.erase(std::remove_if(history.begin(), history.end(),
                               [&](const api::RunSummary& r) { return r.id == summary.id; }),
                history.end());
  history.insert(history.begin(), std::move(summary));
  size_t keep = static_cast<size_t>(std::max<int32_t>(limit, 1));
  std::vector<std::string> dropped;
  while (history.size() > keep) {
    dropped.push_back(history.back().id);
    history.pop_back();
  }
  return dropped;
}

}  // namespace ferry::pipeline
