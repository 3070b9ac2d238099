// Gateway API body builders: weights, header rules and mirrors on an HTTPRoute's rules, and
// what the route reports back. Pure; the sim test applies them to a real server.
#include "operator/controllers/release/routing/gateway_api.h"

#include <gtest/gtest.h>

namespace ferry::release::routing {
namespace {

const RouteBackends kB{"web", "web-canary"};

// A route as a repository declares it: one rule to the stable Service, one unrelated rule.
HttpRouteState Declared(Json stable_weight = 100) {
  Json stable = {{"name", "web"}, {"port", 8080}};
  if (!stable_weight.is_null()) stable["weight"] = stable_weight;
  HttpRouteState s;
  s.rules = Json::array(
      {{{"matches", Json::array({{{"path", {{"type", "PathPrefix"}, {"value", "/api"}}}}})},
        {"filters", Json::array({{{"type", "RequestHeaderModifier"},
                                   {"requestHeaderModifier", {{"set", Json::array()}}}}})},
        {"backendRefs", Json::array({stable})}},
       {{"backendRefs", Json::array({{{"name", "docs"}, {"port", 80}}})}}});
  return s;
}

Json Refs(const HttpRouteState& s, size_t rule = 0) { return s.rules[rule]["backendRefs"]; }

TEST(GatewayWeights, StableAndCanaryWeightsSumToOneHundred) {
  struct Case {
    int32_t weight;
    int32_t stable;
    std::optional<int32_t> canary;  // nullopt: no canary backendRef
  } cases[] = {{0, 100, std::nullopt}, {1, 99, 1},  {10, 90, 10},   {50, 50, 50},
               {99, 1, 99},            {100, 0, 100}, {150, 0, 100}, {-5, 100, std::nullopt}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.weight);
    auto s = WithWeight(Declared(), kB, c.weight);
    ASSERT_TRUE(s.ok());
    const Json refs = Refs(*s);
    EXPECT_EQ(refs[0]["name"], "web");
    EXPECT_EQ(refs[0]["weight"], c.stable);
    if (c.canary) {
      ASSERT_EQ(refs.size(), 2u);
      EXPECT_EQ(refs[1], Json({{"name", "web-canary"}, {"port", 8080}, {"weight", *c.canary}}));
    } else {
      EXPECT_EQ(refs.size(), 1u);
    }
    EXPECT_EQ(Refs(*s, 1), Refs(Declared(), 1)) << "rules without the stable Service untouched";
    auto share = CanaryShare(*s, kB);
    ASSERT_TRUE(share.ok());
    EXPECT_EQ(*share, c.canary.value_or(0));
  }
}

TEST(GatewayWeights, SettingTheSameWeightTwiceChangesNothing) {
  auto once = WithWeight(Declared(), kB, 30);
  ASSERT_TRUE(once.ok());
  auto twice = WithWeight(*once, kB, 30);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(*once, *twice);
  auto back = WithWeight(*twice, kB, 0);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, Declared());
}

TEST(GatewayWeights, ShareReadsWeightsTheUserWroteAndInconsistentRules) {
  struct Case {
    Json stable_weight;  // null: unset (Gateway API default 1)
    Json canary_weight;  // null: no canary ref
    std::optional<int32_t> want;
  } cases[] = {{nullptr, nullptr, 0}, {1, 1, 50}, {3, 1, 25}, {0, 5, 100}, {0, 0, 0}, {2, 1, 33}};
  for (const auto& c : cases) {
    HttpRouteState s = Declared(c.stable_weight);
    if (!c.canary_weight.is_null()) {
      s.rules[0]["backendRefs"].push_back({{"name", "web-canary"}, {"weight", c.canary_weight}});
    }
    auto share = CanaryShare(s, kB);
    ASSERT_TRUE(share.ok());
    EXPECT_EQ(*share, c.want) << c.stable_weight << " / " << c.canary_weight;
  }
  HttpRouteState two = Declared();
  two.rules.push_back(two.rules[0]);
  two.rules[2]["backendRefs"].push_back({{"name", "web-canary"}, {"weight", 10}});
  auto share = CanaryShare(two, kB);
  ASSERT_TRUE(share.ok());
  EXPECT_EQ(*share, std::nullopt) << "rules disagree: unknown, so Decide sets it again";
}

TEST(GatewayWeights, ARouteWithoutTheStableServiceIsAnError) {
  HttpRouteState s = Declared();
  s.rules.erase(0);
  auto w = WithWeight(s, kB, 10);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("backendRef to Service web"), std::string::npos);
  EXPECT_FALSE(CanaryShare(s, kB).ok());
  // A backendRef of another kind with the same name is not the Service.
  s = Declared();
  s.rules[0]["backendRefs"][0]["kind"] = "ServiceImport";
  s.rules[0]["backendRefs"][0]["group"] = "multicluster.x-k8s.io";
  EXPECT_FALSE(WithWeight(s, kB, 10).ok());
}

api::HeaderRouteStep Header(std::string name, std::vector<api::HeaderMatch> match) {
  return api::HeaderRouteStep{std::move(name), std::move(match)};
}

