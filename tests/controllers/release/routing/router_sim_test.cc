// The routers and Service selectors against the real kube-sim binary, through the operator's
// kube::Client: what the HTTPRoute, Ingress and Service objects hold after each call, who owns
// the fields (server-side apply), and that Reset returns everything to stable.
#include <gtest/gtest.h>

#include <cstdlib>

#include "operator/controllers/release/routing/gateway_api.h"
#include "operator/controllers/release/routing/nginx.h"
#include "operator/controllers/release/routing/router.h"
#include "operator/controllers/release/routing/services.h"
#include "sim_client.h"

namespace ferry::release::routing {
namespace {

constexpr char kToken[] = "routing-test-token";
constexpr char kNs[] = "shop";

class RouterSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FERRY_BINARY_DIR", FERRY_BINARY_DIR_PATH, 0);
    sim_ = std::make_unique<simtest::SimProcess>(
        std::vector<std::string>{"--token", kToken, "--no-controllers"});
    ASSERT_TRUE(sim_->ok()) << "kube-sim did not start";
    kube::Config config;
    config.server = "http://127.0.0.1:" + std::to_string(sim_->port());
    config.bearer_token = kToken;
    config.source = "kube-sim";
    auto client = kube::Client::New(config);
    ASSERT_TRUE(client.ok()) << client.error().ToString();
    client_ = std::move(client.value());
    Create(kube::kNamespaces, {{"apiVersion", "v1"}, {"kind", "Namespace"},
                               {"metadata", {{"name", kNs}}}});
    Create(kube::kServices, Json::parse(R"({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {"app": "web"},
                 "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})"));
  }

  Json Create(const kube::ResourceRef& ref, const Json& obj) {
    auto r = client_->Create(ref, obj, {.field_manager = "gitops"});
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? *r : Json();
  }
  Json Get(const kube::ResourceRef& ref, const std::string& name) {
    auto r = client_->Get(ref, kNs, name);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? *r : Json();
  }

  static api::Release Release(bool gateway) {
    api::Release r;
    r.metadata.name = "web";
    r.metadata.namespace_ = kNs;
    r.metadata.uid = "rel-uid";
    r.spec.targetRef.name = "web";
    r.spec.version = "v2";
    auto& t = r.spec.strategy.canary.emplace().trafficRouting.emplace();
    t.stableService = "web";
    t.canaryService = "web-canary";
    if (gateway) {
      t.gatewayAPI = api::GatewayApiRouting{"web"};
    } else {
      t.nginx = api::NginxRouting{"web", api::kDefaultNginxAnnotationPrefix};
    }
    return r;
  }

  static std::set<std::string> Managers(const Json& obj) {
    std::set<std::string> out;
    for (const auto& m : obj["metadata"].value("managedFields", Json::array())) {
      out.insert(m.value("manager", ""));
    }
    return out;
  }

  std::unique_ptr<simtest::SimProcess> sim_;
  std::unique_ptr<kube::Client> client_;
};

Json DeclaredRoute() {
  return Json::parse(R"({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"parentRefs": [{"name": "public"}], "hostnames": ["web.example.com"],
      "rules": [
        {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
         "backendRefs": [{"name": "web", "port": 80, "weight": 100}]}]}})");
}

