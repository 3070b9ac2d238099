// The analysis runner's `prometheus` and `judge` providers against a REAL prometheus scraping an
// exporter this test controls (one latency series per version: v1 stable ~100 ms, v2 bad canary
// ~200 ms, v3 good canary ~100 ms), with Secrets and Events in the real kube-sim.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "operator/base/clock.h"
#include "operator/controllers/release/analysis_runner_impl.h"
#include "operator/metrics/registry.h"
#include "tests/analysis/prometheus_server.h"
#include "tests/controllers/release/analysis_sim.h"
#include "tests/kube/test_server.h"

namespace ferry::release {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace kt = ferry::kube::testing;
using testing::AnalysisSim;
using testing::kNamespace;

std::string ExporterBody(int scrape) {
  const double jitter = 0.001 * (scrape % 10);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "# TYPE model_latency_seconds gauge\n"
                "model_latency_seconds{version=\"v1\"} %.4f\n"
                "model_latency_seconds{version=\"v2\"} %.4f\n"
                "model_latency_seconds{version=\"v3\"} %.4f\n",
                0.100 + jitter, 0.200 + jitter, 0.1003 + jitter);
  return buf;
}

constexpr int kSamples = 8;

// One prometheus, exporter and kube-sim for the whole suite (prometheus takes seconds to start).
class AnalysisPrometheusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new kt::TempDir();
    exporter_ = new kt::TestServer({.plain_http = true},
                                   [](const kt::HttpRequest& r, kt::ResponseWriter& w) {
                                     if (r.path != "/metrics") return w.Send(404, "not found");
                                     w.Send(200, ExporterBody(scrapes_++),
                                            {{"Content-Type", "text/plain; version=0.0.4"}});
                                   });
    prom_ = new analysis::testing::PrometheusServer(
        *dir_, "127.0.0.1:" + std::to_string(exporter_->port()));
    started_ = prom_->Start(60s);
    sim_ = new AnalysisSim();
  }
  static void TearDownTestSuite() {
    delete sim_;
    delete prom_;
    delete exporter_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_TRUE(started_) << prom_->Log();
    ASSERT_EQ(sim_->error(), "");
    registry_ = std::make_unique<metrics::Registry>("test");
    runner_ = std::make_unique<AnalysisRunnerImpl>(
        DefaultProviders(sim_->client(), RealClock::Get()), &sim_->events(),
        std::make_unique<AnalysisMetrics>(*registry_->prometheus_registry()));
    WaitForSamples();
  }

  // Bounded poll until prometheus holds kSamples samples per version for the judge's window.
  void WaitForSamples() {
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (scrapes_ < kSamples + 2) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << prom_->Log();
      std::this_thread::sleep_for(200ms);
    }
  }

  api::Release NewRelease(const std::string& name, std::vector<api::Metric> metrics,
                          const std::string& canary_version) {
    auto r = sim_->CreateRelease(name);
    EXPECT_TRUE(r.ok()) << r.error().message;
    api::Release release = r.ok() ? *r : api::Release{};
    release.spec.analysis.metrics = std::move(metrics);
    std::vector<std::string> names;
    for (const auto& m : release.spec.analysis.metrics) names.push_back(m.name);
    testing::StartRun(release, "step-0", names, RealClock::Get().WallNow());
    release.status.canary->version = canary_version;
    return release;
  }

  api::Metric Latency(const std::string& address = "") {
    api::Metric m;
    m.name = "p99-latency";
    m.successCondition = "result < 0.15";
    api::PrometheusProvider p;
    p.address = address.empty() ? prom_->Url() : address;
    p.query = R"(model_latency_seconds{version="{{canaryVersion}}"})";
    p.timeout = "5s";
    m.provider.prometheus = p;
    return m;
  }

  api::Metric Judge() {
    api::Metric m;
    m.name = "latency-vs-stable";
    api::JudgeProvider j;
    j.prometheus.address = prom_->Url();
    j.prometheus.query = R"(model_latency_seconds{version="{{version}}"})";
    j.window = "2m";
    j.step = "1s";
    j.toleratedEffect = 1.1;
    j.minSamples = kSamples;
    m.provider.judge = j;
    return m;
  }

  // One pass at `now` (default: the real now).
  std::optional<api::Time> RunOnce(api::Release& release, std::optional<api::Time> now = {}) {
    auto next = runner_->Run(testing::ActionFor(release, "step-0"), release, release.status,
                             now.value_or(RealClock::Get().WallNow()));
    EXPECT_TRUE(next.ok()) << next.error().message;
    return next.ok() ? *next : std::nullopt;
  }

  bool Exposed(const std::string& series) {
    return registry_->Serialize().find(series) != std::string::npos;
  }

  std::vector<std::string> Reasons(const std::string& release) {
    std::vector<std::string> out;
    for (const json& e : sim_->EventsFor(release)) out.push_back(e.value("reason", ""));
    return out;
  }

  static inline kt::TempDir* dir_ = nullptr;
  static inline kt::TestServer* exporter_ = nullptr;
  static inline analysis::testing::PrometheusServer* prom_ = nullptr;
  static inline AnalysisSim* sim_ = nullptr;
  static inline bool started_ = false;
  static inline std::atomic<int> scrapes_{0};
  std::unique_ptr<metrics::Registry> registry_;
  std::unique_ptr<AnalysisRunnerImpl> runner_;
};

