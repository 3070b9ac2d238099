// Pipeline runs end to end: the real ferry-operator creates stage Jobs in kube-sim, whose fake
// kubelet runs them as the stages' podMetadata annotations say.
#include <gtest/gtest.h>

#include "operator/kube/errors.h"
#include "tests/integration/pipeline/pipeline_fixture.h"

namespace ferry::itest {
namespace {

using Names = std::vector<std::string>;

class PipelineRunTest : public PipelineTest {};

// The Release "web" and its target Deployment (container "server"), as a GitOps repo keeps them.
void ApplyRelease(Cluster& c) {
  json target = json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "itest"},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "server",
                                                   "image": "registry.example.com/web:old"}]}}}})");
  auto dep = c.Apply(kube::kDeployments, target);
  ASSERT_TRUE(dep) << dep.error().ToString();
  json release = json::parse(R"({
    "apiVersion": "ferry.dev/v1alpha1", "kind": "Release",
    "metadata": {"name": "web", "namespace": "itest"},
    "spec": {"targetRef": {"name": "web"}, "version": "old",
             "template": {"containers": [{"name": "server",
                                          "image": "registry.example.com/web:old"}]},
             "strategy": {"canary": {"steps": []}}}})");
  auto rel = c.Apply(kReleasesRef, release);
  ASSERT_TRUE(rel) << rel.error().ToString();
}

TEST_F(PipelineRunTest, ParallelStagesResultsAndHandoff) {
  ApplyRelease(cluster());
  StartOperator();
  const std::string digest = "sha256:4c1d0e5f";
  json build = Stage("build", {0, 1.0, digest});
  json test = Stage("test", {0, 0.3, ""}, {"build"});
  test["args"] = {"--image=registry.example.com/web@$(stages.build.result)"};
  json extra = json::parse(R"json({
    "source": {"revision": "1111111111111111111111111111111111111111"},
    "handoff": {"releaseRef": {"name": "web"},
                "image": "registry.example.com/web@$(stages.build.result)"}})json");
  ApplyPipeline("web", {build, Stage("lint", {0, 1.0, ""}), test}, extra);
  ASSERT_TRUE(WaitRun("web", "web-1", "Succeeded"));
  json p = Pipeline("web");
  json stages = p["status"]["currentRun"]["stages"];
  // build and lint started in the same pass; test only after build ended.
  EXPECT_EQ(stages[0]["startTime"], stages[1]["startTime"]) << stages.dump();
  EXPECT_GE(stages[2]["startTime"].get<std::string>(), stages[0]["completionTime"].get<std::string>());
  EXPECT_EQ(stages[0]["result"], digest);
  auto test_job = Job("web-1-test");
  ASSERT_TRUE(test_job);
  EXPECT_EQ(StringAt(*test_job, "/spec/template/spec/containers/0/args/0"),
            "--image=registry.example.com/web@" + digest);
  EXPECT_EQ(Jobs("ferry.dev/run=web-1"), (Names{"web-1-build", "web-1-lint", "web-1-test"}));
  // The hand-off: the Release's version and image, owned by ferry-handoff.
  auto release = cluster().Find(kReleasesRef, kPipelineNs, "web");
  ASSERT_TRUE(release);
  EXPECT_EQ(StringAt(*release, "/spec/version"), kRev1);
  EXPECT_EQ(StringAt(*release, "/spec/template/containers/0/image"),
            "registry.example.com/web@" + digest);
  EXPECT_EQ(StringAt(*release, "/metadata/annotations/ferry.dev~1handoff-run"), "itest/web-1");
  bool managed = false;
  for (const auto& m : (*release)["metadata"]["managedFields"]) {
    managed |= m.value("manager", "") == "ferry-handoff";
  }
  EXPECT_TRUE(managed);
  EXPECT_EQ(StringAt(p, "/status/currentRun/handoff/phase"), "Succeeded");
  EXPECT_TRUE(Eventually([&] { return HasEvent("web", "HandedOff", "version " + std::string(kRev1)); }));
  auto ready = p["status"]["conditions"];
  EXPECT_NE(ready.dump().find("\"reason\":\"Succeeded\""), std::string::npos);
  // Metrics: the stage histogram by result, and the model's estimate once a run succeeded.
  EXPECT_TRUE(Eventually([&] {
    return op()->MetricValue(
               R"(ferry_pipeline_stage_duration_seconds_count{namespace="itest",pipeline="web",result="Succeeded",stage="build"})")
               .value_or(0) == 1;
  })) << op()->Metrics();
  EXPECT_TRUE(op()->MetricValue(
      R"(ferry_pipeline_stage_estimate_seconds{namespace="itest",pipeline="web",stage="build"})"));
}

