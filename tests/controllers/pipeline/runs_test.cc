#include "operator/controllers/pipeline/runs.h"

#include <gtest/gtest.h>

namespace ferry::pipeline {
namespace {

api::PipelineRun Active(std::string revision, std::string phase = api::kRunRunning) {
  api::PipelineRun r;
  r.id = "churn-model-7";
  r.revision = std::move(revision);
  r.phase = std::move(phase);
  return r;
}

TEST(DecideNewRun, Table) {
  using A = NewRunAction;
  struct Case {
    std::string name;
    std::string policy;
    std::optional<api::PipelineRun> current;
    std::optional<api::PendingRun> pending;
    std::string revision;
    A want;
  };
  api::PendingRun queued;
  queued.revision = "bbb";
  const std::vector<Case> cases = {
      {"idle starts", api::kConcurrencyForbid, std::nullopt, std::nullopt, "aaa", A::kStart},
      {"finished run starts", api::kConcurrencyForbid, Active("aaa", api::kRunFailed), std::nullopt,
       "aaa", A::kStart},
      {"replace", api::kConcurrencyReplace, Active("aaa"), std::nullopt, "bbb", A::kReplace},
      {"queue", api::kConcurrencyQueue, Active("aaa"), std::nullopt, "bbb", A::kQueue},
      {"queue newest wins", api::kConcurrencyQueue, Active("aaa"), queued, "ccc", A::kQueue},
      {"queue same as pending", api::kConcurrencyQueue, Active("aaa"), queued, "bbb",
       A::kAlreadyActive},
      {"forbid drops", api::kConcurrencyForbid, Active("aaa"), std::nullopt, "bbb", A::kDrop},
      {"same revision running", api::kConcurrencyReplace, Active("aaa"), std::nullopt, "aaa",
       A::kAlreadyActive},
      {"pending run counts as active", api::kConcurrencyForbid, Active("aaa", api::kRunPending),
       std::nullopt, "bbb", A::kDrop},
      {"head of ref (no revision) replaces", api::kConcurrencyReplace, Active(""), std::nullopt, "",
       A::kReplace},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(DecideNewRun(c.policy, c.current, c.pending, c.revision), c.want);
  }
}

TEST(Runs, IdsAndSelectors) {
  EXPECT_EQ(RunId("churn-model", 7), "churn-model-7");
  EXPECT_EQ(RunSelector("churn-model", "churn-model-7"),
            "ferry.dev/pipeline=churn-model,ferry.dev/run=churn-model-7");
}

TEST(Summarize, StageDurations) {
  api::PipelineRun r = Active("3f2c9a1", api::kRunFailed);
  r.number = 7;
  r.trigger.type = api::kTriggerWebhook;
  api::Time t0 = api::ParseTime("2026-11-25T10:00:00Z").value();
  api::StageStatus lint;
  lint.name = "lint";
  lint.phase = api::kRunSucceeded;
  lint.startTime = t0;
  lint.completionTime = t0 + std::chrono::seconds(41);
  api::StageStatus build;
  build.name = "build";
  build.phase = api::kStageSkipped;
  r.stages = {lint, build};
  api::RunSummary s = Summarize(r);
  EXPECT_EQ(s.id, "churn-model-7");
  EXPECT_EQ(s.trigger, "Webhook");
  EXPECT_EQ(s.phase, "Failed");
  ASSERT_EQ(s.stages.size(), 2u);
  EXPECT_EQ(s.stages[0], (api::StageSummary{"lint", "Succeeded", 41}));
  EXPECT_EQ(s.stages[1], (api::StageSummary{"build", "Skipped", 0}));
}

TEST(RecordHistory, NewestFirstBoundedReturnsPruned) {
  std::vector<api::RunSummary> h;
  auto run = [](int n) {
    api::RunSummary s;
    s.id = "p-" + std::to_string(n);
    s.number = n;
    return s;
  };
  EXPECT_TRUE(RecordHistory(h, run(1), 2).empty());
  EXPECT_TRUE(RecordHistory(h, run(2), 2).empty());
  EXPECT_EQ(RecordHistory(h, run(3), 2), std::vector<std::string>{"p-1"});
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].id, "p-3");
  EXPECT_EQ(h[1].id, "p-2");
  // Recording the same run again (a retried status write) does not duplicate it.
  EXPECT_TRUE(RecordHistory(h, run(3), 2).empty());
  EXPECT_EQ(h.size(), 2u);
  // A lowered limit prunes several at once.
  EXPECT_EQ(RecordHistory(h, run(4), 1), (std::vector<std::string>{"p-2", "p-3"}));
}

}  // namespace
}  // namespace ferry::pipeline