TEST_F(AnalysisPrometheusTest, GoodCanaryIsSuccessful) {
  api::Release release = NewRelease("good", {Latency()}, "v3");
  EXPECT_EQ(RunOnce(release), std::nullopt) << "decided: nothing more is due";
  const api::AnalysisRunStatus& run = testing::RunOf(release, "step-0");
  EXPECT_EQ(run.phase, api::kAnalysisSuccessful) << run.message;
  const api::MetricResult& m = run.metrics.at(0);
  EXPECT_EQ(m.phase, api::kAnalysisSuccessful);
  ASSERT_EQ(m.measurements.size(), 1u);
  ASSERT_TRUE(m.measurements[0].value.has_value());
  EXPECT_NEAR(*m.measurements[0].value, 0.105, 0.006);
  EXPECT_TRUE(Exposed(R"(ferry_analysis_measurement{metric="p99-latency",namespace="ml",release="good"} 0.1)"))
      << registry_->Serialize();
  EXPECT_TRUE(Exposed(R"(ferry_analysis_threshold{metric="p99-latency",namespace="ml",release="good"} 0.15)"))
      << registry_->Serialize();
  EXPECT_TRUE(Exposed(R"(ferry_analysis_runs_total{namespace="ml",release="good",result="successful"} 1)"));
  const auto reasons = Reasons("good");
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), kEventAnalysisSuccessful), reasons.end());
}

TEST_F(AnalysisPrometheusTest, BadCanaryFails) {
  api::Release release = NewRelease("bad", {Latency()}, "v2");
  RunOnce(release);
  const api::AnalysisRunStatus& run = testing::RunOf(release, "step-0");
  EXPECT_EQ(run.phase, api::kAnalysisFailed);
  EXPECT_NE(run.message.find("p99-latency"), std::string::npos) << run.message;
  EXPECT_EQ(run.metrics.at(0).failed, 1);
  EXPECT_TRUE(Exposed(R"(ferry_analysis_runs_total{namespace="ml",release="bad",result="failed"} 1)"));
  const auto reasons = Reasons("bad");
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), kEventMetricFailed), reasons.end());
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), kEventAnalysisFailed), reasons.end());
}

TEST_F(AnalysisPrometheusTest, EmptyResultIsInconclusiveOrAsConfigured) {
  {
    api::Release release = NewRelease("empty", {Latency()}, "v9");
    RunOnce(release);
    const api::AnalysisRunStatus& run = testing::RunOf(release, "step-0");
    EXPECT_EQ(run.phase, api::kAnalysisInconclusive) << run.message;
    EXPECT_EQ(run.metrics.at(0).measurements.at(0).message, "empty result");
    EXPECT_FALSE(run.metrics.at(0).measurements.at(0).value.has_value());
  }
  {
    api::Metric m = Latency();
    m.provider.prometheus->emptyResult = api::kAnalysisFailed;
    api::Release release = NewRelease("empty-fails", {m}, "v9");
    RunOnce(release);
    EXPECT_EQ(testing::RunOf(release, "step-0").phase, api::kAnalysisFailed);
  }
}

TEST_F(AnalysisPrometheusTest, JudgeComparesCanaryWithStable) {
  {
    api::Release release = NewRelease("judge-bad", {Judge()}, "v2");
    RunOnce(release);
    const api::AnalysisRunStatus& run = testing::RunOf(release, "step-0");
    EXPECT_EQ(run.phase, api::kAnalysisFailed) << run.message;
    const api::MetricResult& m = run.metrics.at(0);
    ASSERT_TRUE(m.judge.has_value());
    EXPECT_LT(m.judge->pValue, 0.02);
    EXPECT_GT(m.judge->effect, 1.8);
    EXPECT_GE(m.judge->canarySamples, kSamples);
    EXPECT_GE(m.judge->stableSamples, kSamples);
    ASSERT_TRUE(m.measurements.at(0).value.has_value());
    EXPECT_DOUBLE_EQ(*m.measurements.at(0).value, m.judge->pValue);
    EXPECT_TRUE(Exposed("ferry_analysis_judge_p_value{metric=\"latency-vs-stable\",namespace=\"ml\","
                        "release=\"judge-bad\"}"));
  }
  {
    api::Release release = NewRelease("judge-good", {Judge()}, "v3");
    RunOnce(release);
    const api::AnalysisRunStatus& run = testing::RunOf(release, "step-0");
    EXPECT_EQ(run.phase, api::kAnalysisSuccessful) << run.message;
    EXPECT_NEAR(run.metrics.at(0).judge->effect, 1.0, 0.05);
  }
}

