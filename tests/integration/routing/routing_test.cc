// Routed canaries and blue-green with the real operator: what the HTTPRoute and the Services
// hold at each step, that they return to what the repository declared when the rollout ends or
// fails, and that an operator killed (SIGKILL) mid-rollout resumes with the route as it was.
#include <gtest/gtest.h>

#include "tests/integration/release/release_fixture.h"

namespace ferry::itest {
namespace {

constexpr char kPreview[] = "web-preview";

json DeclaredRoute() {
  return json::parse(R"({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "web", "namespace": "itest"},
    "spec": {"parentRefs": [{"name": "public"}], "hostnames": ["web.example.com"],
      "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                 "backendRefs": [{"name": "web", "port": 80, "weight": 100}]}]}})");
}

json ServiceJson(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}, {"namespace", kNs}}},
          {"spec",
           {{"selector", {{"app", kApp}}},
            {"ports", json::array({{{"name", "http"}, {"port", 80}, {"targetPort", 8080}}})}}}};
}

class RoutingTest : public ReleaseTest {
 protected:
  void CreateServices(bool preview) {
    ASSERT_TRUE(cluster().Apply(kube::kServices, ServiceJson(kApp)));
    if (preview) {
      ASSERT_TRUE(cluster().Apply(kube::kServices, ServiceJson(kPreview)));
    }
  }

  void ApplyReleaseJson(const std::string& version, const json& strategy) {
    json release = {{"apiVersion", "ferry.dev/v1alpha1"},
                    {"kind", "Release"},
                    {"metadata", {{"name", kApp}, {"namespace", kNs}}},
                    {"spec",
                     {{"targetRef", {{"name", kApp}}},
                      {"version", version},
                      {"template", {{"containers", {{{"name", "app"}, {"image", Image(version)}}}}}},
                      {"progressDeadlineSeconds", 60},
                      {"strategy", strategy}}}};
    auto applied = cluster().Apply(kReleases, release);
    ASSERT_TRUE(applied) << applied.error().ToString();
  }

  json Route() { return cluster().Find(kube::kHTTPRoutes, kNs, "web").value_or(json()); }
  json Selector(const std::string& service) {
    auto s = cluster().Find(kube::kServices, kNs, service);
    return s ? s->value("/spec/selector"_json_pointer, json()) : json();
  }
  json StableRefs() { return Route().value("/spec/rules/0/backendRefs"_json_pointer, json()); }
  std::string TargetPodHash() {
    auto list = client().List(kube::kReplicaSets, kNs);
    if (!list) return "";
    auto d = Target();
    const std::string rev = d ? StringAt(*d, "/metadata/annotations/deployment.kubernetes.io~1revision") : "";
    for (const auto& rs : (*list)["items"]) {
      if (StringAt(rs, "/metadata/annotations/deployment.kubernetes.io~1revision") == rev &&
          StringAt(rs, "/metadata/name").rfind(std::string(kApp) + "-", 0) == 0 &&
          StringAt(rs, "/metadata/ownerReferences/0/name") == kApp) {
        return StringAt(rs, "/metadata/labels/pod-template-hash");
      }
    }
    return "";
  }
  void KillAndRestart() {
    op()->Kill();
    auto started = op()->Start();
    ASSERT_TRUE(started) << started.error().message;
    ASSERT_TRUE(op()->WaitReady());
  }
  bool WaitFor(const std::function<bool()>& pred, const std::string& what) {
    const bool ok = Eventually(pred);
    if (!ok) ADD_FAILURE() << "timed out waiting for " << what;
    return ok;
  }
};

json GatewayStrategy(const json& steps) {
  return {{"canary",
           {{"trafficRouting", {{"stableService", kApp}, {"gatewayAPI", {{"httpRoute", "web"}}}}},
            {"steps", steps}}}};
}

