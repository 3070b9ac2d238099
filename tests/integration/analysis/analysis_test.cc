// Release analysis end to end: the real ferry-operator, kube-sim, and a real prometheus scraping
// an exporter with one latency series per version (1 = stable ~100 ms, 2 = a regressed canary
// ~200 ms, 3 = a good canary ~100 ms). A canary whose analysis passes (a threshold on its p99
// and a Mann-Whitney judge against stable) is promoted; one whose analysis fails is rolled back
// with the stable Deployment untouched.
#include <atomic>
#include <cstdio>

#include "tests/analysis/prometheus_server.h"
#include "tests/integration/release/release_fixture.h"
#include "tests/kube/test_server.h"

namespace ferry::itest {
namespace {

namespace kt = ferry::kube::testing;

std::string ExporterBody(int scrape) {
  const double jitter = 0.001 * (scrape % 10);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "# TYPE model_latency_seconds gauge\n"
                "model_latency_seconds{version=\"1\"} %.4f\n"
                "model_latency_seconds{version=\"2\"} %.4f\n"
                "model_latency_seconds{version=\"3\"} %.4f\n",
                0.100 + jitter, 0.200 + jitter, 0.1003 + jitter);
  return buf;
}

constexpr int kMinSamples = 8;

class AnalysisTest : public ReleaseTest {
 protected:
  void SetUp() override {
    ReleaseTest::SetUp();
    if (HasFatalFailure()) return;
    exporter_ = std::make_unique<kt::TestServer>(
        kt::ServerTls{.plain_http = true}, [this](const kt::HttpRequest& r, kt::ResponseWriter& w) {
          if (r.path != "/metrics") return w.Send(404, "not found");
          w.Send(200, ExporterBody(scrapes_++), {{"Content-Type", "text/plain; version=0.0.4"}});
        });
    prom_ = std::make_unique<analysis::testing::PrometheusServer>(
        dir_, "127.0.0.1:" + std::to_string(exporter_->port()));
    ASSERT_TRUE(prom_->Start(60s)) << prom_->Log();
  }
  void TearDown() override {
    ReleaseTest::TearDown();
    prom_.reset();
    exporter_.reset();
  }

  // Bounded wait until prometheus scraped enough samples for the judge.
  void WaitForSamples() {
    ASSERT_TRUE(Eventually([&] { return scrapes_ >= kMinSamples + 2; }, 120s, 100ms))
        << prom_->Log();
  }

  // The Release "web" with spec.analysis and steps 25% -> analysis of `metrics` -> 50%.
  // `address` overrides where the metrics query (default: the test's prometheus).
  void ApplyAnalysedRelease(const std::string& version,
                            std::vector<std::string> metrics = {"p99-latency", "latency-vs-stable"},
                            const std::string& address = "") {
    json release = json::parse(R"({
      "metadata": {"name": "web", "namespace": "itest"},
      "spec": {
        "targetRef": {"name": "web"},
        "progressDeadlineSeconds": 60,
        "analysis": {"metrics": [
          {"name": "p99-latency", "successCondition": "result < 0.15",
           "provider": {"prometheus": {"timeout": "5s",
             "query": "model_latency_seconds{version=\"{{canaryVersion}}\"}"}}},
          {"name": "latency-vs-stable",
           "provider": {"judge": {"window": "2m", "step": "1s", "toleratedEffect": 1.1,
             "prometheus": {"query": "model_latency_seconds{version=\"{{version}}\"}"}}}}]},
        "strategy": {"canary": {"steps": [
          {"setWeight": 25},
          {"analysis": {"metrics": ["p99-latency", "latency-vs-stable"]}},
          {"setWeight": 50}]}}}})");
    json& spec = release["spec"];
    spec["version"] = version;
    spec["strategy"]["canary"]["steps"][1]["analysis"]["metrics"] = metrics;
    spec["template"] = {{"containers", json::array({{{"name", "app"}, {"image", Image(version)}}})}};
    const std::string url = address.empty() ? prom_->Url() : address;
    spec["analysis"]["metrics"][0]["provider"]["prometheus"]["address"] = url;
    spec["analysis"]["metrics"][0]["interval"] = "1s";
    spec["analysis"]["metrics"][0]["consecutiveErrorLimit"] = 1;
    json& judge = spec["analysis"]["metrics"][1]["provider"]["judge"];
    judge["prometheus"]["address"] = url;
    judge["minSamples"] = kMinSamples;
    auto applied = cluster().Apply(kReleases, release);
    ASSERT_TRUE(applied) << applied.error().ToString();
  }

  json RunNamed(const json& release, const std::string& name) {
    for (const json& r : release.value("/status/analysisRuns"_json_pointer, json::array()))
      if (r.value("name", "") == name) return r;
    return json();
  }

  kt::TempDir dir_;
  std::unique_ptr<kt::TestServer> exporter_;
  std::unique_ptr<analysis::testing::PrometheusServer> prom_;
  std::atomic<int> scrapes_{0};
};

