// Selectors of the Services Ferry steers, the canary Service, and the stable ReplicaSet's hash.
#include "operator/controllers/release/routing/services.h"

#include <gtest/gtest.h>

namespace ferry::release::routing {
namespace {

TEST(Selectors, EachSelectionFromAnyStartingPoint) {
  const Json own = {{"app", "web"}};
  const Json stable = {{"app", "web"}, {"pod-template-hash", "abc12"}};
  const Json canary = {{"app", "web"}, {"ferry.dev/role", "canary"}};
  struct Case {
    Json current;
    PodSelection select;
    Json want;
  } cases[] = {
      {own, PodSelection::kStable, stable},          {own, PodSelection::kCanary, canary},
      {own, PodSelection::kAll, own},                {stable, PodSelection::kCanary, canary},
      {canary, PodSelection::kStable, stable},       {canary, PodSelection::kAll, own},
      {stable, PodSelection::kAll, own},             {stable, PodSelection::kStable, stable},
      {{{"app", "web"}, {"pod-template-hash", "old99"}}, PodSelection::kStable, stable},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(SelectorFor(c.current, c.select, "abc12"), c.want)
        << c.current << " -> " << PodSelectionName(c.select);
    EXPECT_EQ(SelectionOf(c.want), c.select) << c.want;
  }
  EXPECT_EQ(SelectionOf(Json()), PodSelection::kAll) << "a Service without a selector";
  EXPECT_EQ(SelectorApply("shop", "web", own),
            Json::parse(R"({"apiVersion":"v1","kind":"Service",
                "metadata":{"name":"web","namespace":"shop"},"spec":{"selector":{"app":"web"}}})"));
}

api::Release RoutedRelease() {
  api::Release r;
  r.metadata.name = "web";
  r.metadata.namespace_ = "shop";
  r.metadata.uid = "rel-uid";
  return r;
}

TEST(CanaryService, SelectsCanaryPodsWithTheStablePorts) {
  const Json stable = Json::parse(R"({"metadata": {"name": "web", "namespace": "shop",
      "labels": {"app.kubernetes.io/instance": "shop"}},
    "spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.7",
      "selector": {"app": "web", "pod-template-hash": "abc12"},
      "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP",
                 "nodePort": 30080}]}})");
  auto svc = BuildCanaryService(stable, RoutedRelease(), "web-canary");
  ASSERT_TRUE(svc.ok());
  EXPECT_EQ((*svc)["metadata"]["name"], "web-canary");
  EXPECT_EQ((*svc)["metadata"]["ownerReferences"][0]["name"], "web");
  EXPECT_FALSE((*svc)["metadata"]["labels"].contains("app.kubernetes.io/instance"));
  EXPECT_EQ((*svc)["spec"], Json::parse(R"({"type": "ClusterIP",
      "selector": {"app": "web", "ferry.dev/role": "canary"},
      "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]})"));
  const Json bare = {{"metadata", {{"name", "web"}}}, {"spec", {{"ports", Json::array()}}}};
  auto err = BuildCanaryService(bare, RoutedRelease(), "web-canary");
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.error().message.find("has no selector"), std::string::npos);
}

Json Rs(const std::string& hash, const std::string& revision, const std::string& owner) {
  return {{"metadata",
           {{"name", "web-" + hash},
            {"labels", {{"app", "web"}, {"pod-template-hash", hash}}},
            {"annotations", {{"deployment.kubernetes.io/revision", revision}}},
            {"ownerReferences", Json::array({{{"uid", owner}, {"controller", true}}})}}}};
}

TEST(StableHash, NewestReplicaSetOfTheDeployment) {
  const Json d = {{"metadata",
                   {{"name", "web"},
                    {"uid", "d-uid"},
                    {"annotations", {{"deployment.kubernetes.io/revision", "3"}}}}}};
  const Json list = {{"items", Json::array({Rs("old11", "2", "d-uid"), Rs("new33", "3", "d-uid"),
                                            Rs("oth44", "3", "other-uid")})}};
  auto h = NewestPodTemplateHash(d, list);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, "new33");
  const Json none = {{"items", Json::array({Rs("old11", "2", "d-uid")})}};
  auto missing = NewestPodTemplateHash(d, none);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("revision 3"), std::string::npos);
}

}  // namespace
}  // namespace ferry::release::routing