TEST_F(RoutingTest, GatewayCanaryWeightsHeaderMirrorSurviveKillsAndEndAtStable) {
  CreateServices(false);
  ASSERT_TRUE(cluster().Apply(kube::kHTTPRoutes, DeclaredRoute()));
  const json declared = Route()["spec"];
  StartWithTarget();
  const json steps = json::parse(R"([
      {"setWeight": 25}, {"pause": {}},
      {"setHeaderRoute": {"name": "qa", "match": [{"name": "X-QA", "value": "1"}]}},
      {"setMirror": {"percentage": 10}}, {"pause": {}}])");
  ApplyReleaseJson("1", GatewayStrategy(steps));
  ASSERT_TRUE(WaitPhase("Healthy"));
  ApplyReleaseJson("2", GatewayStrategy(steps));

  ASSERT_TRUE(WaitPausedAt(1));
  EXPECT_EQ(StableRefs(), json::parse(R"([{"name": "web", "port": 80, "weight": 75},
                                          {"name": "web-canary", "port": 80, "weight": 25}])"));
  const std::string hash = TargetPodHash();
  ASSERT_FALSE(hash.empty());
  EXPECT_EQ(Selector(kApp), json({{"app", kApp}, {"pod-template-hash", hash}}))
      << "the stable Service selects only the target's pods";
  EXPECT_EQ(Selector(kCanary), json({{"app", kApp}, {"ferry.dev/role", "canary"}}));

  KillAndRestart();  // resumes at the pause with the route as it was
  ASSERT_TRUE(WaitPausedAt(1));
  EXPECT_EQ(StableRefs()[1]["weight"], 25);
  Request("promote");
  ASSERT_TRUE(WaitPausedAt(4));
  json rules = Route()["spec"]["rules"];
  ASSERT_EQ(rules.size(), 2u) << rules.dump(2);
  EXPECT_EQ(rules[1]["matches"][0]["headers"],
            json::parse(R"([{"type": "Exact", "name": "X-QA", "value": "1"}])"));
  EXPECT_EQ(rules[0]["filters"][0]["requestMirror"]["percent"], 10);

  KillAndRestart();
  ASSERT_TRUE(WaitPausedAt(4));
  rules = Route()["spec"]["rules"];
  EXPECT_EQ(rules.size(), 2u) << "the header route survived the restart";
  EXPECT_EQ(rules[0]["backendRefs"][1]["weight"], 25);

  Request("promote");
  ASSERT_TRUE(WaitPhase("Healthy", 60s));
  EXPECT_EQ(TargetImage(), Image("2"));
  EXPECT_TRUE(WaitFor([&] { return Route()["spec"] == declared; }, "the declared route"))
      << Route()["spec"].dump(2);
  EXPECT_EQ(Selector(kApp), json({{"app", kApp}}));
  EXPECT_TRUE(op()->ErrorLogs().empty()) << op()->LogText();
}

TEST_F(RoutingTest, GatewayAbortReturnsEveryRouteToStable) {
  CreateServices(false);
  ASSERT_TRUE(cluster().Apply(kube::kHTTPRoutes, DeclaredRoute()));
  const json declared = Route()["spec"];
  StartWithTarget();
  const json steps = json::parse(R"([
      {"setWeight": 50},
      {"setHeaderRoute": {"name": "qa", "match": [{"name": "X-QA", "value": "1"}]}},
      {"setMirror": {"percentage": 20}}, {"pause": {}}])");
  ApplyReleaseJson("1", GatewayStrategy(steps));
  ASSERT_TRUE(WaitPhase("Healthy"));
  ApplyReleaseJson("2", GatewayStrategy(steps));
  ASSERT_TRUE(WaitPausedAt(3));
  ASSERT_EQ(Route()["spec"]["rules"].size(), 2u);
  Request("abort");
  ASSERT_TRUE(WaitPhase("RolledBack"));
  EXPECT_EQ(Route()["spec"], declared) << Route()["spec"].dump(2);
  EXPECT_EQ(Selector(kApp), json({{"app", kApp}}));
  EXPECT_TRUE(WaitFor([&] { return !CanaryDeployment(); }, "the canary deleted"));
  EXPECT_EQ(TargetImage(), Image("1"));
}

json BlueGreenStrategy() {
  return {{"blueGreen",
           {{"activeService", kApp},
            {"previewService", kPreview},
            {"autoPromotionEnabled", false},
            {"scaleDownDelaySeconds", 2}}}};
}

