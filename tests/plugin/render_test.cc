// Rendering: golden strings for the get tree, the status views and the histories, and tables of
// the small formatting functions.
#include <gtest/gtest.h>

#include "operator/plugin/render.h"
#include "operator/plugin/workload.h"
#include "tests/plugin/fixtures.h"

namespace ferry::plugin {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Ago;
using testing::CanaryRelease;
using testing::Now;
using testing::RunningPipeline;

// Golden texts are written as R"(\n...)": the first newline is for readability.
std::string Golden(const char* text) { return std::string(text).substr(1); }

TEST(ProgressBar, OneCharPerStep) {
  EXPECT_EQ(ProgressBar(0, 4), "[>...] 0/4");
  EXPECT_EQ(ProgressBar(3, 9), "[===>.....] 3/9");
  EXPECT_EQ(ProgressBar(9, 9), "[=========] 9/9");
  EXPECT_EQ(ProgressBar(12, 9), "[=========] 9/9");
  EXPECT_EQ(ProgressBar(-1, 2), "[>.] 0/2");
  EXPECT_EQ(ProgressBar(0, 0), "[] 0/0");
}

TEST(WeightBar, RoundsToTheWidth) {
  EXPECT_EQ(WeightBar(0), "[--------------------] 0%");
  EXPECT_EQ(WeightBar(30), "[######--------------] 30%");
  EXPECT_EQ(WeightBar(100), "[####################] 100%");
  EXPECT_EQ(WeightBar(140), "[####################] 100%");
  EXPECT_EQ(WeightBar(33, 10), "[###-------] 33%");
  EXPECT_EQ(WeightBar(5, 10), "[#---------] 5%");
}

TEST(HumanDuration, KubectlsBuckets) {
  const std::pair<std::chrono::seconds, const char*> cases[] = {
      {-5s, "<invalid>"}, {-1s, "0s"}, {0s, "0s"}, {45s, "45s"}, {119s, "119s"}, {120s, "2m"},
      {330s, "5m30s"}, {600s, "10m"}, {179min, "179m"}, {3h + 20min, "3h20m"}, {8h, "8h"},
      {30h, "30h"}, {3 * 24h + 4h, "3d4h"}, {8 * 24h, "8d"}, {400 * 24h, "400d"},
      {800 * 24h, "2y70d"}, {9 * 365 * 24h, "9y"}};
  for (const auto& [d, want] : cases) EXPECT_EQ(HumanDuration(d), want) << d.count();
  EXPECT_EQ(Age(std::nullopt, Now()), "<unknown>");
  EXPECT_EQ(Age(Ago(90), Now()), "90s");
}

TEST(FormatTable, PadsByDisplayWidthAndTrims) {
  EXPECT_EQ(FormatTable({{"NAME", "X"}, {"├─ ab", "y"}, {"c", ""}}),
            "NAME    X\n├─ ab   y\nc\n");
}

TEST(DescribeStep, EveryAction) {
  api::CanaryStep s;
  s.setWeight = 30;
  EXPECT_EQ(DescribeStep(s), "setWeight 30");
  s = {};
  s.pause = api::PauseStep{};
  EXPECT_EQ(DescribeStep(s), "pause (until promoted)");
  s.pause->duration = "10m";
  EXPECT_EQ(DescribeStep(s), "pause 10m");
  s = {};
  s.setMirror = api::MirrorStep{15};
  EXPECT_EQ(DescribeStep(s), "setMirror 15%");
  s = {};
  s.setHeaderRoute = api::HeaderRouteStep{"team-a"};
  EXPECT_EQ(DescribeStep(s), "setHeaderRoute team-a");
  s = {};
  s.setCanaryScale = api::CanaryScaleStep{std::nullopt, 2};
  EXPECT_EQ(DescribeStep(s), "setCanaryScale replicas 2");
}

TEST(Workloads, DeploymentAndJobSummaries) {
  auto d = SummarizeDeployment(json::parse(R"({"spec":{"replicas":3},"status":{"readyReplicas":1,
      "updatedReplicas":3,"conditions":[{"type":"Progressing","status":"True"}]}})"));
  EXPECT_EQ(d.status, "Progressing");
  EXPECT_EQ(d.ready, 1);
  EXPECT_EQ(d.desired, 3);
  EXPECT_EQ(SummarizeDeployment(json::parse(R"({"spec":{}})")).status, "Unavailable");
  EXPECT_EQ(SummarizeDeployment(json::parse(R"({"spec":{},"status":{"readyReplicas":1,"updatedReplicas":1}})")).status,
            "Available");
  auto j = SummarizeJob(json::parse(R"({"status":{"failed":2,"conditions":[{"type":"Failed","status":"True"}]}})"));
  EXPECT_EQ(j.status, "Failed");
  EXPECT_EQ(j.completions, "0/1");
  EXPECT_EQ(SummarizeJob(json::parse(R"({"status":{}})")).status, "Pending");
}

class RenderFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    release_ = CanaryRelease();
    api::AnalysisRunStatus run;
    run.name = "churn-model-bg";
    run.phase = "Running";
    run.startTime = Ago(240);
    api::MetricResult m;
    m.name = "error-rate";
    m.phase = "Running";
    m.count = 3;
    m.successful = 3;
    m.measurements.push_back({"Successful", 0.0023});
    run.metrics = {m};
    release_.status.analysisRuns = {run};
    pipeline_ = RunningPipeline();
    // The canary Deployment is missing (deleted by hand): the tree says so.
    workloads_.deployments["ml-serving/churn-model"] = json::parse(R"({"metadata":{"creationTimestamp":
        "2026-11-20T10:00:00Z"},"spec":{"replicas":4,"template":{"spec":{"containers":[{"name":"server",
        "image":"reg/churn:v6"}]}}},"status":{"readyReplicas":4,"updatedReplicas":4}})");
    workloads_.jobs["ml-serving/churn-model-12-lint"] = json::parse(R"({"metadata":{"creationTimestamp":
        "2026-11-25T09:56:40Z"},"spec":{"completions":1},"status":{"succeeded":1,"conditions":[{"type":
        "Complete","status":"True"}]}})");
    workloads_.jobs["ml-serving/churn-model-12-build"] = json::parse(R"({"metadata":{"creationTimestamp":
        "2026-11-25T09:57:30Z"},"status":{"active":1}})");
  }
  api::Release release_;
  api::Pipeline pipeline_;
  Workloads workloads_;
};

