// RunPass and JobsToDelete (pass.h) driven through whole runs in a small in-memory world: the
// Jobs a pass creates appear, tests finish them, and every pass starts from the status the
// previous one wrote, as the reconciler does.
#include "operator/controllers/pipeline/pass.h"

#include <gtest/gtest.h>

#include "tests/controllers/pipeline/stage_builders.h"

#include <algorithm>

namespace ferry::pipeline {
namespace {

using testing::T;

// A stage without the git checkout init container.
api::Stage NoCheckout(std::string name, std::vector<std::string> deps = {}, int32_t retries = 0) {
  api::Stage s = testing::S(std::move(name), std::move(deps), retries);
  s.checkout = false;
  return s;
}

constexpr char kRev1[] = "1111111111111111111111111111111111111111";
constexpr char kRev2[] = "2222222222222222222222222222222222222222";

struct World {
  api::Pipeline p;
  std::map<std::string, ObservedJob> jobs;
  api::Time now = T(0);
  std::vector<api::Handoff> handoffs;
  HandoffOutcome handoff_outcome{true, "server", ""};
  PassOutput last;

  World() {
    p.metadata.name = "app";
    p.metadata.namespace_ = "ns";
    p.metadata.uid = "uid-1";
    p.metadata.generation = 1;
    p.spec.source.url = "https://git.example.com/app.git";
    p.spec.stages = {NoCheckout("build"), NoCheckout("lint"), NoCheckout("test", {"build"})};
  }

  PassOutput& Pass() {
    PassInput in;
    in.pipeline = &p;
    in.jobs = jobs;
    in.now = now;
    in.handoff = [this](const api::Handoff& h, const api::PipelineRun&) {
      handoffs.push_back(h);
      return Result<HandoffOutcome>(handoff_outcome);
    };
    auto out = RunPass(in);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
    last = std::move(out.value());
    for (const auto& j : last.create) {
      std::string name = j["metadata"]["name"];
      Json job = j;
      job["status"] = {{"startTime", api::FormatTime(now)}};
      jobs[name] = {job, {}};
    }
    p.status = last.status;
    return last;
  }

  void Finish(const std::string& job, bool ok, const std::string& message = "",
              const std::string& reason = "BackoffLimitExceeded") {
    ASSERT_TRUE(jobs.count(job)) << job;
    Json& j = jobs[job].job;
    Json cond{{"type", ok ? "Complete" : "Failed"}, {"status", "True"},
              {"lastTransitionTime", api::FormatTime(now)}};
    if (!ok) cond["reason"] = reason;
    j["status"]["conditions"] = Json::array({cond});
    if (ok) j["status"]["completionTime"] = api::FormatTime(now);
    Json terminated{{"exitCode", ok ? 0 : 1}, {"message", message},
                    {"finishedAt", api::FormatTime(now)}};
    jobs[job].pods = {Json{{"metadata", {{"creationTimestamp", api::FormatTime(now)}}},
                           {"status",
                            {{"containerStatuses",
                              Json::array({{{"name", "stage"},
                                            {"state", {{"terminated", terminated}}}}})}}}}};
  }

  const api::StageStatus& Stage(const std::string& name) const {
    for (const auto& s : p.status.currentRun->stages) {
      if (s.name == name) return s;
    }
    static api::StageStatus none;
    ADD_FAILURE() << "no stage " << name;
    return none;
  }

  std::vector<std::string> Created() const {
    std::vector<std::string> out;
    for (const auto& j : last.create) out.push_back(j["metadata"]["name"]);
    return out;
  }

  bool HasEvent(const std::string& reason, const std::string& text = "") const {
    return std::any_of(last.events.begin(), last.events.end(), [&](const Notice& n) {
      return n.reason == reason && n.message.find(text) != std::string::npos;
    });
  }

