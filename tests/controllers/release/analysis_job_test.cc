// The analysis runner's `job` provider against the real kube-sim: the Job is created from the
// metric's template (owned by the Release, placeholders substituted), its pod runs as the sim/*
// annotations say, and the Job's success or failure (with the termination message) becomes the
// measurement and the run's verdict. A lost status write adopts the same Job instead of starting
// a second one.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "operator/base/clock.h"
#include "operator/controllers/release/analysis_job.h"
#include "operator/controllers/release/analysis_runner_impl.h"
#include "operator/metrics/registry.h"
#include "tests/controllers/release/analysis_sim.h"

namespace ferry::release {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using testing::AnalysisSim;
using testing::kNamespace;

api::Metric EvalMetric(const std::string& exit_code, const std::string& message) {
  api::Metric m;
  m.name = "eval";
  api::JobProvider job;
  job.metadata.labels = {{"team", "ml"}};
  job.spec = {{"backoffLimit", 0},
              {"template",
               {{"metadata",
                 {{"annotations",
                   {{"sim/exit-code", exit_code},
                    {"sim/duration-seconds", "0.3"},
                    {"sim/termination-message", message}}}}},
                {"spec",
                 {{"restartPolicy", "Never"},
                  {"containers",
                   json::array({{{"name", "eval"},
                                 {"image", "registry.example/model-eval:1"},
                                 {"env", json::array({{{"name", "CANDIDATE"},
                                                       {"value", "{{release}}-{{canaryVersion}}"}},
                                                      {{"name", "SET"},
                                                       {"value", "{{args.dataset}}"}}})}}})}}}}}};
  m.provider.job = job;
  return m;
}

class AnalysisJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sim_.error(), "");
    metrics_registry_ = std::make_unique<metrics::Registry>("test");
    runner_ = std::make_unique<AnalysisRunnerImpl>(
        DefaultProviders(sim_.client(), RealClock::Get()), &sim_.events(),
        std::make_unique<AnalysisMetrics>(*metrics_registry_->prometheus_registry()));
  }

  api::Release NewRelease(const std::string& name, api::Metric metric) {
    auto r = sim_.CreateRelease(name);
    EXPECT_TRUE(r.ok()) << r.error().message;
    api::Release release = r.ok() ? *r : api::Release{};
    release.spec.analysis.metrics = {std::move(metric)};
    testing::StartRun(release, "step-1", {"eval"}, RealClock::Get().WallNow());
    return release;
  }

  // Runs the analysis until it decides (bounded).
  void RunToVerdict(api::Release& release) {
    const RunAnalysis action =
        testing::ActionFor(release, "step-1", {{.name = "dataset", .value = "holdout-2026"}});
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (testing::RunOf(release, "step-1").phase == api::kAnalysisRunning) {
      auto next = runner_->Run(action, release, release.status, RealClock::Get().WallNow());
      ASSERT_TRUE(next.ok()) << next.error().message;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "analysis never decided";
      std::this_thread::sleep_for(100ms);
    }
  }

  std::vector<json> JobsOf(const std::string& release) {
    auto list = sim_.client().List(kube::kJobs, kNamespace,
                                   {.label_selector = "ferry.dev/release=" + release});
    EXPECT_TRUE(list.ok());
    return list.ok() ? (*list)["items"].get<std::vector<json>>() : std::vector<json>{};
  }

  AnalysisSim sim_;
  std::unique_ptr<metrics::Registry> metrics_registry_;
  std::unique_ptr<AnalysisRunnerImpl> runner_;
};

TEST_F(AnalysisJobTest, PassingJobIsSuccessfulWithItsTerminationMessage) {
  api::Release release = NewRelease("ranker", EvalMetric("0", "accuracy=0.931 on 5000 samples"));
  RunToVerdict(release);

  const api::AnalysisRunStatus& run = testing::RunOf(release, "step-1");
  EXPECT_EQ(run.phase, api::kAnalysisSuccessful) << run.message;
  ASSERT_EQ(run.metrics.size(), 1u);
  const api::MetricResult& eval = run.metrics[0];
  EXPECT_EQ(eval.phase, api::kAnalysisSuccessful);
  EXPECT_EQ(eval.count, 1);
  EXPECT_EQ(eval.successful, 1);
  ASSERT_EQ(eval.measurements.size(), 1u);
  const api::Measurement& m = eval.measurements[0];
  EXPECT_EQ(m.phase, api::kAnalysisSuccessful);
  EXPECT_NE(m.message.find("succeeded: accuracy=0.931 on 5000 samples"), std::string::npos)
      << m.message;
  EXPECT_TRUE(m.startedAt && m.finishedAt);
  EXPECT_TRUE(run.completionTime.has_value());

  // The Job: owned by the Release, labelled, placeholders and args substituted.
  const std::vector<json> jobs = JobsOf("ranker");
  ASSERT_EQ(jobs.size(), 1u);
  const json& job = jobs[0];
  EXPECT_EQ(job["metadata"]["name"],
            AnalysisJobName("ranker", "step-1", run.startTime, "eval", 0));
  EXPECT_TRUE(OwnedBy(job, release.metadata.uid));
  EXPECT_EQ(job["metadata"]["ownerReferences"][0]["kind"], "Release");
  EXPECT_EQ(job["metadata"]["ownerReferences"][0]["controller"], true);
  EXPECT_EQ(job["metadata"]["labels"]["team"], "ml");
  EXPECT_EQ(job["metadata"]["labels"][kLabelAnalysisRun], "step-1");
  const json env = job["spec"]["template"]["spec"]["containers"][0]["env"];
  EXPECT_EQ(env[0]["value"], "ranker-v2");
  EXPECT_EQ(env[1]["value"], "holdout-2026");

  std::vector<std::string> reasons;
  for (const json& e : sim_.EventsFor("ranker")) reasons.push_back(e.value("reason", ""));
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), kEventMetricSuccessful), reasons.end());
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), kEventAnalysisSuccessful), reasons.end());
  EXPECT_NE(metrics_registry_->Serialize().find(
                R"(ferry_analysis_runs_total{namespace="ml",release="ranker",result="successful"} 1)"),
            std::string::npos)
      << metrics_registry_->Serialize();
}

