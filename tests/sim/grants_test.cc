// RBAC-limited users of kube-sim (--user, --grant): a grant names verbs on a resource or a
// subresource, everywhere (a ClusterRole) or in one namespace (`@NAMESPACE`, a Role); anything
// else is 403 Forbidden, and /sim/stats counts and quotes the refusals.
#include <gtest/gtest.h>

#include "sim_client.h"

namespace simtest {
namespace {

const std::string kAdmin = "admin-token";
const std::string kSaToken = "sa-token";
const std::string kSa = "system:serviceaccount:ops:bot";

json configmap(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", {{"k", "v"}}}};
}

class GrantsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sim_.ok());
    for (const std::string ns : {"ops", "apps"}) {
      json body = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
      ASSERT_EQ(admin_.post_json("/api/v1/namespaces", body).status, 201);
      ASSERT_EQ(admin_.post_json("/api/v1/namespaces/" + ns + "/configmaps", configmap(ns, "c")).status, 201);
    }
  }

  SimProcess sim_{{"--token", kAdmin, "--user", kSaToken + "=" + kSa,
                   "--grant", kSa + "=get,update@configmaps@ops",
                   "--grant", kSa + "=list@configmaps",
                   "--grant", kSa + "=get@deployments/scale.apps"}};
  HttpClient admin_{sim_.port(), false, kAdmin};
  HttpClient sa_{sim_.port(), false, kSaToken};
  HttpClient anonymous_{sim_.port()};
};

TEST_F(GrantsTest, NamespacedGrantAllowsOnlyItsNamespace) {
  EXPECT_EQ(sa_.get("/api/v1/namespaces/ops/configmaps/c").status, 200);
  HttpResponse other = sa_.get("/api/v1/namespaces/apps/configmaps/c");
  EXPECT_EQ(other.status, 403);
  EXPECT_NE(other.body.find("in the namespace \\\"apps\\\""), std::string::npos) << other.body;
  EXPECT_EQ(sa_.request("PUT", "/api/v1/namespaces/ops/configmaps/c", configmap("ops", "c").dump(),
                        {{"Content-Type", "application/json"}}).status, 200);
  EXPECT_EQ(sa_.request("PUT", "/api/v1/namespaces/apps/configmaps/c", configmap("apps", "c").dump(),
                        {{"Content-Type", "application/json"}}).status, 403);
}

TEST_F(GrantsTest, ClusterWideGrantAllowsEveryNamespaceAndTheClusterScope) {
  EXPECT_EQ(sa_.get("/api/v1/namespaces/apps/configmaps").status, 200);
  EXPECT_EQ(sa_.get("/api/v1/namespaces/ops/configmaps").status, 200);
  EXPECT_EQ(sa_.get("/api/v1/configmaps").status, 200);
  EXPECT_EQ(sa_.post_json("/api/v1/namespaces/ops/configmaps", configmap("ops", "d")).status, 403);
}

TEST_F(GrantsTest, SubresourceGrantIsNotTheResource) {
  json d = {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", "web"}, {"namespace", "apps"}}},
            {"spec",
             {{"replicas", 1},
              {"selector", {{"matchLabels", {{"app", "web"}}}}},
              {"template",
               {{"metadata", {{"labels", {{"app", "web"}}}}},
                {"spec", {{"containers", {{{"name", "c"}, {"image", "x"}}}}}}}}}}};
  ASSERT_EQ(admin_.post_json("/apis/apps/v1/namespaces/apps/deployments", d).status, 201);
  EXPECT_EQ(sa_.get("/apis/apps/v1/namespaces/apps/deployments/web/scale").status, 200);
  EXPECT_EQ(sa_.get("/apis/apps/v1/namespaces/apps/deployments/web").status, 403);
}

TEST_F(GrantsTest, StatsCountAndQuoteForbiddenRequests) {
  EXPECT_EQ(admin_.get("/sim/stats").json_body()["forbidden"]["count"], 0);
  EXPECT_EQ(sa_.get("/api/v1/namespaces/apps/configmaps/c").status, 403);
  EXPECT_EQ(sa_.request("DELETE", "/api/v1/namespaces/ops/configmaps/c").status, 403);
  json forbidden = admin_.get("/sim/stats").json_body()["forbidden"];
  EXPECT_EQ(forbidden["count"], 2);
  ASSERT_EQ(forbidden["messages"].size(), 2u);
  EXPECT_NE(forbidden["messages"][1].get<std::string>().find(
                "User \"" + kSa + "\" cannot delete resource \"configmaps\""),
            std::string::npos)
      << forbidden.dump();
}

TEST_F(GrantsTest, UnknownTokenIsUnauthorizedNotForbidden) {
  HttpClient stranger(sim_.port(), false, "nobody");
  EXPECT_EQ(stranger.get("/api/v1/namespaces/ops/configmaps").status, 401);
  EXPECT_EQ(anonymous_.get("/api/v1/namespaces/ops/configmaps").status, 403);
}

}  // namespace
}  // namespace simtest