TEST_F(RouterSimTest, GatewayWeightsHeaderRouteMirrorThenResetToStable) {
  const Json declared = Create(kube::kHTTPRoutes, DeclaredRoute());
  auto router = MakeRouter(*client_, Release(true));
  ASSERT_NE(router, nullptr);
  EXPECT_EQ(router->Name(), "gatewayAPI");
  auto w0 = router->CurrentWeight();
  ASSERT_TRUE(w0.ok()) << w0.error().ToString();
  EXPECT_EQ(*w0, 0);

  ASSERT_TRUE(router->SetWeight(20).ok());
  Json route = Get(kube::kHTTPRoutes, "web");
  EXPECT_EQ(route["spec"]["rules"][0]["backendRefs"], Json::parse(R"([
      {"name": "web", "port": 80, "weight": 80},
      {"name": "web-canary", "port": 80, "weight": 20}])"));
  EXPECT_EQ(route["spec"]["parentRefs"], declared["spec"]["parentRefs"]);
  EXPECT_EQ(route["spec"]["hostnames"], declared["spec"]["hostnames"]);
  EXPECT_TRUE(Managers(route).count(kRouterFieldManager));
  auto w20 = router->CurrentWeight();
  ASSERT_TRUE(w20.ok());
  EXPECT_EQ(*w20, 20);

  const Json canary_svc = Get(kube::kServices, "web-canary");
  EXPECT_EQ(canary_svc["spec"]["selector"], Json({{"app", "web"}, {"ferry.dev/role", "canary"}}));
  EXPECT_EQ(canary_svc["spec"]["ports"][0]["port"], 80);
  EXPECT_EQ(canary_svc["metadata"]["ownerReferences"][0]["uid"], "rel-uid");

  // Same weight again: no write at all.
  const std::string rv = route["metadata"]["resourceVersion"];
  ASSERT_TRUE(router->SetWeight(20).ok());
  EXPECT_EQ(Get(kube::kHTTPRoutes, "web")["metadata"]["resourceVersion"], rv);

  ASSERT_TRUE(router->SetHeaderRoute({"ml-team", {{"X-Team", "ml", "Exact"}}}).ok());
  ASSERT_TRUE(router->SetMirror(30).ok());
  route = Get(kube::kHTTPRoutes, "web");
  const Json rules = route["spec"]["rules"];
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[1]["matches"][0]["headers"],
            Json::parse(R"([{"type": "Exact", "name": "X-Team", "value": "ml"}])"));
  EXPECT_EQ(rules[1]["backendRefs"], Json::parse(R"([{"name": "web-canary", "port": 80}])"));
  EXPECT_EQ(rules[0]["filters"], Json::parse(R"([{"type": "RequestMirror", "requestMirror":
      {"backendRef": {"name": "web-canary", "port": 80}, "percent": 30}}])"));
  EXPECT_EQ(route["metadata"]["annotations"][kHeaderRoutesAnnotation], R"(["ml-team"])");

  ASSERT_TRUE(router->Reset().ok());
  route = Get(kube::kHTTPRoutes, "web");
  EXPECT_EQ(route["spec"], declared["spec"]);
  EXPECT_FALSE(route["metadata"].value("annotations", Json::object()).contains(kHeaderRoutesAnnotation));
  auto back = router->CurrentWeight();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, 0);
}

TEST_F(RouterSimTest, GatewayRouteProblemsAreInvalidRouteErrors) {
  auto router = MakeRouter(*client_, Release(true));
  auto missing = router->SetWeight(10);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(IsInvalidRoute(missing.error())) << missing.error().ToString();
  EXPECT_NE(missing.error().message.find("HTTPRoute web"), std::string::npos);

  Json other = DeclaredRoute();
  other["spec"]["rules"][0]["backendRefs"][0]["name"] = "api";
  Create(kube::kHTTPRoutes, other);
  auto unrelated = router->SetWeight(10);
  ASSERT_FALSE(unrelated.ok());
  EXPECT_TRUE(IsInvalidRoute(unrelated.error()));
  EXPECT_NE(unrelated.error().message.find("backendRef to Service web"), std::string::npos);
}

