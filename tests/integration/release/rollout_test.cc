// Rollouts that run by themselves: a clean 10 -> 50 -> 100 promotion, a canary that never gets
// Ready (rolled back within progressDeadlineSeconds), a crash-looping canary.
#include <fstream>
#include <set>
#include <sstream>

#include "tests/integration/release/release_fixture.h"

namespace ferry::itest {
namespace {

using RolloutTest = ReleaseTest;

// The ferry_release_* names charts/ferry/metrics-referenced.txt says the operator serves.
std::vector<std::string> ReferencedReleaseMetrics() {
  std::vector<std::string> out;
  std::ifstream in(SourceDir() + "/charts/ferry/metrics-referenced.txt");
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string name, origin;
    words >> name >> origin;
    if (name.rfind("ferry_release_", 0) == 0 && origin == "operator") out.push_back(name);
  }
  return out;
}

json TimedSteps() {
  return json::parse(R"([
    {"setWeight": 10}, {"pause": {"duration": "1s"}},
    {"setWeight": 50}, {"pause": {"duration": "1s"}},
    {"setWeight": 100}])");
}

TEST_F(RolloutTest, CleanRolloutWalks10To50To100ThenPromotes) {
  StartWithTarget();
  Spec spec{.steps = TimedSteps()};
  AdoptStable(spec);
  spec.version = "2";
  ApplyRelease(spec);

  // Record every weight the canary had, and its replica counts, until the rollout ends.
  std::vector<int64_t> weights;
  std::set<int64_t> canary_sizes;
  ASSERT_TRUE(Eventually(
      [&] {
        json r = Release();
        auto w = IntAt(r, "/status/canaryWeight").value_or(0);
        if (w > 0 && (weights.empty() || weights.back() != w)) weights.push_back(w);
        if (auto c = CanaryDeployment()) canary_sizes.insert(IntAt(*c, "/spec/replicas").value_or(-1));
        return StringAt(r, "/status/phase") == "Healthy" &&
               StringAt(r, "/status/stable/version") == "2";
      },
      60s, 20ms))
      << Release().dump(2);
  EXPECT_EQ(weights, (std::vector<int64_t>{10, 50, 100}));
  // Replica ratio on top of 4 stable pods: 10% -> 1, 50% -> 4, 100% -> 4.
  EXPECT_TRUE(canary_sizes.count(1)) << "canary sizes seen";
  EXPECT_TRUE(canary_sizes.count(4));
  EXPECT_EQ(TargetImage(), Image("2"));
  EXPECT_EQ(IntAt(*Target(), "/spec/replicas"), kStableReplicas) << "Ferry never owns replicas";
  ASSERT_TRUE(Eventually([&] { return !CanaryDeployment().has_value(); }))
      << "the canary was not removed after promotion";
  EXPECT_EQ(Condition("Ready")["status"], "True");
  json history = Release()["status"]["history"];
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.front().value("result", ""), "Promoted");

  // Metrics of the ended rollout.
  const std::string labels = R"({namespace="itest",release="web"})";
  EXPECT_TRUE(Eventually([&] {
    return op()->MetricValue("ferry_release_promotions_total" + labels) == 1.0;
  })) << op()->Metrics();
  EXPECT_EQ(op()->MetricValue(R"(ferry_release_info{namespace="itest",phase="Healthy",release="web"})"),
            1.0) << op()->Metrics();
  EXPECT_TRUE(op()->ErrorLogs().empty()) << op()->LogText();
}

