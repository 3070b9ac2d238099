// ingress-nginx canary Ingress builder and the state it carries. Pure.
#include "operator/controllers/release/routing/nginx.h"

#include <gtest/gtest.h>

namespace ferry::release::routing {
namespace {

constexpr char kPrefix[] = "nginx.ingress.kubernetes.io";

api::Release NginxRelease() {
  api::Release r;
  r.metadata.name = "search";
  r.metadata.namespace_ = "shop";
  r.metadata.uid = "rel-uid";
  r.spec.strategy.canary.emplace();
  auto& t = r.spec.strategy.canary->trafficRouting.emplace();
  t.stableService = "search-api";
  t.canaryService = "search-api-canary";
  t.nginx = api::NginxRouting{"search", kPrefix};
  return r;
}

Json StableIngress() {
  return Json::parse(R"({
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "search", "namespace": "shop", "uid": "ing-uid", "resourceVersion": "7",
      "labels": {"app.kubernetes.io/instance": "shop"},
      "annotations": {"argocd.argoproj.io/tracking-id": "shop:networking.k8s.io/Ingress:shop/search",
                      "nginx.ingress.kubernetes.io/proxy-body-size": "8m",
                      "nginx.ingress.kubernetes.io/canary-weight": "5"}},
    "spec": {"ingressClassName": "nginx",
      "tls": [{"hosts": ["search.example.com"], "secretName": "search-tls"}],
      "rules": [
        {"host": "search.example.com", "http": {"paths": [
          {"path": "/", "pathType": "Prefix",
           "backend": {"service": {"name": "search-api", "port": {"number": 80}}}},
          {"path": "/static", "pathType": "Prefix",
           "backend": {"service": {"name": "cdn", "port": {"number": 80}}}}]}},
        {"host": "static.example.com", "http": {"paths": [
          {"path": "/", "pathType": "Prefix",
           "backend": {"service": {"name": "cdn", "port": {"number": 80}}}}]}}]}})");
}

TEST(NginxCanaryIngress, CopiesOnlyTheStablePathsAndControllerAnnotations) {
  NginxCanaryState s;
  s.weight = 20;
  auto ing = BuildCanaryIngress(StableIngress(), NginxRelease(), s);
  ASSERT_TRUE(ing.ok()) << ing.error().message;
  const Json& m = (*ing)["metadata"];
  EXPECT_EQ(m["name"], "search-canary");
  EXPECT_EQ(m["namespace"], "shop");
  EXPECT_EQ(m["ownerReferences"][0]["kind"], "Release");
  EXPECT_EQ(m["ownerReferences"][0]["uid"], "rel-uid");
  EXPECT_TRUE(m["ownerReferences"][0]["controller"].get<bool>());
  EXPECT_FALSE(m["labels"].contains("app.kubernetes.io/instance")) << "no GitOps tracking label";
  EXPECT_EQ(m["annotations"], Json::parse(R"({
      "nginx.ingress.kubernetes.io/proxy-body-size": "8m",
      "nginx.ingress.kubernetes.io/canary": "true",
      "nginx.ingress.kubernetes.io/canary-weight": "20",
      "nginx.ingress.kubernetes.io/canary-weight-total": "100"})"));
  EXPECT_EQ((*ing)["spec"], Json::parse(R"({"ingressClassName": "nginx", "rules": [
      {"host": "search.example.com", "http": {"paths": [
        {"path": "/", "pathType": "Prefix",
         "backend": {"service": {"name": "search-api-canary", "port": {"number": 80}}}}]}}]})"));
  EXPECT_FALSE(m.contains("resourceVersion"));
  EXPECT_EQ(ReadCanaryIngress(*ing, kPrefix), s) << "round trip";
}

TEST(NginxCanaryIngress, HeaderRouteAnnotationsExactAndRegex) {
  struct Case {
    api::HeaderMatch match;
    const char* value_key;
  } cases[] = {{{"X-Team", "ml", "Exact"}, "nginx.ingress.kubernetes.io/canary-by-header-value"},
               {{"X-Team", "ml|ds", "RegularExpression"},
                "nginx.ingress.kubernetes.io/canary-by-header-pattern"}};
  for (const auto& c : cases) {
    auto s = WithNginxHeaderRoute({}, {"ml-team", {c.match}});
    ASSERT_TRUE(s.ok());
    auto ing = BuildCanaryIngress(StableIngress(), NginxRelease(), *s);
    ASSERT_TRUE(ing.ok());
    const Json a = (*ing)["metadata"]["annotations"];
    EXPECT_EQ(a["nginx.ingress.kubernetes.io/canary-by-header"], "X-Team");
    EXPECT_EQ(a[c.value_key], c.match.value);
    EXPECT_EQ(a["nginx.ingress.kubernetes.io/canary-weight"], "0");
    EXPECT_EQ(ReadCanaryIngress(*ing, kPrefix), *s);
  }
}

TEST(NginxCanaryIngress, OneHeaderRouteOfOneHeader) {
  auto s = WithNginxHeaderRoute({}, {"ml-team", {{"X-Team", "ml", "Exact"}}});
  ASSERT_TRUE(s.ok());
  auto other = WithNginxHeaderRoute(*s, {"beta", {{"X-Beta", "1", "Exact"}}});
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("remove it first"), std::string::npos);
  auto two = WithNginxHeaderRoute({}, {"x", {{"A", "1", "Exact"}, {"B", "2", "Exact"}}});
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message.find("one header"), std::string::npos);
  // Removing another name keeps it; removing its own name drops it.
  auto keep = WithNginxHeaderRoute(*s, {"beta", {}});
  ASSERT_TRUE(keep.ok());
  EXPECT_TRUE(keep->header.has_value());
  auto gone = WithNginxHeaderRoute(*s, {"ml-team", {}});
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->header.has_value());
}

TEST(NginxCanaryIngress, StableIngressWithoutTheStableServiceIsAnError) {
  Json stable = StableIngress();
  stable["spec"]["rules"].erase(0);
  auto ing = BuildCanaryIngress(stable, NginxRelease(), {});
  ASSERT_FALSE(ing.ok());
  EXPECT_NE(ing.error().message.find("no path whose backend is Service search-api"),
            std::string::npos);
}

TEST(NginxCanaryIngress, NamesStayValidObjectNames) {
  EXPECT_EQ(CanaryIngressName("web"), "web-canary");
  const std::string a = CanaryIngressName(std::string(250, 'a'));
  const std::string b = CanaryIngressName(std::string(249, 'a') + "b");
  EXPECT_EQ(a.size(), 253u);
  EXPECT_NE(a, b);
}

TEST(NginxCanaryIngress, ReadsAbsentAndForeignObjects) {
  EXPECT_EQ(ReadCanaryIngress(Json(), kPrefix), NginxCanaryState{});
  Json odd = {{"metadata", {{"annotations", {{"nginx.ingress.kubernetes.io/canary-weight", "x"}}}}}};
  EXPECT_EQ(ReadCanaryIngress(odd, kPrefix).weight, 0);
  odd["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"] = "250";
  EXPECT_EQ(ReadCanaryIngress(odd, kPrefix).weight, 100);
}

}  // namespace
}  // namespace ferry::release::routing
