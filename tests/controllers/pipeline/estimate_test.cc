#include "operator/controllers/pipeline/estimate.h"

#include <gtest/gtest.h>

#include "tests/controllers/pipeline/stage_builders.h"

namespace ferry::pipeline {
namespace {

using testing::S;

using std::chrono::seconds;

std::vector<Millis> Secs(std::initializer_list<int> s) {
  std::vector<Millis> out;
  for (int v : s) out.push_back(seconds(v));
  return out;
}

TEST(Quantile, MatchesNumpyLinear) {
  // numpy.quantile([10, 20, 30, 40, 50], [0, .2, .5, .8, 1]) = [10, 18, 30, 42, 50]
  auto xs = Secs({10, 20, 30, 40, 50});
  EXPECT_EQ(Quantile(xs, 0.0), seconds(10));
  EXPECT_EQ(Quantile(xs, 0.2), seconds(18));
  EXPECT_EQ(Quantile(xs, 0.5), seconds(30));
  EXPECT_EQ(Quantile(xs, 0.8), seconds(42));
  EXPECT_EQ(Quantile(xs, 1.0), seconds(50));
  EXPECT_EQ(Quantile(Secs({7}), 0.8), seconds(7));
}

TEST(EstimateDuration, Table) {
  struct Case {
    std::string name;
    std::vector<Millis> samples;
    std::optional<DurationEstimate> want;
  };
  const std::vector<Case> cases = {
      {"no history", {}, std::nullopt},
      {"one run", Secs({60}),
       DurationEstimate{seconds(60), seconds(60), seconds(60), seconds(0), 1}},
      // median 30 of {10,20,30,40,50}; deviations {20,10,0,10,20} -> MAD 10
      {"spread", Secs({50, 10, 40, 20, 30}),
       DurationEstimate{seconds(30), seconds(18), seconds(42), seconds(10), 5}},
      // One run that hung for an hour moves neither the median nor the MAD.
      {"outlier", Secs({100, 110, 90, 105, 95, 3600}),
       DurationEstimate{Millis(102500), seconds(95), seconds(110), Millis(7500), 6}},
      {"even count median interpolates", Secs({10, 20}),
       DurationEstimate{seconds(15), seconds(12), seconds(18), seconds(5), 2}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(EstimateDuration(c.samples), c.want);
  }
}

api::RunSummary Summary(std::string phase, std::vector<api::StageSummary> stages) {
  api::RunSummary r;
  r.phase = std::move(phase);
  r.stages = std::move(stages);
  return r;
}

TEST(SuccessfulStageDurations, OnlySucceededNewestFirstBounded) {
  std::vector<api::RunSummary> history = {
      Summary("Failed", {{"build", "Succeeded", 100}, {"test", "Failed", 5}}),
      Summary("Succeeded", {{"build", "Succeeded", 120}, {"test", "Succeeded", 40}}),
      Summary("Succeeded", {{"build", "Succeeded", 110}}),
  };
  EXPECT_EQ(SuccessfulStageDurations(history, "build"), Secs({100, 120, 110}));
  EXPECT_EQ(SuccessfulStageDurations(history, "test"), Secs({40}));
  EXPECT_EQ(SuccessfulStageDurations(history, "build", 2), Secs({100, 120}));
  EXPECT_TRUE(SuccessfulStageDurations(history, "deploy").empty());
  auto est = EstimateStages({api::Stage{.name = "build"}, api::Stage{.name = "x"}}, history);
  EXPECT_EQ(est.size(), 1u);
  EXPECT_EQ(est["build"].median, seconds(110));
}

DurationEstimate Med(int s) { return DurationEstimate{seconds(s), seconds(s), seconds(s), {}, 3}; }

TEST(EstimateRun, CriticalPathOfADiamond) {
  // lint (60s) and unit (300s) in parallel, then build (600s), then smoke (60s).
  std::vector<api::Stage> stages = {S("lint"), S("unit"), S("build", {"lint", "unit"}),
                                    S("smoke", {"build"})};
  std::map<std::string, DurationEstimate> est = {
      {"lint", Med(60)}, {"unit", Med(300)}, {"build", Med(600)}, {"smoke", Med(60)}};
  api::Time t0 = api::ParseTime("2026-11-25T10:00:00Z").value();
  struct Case {
    std::string name;
    std::map<std::string, StageProgress> progress;
    api::Time now;
    std::string completion;  // "" = unknown
    std::vector<std::string> path;
  };
  const std::vector<Case> cases = {
      {"not started", {}, t0, "2026-11-25T10:16:00Z", {"unit", "build", "smoke"}},
      {"unit ran 100s of 300s",
       {{"lint", {StagePhase::kSucceeded, t0, t0 + seconds(50)}},
        {"unit", {StagePhase::kRunning, t0, std::nullopt}}},
       t0 + seconds(100),
       "2026-11-25T10:16:00Z",
       {"unit", "build", "smoke"}},
      {"unit overran: it ends no earlier than now",
       {{"lint", {StagePhase::kSucceeded, t0, t0 + seconds(50)}},
        {"unit", {StagePhase::kRunning, t0, std::nullopt}}},
       t0 + seconds(400),
       "2026-11-25T10:17:40Z",
       {"unit", "build", "smoke"}},
      {"build done early",
       {{"lint", {StagePhase::kSucceeded, t0, t0 + seconds(50)}},
        {"unit", {StagePhase::kSucceeded, t0, t0 + seconds(200)}},
        {"build", {StagePhase::kSucceeded, t0 + seconds(200), t0 + seconds(500)}}},
       t0 + seconds(500),
       "2026-11-25T10:09:20Z",
       {"unit", "build", "smoke"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    RunEstimate r = EstimateRun(stages, c.progress, est, c.now);
    ASSERT_TRUE(r.completion.has_value());
    EXPECT_EQ(api::FormatTime(*r.completion), c.completion);
    EXPECT_EQ(r.criticalPath, c.path);
  }
}

TEST(EstimateRun, UnknownWithoutHistoryDownstreamOnly) {
  std::vector<api::Stage> stages = {S("a"), S("b", {"a"}), S("c")};
  api::Time now = api::ParseTime("2026-11-25T10:00:00Z").value();
  RunEstimate r = EstimateRun(stages, {}, {{"b", Med(10)}, {"c", Med(20)}}, now);
  EXPECT_FALSE(r.completion.has_value());
  EXPECT_FALSE(r.stageCompletion.contains("a"));
  EXPECT_FALSE(r.stageCompletion.contains("b"));  // waits for a, which has no estimate
  EXPECT_EQ(r.stageCompletion.at("c"), now + seconds(20));
}

TEST(EstimateRun, SkippedStagesTakeNoTime) {
  std::vector<api::Stage> stages = {S("a"), S("b", {"a"})};
  api::Time now = api::ParseTime("2026-11-25T10:00:00Z").value();
  RunEstimate r = EstimateRun(
      stages, {{"a", {StagePhase::kFailed, now - seconds(5), now}}, {"b", {StagePhase::kSkipped}}},
      {}, now);
  ASSERT_TRUE(r.completion.has_value());
  EXPECT_EQ(*r.completion, now);
}

TEST(CompareEstimate, Table) {
  EXPECT_EQ(CompareEstimate(seconds(100), seconds(150)), (EstimateError{50.0, 0.5}));
  EXPECT_EQ(CompareEstimate(seconds(100), seconds(80)), (EstimateError{-20.0, -0.2}));
  EXPECT_EQ(CompareEstimate(seconds(0), seconds(5)), (EstimateError{5.0, 0.0}));
}

}  // namespace
}  // namespace ferry::pipeline
