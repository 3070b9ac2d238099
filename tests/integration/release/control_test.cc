// Manual control through ferry.dev/<action> request annotations, and superseding versions.
#include "tests/integration/release/release_fixture.h"

namespace ferry::itest {
namespace {

using ControlTest = ReleaseTest;

json PausedSteps() {
  return json::parse(R"([
    {"setWeight": 25}, {"pause": {}},
    {"setWeight": 50}, {"pause": {}}])");
}

TEST_F(ControlTest, PromoteAbortRetryAndPromoteFull) {
  StartWithTarget();
  Spec spec{.steps = PausedSteps()};
  AdoptStable(spec);
  spec.version = "2";
  ApplyRelease(spec);
  ASSERT_TRUE(WaitPausedAt(1));
  EXPECT_EQ(IntAt(Release(), "/status/canaryWeight"), 25);

  Request("promote");  // ends the pause step: on to setWeight 50, then the next pause
  ASSERT_TRUE(WaitPausedAt(3));
  EXPECT_EQ(IntAt(Release(), "/status/canaryWeight"), 50);

  Request("abort");
  ASSERT_TRUE(WaitPhase("RolledBack"));
  EXPECT_EQ(StringAt(Release(), "/status/abort/reason"), "AbortRequested");
  EXPECT_TRUE(Eventually([&] { return !CanaryDeployment().has_value(); }));
  EXPECT_EQ(TargetImage(), Image("1"));

  Request("retry");  // the same version again, from the first step
  ASSERT_TRUE(WaitPausedAt(1));
  EXPECT_TRUE(CanaryDeployment().has_value());

  Request("promote-full");
  ASSERT_TRUE(WaitRelease(
      [](const json& r) {
        return StringAt(r, "/status/phase") == "Healthy" &&
               StringAt(r, "/status/stable/version") == "2";
      },
      "Healthy on version 2"));
  EXPECT_EQ(TargetImage(), Image("2"));
  // Each request was handled once and acknowledged in status.
  json handled = Release()["status"]["lastHandledRequests"];
  for (const char* action : {"promote", "abort", "retry", "promoteFull"}) {
    EXPECT_TRUE(handled.contains(action)) << action << " in " << handled.dump();
  }
}

TEST_F(ControlTest, PauseHoldsATimedStepUntilResumed) {
  StartWithTarget();
  Spec spec{.steps = json::parse(R"([{"setWeight": 25}, {"pause": {"duration": "1s"}},
                                     {"setWeight": 50}, {"pause": {}}])")};
  AdoptStable(spec);
  spec.version = "2";
  ApplyRelease(spec);
  Request("pause");
  ASSERT_TRUE(WaitRelease(
      [](const json& r) {
        for (const auto& p : r.value("/status/pauseConditions"_json_pointer, json::array())) {
          if (p.value("reason", "") == "UserPause") return StringAt(r, "/status/phase") == "Paused";
        }
        return false;
      },
      "a UserPause"));
  // The 1 s pause step would be over by now; the user pause holds the rollout before step 3.
  EXPECT_FALSE(Eventually(
      [&] { return IntAt(Release(), "/status/currentStepIndex").value_or(0) >= 2; }, 3s))
      << "the rollout went on while paused";
  Request("resume");
  ASSERT_TRUE(WaitPausedAt(3));
  EXPECT_EQ(IntAt(Release(), "/status/canaryWeight"), 50);
}

TEST_F(ControlTest, NewerVersionSupersedesAndRevertCancels) {
  StartWithTarget();
  Spec spec{.steps = PausedSteps()};
  AdoptStable(spec);
  spec.version = "2";
  ApplyRelease(spec);
  ASSERT_TRUE(WaitPausedAt(1));

  spec.version = "3";  // mid-rollout: the canary moves to 3 and the steps start over
  ApplyRelease(spec);
  ASSERT_TRUE(WaitRelease(
      [](const json& r) {
        return StringAt(r, "/status/canary/version") == "3" &&
               StringAt(r, "/status/phase") == "Paused" &&
               IntAt(r, "/status/currentStepIndex") == 1;
      },
      "the canary of version 3 paused at step 2"));
  auto canary = CanaryDeployment();
  ASSERT_TRUE(canary.has_value());
  EXPECT_EQ(StringAt(*canary, "/spec/template/spec/containers/0/image"), Image("3"));
  json history = Release()["status"]["history"];
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.front().value("result", ""), "Superseded") << history.dump(2);

  spec.version = "1";  // back to what the target runs: cancelled, stable untouched
  ApplyRelease(spec);
  ASSERT_TRUE(WaitPhase("Healthy"));
  EXPECT_TRUE(Eventually([&] { return !CanaryDeployment().has_value(); }));
  EXPECT_EQ(TargetImage(), Image("1"));
  EXPECT_EQ(Release()["status"]["history"].front().value("result", ""), "Cancelled");
}

TEST_F(ControlTest, InvalidSpecIsReportedAndNothingIsTouched) {
  StartWithTarget();
  Spec spec{.steps = PausedSteps()};
  AdoptStable(spec);
  // Version 2 patches a container the target does not have.
  json release = {{"metadata", {{"name", kApp}, {"namespace", kNs}}},
                  {"spec",
                   {{"targetRef", {{"name", kApp}}},
                    {"version", "2"},
                    {"template", {{"containers", {{{"name", "sidecar"}, {"image", Image("2")}}}}}},
                    {"strategy", {{"canary", {{"steps", PausedSteps()}}}}}}}};
  ASSERT_TRUE(cluster().Apply(kReleases, release));
  ASSERT_TRUE(WaitRelease(
      [](const json& r) {
        for (const auto& c : r.value("/status/conditions"_json_pointer, json::array())) {
          if (c.value("type", "") == "Stalled") {
            return c.value("status", "") == "True" && c.value("reason", "") == "InvalidSpec";
          }
        }
        return false;
      },
      "Stalled=True/InvalidSpec"));
  EXPECT_NE(Condition("Stalled")["message"].get<std::string>().find("sidecar"), std::string::npos)
      << "the message names the container";
  EXPECT_TRUE(Eventually([&] { return EventCount("InvalidSpec") >= 1; }));
  EXPECT_FALSE(CanaryDeployment().has_value());
  EXPECT_EQ(TargetImage(), Image("1"));
}

}  // namespace
}  // namespace ferry::itest
