// Pure parts of the analysis runner: status <-> analysis mapping (counters, trimming, the rebuilt
// history DecideMetric sees), thresholds, judge tolerance, scoring, and the Job's name, body and
// outcome.
#include "operator/controllers/release/analysis_record.h"

#include <gtest/gtest.h>

#include "operator/controllers/release/analysis_job.h"

namespace ferry::release {
namespace {

namespace an = ferry::analysis;
using nlohmann::json;
using namespace std::chrono_literals;

const api::Time kT0 = api::Time{} + 1'700'000'000s;

api::Measurement M(const char* phase, int at) {
  return {.phase = phase, .startedAt = kT0 + std::chrono::seconds(at),
          .finishedAt = kT0 + std::chrono::seconds(at)};
}

// Whatever is trimmed away, the verdict over status equals the verdict over every measurement.
TEST(AnalysisRecordTest, TrimmedStatusDecidesLikeTheFullHistory) {
  struct Case {
    std::string name;
    std::vector<const char*> phases;
    an::MetricRunSpec spec;
  };
  const char* S = api::kAnalysisSuccessful;
  const char* F = api::kAnalysisFailed;
  const char* I = api::kAnalysisInconclusive;
  const char* E = api::kAnalysisError;
  std::vector<Case> cases = {
      {"errors in a row beyond what status keeps", {S, S, E, E, E, E, E, E},
       {.name = "m", .interval = 1000ms, .count = 20, .consecutive_error_limit = 6}},
      {"old failures still count", {F, F, S, S, S, S},
       {.name = "m", .interval = 1000ms, .count = 20, .failure_limit = 1}},
      {"interrupted errors are not consecutive", {E, E, E, S, E, E},
       {.name = "m", .interval = 1000ms, .count = 20, .consecutive_error_limit = 3}},
      {"count reached", {S, I, S, S, E, S}, {.name = "m", .interval = 1000ms, .count = 5,
                                              .inconclusive_limit = 1}},
      {"inconclusive beyond limit", {I, S, S, S, I, S},
       {.name = "m", .interval = 1000ms, .count = 20, .inconclusive_limit = 1}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    api::MetricResult trimmed{.name = "m"};
    std::vector<an::Measurement> full;
    for (std::size_t i = 0; i < c.phases.size(); ++i) {
      api::Measurement m = M(c.phases[i], static_cast<int>(i));
      full.push_back(FromApiMeasurement(m));
      RecordMeasurement(trimmed, m, /*keep=*/3);
    }
    EXPECT_EQ(trimmed.measurements.size(), 3u);
    EXPECT_EQ(trimmed.count, static_cast<int>(c.phases.size()));
    const auto rebuilt = DecidableMeasurements(trimmed);
    EXPECT_EQ(rebuilt.size(), full.size());
    const an::MetricStatus want = an::DecideMetric(c.spec, kT0, full, false);
    const an::MetricStatus got = an::DecideMetric(c.spec, kT0, rebuilt, false);
    EXPECT_EQ(an::RunPhaseName(got.phase), an::RunPhaseName(want.phase)) << got.message;
    EXPECT_EQ(got.consecutive_errors, want.consecutive_errors);
    EXPECT_EQ(got.next_measurement_at, want.next_measurement_at);
  }
}

TEST(AnalysisRecordTest, InProgressMeasurementIsReplacedAndNeverCounted) {
  api::MetricResult r{.name = "eval"};
  RecordInProgress(r, M(api::kAnalysisRunning, 0));
  RecordInProgress(r, M(api::kAnalysisRunning, 5));  // refreshed, start kept
  ASSERT_NE(InProgressMeasurement(r), nullptr);
  EXPECT_EQ(r.measurements.size(), 1u);
  EXPECT_EQ(r.measurements[0].startedAt, kT0);
  EXPECT_TRUE(DecidableMeasurements(r).empty());
  EXPECT_EQ(r.count, 0);
  api::Measurement done = M(api::kAnalysisFailed, 9);
  done.startedAt = kT0 + 9s;
  RecordMeasurement(r, done);
  EXPECT_EQ(InProgressMeasurement(r), nullptr);
  ASSERT_EQ(r.measurements.size(), 1u);
  EXPECT_EQ(r.measurements[0].startedAt, kT0) << "when the Job started";
  EXPECT_EQ(r.failed, 1);
  EXPECT_EQ(r.count, 1);
}

TEST(AnalysisRecordTest, ValuesThatJsonCannotHoldAreLeftOut) {
  an::Measurement m{.phase = an::MeasurementPhase::kInconclusive, .value = an::Value::Scalar(std::nan(""))};
  EXPECT_FALSE(ToApiMeasurement(m).value.has_value());
  m.value = an::Value::Vector({1, 2});
  EXPECT_FALSE(ToApiMeasurement(m).value.has_value());
  m.value = an::Value::Scalar(0.25);
  EXPECT_EQ(ToApiMeasurement(m).value, 0.25);
}

TEST(AnalysisRecordTest, RunSpecOfTheApiMetric) {
  api::Metric m{.name = "errors", .interval = "30s", .initialDelay = "1m", .failureLimit = 2};
  auto step = MetricRunSpecOf(m, false);
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(step->count, 1) << "a step analysis measures once without count";
  EXPECT_EQ(step->interval, 30s);
  EXPECT_EQ(step->initial_delay, 60s);
  EXPECT_EQ(step->failure_limit, 2);
  auto bg = MetricRunSpecOf(m, true);
  EXPECT_EQ(bg->count, 0) << "background: until the rollout ends";
  m.count = 5;
  EXPECT_EQ(MetricRunSpecOf(m, true)->count, 5);
  m.interval = "soon";
  auto bad = MetricRunSpecOf(m, false);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("spec.analysis.metrics[errors].interval"), std::string::npos);
}

TEST(AnalysisRecordTest, ThresholdOfAMetric) {
  struct Case { api::Metric metric; std::optional<double> want; };
  std::vector<Case> cases = {
      {{.successCondition = "result < 0.01"}, 0.01},
      {{.successCondition = "0.95 <= result"}, 0.95},
      {{.failureCondition = "result >= 2.5e-1"}, 0.25},
      {{.successCondition = "result < 0.01 && result > 0"}, std::nullopt},
      {{.successCondition = "isNaN(result)"}, std::nullopt},
      {{.thresholdRange = api::ThresholdRange{.min = 0.9}}, 0.9},
      {{.thresholdRange = api::ThresholdRange{.min = 0.1, .max = 0.3}}, 0.3},
      {{}, std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.metric.successCondition + c.metric.failureCondition);
    EXPECT_EQ(ThresholdOf(c.metric), c.want);
  }
}

TEST(AnalysisRecordTest, ToleratedEffectBecomesTheJudgeTolerance) {
  api::Metric m{.name = "quality"};
  m.provider.judge = api::JudgeProvider{};
  m.provider.judge->toleratedEffect = 1.25;
  EXPECT_DOUBLE_EQ(JudgeSpecOf(m)->tolerance, 0.25);
  EXPECT_EQ(JudgeSpecOf(m)->bad_direction, an::Direction::kIncrease);
  m.provider.judge->direction = api::kDirectionDecrease;
  EXPECT_DOUBLE_EQ(JudgeSpecOf(m)->tolerance, 0.2) << "canary median down to 1/1.25 of stable's";
  EXPECT_EQ(JudgeSpecOf(m)->bad_direction, an::Direction::kDecrease);
  m.provider.judge->toleratedEffect = 0.5;
  EXPECT_FALSE(JudgeSpecOf(m).ok());
}

TEST(AnalysisRecordTest, EmptyResultPolicy) {
  api::Metric m{.name = "x"};
  EXPECT_EQ(ConditionsOf(m, api::kAnalysisInconclusive)->missing.on_empty,
            an::MeasurementPhase::kInconclusive);
  EXPECT_EQ(ConditionsOf(m, api::kAnalysisFailed)->missing.on_nan, an::MeasurementPhase::kFailed);
  EXPECT_FALSE(ConditionsOf(m, "Maybe").ok());
  m.successCondition = "result <";
  auto bad = ConditionsOf(m, "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("successCondition: condition: column"), std::string::npos)
      << bad.error().message;
}

TEST(AnalysisRecordTest, ScoringWeighsMetricsAndHonoursCriticalOnes) {
  api::Metric a{.name = "a", .weight = 3}, b{.name = "b", .weight = 1}, c{.name = "c", .weight = 1};
  const std::vector<const api::Metric*> metrics = {&a, &b, &c};
  auto status = [](an::RunPhase pa, an::RunPhase pb, an::RunPhase pc) {
    an::RunStatus rs;
    rs.metrics = {{.name = "a", .phase = pa}, {.name = "b", .phase = pb}, {.name = "c", .phase = pc}};
    return rs;
  };
  using P = an::RunPhase;
  const api::Scoring scoring{.pass = 75, .marginal = 50};
  an::RunStatus rs = status(P::kSuccessful, P::kSuccessful, P::kFailed);  // 4/5 = 80
  EXPECT_EQ(ApplyScoring(scoring, metrics, rs), 80);
  EXPECT_EQ(rs.phase, P::kSuccessful);
  rs = status(P::kSuccessful, P::kFailed, P::kFailed);  // 3/5 = 60: marginal
  EXPECT_EQ(ApplyScoring(scoring, metrics, rs), 60);
  EXPECT_EQ(rs.phase, P::kInconclusive);
  rs = status(P::kSuccessful, P::kRunning, P::kFailed);
  EXPECT_EQ(ApplyScoring(scoring, metrics, rs), std::nullopt) << "waits for b";
  EXPECT_EQ(rs.phase, P::kRunning);
  c.critical = true;
  rs = status(P::kSuccessful, P::kRunning, P::kFailed);
  ApplyScoring(scoring, metrics, rs);
  EXPECT_EQ(rs.phase, P::kFailed) << "a failed critical metric decides at once";
}

TEST(AnalysisJobBuildTest, NamesAreDeterministicShortAndPerRollout) {
  const auto name = AnalysisJobName("ranker", "step-2", kT0, "eval", 0);
  EXPECT_EQ(name, AnalysisJobName("ranker", "step-2", kT0, "eval", 0));
  EXPECT_EQ(name.rfind("ranker-step-2-eval-", 0), 0u) << name;
  EXPECT_EQ(name.substr(name.size() - 2), "-1");
  EXPECT_NE(name, AnalysisJobName("ranker", "step-2", kT0 + 60s, "eval", 0)) << "next rollout";
  EXPECT_NE(name, AnalysisJobName("ranker", "step-2", kT0, "eval", 1));
  const auto long_name = AnalysisJobName(std::string(60, 'r'), "background", kT0, "Model_Quality", 41);
  EXPECT_LE(long_name.size(), kMaxJobNameLength);
  EXPECT_EQ(long_name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"), std::string::npos)
      << long_name;
  EXPECT_EQ(long_name.substr(long_name.size() - 3), "-42");
}

TEST(AnalysisJobBuildTest, OutcomeFromConditionsAndTerminationMessage) {
  const json running = {{"metadata", {{"name", "j"}}}, {"status", {{"active", 1}}}};
  EXPECT_FALSE(ReadJobOutcome(running, json::array()).has_value());
  const json pods = json::array(
      {{{"metadata", {{"creationTimestamp", "2026-11-25T10:00:00Z"}}},
        {"status", {{"containerStatuses",
                     json::array({{{"state", {{"terminated", {{"message", "old\n"}, {"finishedAt", "2026-11-25T10:00:05Z"}}}}}}})}}}},
       {{"metadata", {{"creationTimestamp", "2026-11-25T10:01:00Z"}}},
        {"status", {{"containerStatuses",
                     json::array({{{"state", {{"terminated", {{"message", "auc=0.61\n"}, {"finishedAt", "2026-11-25T10:01:05Z"}}}}}}})}}}}});
  const json failed = {{"metadata", {{"name", "j"}}},
                       {"status", {{"conditions", json::array({{{"type", "Failed"}, {"status", "True"},
                                                                {"reason", "BackoffLimitExceeded"},
                                                                {"lastTransitionTime", "2026-11-25T10:01:06Z"}}})}}}};
  auto out = ReadJobOutcome(failed, pods);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->phase, api::kAnalysisFailed);
  EXPECT_EQ(out->message, "job j failed (BackoffLimitExceeded): auc=0.61");
  EXPECT_EQ(out->finished, api::ParseTime("2026-11-25T10:01:06Z").value());
  const json complete = {{"metadata", {{"name", "j"}}},
                         {"status", {{"conditions", json::array({{{"type", "Complete"}, {"status", "True"}}})}}}};
  EXPECT_EQ(ReadJobOutcome(complete, json::array())->message, "job j succeeded");
}

TEST(AnalysisJobBuildTest, BadPlaceholderInEnvNamesTheField) {
  api::Release release;
  release.metadata.name = "r";
  release.metadata.namespace_ = "ml";
  api::Metric m{.name = "eval"};
  m.provider.job = api::JobProvider{};
  m.provider.job->spec = {{"template", {{"spec", {{"containers", json::array({{{"name", "c"},
      {"env", json::array({{{"name", "X"}, {"value", "{{nope}}"}}})}}})}}}}}};
  auto job = BuildAnalysisJob(release, m, "step-0", "r-step-0-eval-x-1", TemplateContextOf(release, {}));
  ASSERT_FALSE(job.ok());
  EXPECT_NE(job.error().message.find("provider.job.spec.template.spec.containers[0].env[0].value"),
            std::string::npos)
      << job.error().message;
}

}  // namespace
}  // namespace ferry::release