TEST_F(AnalysisTest, GoodCanaryIsPromotedOnAnalysis) {
  StartWithTarget();
  AdoptStable({.steps = json::array({{{"setWeight", 50}}})});
  WaitForSamples();
  ApplyAnalysedRelease("3");
  ASSERT_TRUE(WaitRelease(
      [](const json& r) {
        return StringAt(r, "/status/phase") == "Healthy" && StringAt(r, "/status/stable/version") == "3";
      },
      "promotion of version 3", 90s));
  EXPECT_EQ(TargetImage(), Image("3"));
  const json history = Release()["status"]["history"];
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back().value("result", ""), "Promoted");

  const std::vector<std::string> reasons = EventReasons();
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "AnalysisSuccessful"), reasons.end())
      << ::testing::PrintToString(reasons);
  EXPECT_TRUE(Eventually([&] {
    return op()->MetricValue(
               R"(ferry_analysis_runs_total{namespace="itest",release="web",result="successful"})") == 1.0;
  })) << op()->Metrics();
  EXPECT_TRUE(op()->MetricValue(
                      R"(ferry_analysis_judge_p_value{metric="latency-vs-stable",namespace="itest",release="web"})")
                  .has_value())
      << op()->Metrics();
  EXPECT_TRUE(op()->MetricValue(
                      R"(ferry_analysis_threshold{metric="p99-latency",namespace="itest",release="web"})") == 0.15)
      << op()->Metrics();
  EXPECT_TRUE(op()->ErrorLogs().empty()) << op()->LogText();
}

TEST_F(AnalysisTest, BadCanaryIsRolledBackOnAnalysis) {
  StartWithTarget();
  AdoptStable({.steps = json::array({{{"setWeight", 50}}})});
  WaitForSamples();
  ApplyAnalysedRelease("2");
  ASSERT_TRUE(WaitPhase("RolledBack", 90s));
  EXPECT_EQ(TargetImage(), Image("1")) << "the stable Deployment is untouched";
  ASSERT_TRUE(Eventually([&] { return !CanaryDeployment().has_value(); }))
      << "the canary was not removed";
  const json run = RunNamed(Release(), "step-1");
  EXPECT_EQ(run.value("phase", ""), "Failed") << run.dump(2);
  bool judged = false;
  for (const json& m : run.value("metrics", json::array())) {
    EXPECT_FALSE(m.value("measurements", json::array()).empty()) << m.dump(2);
    if (m.value("name", "") == "latency-vs-stable" && m.contains("judge")) {
      judged = true;
      EXPECT_LT(m["judge"].value("pValue", 1.0), 0.02) << m.dump(2);
    }
  }
  EXPECT_TRUE(judged) << run.dump(2);
  const std::vector<std::string> reasons = EventReasons();
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "AnalysisFailed"), reasons.end())
      << ::testing::PrintToString(reasons);
  EXPECT_TRUE(Eventually([&] {
    return op()->MetricValue(
               R"(ferry_analysis_runs_total{namespace="itest",release="web",result="failed"})") == 1.0;
  })) << op()->Metrics();
  EXPECT_TRUE(op()->ErrorLogs().empty()) << op()->LogText();
}

// Version 4 has no series: the empty result is Inconclusive (emptyResult's default), which
// pauses the rollout (onInconclusive: Pause) until a human promotes it.
TEST_F(AnalysisTest, EmptyResultPausesUntilPromoted) {
  StartWithTarget();
  AdoptStable({.steps = json::array({{{"setWeight", 50}}})});
  ApplyAnalysedRelease("4", {"p99-latency"});
  ASSERT_TRUE(WaitPausedAt(1, 60s));
  const json run = RunNamed(Release(), "step-1");
  EXPECT_EQ(run.value("phase", ""), "Inconclusive") << run.dump(2);
  EXPECT_EQ(run["metrics"][0]["measurements"][0].value("message", ""), "empty result") << run.dump(2);
  EXPECT_EQ(TargetImage(), Image("1"));
  Request("promote");
  ASSERT_TRUE(WaitRelease(
      [](const json& r) {
        return StringAt(r, "/status/phase") == "Healthy" && StringAt(r, "/status/stable/version") == "4";
      },
      "promotion of version 4 after the human accepted the inconclusive analysis", 60s));
}

// Prometheus unreachable: each attempt is an Error measurement; beyond consecutiveErrorLimit
// (1 here) the analysis fails and the canary is rolled back.
TEST_F(AnalysisTest, PrometheusOutageFailsAfterTheErrorLimit) {
  StartWithTarget();
  AdoptStable({.steps = json::array({{{"setWeight", 50}}})});
  const int dead_port = analysis::testing::FreePort();
  ApplyAnalysedRelease("3", {"p99-latency"}, "http://127.0.0.1:" + std::to_string(dead_port));
  ASSERT_TRUE(WaitPhase("RolledBack", 60s));
  const json run = RunNamed(Release(), "step-1");
  EXPECT_EQ(run.value("phase", ""), "Failed") << run.dump(2);
  const json metric = run["metrics"][0];
  EXPECT_EQ(metric.value("errors", 0), 2) << metric.dump(2);
  EXPECT_EQ(metric.value("consecutiveErrors", 0), 2) << metric.dump(2);
  EXPECT_EQ(TargetImage(), Image("1"));
  EXPECT_TRUE(Eventually([&] {
    return op()->MetricValue(
               R"(ferry_analysis_runs_total{namespace="itest",release="web",result="error"})") == 1.0;
  })) << op()->Metrics();
}

}  // namespace
}  // namespace ferry::itest
