#include "operator/controllers/pipeline/dag.h"

#include <gtest/gtest.h>

#include "tests/controllers/pipeline/stage_builders.h"

namespace ferry::pipeline {
namespace {

using testing::S;

using P = StagePhase;

// lint and unit run in parallel; build needs both; smoke and scan need build; publish needs both.
std::vector<api::Stage> Diamond() {
  return {S("lint"),
          S("unit", {}, 1),
          S("build", {"lint", "unit"}),
          S("smoke", {"build"}),
          S("scan", {"build"}, 2),
          S("publish", {"smoke", "scan"})};
}

std::vector<std::string> Starts(const RunPlan& p) {
  std::vector<std::string> out;
  for (const auto& s : p.start) out.push_back(s.stage + "#" + std::to_string(s.attempt));
  return out;
}

struct Case {
  std::string name;
  std::map<std::string, StageState> states;
  std::vector<std::string> start;
  std::vector<std::string> skip;
  std::vector<std::string> failed;
  RunOutcome outcome;
  std::vector<std::string> running;
};

TEST(PlanRun, Table) {
  const std::vector<Case> cases = {
      {"fresh run starts every root in parallel",
       {},
       {"lint#1", "unit#1"},
       {},
       {},
       RunOutcome::kRunning,
       {"lint", "unit"}},
      {"nothing new while roots run",
       {{"lint", {P::kRunning, 1}}, {"unit", {P::kRunning, 1}}},
       {},
       {},
       {},
       RunOutcome::kRunning,
       {"lint", "unit"}},
      {"build waits for its last dependency",
       {{"lint", {P::kSucceeded, 1}}, {"unit", {P::kRunning, 1}}},
       {},
       {},
       {},
       RunOutcome::kRunning,
       {"unit"}},
      {"fan-out after build",
       {{"lint", {P::kSucceeded, 1}}, {"unit", {P::kSucceeded, 1}}, {"build", {P::kSucceeded, 1}}},
       {"smoke#1", "scan#1"},
       {},
       {},
       RunOutcome::kRunning,
       {"smoke", "scan"}},
      {"failed stage with retries left starts its next attempt",
       {{"lint", {P::kRunning, 1}}, {"unit", {P::kFailed, 1}}},
       {"unit#2"},
       {},
       {},
       RunOutcome::kRunning,
       {"lint", "unit"}},
      {"retries exhausted: pending stages skipped, running ones finish",
       {{"lint", {P::kRunning, 1}}, {"unit", {P::kFailed, 2}}},
       {},
       {"build", "smoke", "scan", "publish"},
       {"unit"},
       RunOutcome::kRunning,
       {"lint"}},
      {"run fails once nothing runs",
       {{"lint", {P::kSucceeded, 1}},
        {"unit", {P::kFailed, 2}},
        {"build", {P::kSkipped, 0}},
        {"smoke", {P::kSkipped, 0}},
        {"scan", {P::kSkipped, 0}},
        {"publish", {P::kSkipped, 0}}},
       {},
       {},
       {"unit"},
       RunOutcome::kFailed,
       {}},
      {"a retryable failure is not retried while another stage failed for good",
       {{"lint", {P::kSucceeded, 1}},
        {"unit", {P::kSucceeded, 1}},
        {"build", {P::kSucceeded, 1}},
        {"smoke", {P::kFailed, 1}},
        {"scan", {P::kFailed, 1}}},
       {},
       {"publish"},
       {"smoke"},
       RunOutcome::kFailed,
       {}},
      {"third attempt of scan (retries 2)",
       {{"lint", {P::kSucceeded, 1}},
        {"unit", {P::kSucceeded, 2}},
        {"build", {P::kSucceeded, 1}},
        {"smoke", {P::kSucceeded, 1}},
        {"scan", {P::kFailed, 2}}},
       {"scan#3"},
       {},
       {},
       RunOutcome::kRunning,
       {"scan"}},
      {"all succeeded",
       {{"lint", {P::kSucceeded, 1}},
        {"unit", {P::kSucceeded, 1}},
        {"build", {P::kSucceeded, 1}},
        {"smoke", {P::kSucceeded, 1}},
        {"scan", {P::kSucceeded, 1}},
        {"publish", {P::kSucceeded, 1}}},
       {},
       {},
       {},
       RunOutcome::kSucceeded,
       {}},
      {"unknown stages in state are ignored",
       {{"old-stage", {P::kFailed, 9}}},
       {"lint#1", "unit#1"},
       {},
       {},
       RunOutcome::kRunning,
       {"lint", "unit"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    RunPlan plan = PlanRun(Diamond(), c.states);
    EXPECT_EQ(Starts(plan), c.start);
    EXPECT_EQ(plan.skip, c.skip);
    EXPECT_EQ(plan.failed, c.failed);
    EXPECT_EQ(plan.outcome, c.outcome);
    EXPECT_EQ(plan.running, c.running);
  }
}

TEST(PlanRun, SameStateSamePlan) {
  std::map<std::string, StageState> states = {{"lint", {P::kSucceeded, 1}}};
  EXPECT_EQ(Starts(PlanRun(Diamond(), states)), Starts(PlanRun(Diamond(), states)));
}

TEST(PlanRun, StuckRunWithoutFailureEnds) {
  // A Skipped stage without a failure cannot progress: the run must end, not hang.
  RunPlan plan = PlanRun({S("a"), S("b", {"a"})}, {{"a", {P::kSkipped, 0}}});
  EXPECT_TRUE(plan.start.empty());
  EXPECT_EQ(plan.outcome, RunOutcome::kFailed);
}

TEST(PlanRun, SingleStageLifecycle) {
  std::vector<api::Stage> one = {S("build", {}, 1)};
  EXPECT_EQ(Starts(PlanRun(one, {})), std::vector<std::string>{"build#1"});
  EXPECT_EQ(Starts(PlanRun(one, {{"build", {P::kFailed, 1}}})),
            std::vector<std::string>{"build#2"});
  EXPECT_EQ(PlanRun(one, {{"build", {P::kFailed, 2}}}).outcome, RunOutcome::kFailed);
  EXPECT_EQ(PlanRun(one, {{"build", {P::kSucceeded, 2}}}).outcome, RunOutcome::kSucceeded);
}

TEST(StagePhase, NamesRoundTrip) {
  for (auto p : {P::kPending, P::kRunning, P::kSucceeded, P::kFailed, P::kSkipped}) {
    EXPECT_EQ(ParseStagePhase(StagePhaseName(p)), p);
  }
  EXPECT_EQ(ParseStagePhase(""), P::kPending);
  EXPECT_EQ(ParseStagePhase("Done"), std::nullopt);
  EXPECT_EQ(StagePhaseName(P::kSkipped), "Skipped");
}

}  // namespace
}  // namespace ferry::pipeline
