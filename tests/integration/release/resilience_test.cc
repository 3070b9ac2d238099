// The world changing under a rollout: the target resized, the operator killed and restarted at
// every step, the target edited by hand.
#include "tests/integration/release/release_fixture.h"

#include <signal.h>

namespace ferry::itest {
namespace {

using ResilienceTest = ReleaseTest;

TEST_F(ResilienceTest, CanaryFollowsTheTargetsReplicasMidRollout) {
  StartWithTarget();
  Spec spec{.steps = json::parse(R"([{"setWeight": 50}, {"pause": {}}])")};
  AdoptStable(spec);
  spec.version = "2";
  ApplyRelease(spec);
  ASSERT_TRUE(WaitPausedAt(1));
  EXPECT_EQ(IntAt(*CanaryDeployment(), "/spec/replicas"), kStableReplicas);  // 50% of 4 on top

  // An HPA (or a user) scales the target: the canary keeps its share of the new count.
  auto scaled = client().Patch(kube::kDeployments, kNs, kApp, kube::PatchType::kMerge,
                               {{"spec", {{"replicas", 6}}}});
  ASSERT_TRUE(scaled) << scaled.error().ToString();
  EXPECT_TRUE(Eventually([&] {
    auto c = CanaryDeployment();
    return c && IntAt(*c, "/spec/replicas") == 6;
  })) << CanaryDeployment().value_or(json()).dump(2);
  EXPECT_EQ(IntAt(*Target(), "/spec/replicas"), 6) << "Ferry must not fight the resize";
  Request("promote-full");
  ASSERT_TRUE(WaitRelease(
      [](const json& r) { return StringAt(r, "/status/stable/version") == "2"; }, "promotion"));
  EXPECT_EQ(IntAt(*Target(), "/spec/replicas"), 6);
}

TEST_F(ResilienceTest, OperatorKilledAtEveryStepContinuesWithoutRepeatingOne) {
  StartWithTarget();
  json steps = json::parse(R"([
    {"setWeight": 25}, {"pause": {"duration": "2s"}},
    {"setWeight": 50}, {"pause": {"duration": "2s"}},
    {"setWeight": 100}])");
  Spec spec{.steps = steps};
  AdoptStable(spec);
  spec.version = "2";
  ApplyRelease(spec);