TEST_F(PipelineRunTest, FailingStageIsRetriedThenFailsTheRun) {
  StartOperator();
  ApplyPipeline("app", {Stage("build", {2, 0.2, "compile error"}, {}, 1), Stage("test", {}, {"build"})},
                {{"source", {{"revision", kRev1}}}});
  ASSERT_TRUE(WaitRun("app", "app-1", "Failed"));
  EXPECT_EQ(Jobs("ferry.dev/run=app-1"), (Names{"app-1-build", "app-1-build-r2"}));
  json p = Pipeline("app");
  EXPECT_EQ(p["status"]["currentRun"]["stages"][0]["attempts"], 2);
  EXPECT_EQ(StringAt(p, "/status/currentRun/stages/1/phase"), "Skipped");
  EXPECT_NE(StringAt(p, "/status/message").find("app-1-build-r2"), std::string::npos);
  EXPECT_TRUE(Eventually([&] {
    return HasEvent("app", "StageFailed", "job/app-1-build-r2 -c ");
  }));
  EXPECT_TRUE(HasEvent("app", "StageFailed", "retrying (attempt 2 of 2)"));
  EXPECT_NE(p["status"]["conditions"].dump().find("\"reason\":\"StageFailed\""), std::string::npos);
}

TEST_F(PipelineRunTest, StageTimeoutFailsTheStage) {
  StartOperator();
  json slow = Stage("build", {0, 60, ""});
  slow["timeout"] = "1s";
  ApplyPipeline("slow", {slow}, {{"source", {{"revision", kRev1}}}});
  ASSERT_TRUE(WaitRun("slow", "slow-1", "Failed"));
  auto job = Job("slow-1-build");
  ASSERT_TRUE(job);
  EXPECT_EQ(IntAt(*job, "/spec/activeDeadlineSeconds"), 1);
  EXPECT_NE(StringAt(Pipeline("slow"), "/status/currentRun/stages/0/message").find("timed out"),
            std::string::npos);
}

TEST_F(PipelineRunTest, RunTimeoutStopsTheRunAndDeletesItsJobs) {
  StartOperator();
  ApplyPipeline("slow", {Stage("build", {0, 60, ""})},
                {{"source", {{"revision", kRev1}}}, {"timeout", "2s"}});
  ASSERT_TRUE(WaitRun("slow", "slow-1", "Failed"));
  EXPECT_NE(StringAt(Pipeline("slow"), "/status/message").find("timed out"), std::string::npos);
}

TEST_F(PipelineRunTest, CancelStopsTheRun) {
  StartOperator();
  ApplyPipeline("app", {Stage("build", {0, 60, ""})}, {{"source", {{"revision", kRev1}}}});
  ASSERT_TRUE(WaitRun("app", "app-1", "Running"));
  ASSERT_TRUE(Eventually([&] { return Job("app-1-build").has_value(); }));
  Request("app", "cancel");
  ASSERT_TRUE(WaitRun("app", "app-1", "Cancelled"));
  EXPECT_TRUE(Eventually([&] { return Jobs("ferry.dev/run=app-1").empty(); }));
  EXPECT_EQ(StringAt(Pipeline("app"), "/status/currentRun/stages/0/phase"), "Cancelled");
}

TEST_F(PipelineRunTest, HistoryPruningDeletesOldJobs) {
  StartOperator();
  ApplyPipeline("app", {Stage("build")}, {{"historyLimit", 1}});
  Request("app", "run", {{"ferry.dev/run-revision", kRev1}});
  ASSERT_TRUE(WaitRun("app", "app-1", "Succeeded"));
  EXPECT_EQ(Jobs("ferry.dev/pipeline=app"), (Names{"app-1-build"}));
  Request("app", "run", {{"ferry.dev/run-revision", kRev2}});
  ASSERT_TRUE(WaitRun("app", "app-2", "Succeeded"));
  EXPECT_TRUE(Eventually([&] { return Jobs("ferry.dev/pipeline=app") == Names{"app-2-build"}; }))
      << testing::PrintToString(Jobs("ferry.dev/pipeline=app"));
  json history = Pipeline("app")["status"]["history"];
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["id"], "app-2");
}

TEST_F(PipelineRunTest, OperatorKilledMidRunCreatesNoDuplicates) {
  StartOperator();
  ApplyPipeline("app", {Stage("build", {0, 3, "built"}), Stage("test", {0, 0.3, ""}, {"build"})},
                {{"source", {{"revision", kRev1}}}});
  ASSERT_TRUE(Eventually([&] { return Job("app-1-build").has_value(); }));
  op()->Kill();
  auto started = op()->Start();
  ASSERT_TRUE(started.ok()) << started.error().message;
  ASSERT_TRUE(op()->WaitReady());
  ASSERT_TRUE(WaitRun("app", "app-1", "Succeeded"));
  EXPECT_EQ(Jobs("ferry.dev/pipeline=app"), (Names{"app-1-build", "app-1-test"}));
  json p = Pipeline("app");
  EXPECT_EQ(p["status"]["lastRunNumber"], 1);
  EXPECT_EQ(p["status"]["currentRun"]["stages"][0]["attempts"], 1);
  EXPECT_EQ(StringAt(p, "/status/currentRun/stages/0/result"), "built");
}

}  // namespace
}  // namespace ferry::itest
