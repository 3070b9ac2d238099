// Chaos scenario 1: twenty concurrent rollouts and three Pipelines while a seeded FaultDriver
// SIGKILLs and restarts the operator, drops kube-sim's watches, compacts its history, answers
// bursts of 500s and 429s and slows every request down, for a bounded window. Then, with the
// world healed, every rollout must end as it would have without faults (good versions
// promoted, bad ones rolled back with the target untouched), every Pipeline with exactly one
// Job per stage attempt, and no stable Deployment may ever have lost an available replica.
//
// The seed is printed; FERRY_CHAOS_SEED=<seed> repeats the same fault mix.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "tests/chaos/chaos_world.h"
#include "tests/chaos/fault_driver.h"
#include "tests/integration/pipeline/pipeline_fixture.h"

namespace ferry::chaos {
namespace {

using itest::Behaviour;
using itest::Eventually;
using itest::Stage;
using itest::StringAt;
using namespace std::chrono_literals;

constexpr int kRollouts = 20;
constexpr int kReplicas = 2;
constexpr Millis kFaultWindow = 45s;
// After the window: the slowest fate (a crash loop counted from scratch after the last restart)
// takes ~40 s on a loaded machine; a passing run returns as soon as all are done.
constexpr Millis kSettleTimeout = 150s;

// 14 good versions, 3 canaries that never get Ready, 3 that crash-loop; pauses of 3-12 s so
// the rollouts are spread over the fault window.
std::vector<RolloutCase> Cases() {
  std::vector<RolloutCase> cases;
  for (int i = 0; i < kRollouts; ++i) {
    Fate fate = i % 7 == 3 ? Fate::kNeverReady : i % 7 == 5 ? Fate::kCrashLoop : Fate::kPromoted;
    char name[16];
    std::snprintf(name, sizeof name, "app-%02d", i);
    cases.push_back(MakeCase(name, fate, 3 + 3 * (i % 4)));
  }
  return cases;
}

// A Pipeline and what its first run must end with.
struct PipelineCase {
  std::string name;
  json stages;
  std::string phase;                    // of run <name>-1
  std::vector<std::string> jobs;        // every Job of the Pipeline, sorted
  std::map<std::string, int> attempts;  // per stage
};

std::vector<PipelineCase> PipelineCases() {
  json retried = Stage("flaky", Behaviour{3, 2.0, ""}, {}, 2);
  return {
      {"pipe-chain",
       {Stage("build", {0, 3.0, ""}), Stage("test", {0, 3.0, ""}, {"build"}),
        Stage("package", {0, 3.0, ""}, {"test"})},
       "Succeeded",
       {"pipe-chain-1-build", "pipe-chain-1-package", "pipe-chain-1-test"},
       {{"build", 1}, {"test", 1}, {"package", 1}}},
      {"pipe-fan",
       {Stage("a", {0, 4.0, ""}), Stage("b", {0, 2.0, ""}), Stage("c", {0, 1.0, ""}, {"a", "b"})},
       "Succeeded",
       {"pipe-fan-1-a", "pipe-fan-1-b", "pipe-fan-1-c"},
       {{"a", 1}, {"b", 1}, {"c", 1}}},
      {"pipe-retry",
       {retried, Stage("after", {}, {"flaky"})},
       "Failed",
       {"pipe-retry-1-flaky", "pipe-retry-1-flaky-r2", "pipe-retry-1-flaky-r3"},
       {{"flaky", 3}, {"after", 0}}},
  };
}

json PipelineObject(const PipelineCase& p) {
  return {{"apiVersion", "ferry.dev/v1alpha1"},
          {"kind", "Pipeline"},
          {"metadata", {{"name", p.name}, {"namespace", kChaosNs}}},
          {"spec",
           {{"source", {{"url", "https://git.example.com/acme/app.git"}, {"revision", itest::kRev1}}},
            {"stages", p.stages}}}};
}

class ChaosFaultsTest : public ChaosTest {
 protected:
  bool WaitPipelines(const std::vector<PipelineCase>& cases, Millis timeout);
  void CheckPipeline(const PipelineCase& p);
};

bool ChaosFaultsTest::WaitPipelines(const std::vector<PipelineCase>& cases, Millis timeout) {
  std::string pending;
  bool ok = Eventually(
      [&] {
        pending.clear();
        for (const auto& p : cases) {
          auto got = cluster().Find(itest::kPipelines, kChaosNs, p.name);
          if (!got || StringAt(*got, "/status/currentRun/id") != p.name + "-1" ||
              StringAt(*got, "/status/phase") != p.phase) {
            pending += "\n  " + p.name + ": " + (got ? (*got)["status"].dump() : "unreadable");
          }
        }
        return pending.empty();
      },
      timeout, 250ms);
  EXPECT_TRUE(ok) << "Pipelines not at their expected end:" << pending;
  return ok;
}

void ChaosFaultsTest::CheckPipeline(const PipelineCase& p) {
  SCOPED_TRACE(p.name);
  kube::ListOptions opts;
  opts.label_selector = "ferry.dev/pipeline=" + p.name;
  std::vector<std::string> jobs;
  ASSERT_TRUE(Eventually([&] {
    auto list = client().List(kube::kJobs, kChaosNs, opts);
    if (!list) return false;
    jobs.clear();
    for (const auto& j : (*list)["items"]) jobs.push_back(StringAt(j, "/metadata/name"));
    return true;
  }));
  std::sort(jobs.begin(), jobs.end());
  EXPECT_EQ(jobs, p.jobs) << "exactly one Job per stage attempt";
  auto got = cluster().Find(itest::kPipelines, kChaosNs, p.name);
  ASSERT_TRUE(got.has_value());
  for (const auto& s : (*got)["status"]["currentRun"]["stages"]) {
    const std::string stage = s.value("name", "");
    EXPECT_EQ(s.value("attempts", 0), p.attempts.at(stage)) << stage << ": " << s.dump();
  }
}

TEST_F(ChaosFaultsTest, RolloutsAndPipelinesEndAsWithoutFaults) {
  const uint32_t seed = ChaosSeed();
  std::cout << "chaos seed " << seed << " (FERRY_CHAOS_SEED=" << seed
            << " repeats this fault mix)" << std::endl;
  RecordProperty("chaos_seed", std::to_string(seed));
  const auto cases = Cases();
  const auto pipelines = PipelineCases();
  std::vector<std::string> targets;
  for (const auto& c : cases) targets.push_back(c.name);

  ASSERT_NO_FATAL_FAILURE(CreateTargets(cases, kReplicas));
  itest::Operator& op = StartOperator();
  ASSERT_NO_FATAL_FAILURE(AdoptAll(cases));
  Observer observer(client(), kChaosNs, targets);
  ASSERT_TRUE(Eventually([&] { return observer.deployment_samples() > 0; }));

  // Half the rollouts (and two Pipelines) start with the faults, the rest a third into the
  // window, so rollouts start, step and end while the world breaks.
  std::vector<RolloutCase> first, second;
  for (size_t i = 0; i < cases.size(); ++i) (i % 2 == 0 ? first : second).push_back(cases[i]);
  FaultDriver driver(seed, cluster().port(), &op, FaultPlan{.window = kFaultWindow});
  ASSERT_NO_FATAL_FAILURE(StartRollouts(first));
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_NO_FATAL_FAILURE(MustApply(itest::kPipelines, PipelineObject(pipelines[i])));
  }
  driver.Start();
  EXPECT_FALSE(driver.WaitDone(kFaultWindow / 3));  // a timed wait: the window is still on
  ASSERT_NO_FATAL_FAILURE(StartRollouts(second));
  ASSERT_NO_FATAL_FAILURE(MustApply(itest::kPipelines, PipelineObject(pipelines[2])));
  ASSERT_TRUE(driver.WaitDone(kFaultWindow + 60s)) << "the fault driver did not finish";
  std::cout << "faults injected:\n" << driver.Journal() << std::flush;
  EXPECT_TRUE(driver.problems().empty()) << json(driver.problems()).dump(2);
  // The chaos really happened: several SIGKILLs among the other faults.
  auto counts = driver.counts();
  EXPECT_GE(counts["kill"], 3) << driver.Journal();
  EXPECT_GE(op.runs(), 4);

  WaitFates(cases, kSettleTimeout);
  WaitPipelines(pipelines, 60s);
  observer.Stop();
  EXPECT_GT(observer.deployment_samples(), 50);
  // Outcomes are judged on objects and status only: Events are recorded as actions before the
  // status write, so a SIGKILL in between repeats one by design (docs/ROLLOUT.md, Restarts).
  CheckOutcomes(cases, observer, kReplicas);
  for (const auto& p : pipelines) CheckPipeline(p);
  if (HasFailure()) std::cout << "seed " << seed << "; faults:\n" << driver.Journal();
}

}  // namespace
}  // namespace ferry::chaos