TEST_F(RenderFixture, Tree) {
  EXPECT_EQ(RenderTree({release_}, {pipeline_}, workloads_, {Now(), false, false}), Golden(R"(
NAME                                    STATUS      READY   INFO                              AGE
release.ferry.dev/churn-model           Paused              v7 · step 1/4 · weight 10%        3d
├─ deployment.apps/churn-model          Available   4/4     stable v6                         5d
├─ deployment.apps/churn-model-canary   NotFound    -       canary v7                         -
└─ analysis/churn-model-bg              Running             error-rate=0.0023                 4m
pipeline.ferry.dev/churn-model          Running             run #12 · 3f2c9a1 · stage build   7d
├─ job.batch/churn-model-12-lint        Complete    1/1     stage lint                        3m20s
└─ job.batch/churn-model-12-build       Running     0/1     stage build                       2m30s
)"));
}

TEST_F(RenderFixture, TreeWideAllNamespaces) {
  EXPECT_EQ(RenderTree({release_}, {pipeline_}, workloads_, {Now(), true, true}), Golden(R"(
NAMESPACE    NAME                                    STATUS      READY   INFO                                 AGE
ml-serving   release.ferry.dev/churn-model           Paused              v7 · step 1/4 · weight 10%           3d
ml-serving   ├─ deployment.apps/churn-model          Available   4/4     stable v6 5d8f7c reg/churn:v6        5d
ml-serving   ├─ deployment.apps/churn-model-canary   NotFound    -       canary v7 7b9c2d                     -
ml-serving   └─ analysis/churn-model-bg              Running             error-rate=0.0023                    4m
ml-serving   pipeline.ferry.dev/churn-model          Running             run #12 · 3f2c9a1d0e · stage build   7d
ml-serving   ├─ job.batch/churn-model-12-lint        Complete    1/1     stage lint                           3m20s
ml-serving   └─ job.batch/churn-model-12-build       Running     0/1     stage build                          2m30s
)"));
}

TEST_F(RenderFixture, ReleaseStatus) {
  EXPECT_EQ(RenderReleaseStatus(release_, Now()), Golden(R"(
Name:          churn-model
Namespace:     ml-serving
Kind:          Release (canary)
Phase:         Paused
Version:       v7 (stable v6)
Step:          [=>..] 1/4
Weight:        [##------------------] 10%
Stable:        churn-model  v6  4/4 ready
Canary:        churn-model-canary  v7  1/1 ready
Running for:   5m
Steps:
  done  0  setWeight 10
  ->    1  pause 5m
        2  analysis error-rate, p99-latency
        3  setWeight 100
Analysis:
  churn-model-bg   Running
    error-rate     Running   3 ok, 0 failed, 0 inconclusive   last 0.0023
Waiting for: pause step: 3m of 5m left (skip: kubectl ferry promote churn-model)
)"));
}

TEST_F(RenderFixture, PipelineStatus) {
  EXPECT_EQ(RenderPipelineStatus(pipeline_, Now()), Golden(R"(
Name:          churn-model
Namespace:     ml-serving
Kind:          Pipeline
Phase:         Running
Run:           churn-model-12 (Running)
Revision:      3f2c9a1d0e on main
Trigger:       Webhook
Stages:        [=>.] 1/3
Running for:   3m20s
  STAGE        PHASE       JOB                    DURATION   MESSAGE
  lint         Succeeded   churn-model-12-lint    42s
  build        Running     churn-model-12-build   2m30s
  smoke-test   Pending     -                      -
Waiting for: stages build
)"));
}

TEST_F(RenderFixture, PipelineStatusWithoutRuns) {
  pipeline_.status = {};
  EXPECT_EQ(RenderPipelineStatus(pipeline_, Now()), Golden(R"(
Name:        churn-model
Namespace:   ml-serving
Kind:        Pipeline
Phase:       Pending
Run:         none yet (start one: kubectl ferry run churn-model)
)"));
}

TEST_F(RenderFixture, ReleaseHistory) {
  EXPECT_EQ(RenderReleaseHistory(release_, Now()), "No finished rollouts of release.ferry.dev/churn-model yet.\n");
  release_.status.history.push_back({"v6", "5d8f7c", "Promoted", "", "", Ago(86400), Ago(86400 - 1800)});
  release_.status.history.push_back({"v5", "1a2b3c", "RolledBack", "AnalysisFailed", "error-rate 0.07 >= 0.05",
                                     Ago(3 * 86400), Ago(3 * 86400 - 600)});
  EXPECT_EQ(RenderReleaseHistory(release_, Now()), Golden(R"(
VERSION   RESULT       REASON           STARTED   DURATION   MESSAGE
v6        Promoted     -                24h ago   30m
v5        RolledBack   AnalysisFailed   3d ago    10m        error-rate 0.07 >= 0.05
)"));
}

TEST_F(RenderFixture, PipelineHistory) {
  api::RunSummary s{"churn-model-11", 11, "3f2c9a1d0e5b7c", "Manual", "Failed", "build failed", Ago(7200), Ago(7000)};
  s.stages = {{"lint", "Succeeded", 40}, {"build", "Failed", 100}};
  pipeline_.status.history = {s};
  EXPECT_EQ(RenderPipelineHistory(pipeline_, Now()), Golden(R"(
RUN              REVISION       TRIGGER   PHASE    STARTED    DURATION   STAGES
churn-model-11   3f2c9a1d0e5b   Manual    Failed   120m ago   3m20s      lint:Succeeded build:Failed
)"));
}

}  // namespace
}  // namespace ferry::plugin