  std::string Condition(const std::string& type) const {
    const api::Condition* c = api::FindCondition(p.status.conditions, type);
    return c ? c->status + "/" + c->reason : "";
  }
};

using Names = std::vector<std::string>;

TEST(Pass, NewRevisionStartsIndependentStagesTogether) {
  World w;
  w.p.spec.source.revision = kRev1;
  w.Pass();
  EXPECT_EQ(w.Created(), (Names{"app-1-build", "app-1-lint"}));
  EXPECT_EQ(w.p.status.phase, api::kRunRunning);
  EXPECT_EQ(w.p.status.lastRunNumber, 1);
  EXPECT_EQ(w.p.status.lastBuiltRevision, kRev1);
  EXPECT_EQ(w.p.status.currentStage, "build,lint");
  EXPECT_EQ(w.Condition(api::kConditionReconciling), "True/Running");
  EXPECT_TRUE(w.HasEvent("RunStarted", "run app-1 started for " + std::string(kRev1)));
  EXPECT_TRUE(w.HasEvent("StageStarted", "job app-1-lint"));
  EXPECT_EQ(w.p.status.observedGeneration, 1);
}

TEST(Pass, RepeatedPassChangesNothingAndCreatesNothing) {
  World w;
  w.p.spec.source.revision = kRev1;
  w.Pass();
  api::PipelineStatus before = w.p.status;
  w.now = T(30);
  w.Pass();
  EXPECT_TRUE(w.last.create.empty());
  EXPECT_TRUE(w.last.events.empty());
  EXPECT_EQ(w.p.status, before);
}

TEST(Pass, VanishedJobIsRecreatedUnderItsName) {
  World w;
  w.p.spec.source.revision = kRev1;
  w.Pass();
  w.jobs.erase("app-1-lint");
  w.Pass();
  EXPECT_EQ(w.Created(), (Names{"app-1-lint"}));
}

TEST(Pass, ResultsFlowIntoLaterStagesAndTheHandoff) {
  World w;
  w.p.spec.stages[2].args = {"--image=registry/app@$(stages.build.result)"};
  api::Handoff h;
  h.releaseRef.name = "app";
  h.image = "registry/app@$(stages.build.result)";
  w.p.spec.handoff = h;
  w.p.spec.source.revision = kRev1;
  w.Pass();
  w.now = T(60);
  w.Finish("app-1-build", true, "sha256:abc\n");
  w.Pass();
  EXPECT_EQ(w.Created(), (Names{"app-1-test"}));
  EXPECT_EQ(w.last.create[0]["spec"]["template"]["spec"]["containers"][0]["args"][0],
            "--image=registry/app@sha256:abc");
  EXPECT_EQ(w.Stage("build").result, "sha256:abc");
  ASSERT_EQ(w.last.stagesEnded.size(), 1u);
  EXPECT_EQ(w.last.stagesEnded[0].seconds, 60);
  w.now = T(90);
  w.Finish("app-1-lint", true);
  w.Finish("app-1-test", true);
  w.Pass();
  ASSERT_EQ(w.handoffs.size(), 1u);
  EXPECT_EQ(w.handoffs[0].image, "registry/app@sha256:abc");
  EXPECT_EQ(w.handoffs[0].version, kRev1);
  EXPECT_EQ(w.p.status.currentRun->handoff->phase, api::kRunSucceeded);
  EXPECT_EQ(w.p.status.phase, api::kRunSucceeded);
  EXPECT_EQ(w.Condition(api::kConditionReady), "True/Succeeded");
  EXPECT_TRUE(w.HasEvent("HandedOff", "Release app set to version"));
  ASSERT_EQ(w.p.status.history.size(), 1u);
  EXPECT_EQ(w.p.status.history[0].phase, api::kRunSucceeded);
  ASSERT_EQ(w.last.runsEnded.size(), 1u);
  EXPECT_EQ(w.last.runsEnded[0].seconds, 90);
  // Done: a further pass hands off nothing again.
  w.Pass();
  EXPECT_EQ(w.handoffs.size(), 1u);
  EXPECT_TRUE(w.last.events.empty());
}

TEST(Pass, FailedHandoffFailsTheRun) {
  World w;
  api::Handoff h;
  h.releaseRef.name = "missing";
  h.image = "registry/app:$(revision)";
  w.p.spec.handoff = h;
  w.p.spec.stages = {NoCheckout("build")};
  w.p.spec.source.revision = kRev1;
  w.handoff_outcome = {false, "", "Release ns/missing not found"};
  w.Pass();
  w.Finish("app-1-build", true);
  w.Pass();
  EXPECT_EQ(w.p.status.phase, api::kRunFailed);
  EXPECT_EQ(w.Condition(api::kConditionStalled), "True/HandoffFailed");
  EXPECT_TRUE(w.HasEvent("HandoffFailed", "Release ns/missing not found"));
}

TEST(Pass, FailedStageIsRetriedAsANewJobThenFailsTheRun) {
  World w;
  w.p.spec.stages[0].retries = 1;
  w.p.spec.source.revision = kRev1;
  w.Pass();
  w.now = T(10);
  w.Finish("app-1-build", false, "exit 2");
  w.Pass();
  EXPECT_EQ(w.Created(), (Names{"app-1-build-r2"}));
  EXPECT_TRUE(w.HasEvent(kReasonStageFailed, "job/app-1-build -c "));  // the logs hint
  EXPECT_TRUE(w.HasEvent(kReasonStageFailed, "retrying (attempt 2 of 2)"));
  EXPECT_EQ(w.Stage("build").attempts, 2);
  w.Finish("app-1-lint", true);
  w.Finish("app-1-build-r2", false, "exit 3");
  w.Pass();
  EXPECT_TRUE(w.last.create.empty());
  EXPECT_EQ(w.p.status.phase, api::kRunFailed);
  EXPECT_EQ(w.Stage("test").phase, api::kStageSkipped);
  EXPECT_EQ(w.Condition(api::kConditionStalled), "True/StageFailed");
  EXPECT_NE(w.p.status.message.find("job app-1-build-r2"), std::string::npos);
  EXPECT_NE(w.p.status.message.find("ferry.dev/retry"), std::string::npos);
  EXPECT_TRUE(w.HasEvent("RunFailed"));
  // Retry: a new run of the same revision.
  w.p.metadata.annotations[api::kRequestRetry] = "r1";
  w.Pass();
  EXPECT_EQ(w.p.status.currentRun->id, "app-2");
  EXPECT_EQ(w.p.status.currentRun->revision, kRev1);
  EXPECT_EQ(w.p.status.currentRun->trigger.type, api::kTriggerRetry);
  EXPECT_EQ(w.p.status.lastHandledRequests.retry, "r1");
}

TEST(Pass, RunTimeoutFailsTheRunAndStopsItsJobs) {
  World w;
  w.p.spec.timeout = "10m";
  w.p.spec.source.revision = kRev1;
  w.Pass();
  ASSERT_TRUE(w.last.requeueAfter);
  EXPECT_EQ(*w.last.requeueAfter, std::chrono::minutes(10));
  EXPECT_EQ(w.last.create[0]["spec"]["activeDeadlineSeconds"], 600);
  w.now = T(600);
  w.Pass();
  EXPECT_EQ(w.p.status.phase, api::kRunFailed);
  EXPECT_EQ(w.Condition(api::kConditionStalled), "True/TimedOut");
  EXPECT_EQ(w.Stage("test").phase, api::kStageSkipped);
  EXPECT_EQ(JobsToDelete("app", w.p.status, w.jobs), (Names{"app-1-build", "app-1-lint"}));
}

TEST(Pass, CancelStopsTheRunAndItsActiveJobsOnly) {
  World w;
  w.p.spec.source.revision = kRev1;
  w.Pass();
  w.Finish("app-1-lint", true);
  w.Pass();
  w.p.metadata.annotations[api::kRequestCancel] = "c1";
  w.Pass();
  EXPECT_EQ(w.p.status.phase, api::kRunCancelled);
  EXPECT_EQ(w.Stage("build").phase, api::kRunCancelled);
  EXPECT_EQ(w.Stage("lint").phase, api::kRunSucceeded);
  EXPECT_EQ(w.p.status.lastHandledRequests.cancel, "c1");
  EXPECT_TRUE(w.HasEvent("RunCancelled"));
  EXPECT_EQ(JobsToDelete("app", w.p.status, w.jobs), (Names{"app-1-build"}));
  w.Pass();  // handled once
  EXPECT_TRUE(w.last.events.empty());
}

TEST(Pass, NewRevisionReplacesTheRunningOne) {
  World w;
  w.p.spec.source.revision = kRev1;
  w.Pass();
  w.p.spec.source.revision = kRev2;
  w.Pass();
  EXPECT_EQ(w.p.status.currentRun->id, "app-2");
  EXPECT_EQ(w.p.status.currentRun->revision, kRev2);
  EXPECT_EQ(w.Created(), (Names{"app-2-build", "app-2-lint"}));
  ASSERT_EQ(w.p.status.history.size(), 1u);
  EXPECT_EQ(w.p.status.history[0].phase, api::kRunCancelled);
  EXPECT_TRUE(w.HasEvent("RunReplaced"));
  EXPECT_EQ(JobsToDelete("app", w.p.status, w.jobs), (Names{"app-1-build", "app-1-lint"}));
}

TEST(Pass, QueuePolicyRunsTheNewestRequestNext) {
  World w;
  w.p.spec.concurrencyPolicy = api::kConcurrencyQueue;
  w.p.spec.stages = {NoCheckout("build")};
  w.p.spec.source.revision = kRev1;
  w.Pass();
  w.p.spec.source.revision = kRev2;
  w.Pass();
  EXPECT_TRUE(w.last.create.empty());
  ASSERT_TRUE(w.p.status.pendingRun);
  EXPECT_EQ(w.p.status.pendingRun->revision, kRev2);
  EXPECT_TRUE(w.HasEvent("RunQueued"));
  w.Finish("app-1-build", true);
  w.Pass();
  EXPECT_EQ(w.p.status.currentRun->id, "app-2");
  EXPECT_EQ(w.Created(), (Names{"app-2-build"}));
  EXPECT_FALSE(w.p.status.pendingRun);
  EXPECT_EQ(w.p.status.history[0].phase, api::kRunSucceeded);
}

TEST(Pass, ForbidPolicyDropsTheRequest) {
  World w;
  w.p.spec.concurrencyPolicy = api::kConcurrencyForbid;
  w.p.spec.source.revision = kRev1;
  w.Pass();
  w.p.metadata.annotations[api::kRequestRun] = "n1";
  w.p.metadata.annotations[api::kRunRevisionAnnotation] = kRev2;
  w.Pass();
  EXPECT_EQ(w.p.status.currentRun->id, "app-1");
  EXPECT_TRUE(w.HasEvent("RunDropped", "concurrencyPolicy Forbid"));
  EXPECT_EQ(w.p.status.lastHandledRequests.run, "n1");
  w.Pass();
  EXPECT_TRUE(w.last.events.empty());
}

TEST(Pass, HistoryPruningDeletesTheJobsOfDroppedRuns) {
  World w;
  w.p.spec.historyLimit = 1;
  w.p.spec.stages = {NoCheckout("build")};
  w.p.spec.source.revision = kRev1;
  w.Pass();
  w.Finish("app-1-build", true);
  w.Pass();
  EXPECT_TRUE(JobsToDelete("app", w.p.status, w.jobs).empty());
  w.p.spec.source.revision = kRev2;
  w.Pass();
  w.Finish("app-2-build", true);
  w.Pass();
  ASSERT_EQ(w.p.status.history.size(), 1u);
  EXPECT_EQ(w.p.status.history[0].id, "app-2");
  EXPECT_EQ(JobsToDelete("app", w.p.status, w.jobs), (Names{"app-1-build"}));
}

TEST(Pass, JobsOfRunsNewerThanTheStatusAreKept) {
  World w;
  w.p.spec.source.revision = kRev1;
  w.Pass();
  api::PipelineStatus stale;  // a status read before the run started
  EXPECT_TRUE(JobsToDelete("app", stale, w.jobs).empty());
}

TEST(Pass, EstimatesComeFromHistoryAndShowInStatus) {
  World w;
  w.p.spec.stages = {NoCheckout("build")};
  for (int i = 0; i < 3; ++i) {
    w.p.metadata.annotations[api::kRequestRun] = "n" + std::to_string(i);
    w.Pass();
    w.now += std::chrono::seconds(100);
    w.Finish(w.p.status.currentRun->stages[0].jobName, true);
    w.Pass();
  }
  ASSERT_TRUE(w.last.estimates.count("build"));
  EXPECT_EQ(w.last.estimates.at("build").median, std::chrono::seconds(100));
  w.p.metadata.annotations[api::kRequestRun] = "n9";
  w.Pass();
  ASSERT_TRUE(w.p.status.currentRun->estimatedCompletionTime);
  EXPECT_EQ(*w.p.status.currentRun->estimatedCompletionTime, w.now + std::chrono::seconds(100));
  EXPECT_NE(w.p.status.message.find("estimated completion"), std::string::npos);
}

TEST(Pass, InvalidSpecStallsWithEveryError) {
  World w;
  w.p.spec.stages = {NoCheckout("build", {"nope"})};
  w.Pass();
  EXPECT_EQ(w.Condition(api::kConditionStalled), "True/InvalidSpec");
  EXPECT_NE(w.p.status.message.find("nope"), std::string::npos);
  EXPECT_TRUE(w.last.create.empty());
}

TEST(Pass, BadRunRevisionIsReportedOnce) {
  World w;
  w.p.metadata.annotations[api::kRequestRun] = "n1";
  w.p.metadata.annotations[api::kRunRevisionAnnotation] = "--upload-pack=evil";
  w.Pass();
  EXPECT_FALSE(w.p.status.currentRun);
  EXPECT_TRUE(w.HasEvent("InvalidRequest", "ferry.dev/run-revision"));
  w.Pass();
  EXPECT_TRUE(w.last.events.empty());
}

TEST(Pass, IdleWhenNothingWasAsked) {
  World w;
  w.Pass();
  EXPECT_EQ(w.p.status.phase, api::kPipelineIdle);
  EXPECT_EQ(w.Condition(api::kConditionReady), "True/Idle");
}

}  // namespace
}  // namespace ferry::pipeline