TEST_F(AnalysisPrometheusTest, BearerTokenComesFromASecret) {
  api::Metric m = Latency();
  m.provider.prometheus->bearerTokenSecretRef = api::SecretKeyRef{"prom-token", "token"};
  {
    api::Release release = NewRelease("no-secret", {m}, "v3");
    RunOnce(release);
    const api::Measurement& got = testing::RunOf(release, "step-0").metrics.at(0).measurements.at(0);
    EXPECT_EQ(got.phase, api::kAnalysisError);
    EXPECT_NE(got.message.find("bearerTokenSecretRef: cannot read Secret ml/prom-token"),
              std::string::npos)
        << got.message;
    EXPECT_EQ(testing::RunOf(release, "step-0").phase, api::kAnalysisRunning)
        << "one error is below consecutiveErrorLimit";
  }
  auto secret = sim_->client().Create(
      kube::kSecrets, {{"apiVersion", "v1"}, {"kind", "Secret"},
                       {"metadata", {{"name", "prom-token"}, {"namespace", kNamespace}}},
                       {"data", {{"token", "c2VjcmV0LXRva2VuCg=="}}}});  // "secret-token\n"
  ASSERT_TRUE(secret.ok()) << secret.error().message;
  api::Release release = NewRelease("with-secret", {m}, "v3");
  RunOnce(release);
  EXPECT_EQ(testing::RunOf(release, "step-0").phase, api::kAnalysisSuccessful)
      << testing::RunOf(release, "step-0").metrics.at(0).measurements.at(0).message;

  // What reaches the server: a proxy in front of Prometheus that checks the token.
  kt::TestServer proxy({.plain_http = true}, [](const kt::HttpRequest& r, kt::ResponseWriter& w) {
    if (r.Header("authorization") != "Bearer secret-token") return w.Send(401, "unauthorized");
    w.Send(200, R"({"status":"success","data":{"resultType":"scalar","result":[1,"0.01"]}})",
           {{"Content-Type", "application/json"}});
  });
  m.provider.prometheus->address = proxy.Url();
  api::Release proxied = NewRelease("via-proxy", {m}, "v3");
  RunOnce(proxied);
  const api::Measurement& got = testing::RunOf(proxied, "step-0").metrics.at(0).measurements.at(0);
  EXPECT_EQ(got.phase, api::kAnalysisSuccessful) << got.message;
  EXPECT_EQ(got.value, 0.01);
}

TEST_F(AnalysisPrometheusTest, OutageIsCountedAsErrorsUpToTheLimit) {
  const int port = analysis::testing::FreePort();  // nothing listens there
  api::Metric m = Latency("http://127.0.0.1:" + std::to_string(port));
  m.consecutiveErrorLimit = 2;
  m.interval = "30s";
  api::Release release = NewRelease("outage", {m}, "v3");
  // Each pass at the time the previous one said the next measurement is due.
  std::optional<api::Time> due = RealClock::Get().WallNow();
  for (int i = 1; i <= 2; ++i) {
    due = RunOnce(release, *due);
    ASSERT_TRUE(due.has_value()) << "still running after " << i << " errors";
    const api::MetricResult& r = testing::RunOf(release, "step-0").metrics.at(0);
    EXPECT_EQ(r.consecutiveErrors, i);
    EXPECT_EQ(r.measurements.back().phase, api::kAnalysisError);
    EXPECT_EQ(testing::RunOf(release, "step-0").phase, api::kAnalysisRunning);
  }
  // Not due yet: nothing is measured.
  EXPECT_EQ(RunOnce(release, *due - 1s), due);
  EXPECT_EQ(testing::RunOf(release, "step-0").metrics.at(0).errors, 2);

  EXPECT_EQ(RunOnce(release, *due), std::nullopt);
  const api::AnalysisRunStatus& run = testing::RunOf(release, "step-0");
  EXPECT_EQ(run.phase, api::kAnalysisFailed);
  EXPECT_NE(run.message.find("3 consecutive errors (limit 2)"), std::string::npos) << run.message;
  EXPECT_TRUE(Exposed(R"(ferry_analysis_runs_total{namespace="ml",release="outage",result="error"} 1)"))
      << registry_->Serialize();
}

}  // namespace
}  // namespace ferry::release