  // SIGKILL as soon as each step index shows up in status, then start a new process.
  std::vector<int64_t> indexes;
  for (int index = 0; index < static_cast<int>(steps.size()); ++index) {
    bool reached = Eventually([&] {
      json r = Release();
      auto i = IntAt(r, "/status/currentStepIndex");
      if (i && (indexes.empty() || indexes.back() != *i)) indexes.push_back(*i);
      return (i && *i >= index) || StringAt(r, "/status/stable/version") == "2";
    });
    ASSERT_TRUE(reached) << "step index " << index;
    op()->Kill();
    ASSERT_TRUE(op()->Start());
  }
  ASSERT_TRUE(WaitRelease(
      [&](const json& r) {
        auto i = IntAt(r, "/status/currentStepIndex");
        if (i && indexes.back() != *i) indexes.push_back(*i);
        return StringAt(r, "/status/phase") == "Healthy" &&
               StringAt(r, "/status/stable/version") == "2";
      },
      "promotion after the restarts", 60s));
  EXPECT_GE(op()->runs(), 2);
  EXPECT_TRUE(std::is_sorted(indexes.begin(), indexes.end())) << "a step was repeated";
  EXPECT_EQ(TargetImage(), Image("2"));
  // No step started twice. (Events are queued asynchronously, so one recorded just before a
  // SIGKILL may be lost: at most once is what a restart must keep.)
  EXPECT_LE(EventCount("RolloutStarted"), 1);
  EXPECT_LE(EventCount("StepStarted", "setWeight 50"), 1);
  EXPECT_LE(EventCount("StepStarted", "setWeight 100"), 1);
  EXPECT_LE(EventCount("Promoting"), 1);
  EXPECT_LE(EventCount("Promoted"), 1);
  const json history = Release()["status"]["history"];
  int promoted = 0;
  for (const auto& h : history) promoted += h.value("result", "") == "Promoted";
  EXPECT_EQ(promoted, 1);
}

// Deleting the canary before the status that ends the rollout is written would let a crash in
// between read as "canary deleted by hand" and recreate it: while every status write fails, the
// rollback that keeps being decided must leave the canary in place.
TEST_F(ResilienceTest, RollbackDeletesTheCanaryOnlyOnceItsStatusIsWritten) {
  StartNeverReadyRollout(json::parse(R"([{"setWeight": 50}, {"pause": {}}])"), 2);
  ASSERT_TRUE(Eventually([&] { return CanaryDeployment().has_value(); }));
  const std::string uid = StringAt(*CanaryDeployment(), "/metadata/uid");
  ASSERT_TRUE(cluster().FailRequests(
      std::string("/apis/ferry.dev/v1alpha1/namespaces/") + kNs + "/releases/" + kApp + "/status",
      1000000));

  // The rollback is decided (its delete deferred), then that pass and the retry after it fail
  // at the status write.
  bool decided = false;
  int failed = 0;
  ASSERT_TRUE(op()->WaitForLog([&](const json& l) {
    const std::string msg = l.value("msg", "");
    decided = decided || (msg == "deferred until status is written" &&
                          l.value("action", "").starts_with("DeleteCanary"));
    failed += decided && msg == "reconcile failed" &&
              l.value("error", "").starts_with("writing status");
    return failed >= 2;
  })) << op()->LogText();
  auto canary = CanaryDeployment();
  ASSERT_TRUE(canary.has_value()) << "the canary was deleted before the rollback was recorded";
  EXPECT_EQ(StringAt(*canary, "/metadata/uid"), uid);

  ASSERT_TRUE(cluster().ClearFaults());
  ASSERT_TRUE(WaitPhase("RolledBack"));
  EXPECT_TRUE(Eventually([&] { return !CanaryDeployment().has_value(); }));
  EXPECT_EQ(StringAt(Release(), "/status/abort/reason"), "ProgressDeadlineExceeded");
  EXPECT_EQ(TargetImage(), Image("1"));
}

TEST_F(ResilienceTest, HandEditOfThePromotedTargetIsReportedAsDrift) {
  StartWithTarget();
  Spec spec{.steps = json::parse(R"([{"setWeight": 50}])")};
  AdoptStable(spec);
  spec.version = "2";
  ApplyRelease(spec);
  ASSERT_TRUE(WaitRelease(
      [](const json& r) {
        return StringAt(r, "/status/phase") == "Healthy" &&
               StringAt(r, "/status/stable/version") == "2";
      },
      "promotion of version 2"));

  // An emergency hotfix straight on the Deployment (kubectl set image).
  json patch = {{"spec", {{"template", {{"spec", {{"containers", {{{"name", "app"}, {"image", Image("hotfix")}}}}}}}}}}};
  auto edited = client().Patch(kube::kDeployments, kNs, kApp, kube::PatchType::kStrategicMerge, patch);
  ASSERT_TRUE(edited) << edited.error().ToString();
  ASSERT_TRUE(WaitPhase("Failed"));
  EXPECT_EQ(Condition("Drifted")["status"], "True");
  EXPECT_EQ(Condition("Stalled")["reason"], "TargetDrifted");
  EXPECT_GE(EventCount("TargetDrifted"), 1);
  // Ferry reports and does not undo: the hotfix stays, and nothing loops.
  EXPECT_FALSE(Eventually([&] { return TargetImage() != Image("hotfix"); }, 2s));
  EXPECT_FALSE(CanaryDeployment().has_value());
}

TEST_F(ResilienceTest, TargetTemplateEditedMidRolloutRebuildsTheCanary) {
  StartWithTarget();
  Spec spec{.steps = json::parse(R"([{"setWeight": 25}, {"pause": {}}])")};
  AdoptStable(spec);
  spec.version = "2";
  ApplyRelease(spec);
  ASSERT_TRUE(WaitPausedAt(1));
  std::string hash = StringAt(*CanaryDeployment(), "/metadata/annotations/ferry.dev~1template-hash");

  json patch = {{"spec", {{"template", {{"metadata", {{"annotations", {{"team", "edited"}}}}}}}}}};
  ASSERT_TRUE(client().Patch(kube::kDeployments, kNs, kApp, kube::PatchType::kMerge, patch));
  ASSERT_TRUE(WaitRelease(
      [](const json& r) {
        for (const auto& c : r.value("/status/conditions"_json_pointer, json::array())) {
          if (c.value("type", "") == "Drifted") return c.value("status", "") == "True";
        }
        return false;
      },
      "Drifted=True"));
  EXPECT_EQ(Condition("Drifted")["reason"], "TargetDrifted");
  EXPECT_TRUE(Eventually([&] {
    auto c = CanaryDeployment();
    return c && StringAt(*c, "/metadata/annotations/ferry.dev~1template-hash") != hash &&
           StringAt(*c, "/spec/template/metadata/annotations/team") == "edited";
  })) << "the canary was not rebuilt on the edited template";
  ASSERT_TRUE(WaitPausedAt(1));
}

TEST_F(ResilienceTest, PromotionThatDoesNotRollOutRestoresTheTarget) {
  // Version 2 never gets Ready; promote-full sends it to the target at once, whose own rollout
  // then cannot finish within progressDeadlineSeconds: Ferry applies the previous values back.
  StartNeverReadyRollout(json::parse(R"([{"setWeight": 25}, {"pause": {}}])"), 4);
  Request("promote-full");
  ASSERT_TRUE(WaitRelease(
      [](const json& r) { return StringAt(r, "/status/phase") == "Promoting"; }, "Promoting"));
  EXPECT_TRUE(Eventually([&] { return TargetImage() == Image("2"); }));
  ASSERT_TRUE(WaitPhase("RolledBack", 20s));
  EXPECT_EQ(StringAt(Release(), "/status/abort/reason"), "PromotionFailed")
      << Release()["status"].dump(2);
  EXPECT_TRUE(Eventually([&] { return TargetImage() == Image("1"); })) << "target not restored";
  auto target = Target();
  ASSERT_TRUE(target.has_value());
  EXPECT_FALSE((*target)["spec"]["template"]["metadata"].value("annotations", json::object()).contains("sim/ready"))
      << "a field Ferry added at promotion is removed again";
  // The target's own rollout back to version 1 completes.
  EXPECT_TRUE(Eventually([&] {
    auto d = Target();
    return d && IntAt(*d, "/status/updatedReplicas") == kStableReplicas &&
           IntAt(*d, "/status/availableReplicas") == kStableReplicas &&
           IntAt(*d, "/status/replicas") == kStableReplicas;
  })) << Target().value_or(json()).dump(2);
  EXPECT_TRUE(Eventually([&] { return !CanaryDeployment().has_value(); }));
}

}  // namespace
}  // namespace ferry::itest
