#include "operator/api/pipeline_types.h"

#include <gtest/gtest.h>

#include "tests/api/yaml_json.h"

namespace ferry::api {
namespace {

Pipeline FullStatusPipeline() {
  auto p = DecodePipeline(testing::LoadSample(testing::kPipelineSample));
  Time t = *ParseTime("2026-11-25T10:00:00Z");
  auto& s = p->status;
  s.observedGeneration = 2;
  s.phase = kRunRunning;
  s.message = "build running";
  MarkReconciling(s.conditions, 2, "Running", "run churn-model-7: build", t);
  s.currentStage = "build";
  s.lastRunNumber = 7;
  s.lastBuiltRevision = "3f2c9a1";
  PipelineRun run{.id = "churn-model-7", .number = 7, .revision = "3f2c9a1", .ref = "main",
                  .trigger = {kTriggerWebhook, "delivery-1"}, .phase = kRunRunning};
  run.startTime = t;
  run.estimatedCompletionTime = t + std::chrono::minutes(12);
  run.stages.push_back({"lint", kRunSucceeded, "churn-model-7-lint", 1, "", "", t, t, std::nullopt});
  run.stages.push_back({"build", kRunRunning, "churn-model-7-build", 2, "", "", t, std::nullopt, t});
  run.handoff = HandoffStatus{"churn-model", "img@sha256:ab", "3f2c9a1", kRunSucceeded, "", t};
  s.currentRun = run;
  s.pendingRun = PendingRun{"9e8d7c6", {kTriggerManual, "n2"}, t};
  s.history.push_back({"churn-model-6", 6, "aaaaaaa", kTriggerSpec, kRunFailed, "unit-test failed",
                       t, t, {{"lint", kRunSucceeded, 41}, {"unit-test", kRunFailed, 300}}});
  s.lastHandledRequests = {"n1", "c1", "r1"};
  return *p;
}

TEST(PipelineCodecTest, SampleRoundTrips) {
  auto first = DecodePipeline(testing::LoadSample(testing::kPipelineSample));
  ASSERT_TRUE(first.ok()) << JoinErrors(first.error());
  Json encoded = EncodePipeline(*first);
  auto second = DecodePipeline(encoded);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(EncodePipeline(*second), encoded);
}

TEST(PipelineCodecTest, FullStatusRoundTrips) {
  Pipeline p = FullStatusPipeline();
  auto back = DecodePipeline(EncodePipeline(p));
  ASSERT_TRUE(back.ok()) << JoinErrors(back.error());
  EXPECT_EQ(*back, p);
  Json status = EncodePipelineStatus(p.status);
  EXPECT_EQ(status["status"]["currentRun"]["stages"][1]["attempts"], 2);
  EXPECT_EQ(status["status"]["history"][0]["stages"][1]["durationSeconds"], 300);
}

TEST(PipelineCodecTest, UnknownFieldsAreDropped) {
  Json doc = testing::LoadSample(testing::kPipelineSample);
  doc["spec"]["stages"][0]["sidecars"] = Json::array();
  doc["spec"]["workspace"] = {{"size", "1Gi"}};
  auto p = DecodePipeline(doc);
  ASSERT_TRUE(p.ok());
  Json out = EncodePipeline(*p);
  EXPECT_FALSE(out["spec"].contains("workspace"));
  EXPECT_FALSE(out["spec"]["stages"][0].contains("sidecars"));
}

TEST(PipelineDefaultsTest, AbsentFieldsTakeTheCrdDefaults) {
  Json doc = {{"metadata", {{"name", "app"}}},
              {"spec",
               {{"source", {{"url", "https://github.com/acme/app.git"}}},
                {"triggers", {{"webhook", {{"secretRef", {{"name", "hook"}}}}}}},
                {"stages", Json::array({{{"name", "test"}, {"image", "golang:1.23"},
                                         {"env", Json::array({{{"name", "T"}, {"valueFrom", {{"secretKeyRef", {{"name", "s"}, {"key", "k"}}}}}}})}}})},
                {"handoff", {{"releaseRef", {{"name", "app"}}}, {"image", "r/app:$(revision)"}}}}}};
  auto p = DecodePipeline(doc);
  ASSERT_TRUE(p.ok()) << JoinErrors(p.error());
  const PipelineSpec& s = p->spec;
  EXPECT_EQ(s.source.ref, "main");
  EXPECT_EQ(s.triggers.webhook->provider, "GitHub");
  EXPECT_EQ(s.triggers.webhook->secretRef.key, "token");  // derived default
  EXPECT_EQ(s.concurrencyPolicy, "Replace");
  EXPECT_EQ(s.timeout, "1h");
  EXPECT_EQ(s.historyLimit, 10);
  EXPECT_FALSE(s.suspend);
  const Stage& st = s.stages[0];
  EXPECT_EQ(st.workingDir, "/workspace/source");
  EXPECT_EQ(st.timeout, "30m");
  EXPECT_EQ(st.retries, 0);
  EXPECT_TRUE(st.checkout);
  EXPECT_FALSE(st.env[0].valueFrom->secretKeyRef->optional);
  EXPECT_EQ(s.handoff->version, "$(revision)");
  EXPECT_TRUE(ValidatePipeline(*p).empty()) << JoinErrors(ValidatePipeline(*p));
}

TEST(PipelineDagTest, TopologicalOrderFollowsDependsOnAndSpecOrder) {
  auto p = DecodePipeline(testing::LoadSample(testing::kPipelineSample));
  auto order = TopologicalOrder(p->spec.stages);
  ASSERT_TRUE(order.has_value());
  EXPECT_EQ(*order, (std::vector<std::string>{"lint", "unit-test", "build", "smoke-test"}));
  std::vector<Stage> reversed = {{.name = "deploy", .dependsOn = {"test"}},
                                 {.name = "test", .dependsOn = {"build"}},
                                 {.name = "build"}};
  EXPECT_EQ(*TopologicalOrder(reversed), (std::vector<std::string>{"build", "test", "deploy"}));
}

TEST(PipelineDagTest, CyclesAndUnknownNamesHaveNoOrder) {
  std::vector<Stage> cycle = {{.name = "a", .dependsOn = {"b"}}, {.name = "b", .dependsOn = {"a"}}};
  EXPECT_EQ(TopologicalOrder(cycle), std::nullopt);
  std::vector<Stage> unknown = {{.name = "a", .dependsOn = {"zz"}}};
  EXPECT_EQ(TopologicalOrder(unknown), std::nullopt);
}

TEST(PipelineVariablesTest, FindsEveryVariable) {
  EXPECT_EQ(Variables("img@$(stages.build.result):$(revision) $(HOME) $(unterminated"),
            (std::vector<std::string>{"stages.build.result", "revision", "HOME"}));
}

}  // namespace
}  // namespace ferry::api