Json StableIngress() {
  return Json::parse(R"({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "web", "namespace": "shop",
                 "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "8m"}},
    "spec": {"ingressClassName": "nginx", "rules": [{"host": "web.example.com", "http": {"paths": [
      {"path": "/", "pathType": "Prefix",
       "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}})");
}

TEST_F(RouterSimTest, NginxCanaryIngressCarriesWeightAndHeaderThenIsDeleted) {
  const Json stable = Create(kube::kIngresses, StableIngress());
  auto router = MakeRouter(*client_, Release(false));
  ASSERT_NE(router, nullptr);
  EXPECT_EQ(router->Name(), "nginx");
  ASSERT_TRUE(router->SetWeight(0).ok());
  auto absent = client_->Get(kube::kIngresses, kNs, "web-canary");
  ASSERT_FALSE(absent.ok()) << "weight 0 without a header route needs no canary Ingress";

  ASSERT_TRUE(router->SetWeight(10).ok());
  ASSERT_TRUE(router->SetHeaderRoute({"ml-team", {{"X-Team", "ml", "Exact"}}}).ok());
  Json canary = Get(kube::kIngresses, "web-canary");
  const Json a = canary["metadata"]["annotations"];
  EXPECT_EQ(a["nginx.ingress.kubernetes.io/canary"], "true");
  EXPECT_EQ(a["nginx.ingress.kubernetes.io/canary-weight"], "10");
  EXPECT_EQ(a["nginx.ingress.kubernetes.io/canary-by-header"], "X-Team");
  EXPECT_EQ(a["nginx.ingress.kubernetes.io/canary-by-header-value"], "ml");
  EXPECT_EQ(a["nginx.ingress.kubernetes.io/proxy-body-size"], "8m");
  EXPECT_EQ(canary["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"],
            "web-canary");
  EXPECT_EQ(canary["metadata"]["ownerReferences"][0]["kind"], "Release");
  auto w = router->CurrentWeight();
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, 10);

  auto second = router->SetHeaderRoute({"beta", {{"X-Beta", "1", "Exact"}}});
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(IsInvalidRoute(second.error()));
  EXPECT_FALSE(router->SetMirror(5).ok());

  ASSERT_TRUE(router->SetHeaderRoute({"ml-team", {}}).ok());
  canary = Get(kube::kIngresses, "web-canary");
  EXPECT_FALSE(canary["metadata"]["annotations"].contains("nginx.ingress.kubernetes.io/canary-by-header"));
  EXPECT_EQ(canary["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"], "10");

  ASSERT_TRUE(router->Reset().ok());
  ASSERT_TRUE(router->Reset().ok()) << "idempotent";
  auto gone = client_->Get(kube::kIngresses, kNs, "web-canary");
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(kube::IsNotFound(gone.error()));
  auto zero = router->CurrentWeight();
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero, 0);
  EXPECT_EQ(Get(kube::kIngresses, "web")["metadata"]["resourceVersion"],
            stable["metadata"]["resourceVersion"])
      << "the stable Ingress is never written";
}

TEST_F(RouterSimTest, ServiceSelectorsNarrowSwitchAndGiveBack) {
  Create(kube::kDeployments, Json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop",
                 "annotations": {"deployment.kubernetes.io/revision": "2"}},
    "spec": {"selector": {"matchLabels": {"app": "web"}},
      "template": {"metadata": {"labels": {"app": "web"}},
                   "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}})"));
  const std::string uid = Get(kube::kDeployments, "web")["metadata"]["uid"];
  for (const auto& [hash, rev] : {std::pair{"aaa111", "1"}, std::pair{"bbb222", "2"}}) {
    Create(kube::kReplicaSets, {{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"},
        {"metadata", {{"name", std::string("web-") + hash}, {"namespace", kNs},
                      {"labels", {{"app", "web"}, {"pod-template-hash", hash}}},
                      {"annotations", {{"deployment.kubernetes.io/revision", rev}}},
                      {"ownerReferences", Json::array({{{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                          {"name", "web"}, {"uid", uid}, {"controller", true}}})}}},
        {"spec", {{"selector", {{"matchLabels", {{"app", "web"}, {"pod-template-hash", hash}}}}},
                  {"template", {{"metadata", {{"labels", {{"app", "web"}, {"pod-template-hash", hash}}}}},
                                {"spec", {{"containers", Json::array({{{"name", "web"}, {"image", "web:1"}}})}}}}}}}});
  }
  const api::Release r = Release(true);
  auto selector = [&] { return Get(kube::kServices, "web")["spec"]["selector"]; };
  ASSERT_TRUE(ApplyServiceSelector(*client_, r, {"web", PodSelection::kStable}).ok());
  EXPECT_EQ(selector(), Json({{"app", "web"}, {"pod-template-hash", "bbb222"}}));
  EXPECT_TRUE(Managers(Get(kube::kServices, "web")).count(kRouterFieldManager));
  ASSERT_TRUE(ApplyServiceSelector(*client_, r, {"web", PodSelection::kCanary}).ok());
  EXPECT_EQ(selector(), Json({{"app", "web"}, {"ferry.dev/role", "canary"}}));
  ASSERT_TRUE(ApplyServiceSelector(*client_, r, {"web", PodSelection::kStable}).ok());
  EXPECT_EQ(selector(), Json({{"app", "web"}, {"pod-template-hash", "bbb222"}}));
  ASSERT_TRUE(ApplyServiceSelector(*client_, r, {"web", PodSelection::kAll}).ok());
  EXPECT_EQ(selector(), Json({{"app", "web"}}));
  EXPECT_EQ(Get(kube::kServices, "web")["spec"]["ports"][0]["port"], 80) << "only the selector";

  auto missing = ApplyServiceSelector(*client_, r, {"nope", PodSelection::kAll});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(IsInvalidRoute(missing.error()));
}

}  // namespace
}  // namespace ferry::release::routing
