#include "operator/api/release_types.h"

#include <gtest/gtest.h>

#include "tests/api/yaml_json.h"

namespace ferry::api {
namespace {

using testing::LoadYamlFile;
using testing::SourcePath;

Release FullStatusRelease() {
  Release r;
  r.metadata.name = "churn-model";
  r.metadata.namespace_ = "ml";
  r.metadata.generation = 4;
  r.spec.targetRef.name = "churn-model";
  r.spec.version = "v8";
  r.spec.strategy.canary = CanaryStrategy{};
  r.spec.strategy.canary->steps.push_back(CanaryStep{.setWeight = 20});
  Time t = *ParseTime("2026-11-25T10:00:00Z");
  auto& s = r.status;
  s.observedGeneration = 4;
  s.phase = kReleaseProgressing;
  s.message = "canary at 20%";
  MarkReconciling(s.conditions, 4, "Progressing", "canary at 20%", t);
  s.currentStepIndex = 1;
  s.stepCount = 4;
  s.stepStartTime = t;
  s.canaryWeight = 20;
  s.stable = {"v7", "5d8f", "churn-model", 10, 10, 10};
  s.canary = VersionStatus{"v8", "7c9a", "churn-model-canary", 2, 2, 1};
  s.pauseConditions.push_back({kPauseUser, t});
  s.abort = AbortStatus{"AnalysisFailed", "error-rate failed", t};
  s.startTime = t;
  s.completionTime = t;
  MetricResult m{.name = "error-rate", .phase = kAnalysisFailed, .message = "0.07 >= 0.05",
                 .count = 3, .successful = 1, .failed = 2};
  m.measurements.push_back({kAnalysisFailed, 0.07, "", t, t});
  m.measurements.push_back({kAnalysisInconclusive, std::nullopt, "empty result", t, t});
  m.judge = JudgeResult{120, 0.004, 1.3, 20, 20};
  s.analysisRuns.push_back({"step-2", kAnalysisFailed, "failed", 62.5, t, t, {m}});
  s.traffic = TrafficStatus{{"data-science"}, 20};
  s.blueGreen = BlueGreenStatus{"a", "b", t, t};
  s.rollbackTemplate = {{"spec", {{"containers", Json::array({{{"name", "server"}}})}}}};
  s.history.push_back({"v7", "5d8f", kResultPromoted, "Promoted", "ok", t, t});
  s.lastHandledRequests = {"p1", "pf1", "a1", "r1", "pa1", "re1"};
  return r;
}

TEST(ReleaseCodecTest, EverySampleRoundTrips) {
  for (const auto& file : testing::ListFiles("config/samples", ".yaml")) {
    for (const Json& doc : LoadYamlFile(file)) {
      if (doc.value("kind", "") != kReleaseKind) continue;
      auto first = DecodeRelease(doc);
      ASSERT_TRUE(first.ok()) << file << ": " << JoinErrors(first.error());
      Json encoded = EncodeRelease(*first);
      auto second = DecodeRelease(encoded);
      ASSERT_TRUE(second.ok()) << file;
      EXPECT_EQ(*first, *second) << file;
      EXPECT_EQ(EncodeRelease(*second), encoded) << file;
    }
  }
}

TEST(ReleaseCodecTest, FullStatusRoundTrips) {
  Release r = FullStatusRelease();
  Json encoded = EncodeRelease(r);
  auto back = DecodeRelease(encoded);
  ASSERT_TRUE(back.ok()) << JoinErrors(back.error());
  EXPECT_EQ(*back, r);
  EXPECT_EQ(encoded["status"]["analysisRuns"][0]["metrics"][0]["measurements"][1].count("value"), 0u);
}

TEST(ReleaseCodecTest, UnknownFieldsAreDroppedOnEncode) {
  Json doc = testing::LoadSample("release_canary_model.yaml");
  doc["spec"]["strategy"]["canary"]["steps"][0]["futureAction"] = {{"x", 1}};
  doc["spec"]["someNewField"] = "x";
  doc["status"] = {{"phase", "Healthy"}, {"fromANewerOperator", 1}};
  auto r = DecodeRelease(doc);
  ASSERT_TRUE(r.ok());
  Json out = EncodeRelease(*r);
  EXPECT_FALSE(out["spec"].contains("someNewField"));
  EXPECT_FALSE(out["spec"]["strategy"]["canary"]["steps"][0].contains("futureAction"));
  EXPECT_FALSE(out["status"].contains("fromANewerOperator"));
  EXPECT_EQ(out["status"]["phase"], "Healthy");
}

TEST(ReleaseCodecTest, StatusEncodingMakesMinimalPatches) {
  Release r = FullStatusRelease();
  ReleaseStatus next = r.status;
  next.canaryWeight = 40;
  next.canary.reset();
  Json patch = MergePatch(EncodeReleaseStatus(r.status), EncodeReleaseStatus(next));
  EXPECT_EQ(patch, (Json{{"status", {{"canaryWeight", 40}, {"canary", nullptr}}}}));
  EXPECT_EQ(MergePatch(EncodeReleaseStatus(next), EncodeReleaseStatus(next)), Json::object());
}

TEST(ReleaseDefaultsTest, AbsentFieldsTakeTheCrdDefaults) {
  Json doc = testing::YamlToJson(R"(
apiVersion: ferry.dev/v1alpha1
kind: Release
metadata: {name: web}
spec:
  targetRef: {name: web}
  version: v2
  strategy:
    canary:
      steps:
        - setWeight: 50
        - setCanaryScale: {weight: 10}
      analysis: {metrics: [m]}
      trafficRouting:
        stableService: web
        nginx: {stableIngress: web}
  analysis:
    metrics:
      - name: m
        provider:
          judge:
            prometheus: {address: "http://p:9090", query: 'x{v="{{version}}"}'}
)");
  auto r = DecodeRelease(doc);
  ASSERT_TRUE(r.ok()) << JoinErrors(r.error());
  const ReleaseSpec& s = r->spec;
  EXPECT_EQ(s.targetRef.apiVersion, "apps/v1");
  EXPECT_EQ(s.targetRef.kind, "Deployment");
  EXPECT_EQ(s.progressDeadlineSeconds, 600);
  EXPECT_EQ(s.historyLimit, 10);
  EXPECT_FALSE(s.paused);
  EXPECT_EQ(s.analysis.onInconclusive, "Pause");
  const auto& c = *s.strategy.canary;
  EXPECT_EQ(c.analysis->startingStep, 0);
  EXPECT_EQ(c.trafficRouting->canaryService, "web-canary");  // derived default
  EXPECT_EQ(c.trafficRouting->nginx->annotationPrefix, "nginx.ingress.kubernetes.io");
  EXPECT_FALSE(c.steps[1].setCanaryScale->matchTrafficWeight);
  const Metric& m = s.analysis.metrics[0];
  EXPECT_EQ(m.interval, "1m");
  EXPECT_EQ(m.count, std::nullopt);
  EXPECT_EQ(m.failureLimit, 0);
  EXPECT_EQ(m.inconclusiveLimit, 0);
  EXPECT_EQ(m.consecutiveErrorLimit, 4);
  EXPECT_EQ(m.weight, 1);
  EXPECT_FALSE(m.dryRun);
  EXPECT_FALSE(m.critical);
  const JudgeProvider& j = *m.provider.judge;
  EXPECT_EQ(j.window, "10m");
  EXPECT_EQ(j.step, "30s");
  EXPECT_EQ(j.test, "MannWhitneyU");
  EXPECT_EQ(j.direction, "Increase");
  EXPECT_DOUBLE_EQ(j.confidence, 0.98);
  EXPECT_DOUBLE_EQ(j.toleratedEffect, 1.0);
  EXPECT_EQ(j.minSamples, 10);
  EXPECT_EQ(j.prometheus.timeout, "30s");
  EXPECT_EQ(j.prometheus.emptyResult, "Inconclusive");
  EXPECT_TRUE(ValidateRelease(*r).empty()) << JoinErrors(ValidateRelease(*r));
}

TEST(ReleaseDefaultsTest, ExplicitCanaryServiceIsKept) {
  ReleaseSpec s;
  s.strategy.canary = CanaryStrategy{};
  s.strategy.canary->trafficRouting = TrafficRouting{.stableService = "web", .canaryService = "web-next"};
  ApplyDefaults(s);
  EXPECT_EQ(s.strategy.canary->trafficRouting->canaryService, "web-next");
}

TEST(ReleaseDefaultsTest, BlueGreenDefaults) {
  auto r = DecodeRelease(Json{{"spec", {{"strategy", {{"blueGreen", {{"activeService", "web"}}}}}}}});
  ASSERT_TRUE(r.ok());
  const auto& b = *r->spec.strategy.blueGreen;
  EXPECT_TRUE(b.autoPromotionEnabled);
  EXPECT_EQ(b.autoPromotionSeconds, 0);
  EXPECT_EQ(b.scaleDownDelaySeconds, 30);
}

}  // namespace
}  // namespace ferry::api