namespace ferry::pipeline {
namespace {

api::Pipeline Requested(std::map<std::string, std::string> annotations) {
  api::Pipeline p;
  p.metadata.name = "app";
  p.metadata.annotations = std::move(annotations);
  p.spec.source.revision = "aaaaaaa";
  p.status.lastBuiltRevision = "aaaaaaa";
  p.status.lastHandledRequests.run = "old";
  return p;
}

TEST(RequestedRun, Table) {
  struct Case {
    std::string name;
    api::Pipeline p;
    std::optional<RunIntent> want;
    std::string error;
  };
  api::Pipeline spec_changed = Requested({});
  spec_changed.spec.source.revision = "bbbbbbb";
  api::Pipeline retry = Requested({{"ferry.dev/retry", "r1"}});
  api::RunSummary failed;
  failed.phase = api::kRunFailed;
  failed.revision = "ccccccc";
  retry.status.history = {failed};
  api::Pipeline nothing_to_retry = Requested({{"ferry.dev/retry", "r1"}});
  nothing_to_retry.status.history = {api::RunSummary{.phase = api::kRunSucceeded}};
  const std::vector<Case> cases = {
      {"nothing asked", Requested({}), std::nullopt, ""},
      {"handled run nonce", Requested({{"ferry.dev/run", "old"}}), std::nullopt, ""},
      {"manual run of the pinned revision", Requested({{"ferry.dev/run", "n1"}}),
       RunIntent{"aaaaaaa", {api::kTriggerManual, "n1"}}, ""},
      {"webhook run of a pushed commit",
       Requested({{"ferry.dev/run", "d-1"},
                  {"ferry.dev/run-revision", "3f2c9a1"},
                  {"ferry.dev/run-trigger", "Webhook"}}),
       RunIntent{"3f2c9a1", {api::kTriggerWebhook, "d-1"}}, ""},
      {"bad revision", Requested({{"ferry.dev/run", "n"}, {"ferry.dev/run-revision", "-x"}}),
       std::nullopt, "ferry.dev/run-revision: \"-x\" is not a commit id"},
      {"spec revision changed", spec_changed, RunIntent{"bbbbbbb", {api::kTriggerSpec, ""}}, ""},
      {"retry the failed run", retry, RunIntent{"ccccccc", {api::kTriggerRetry, "r1"}}, ""},
      {"retry with nothing failed", nothing_to_retry, std::nullopt, "nothing to retry"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = RequestedRun(c.p);
    if (!c.error.empty()) {
      ASSERT_FALSE(got.ok());
      EXPECT_NE(got.error().message.find(c.error), std::string::npos) << got.error().message;
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got.value(), c.want);
  }
}

TEST(RequestedCancel, OnlyWithAnActiveRun) {
  api::Pipeline p = Requested({{"ferry.dev/cancel", "c1"}});
  EXPECT_EQ(RequestedCancel(p), std::nullopt);
  p.status.currentRun = api::PipelineRun{};
  p.status.currentRun->phase = api::kRunRunning;
  EXPECT_EQ(RequestedCancel(p), "c1");
  p.status.lastHandledRequests.cancel = "c1";
  EXPECT_EQ(RequestedCancel(p), std::nullopt);
}

}  // namespace
}  // namespace ferry::pipeline
