// Outcomes for --wait and their exit codes, "waiting for" lines, and action patches.
#include <gtest/gtest.h>

#include "operator/plugin/state.h"
#include "tests/plugin/fixtures.h"

namespace ferry::plugin {
namespace {

using testing::Ago;
using testing::CanaryRelease;
using testing::Now;
using testing::RunningPipeline;

TEST(ReleaseOutcome, ByPhaseGenerationRequestsAndAbort) {
  struct Case {
    std::string name;
    std::function<void(api::Release&)> change;
    Outcome want;
    std::string summary;
  };
  const Case cases[] = {
      {"paused", [](auto&) {}, Outcome::kInProgress, "Paused"},
      {"healthy", [](auto& r) { r.status.phase = api::kReleaseHealthy; r.status.stable.version = "v7"; },
       Outcome::kSucceeded, "Healthy: v7 is stable"},
      {"rolled back", [](auto& r) { r.status.phase = api::kReleaseRolledBack; r.status.message = "error-rate failed"; },
       Outcome::kFailed, "RolledBack: error-rate failed"},
      {"failed", [](auto& r) { r.status.phase = api::kReleaseFailed; }, Outcome::kFailed, "Failed"},
      {"aborted", [](auto& r) { r.status.abort = api::AbortStatus{"UserAbort", "by kubectl ferry", std::nullopt}; },
       Outcome::kFailed, "Aborted: UserAbort by kubectl ferry"},
      {"healthy but spec changed since",
       [](auto& r) { r.status.phase = api::kReleaseHealthy; r.metadata.generation = 4; },
       Outcome::kInProgress, "waiting for the operator to observe generation 4"},
      {"rolled back but retry requested",
       [](auto& r) { r.status.phase = api::kReleaseRolledBack; r.metadata.annotations[api::kRequestRetry] = "n2"; },
       Outcome::kInProgress, "a request awaits the operator"},
      {"retry already handled",
       [](auto& r) {
         r.status.phase = api::kReleaseRolledBack;
         r.metadata.annotations[api::kRequestRetry] = "n2";
         r.status.lastHandledRequests.retry = "n2";
       },
       Outcome::kFailed, "RolledBack"},
  };
  for (const auto& c : cases) {
    api::Release r = CanaryRelease();
    c.change(r);
    Verdict v = ReleaseOutcome(r);
    EXPECT_EQ(v.outcome, c.want) << c.name;
    EXPECT_EQ(v.summary, c.summary) << c.name;
  }
  EXPECT_EQ(ExitCodeFor(Outcome::kSucceeded), kExitOk);
  EXPECT_EQ(ExitCodeFor(Outcome::kFailed), kExitRolloutFailed);
}

TEST(PipelineOutcome, CurrentRunQueuedRequestsAndLastRun) {
  api::Pipeline p = RunningPipeline();
  EXPECT_EQ(PipelineOutcome(p), (Verdict{Outcome::kInProgress, "run churn-model-12 Running"}));
  p.status.currentRun.reset();
  EXPECT_EQ(PipelineOutcome(p).summary, "no run yet");
  p.status.history.push_back({"churn-model-12", 12, "3f2c9a1", "Webhook", api::kRunFailed, "build failed"});
  EXPECT_EQ(PipelineOutcome(p), (Verdict{Outcome::kFailed, "run churn-model-12 Failed: build failed"}));
  p.metadata.annotations[api::kRequestRun] = "n1";
  EXPECT_EQ(PipelineOutcome(p).outcome, Outcome::kInProgress);
  p.status.lastHandledRequests.run = "n1";
  p.status.history.insert(p.status.history.begin(), {"churn-model-13", 13, "3f2c9a1", "Manual", api::kRunSucceeded});
  EXPECT_EQ(PipelineOutcome(p), (Verdict{Outcome::kSucceeded, "run churn-model-13 Succeeded"}));
  p.status.history.front().phase = api::kRunCancelled;
  EXPECT_EQ(PipelineOutcome(p).outcome, Outcome::kFailed);
}

// The controller keeps a finished run in status.currentRun: its phase is the outcome.
TEST(PipelineOutcome, FinishedCurrentRunDecides) {
  api::Pipeline p = RunningPipeline();
  p.status.currentRun->phase = api::kRunSucceeded;
  EXPECT_EQ(PipelineOutcome(p), (Verdict{Outcome::kSucceeded, "run churn-model-12 Succeeded"}));
  EXPECT_EQ(PipelineWaitingFor(p), "");
  p.status.currentRun->phase = api::kRunFailed;
  p.status.currentRun->message = "stage build failed";
  EXPECT_EQ(PipelineOutcome(p),
            (Verdict{Outcome::kFailed, "run churn-model-12 Failed: stage build failed"}));
  p.status.pendingRun = api::PendingRun{};
  EXPECT_EQ(PipelineOutcome(p), (Verdict{Outcome::kInProgress, "a run is queued"}));
}

TEST(ReleaseWaitingFor, SaysWhatAndHowToUnblock) {
  api::Release r = CanaryRelease();
  EXPECT_EQ(ReleaseWaitingFor(r, Now()),
            "pause step: 3m of 5m left (skip: kubectl ferry promote churn-model)");
  r.spec.strategy.canary->steps[1].pause->duration.reset();
  EXPECT_EQ(ReleaseWaitingFor(r, Now()), "promotion: kubectl ferry promote churn-model");
  r.status.pauseConditions = {{api::kPauseUser, Ago(5)}};
  EXPECT_EQ(ReleaseWaitingFor(r, Now()), "resume: kubectl ferry resume churn-model");
  r.spec.paused = true;
  EXPECT_EQ(ReleaseWaitingFor(r, Now()), "spec.paused is true (set in git; change it there)");
  r = CanaryRelease();
  r.status.pauseConditions.clear();
  r.status.phase = api::kReleaseProgressing;
  api::AnalysisRunStatus run;
  run.name = "churn-model-step-2";
  run.phase = api::kAnalysisRunning;
  api::MetricResult m;
  m.name = "error-rate";
  m.count = 3;
  run.metrics = {m};
  r.status.analysisRuns = {run};
  EXPECT_EQ(ReleaseWaitingFor(r, Now()), "analysis churn-model-step-2 (error-rate 3 measurements)");
  r.status.analysisRuns.clear();
  r.status.canary->readyReplicas = 0;
  EXPECT_EQ(ReleaseWaitingFor(r, Now()), "canary replicas ready 0/1");
  r.status.phase = api::kReleaseHealthy;
  EXPECT_EQ(ReleaseWaitingFor(r, Now()), "");
}

TEST(PipelineWaitingFor, RunningStagesOrQueue) {
  api::Pipeline p = RunningPipeline();
  EXPECT_EQ(PipelineWaitingFor(p), "stages build");
  p.status.currentRun.reset();
  p.status.pendingRun = api::PendingRun{"abc123"};
  EXPECT_EQ(PipelineWaitingFor(p), "queued run of abc123");
  p.status.pendingRun.reset();
  EXPECT_EQ(PipelineWaitingFor(p), "");
}

TEST(ActionFor, EachCommandOnItsKinds) {
  struct Case {
    Command c;
    Kind kind;
    bool full;
    std::optional<std::string> annotation;
  };
  const Case cases[] = {
      {Command::kPromote, Kind::kRelease, false, "ferry.dev/promote"},
      {Command::kPromote, Kind::kRelease, true, "ferry.dev/promote-full"},
      {Command::kAbort, Kind::kRelease, false, "ferry.dev/abort"},
      {Command::kRetry, Kind::kRelease, false, "ferry.dev/retry"},
      {Command::kRetry, Kind::kPipeline, false, "ferry.dev/retry"},
      {Command::kPause, Kind::kRelease, false, "ferry.dev/pause"},
      {Command::kResume, Kind::kRelease, false, "ferry.dev/resume"},
      {Command::kRun, Kind::kPipeline, false, "ferry.dev/run"},
      {Command::kCancel, Kind::kPipeline, false, "ferry.dev/cancel"},
      {Command::kAbort, Kind::kPipeline, false, std::nullopt},
      {Command::kPromote, Kind::kPipeline, false, std::nullopt},
      {Command::kRun, Kind::kRelease, false, std::nullopt},
      {Command::kCancel, Kind::kRelease, false, std::nullopt},
      {Command::kGet, Kind::kRelease, false, std::nullopt},
  };
  for (const auto& c : cases) {
    auto a = ActionFor(c.c, c.kind, c.full);
    EXPECT_EQ(a ? std::optional(a->annotation) : std::nullopt, c.annotation)
        << CommandName(c.c) << " " << static_cast<int>(c.kind);
  }
  EXPECT_EQ(ActionFor(Command::kPromote, Kind::kRelease, true)->handled_field, "promoteFull");
}

TEST(ActionPatch, OnlyTheAnnotation) {
  auto promote = *ActionFor(Command::kPromote, Kind::kRelease, false);
  EXPECT_EQ(ActionPatch(promote, "n1", ""),
            nlohmann::json::parse(R"({"metadata":{"annotations":{"ferry.dev/promote":"n1"}}})"));
  auto run = *ActionFor(Command::kRun, Kind::kPipeline, false);
  EXPECT_EQ(ActionPatch(run, "n2", "3f2c9a1"), nlohmann::json::parse(R"({"metadata":{"annotations":{
      "ferry.dev/run":"n2","ferry.dev/run-revision":"3f2c9a1","ferry.dev/run-trigger":null}}})"));
  // Without --revision a stale run-revision from an earlier request is removed.
  EXPECT_EQ(ActionPatch(run, "n3", ""), nlohmann::json::parse(R"({"metadata":{"annotations":{
      "ferry.dev/run":"n3","ferry.dev/run-revision":null,"ferry.dev/run-trigger":null}}})"));
}

TEST(MakeNonce, TimeAndRandomHex) {
  EXPECT_EQ(MakeNonce(Now(), 0xbadcafe), "2026-11-25T10:00:00Z-0badcafe");
  EXPECT_NE(MakeNonce(Now(), 1), MakeNonce(Now(), 2));
}

TEST(Acknowledged, ComparesTheHandledField) {
  auto full = *ActionFor(Command::kPromote, Kind::kRelease, true);
  auto obj = nlohmann::json::parse(R"({"status":{"lastHandledRequests":{"promote":"n1","promoteFull":"n2"}}})");
  EXPECT_TRUE(Acknowledged(obj, full, "n2"));
  EXPECT_FALSE(Acknowledged(obj, full, "n1"));
  EXPECT_FALSE(Acknowledged(nlohmann::json::object(), full, "n2"));
  EXPECT_FALSE(Acknowledged(nlohmann::json::parse(R"({"status":null})"), full, "n2"));
}

}  // namespace
}  // namespace ferry::plugin