TEST(GatewayHeaderRoutes, AddReplaceAndRemoveByName) {
  auto s = WithHeaderRoute(Declared(), kB, Header("ml-team", {{"X-Team", "ml", "Exact"}}));
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->rules.size(), 3u);
  EXPECT_EQ(s->headerRoutes, std::vector<std::string>{"ml-team"});
  const Json rule = s->rules[2];
  EXPECT_EQ(rule["matches"],
            Json::parse(R"([{"path":{"type":"PathPrefix","value":"/api"},
                             "headers":[{"type":"Exact","name":"X-Team","value":"ml"}]}])"));
  EXPECT_EQ(rule["backendRefs"], Json::parse(R"([{"name":"web-canary","port":8080}])"));
  EXPECT_EQ(rule["filters"], Declared().rules[0]["filters"]) << "the stable rule's filters apply";

  // A second route, then the first replaced with a regular expression.
  s = WithHeaderRoute(*s, kB, Header("beta", {{"X-Beta", "1", "Exact"}}));
  ASSERT_TRUE(s.ok());
  s = WithHeaderRoute(*s, kB, Header("ml-team", {{"X-Team", "ml|ds", "RegularExpression"}}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->headerRoutes, (std::vector<std::string>{"beta", "ml-team"}));
  EXPECT_EQ(s->rules.size(), 4u);
  EXPECT_EQ(s->rules[3]["matches"][0]["headers"][0]["type"], "RegularExpression");

  // Removing is by name; removing an absent route is a no-op.
  s = WithHeaderRoute(*s, kB, Header("beta", {}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->headerRoutes, std::vector<std::string>{"ml-team"});
  auto again = WithHeaderRoute(*s, kB, Header("beta", {}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *s);
  s = WithHeaderRoute(*s, kB, Header("ml-team", {}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, Declared());
}

TEST(GatewayHeaderRoutes, RuleWithoutMatchesGetsTheDefaultPathAndRoutesAreNotWeighted) {
  HttpRouteState s = Declared();
  s.rules[0].erase("matches");
  auto h = WithHeaderRoute(s, kB, Header("ml", {{"X-Team", "ml", "Exact"}}));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rules[2]["matches"][0]["path"]["value"], "/");
  // Weights touch stable rules only; the header rule keeps sending everything to the canary.
  auto w = WithWeight(*h, kB, 20);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->rules[2]["backendRefs"].size(), 1u);
  auto share = CanaryShare(*w, kB);
  ASSERT_TRUE(share.ok());
  EXPECT_EQ(*share, 20);
}

TEST(GatewayHeaderRoutes, UnnamedFerryRulesAreRemovedOnTheNextChange) {
  auto s = WithHeaderRoute(Declared(), kB, Header("ml", {{"X-Team", "ml", "Exact"}}));
  ASSERT_TRUE(s.ok());
  s->headerRoutes.clear();  // someone removed the annotation
  auto next = WithHeaderRoute(*s, kB, Header("beta", {{"X-Beta", "1", "Exact"}}));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->headerRoutes, std::vector<std::string>{"beta"});
  EXPECT_EQ(next->rules.size(), 3u);
}

TEST(GatewayMirror, FilterWithPercentAddedReplacedAndRemoved) {
  auto s = WithMirror(Declared(), kB, 25);
  ASSERT_TRUE(s.ok());
  const Json filters = s->rules[0]["filters"];
  ASSERT_EQ(filters.size(), 2u);
  EXPECT_EQ(filters[0]["type"], "RequestHeaderModifier") << "the user's filter kept, first";
  EXPECT_EQ(filters[1], Json::parse(R"({"type":"RequestMirror","requestMirror":
      {"backendRef":{"name":"web-canary","port":8080},"percent":25}})"));
  s = WithMirror(*s, kB, 100);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->rules[0]["filters"].size(), 2u);
  EXPECT_EQ(s->rules[0]["filters"][1]["requestMirror"]["percent"], 100);
  s = WithMirror(*s, kB, 0);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, Declared());
  // A rule without filters gets none back.
  HttpRouteState bare = Declared();
  bare.rules[0].erase("filters");
  auto m = WithMirror(bare, kB, 5);
  ASSERT_TRUE(m.ok());
  auto off = WithMirror(*m, kB, 0);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->rules[0].contains("filters"));
}

TEST(GatewayRestore, EverythingBackToTheDeclaredRoute) {
  auto s = WithWeight(Declared(), kB, 40);
  ASSERT_TRUE(s.ok());
  s = WithMirror(*s, kB, 10);
  ASSERT_TRUE(s.ok());
  s = WithHeaderRoute(*s, kB, Header("ml", {{"X-Team", "ml", "Exact"}}));
  ASSERT_TRUE(s.ok());
  auto r = Restored(*s, kB);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, Declared());
}

TEST(GatewayApplyBody, NamesOnlyRulesAndFerrysAnnotation) {
  auto s = WithHeaderRoute(Declared(), kB, Header("ml", {{"X-Team", "ml", "Exact"}}));
  ASSERT_TRUE(s.ok());
  const Json body = HttpRouteApply("shop", "web", *s);
  EXPECT_EQ(body["apiVersion"], "gateway.networking.k8s.io/v1");
  EXPECT_EQ(body["kind"], "HTTPRoute");
  EXPECT_EQ(body["metadata"]["annotations"][kHeaderRoutesAnnotation], R"(["ml"])");
  EXPECT_EQ(body["spec"].size(), 1u) << "parentRefs, hostnames stay the repository's";
  const Json read = {{"metadata", body["metadata"]}, {"spec", body["spec"]}};
  EXPECT_EQ(ReadHttpRoute(read), *s) << "round trip";
  EXPECT_FALSE(HttpRouteApply("shop", "web", Declared())["metadata"].contains("annotations"))
      << "without header routes the annotation is dropped (server-side apply removes it)";
}

}  // namespace
}  // namespace ferry::release::routing