TEST_F(RoutingTest, BlueGreenSwitchesSurvivesKillsAndGivesTheServicesBack) {
  CreateServices(true);
  StartWithTarget();
  ApplyReleaseJson("1", BlueGreenStrategy());
  ASSERT_TRUE(WaitPhase("Healthy"));
  ApplyReleaseJson("2", BlueGreenStrategy());

  // Preview at full size, waiting for a human; users still on the target's pods.
  ASSERT_TRUE(WaitPhase("Paused"));
  auto preview = CanaryDeployment();
  ASSERT_TRUE(preview);
  EXPECT_EQ(IntAt(*preview, "/status/availableReplicas"), kStableReplicas);
  const std::string hash = TargetPodHash();
  EXPECT_EQ(Selector(kApp), json({{"app", kApp}, {"pod-template-hash", hash}}));
  EXPECT_EQ(Selector(kPreview), json({{"app", kApp}, {"ferry.dev/role", "canary"}}));

  KillAndRestart();
  ASSERT_TRUE(WaitPhase("Paused"));
  EXPECT_EQ(Selector(kApp), json({{"app", kApp}, {"pod-template-hash", hash}}));

  Request("promote");
  ASSERT_TRUE(WaitFor([&] { return Selector(kApp) == json({{"app", kApp}, {"ferry.dev/role", "canary"}}); },
                      "the switch of the active Service"));
  EXPECT_EQ(TargetImage(), Image("1")) << "the previous version keeps running after the switch";
  KillAndRestart();

  ASSERT_TRUE(WaitPhase("Healthy", 60s));
  EXPECT_EQ(TargetImage(), Image("2"));
  EXPECT_TRUE(WaitFor([&] { return Selector(kApp) == json({{"app", kApp}}); }, "active given back"));
  EXPECT_EQ(Selector(kPreview), json({{"app", kApp}}));
  EXPECT_TRUE(WaitFor([&] { return !CanaryDeployment(); }, "the preview deleted"));
}

TEST_F(RoutingTest, BlueGreenAbortAfterTheSwitchSwitchesBackAtOnce) {
  CreateServices(true);
  StartWithTarget();
  json strategy = BlueGreenStrategy();
  strategy["blueGreen"]["scaleDownDelaySeconds"] = 3600;
  ApplyReleaseJson("1", strategy);
  ASSERT_TRUE(WaitPhase("Healthy"));
  ApplyReleaseJson("2", strategy);
  ASSERT_TRUE(WaitPhase("Paused"));
  Request("promote");
  ASSERT_TRUE(WaitFor([&] { return Selector(kApp).contains("ferry.dev/role"); }, "the switch"));
  Request("abort");
  ASSERT_TRUE(WaitPhase("RolledBack"));
  EXPECT_TRUE(WaitFor([&] { return !CanaryDeployment(); }, "the preview deleted"));
  EXPECT_TRUE(WaitFor([&] { return Selector(kApp) == json({{"app", kApp}}); }, "active given back"));
  EXPECT_EQ(TargetImage(), Image("1"));
  EXPECT_GE(EventCount("SwitchedBack"), 1);
}

// A route that does not exist: Stalled=True/InvalidRoute for the current generation (GitOps
// health checks read it only then), an Event, and nothing touched; creating the route heals it.
TEST_F(RoutingTest, MissingRouteStallsTheCurrentGenerationAndHealsOnceCreated) {
  CreateServices(false);
  StartWithTarget();
  ApplyReleaseJson("1", GatewayStrategy(json::parse(R"([{"setWeight": 50}])")));
  ASSERT_TRUE(WaitRelease(
      [](const json& r) {
        for (const auto& c : r.value("/status/conditions"_json_pointer, json::array())) {
          if (c.value("type", "") == "Stalled" && c.value("status", "") == "True" &&
              c.value("reason", "") == "InvalidRoute") {
            return r["status"].value("observedGeneration", 0) == r["metadata"].value("generation", -1);
          }
        }
        return false;
      },
      "Stalled=True/InvalidRoute at the current generation"));
  EXPECT_NE(Condition("Stalled")["message"].get<std::string>().find("web"), std::string::npos)
      << "the message names the route";
  EXPECT_TRUE(Eventually([&] { return EventCount("InvalidRoute") >= 1; }));
  EXPECT_FALSE(CanaryDeployment().has_value());
  EXPECT_EQ(TargetImage(), Image("1"));

  ASSERT_TRUE(cluster().Apply(kube::kHTTPRoutes, DeclaredRoute()));
  EXPECT_TRUE(WaitPhase("Healthy", 60s)) << "the route appeared: the next recheck adopts";
}

}  // namespace
}  // namespace ferry::itest