TEST_F(AnalysisJobTest, FailingJobFailsTheRunWithItsTerminationMessage) {
  api::Release release =
      NewRelease("scorer", EvalMetric("1", "accuracy=0.712 below the 0.9 floor"));
  RunToVerdict(release);

  const api::AnalysisRunStatus& run = testing::RunOf(release, "step-1");
  EXPECT_EQ(run.phase, api::kAnalysisFailed);
  EXPECT_NE(run.message.find("accuracy=0.712 below the 0.9 floor"), std::string::npos)
      << run.message;
  const api::Measurement& m = run.metrics.at(0).measurements.at(0);
  EXPECT_EQ(m.phase, api::kAnalysisFailed);
  EXPECT_NE(m.message.find("failed (BackoffLimitExceeded): accuracy=0.712"), std::string::npos)
      << m.message;

  std::vector<json> events = sim_.EventsFor("scorer");
  const bool warned = std::any_of(events.begin(), events.end(), [](const json& e) {
    return e.value("reason", "") == kEventAnalysisFailed && e.value("type", "") == "Warning";
  });
  EXPECT_TRUE(warned);
}

TEST_F(AnalysisJobTest, LostStatusWriteAdoptsTheSameJob) {
  api::Release release = NewRelease("adopt", EvalMetric("0", "ok"));
  const RunAnalysis action = testing::ActionFor(release, "step-1", {{.name = "dataset", .value = "d"}});
  const api::ReleaseStatus before = release.status;

  auto next = runner_->Run(action, release, release.status, RealClock::Get().WallNow());
  ASSERT_TRUE(next.ok());
  const api::MetricResult& started = testing::RunOf(release, "step-1").metrics.at(0);
  ASSERT_EQ(started.measurements.size(), 1u);
  EXPECT_EQ(started.measurements[0].phase, api::kAnalysisRunning);
  ASSERT_TRUE(next->has_value());
  EXPECT_LE(**next - RealClock::Get().WallNow(), kJobPollInterval);
  ASSERT_EQ(JobsOf("adopt").size(), 1u);

  // The status write was lost (crash): the next pass starts from the old status, finds the Job
  // by its deterministic name and follows it instead of creating a second one.
  release.status = before;
  RunToVerdict(release);
  EXPECT_EQ(testing::RunOf(release, "step-1").phase, api::kAnalysisSuccessful);
  EXPECT_EQ(JobsOf("adopt").size(), 1u);
}

TEST_F(AnalysisJobTest, NameTakenByAnotherObjectIsAnError) {
  api::Release release = NewRelease("taken", EvalMetric("0", "ok"));
  const std::string name =
      AnalysisJobName("taken", "step-1", testing::RunOf(release, "step-1").startTime, "eval", 0);
  auto squatter = sim_.client().Create(
      kube::kJobs,
      {{"apiVersion", "batch/v1"},
       {"kind", "Job"},
       {"metadata", {{"name", name}, {"namespace", kNamespace}}},
       {"spec",
        {{"template",
          {{"metadata", {{"annotations", {{"sim/duration-seconds", "300"}}}}},
           {"spec", {{"restartPolicy", "Never"},
                     {"containers", json::array({{{"name", "x"}, {"image", "x"}}})}}}}}}}});
  ASSERT_TRUE(squatter.ok()) << squatter.error().message;
  const RunAnalysis action = testing::ActionFor(release, "step-1", {{.name = "dataset", .value = "d"}});
  auto next = runner_->Run(action, release, release.status, RealClock::Get().WallNow());
  ASSERT_TRUE(next.ok());
  const api::MetricResult& r = testing::RunOf(release, "step-1").metrics.at(0);
  ASSERT_EQ(r.measurements.size(), 1u);
  EXPECT_EQ(r.measurements[0].phase, api::kAnalysisError);
  EXPECT_NE(r.measurements[0].message.find("not owned by this Release"), std::string::npos)
      << r.measurements[0].message;
  EXPECT_EQ(r.consecutiveErrors, 1);
}

}  // namespace
}  // namespace ferry::release