TEST_F(RolloutTest, CanaryThatNeverGetsReadyRollsBackWithinTheDeadline) {
  StartWithTarget();
  Spec spec{.steps = TimedSteps(), .progress_deadline_seconds = 3};
  AdoptStable(spec);
  spec.version = "2";
  spec.pod_annotations = {{"sim/ready", "false"}};
  auto started = std::chrono::steady_clock::now();
  ApplyRelease(spec);
  ASSERT_TRUE(WaitPhase("RolledBack", 20s));
  auto took = std::chrono::steady_clock::now() - started;
  // The deadline (3 s) plus at most a couple of seconds of whole-second status times and
  // requeue slack: it is the deadline that fired, not a 30 s poll.
  EXPECT_LT(took, 9s);
  EXPECT_EQ(Condition("Stalled")["status"], "True");
  EXPECT_EQ(StringAt(Release(), "/status/abort/reason"), "ProgressDeadlineExceeded")
      << Release()["status"].dump(2);
  EXPECT_TRUE(Eventually([&] { return !CanaryDeployment().has_value(); }));
  EXPECT_EQ(TargetImage(), Image("1")) << "the target must not be touched";
  EXPECT_TRUE(Eventually([&] {
    return op()->MetricValue(
               R"(ferry_release_rollbacks_total{namespace="itest",reason="ProgressDeadlineExceeded",release="web"})") ==
           1.0;
  })) << op()->Metrics();
  EXPECT_GE(EventCount("ProgressDeadlineExceeded"), 1);
  // The dashboard's and alerts' ferry_release_* series exist, labelled by namespace and release.
  const std::string metrics = op()->Metrics();
  const auto referenced = ReferencedReleaseMetrics();
  EXPECT_FALSE(referenced.empty());
  for (const auto& name : referenced) {
    std::string series = name + "{namespace=\"itest\",";
    size_t at = metrics.find(series);
    EXPECT_NE(at, std::string::npos) << name << " missing from\n" << metrics;
    if (at != std::string::npos) {
      EXPECT_NE(metrics.substr(at, metrics.find('}', at) - at).find("release=\"web\""),
                std::string::npos) << name;
    }
  }
}

TEST_F(RolloutTest, CrashLoopingCanaryRollsBack) {
  StartWithTarget();
  // A canary whose container exits after 1 s is Ready in between; the long pause gives the
  // restarts time to count (kCrashLoopRestartThreshold) while the step holds.
  Spec spec{.steps = json::parse(R"([{"setWeight": 10}, {"pause": {"duration": "1h"}},
                                     {"setWeight": 100}])"),
            .progress_deadline_seconds = 120};
  AdoptStable(spec);
  spec.version = "2";
  spec.pod_annotations = {{"sim/exit-code", "1"}};
  ApplyRelease(spec);
  ASSERT_TRUE(WaitPhase("RolledBack", 40s));
  EXPECT_EQ(StringAt(Release(), "/status/abort/reason"), "CanaryCrashLooping")
      << Release()["status"].dump(2);
  EXPECT_TRUE(Eventually([&] { return !CanaryDeployment().has_value(); }));
  EXPECT_EQ(TargetImage(), Image("1"));
}

// Writes the operator made (create, update, patch, delete), Events aside.
double Writes(Operator& op) {
  double n = 0;
  std::istringstream in(op.Metrics());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("ferry_rest_client_requests_total{", 0) != 0) continue;
    if (line.find(R"(resource="events")") != std::string::npos) continue;
    for (const char* verb : {"create", "update", "patch", "delete"}) {
      if (line.find(std::string("verb=\"") + verb + "\"") != std::string::npos) {
        n += std::stod(line.substr(line.rfind(' ') + 1));
      }
    }
  }
  return n;
}

double Reconciles(Operator& op) {
  double n = 0;
  std::istringstream in(op.Metrics());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("ferry_reconcile_total{", 0) == 0 &&
        line.find(R"(controller="release")") != std::string::npos) {
      n += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return n;
}

TEST_F(RolloutTest, ReconcilesOfAnUnchangedReleaseWriteNothing) {
  StartWithTarget();
  Spec spec{.steps = TimedSteps()};
  AdoptStable(spec);
  // Let the adoption's own writes and their watch events settle.
  double writes = -1;
  ASSERT_TRUE(Eventually([&] {
    double now = Writes(*op());
    bool stable = now == writes;
    writes = now;
    return stable && now > 0;
  }, kDefaultTimeout, 500ms));
  const double reconciles = Reconciles(*op());
  // An annotation that is no request: a watch event, a reconcile, and nothing to do.
  ASSERT_TRUE(cluster().Annotate(kReleases, kNs, kApp, {{"example.com/note", "hello"}}));
  ASSERT_TRUE(Eventually([&] { return Reconciles(*op()) > reconciles; }))
      << "the annotation did not trigger a reconcile";
  EXPECT_EQ(Writes(*op()), writes) << op()->Metrics();
  EXPECT_EQ(Phase(), "Healthy");
}

}  // namespace
}  // namespace ferry::itest
