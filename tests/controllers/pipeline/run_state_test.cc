#include "operator/controllers/pipeline/run_state.h"

#include <gtest/gtest.h>

#include "tests/controllers/pipeline/stage_builders.h"

namespace ferry::pipeline {
namespace {

using testing::S;
using testing::T;

api::Pipeline AppPipeline() {
  api::Pipeline p;
  p.metadata.name = "app";
  p.metadata.namespace_ = "ns";
  p.spec.source.url = "https://git.example.com/app.git";
  p.spec.stages = {S("build", {}, 1), S("test", {"build"}), S("lint")};
  return p;
}

ObservedJob Done(const std::string& name, bool ok, const std::string& message = "") {
  Json job = {{"metadata", {{"name", name}, {"namespace", "ns"}}},
              {"status",
               {{"startTime", "2026-11-25T10:00:05Z"},
                {"conditions", Json::array({{{"type", ok ? "Complete" : "Failed"},
                                             {"status", "True"},
                                             {"reason", ok ? "" : "BackoffLimitExceeded"},
                                             {"lastTransitionTime", "2026-11-25T10:01:00Z"}}})}}}};
  Json pod = {
      {"metadata", {{"creationTimestamp", "2026-11-25T10:00:01Z"}}},
      {"status",
       {{"containerStatuses",
         Json::array(
             {{{"name", "stage"},
               {"state", {{"terminated", {{"exitCode", ok ? 0 : 1}, {"message", message}}}}}}})}}}};
  return {job, {pod}};
}

ObservedJob Running(const std::string& name) {
  return {{{"metadata", {{"name", name}}}, {"status", {{"startTime", "2026-11-25T10:00:05Z"}}}},
          {}};
}

TEST(RunState, NewRunHasEveryStagePending) {
  api::PipelineRun run = NewRun(AppPipeline(), 4, "abc1234", "main", {api::kTriggerSpec, ""}, T(0));
  EXPECT_EQ(run.id, "app-4");
  EXPECT_EQ(run.phase, api::kRunPending);
  ASSERT_EQ(run.stages.size(), 3u);
  EXPECT_EQ(run.stages[1].name, "test");
  EXPECT_EQ(run.stages[1].phase, api::kRunPending);
}

TEST(RunState, FullRunWithRetryCrashAndResults) {
  api::Pipeline p = AppPipeline();
  api::PipelineRun run = NewRun(p, 4, "abc1234", "main", {api::kTriggerWebhook, "d-1"}, T(0));
  // Pass 1: build and lint start.
  std::string current = ApplyPlan(run, PlanRun(p.spec.stages, StageStates(run)), "app", T(1));
  EXPECT_EQ(current, "build,lint");
  EXPECT_EQ(run.phase, api::kRunRunning);
  EXPECT_EQ(run.stages[0].jobName, "app-4-build");
  // The operator crashed before creating the Jobs: the next pass recreates them by name.
  Observation obs = ObserveStages(run, {});
  EXPECT_EQ(obs.missingJobs, (std::vector<std::string>{"build", "lint"}));
  // build fails once, lint succeeds with a result.
  obs = ObserveStages(run, {{"app-4-build", Done("app-4-build", false, "boom")},
                            {"app-4-lint", Done("app-4-lint", true, "clean\n")}});
  EXPECT_EQ(obs.finished, (std::vector<std::string>{"build", "lint"}));
  EXPECT_EQ(run.stages[0].phase, api::kRunFailed);
  EXPECT_EQ(run.stages[2].result, "clean");
  // Retry: build attempt 2 with its own Job name; its old message is cleared.
  current = ApplyPlan(run, PlanRun(p.spec.stages, StageStates(run)), "app", T(70));
  EXPECT_EQ(current, "build");
  EXPECT_EQ(run.stages[0].jobName, "app-4-build-r2");
  EXPECT_EQ(run.stages[0].attempts, 2);
  EXPECT_TRUE(run.stages[0].message.empty());
  ObserveStages(run, {{"app-4-build-r2", Running("app-4-build-r2")}});
  EXPECT_EQ(run.stages[0].phase, api::kRunRunning);
  ObserveStages(run, {{"app-4-build-r2", Done("app-4-build-r2", true, "sha256:ff\n")}});
  EXPECT_EQ(VariablesFor(p, run).results,
            (std::map<std::string, std::string>{{"build", "sha256:ff"}, {"lint", "clean"}}));
  // test, then done.
  EXPECT_EQ(ApplyPlan(run, PlanRun(p.spec.stages, StageStates(run)), "app", T(130)), "test");
  ObserveStages(run, {{"app-4-test", Done("app-4-test", true)}});
  EXPECT_EQ(ApplyPlan(run, PlanRun(p.spec.stages, StageStates(run)), "app", T(200)), "");
  EXPECT_EQ(run.phase, api::kRunSucceeded);
  EXPECT_EQ(run.completionTime, T(200));
}

TEST(RunState, FinalFailureSkipsAndNamesTheJob) {
  api::Pipeline p = AppPipeline();
  p.spec.stages[0].retries = 0;
  api::PipelineRun run = NewRun(p, 5, "abc1234", "main", {api::kTriggerManual, "1"}, T(0));
  ApplyPlan(run, PlanRun(p.spec.stages, StageStates(run)), "app", T(1));
  ObserveStages(run, {{"app-5-build", Done("app-5-build", false, "exit 3")},
                      {"app-5-lint", Running("app-5-lint")}});
  std::string current = ApplyPlan(run, PlanRun(p.spec.stages, StageStates(run)), "app", T(60));
  EXPECT_EQ(current, "lint");  // lint finishes; test is skipped
  EXPECT_EQ(run.stages[1].phase, api::kStageSkipped);
  EXPECT_EQ(run.phase, api::kRunRunning);
  ObserveStages(run, {{"app-5-lint", Done("app-5-lint", true)}});
  ApplyPlan(run, PlanRun(p.spec.stages, StageStates(run)), "app", T(90));
  EXPECT_EQ(run.phase, api::kRunFailed);
  EXPECT_NE(run.message.find("stage build failed (job app-5-build): container stage exited with "
                             "code 1: exit 3; logs: kubectl logs -n ns job/app-5-build -c stage"),
            std::string::npos)
      << run.message;
}

TEST(RunState, VariablesDefaultRefAndCheckedOutRevision) {
  api::Pipeline p = AppPipeline();
  api::PipelineRun run = NewRun(p, 6, "", "", {api::kTriggerManual, "1"}, T(0));
  RunVariables v = VariablesFor(p, run);
  EXPECT_EQ(v.source_ref, "main");
  EXPECT_EQ(v.run_id, "app-6");
  ApplyPlan(run, PlanRun(p.spec.stages, StageStates(run)), "app", T(1));
  ObservedJob build = Done("app-6-build", true);
  build.pods[0]["status"]["initContainerStatuses"] = Json::array(
      {{{"name", "checkout"},
        {"state", {{"terminated", {{"exitCode", 0}, {"message", "0123456789abcdef\n"}}}}}}});
  Observation obs = ObserveStages(run, {{"app-6-build", build}});
  EXPECT_EQ(obs.checkedOutRevision, "0123456789abcdef");
}

}  // namespace
}  // namespace ferry::pipeline
