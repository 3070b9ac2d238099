#include "operator/kube/resource.h"

#include <gtest/gtest.h>

namespace ferry::kube {
namespace {

struct PathCase {
  const ResourceRef* ref;
  std::string ns, name, sub;
  std::string want;
};

TEST(ResourceRefTest, BuildsCoreAndNamedGroupPaths) {
  const ResourceRef releases{"ferry.dev", "v1alpha1", "releases", "Release", true};
  const PathCase cases[] = {
      {&kPods, "default", "", "", "/api/v1/namespaces/default/pods"},
      {&kPods, "", "", "", "/api/v1/pods"},
      {&kPods, "ns", "web-1", "", "/api/v1/namespaces/ns/pods/web-1"},
      {&kNamespaces, "ignored", "doomed", "", "/api/v1/namespaces/doomed"},
      {&kNamespaces, "", "", "", "/api/v1/namespaces"},
      {&kDeployments, "apps-demo", "web", "scale", "/apis/apps/v1/namespaces/apps-demo/deployments/web/scale"},
      {&releases, "ferry-demo", "alpha", "status", "/apis/ferry.dev/v1alpha1/namespaces/ferry-demo/releases/alpha/status"},
      {&releases, "", "", "", "/apis/ferry.dev/v1alpha1/releases"},
      {&kCustomResourceDefinitions, "x", "releases.ferry.dev", "", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/releases.ferry.dev"},
      {&kLeases, "kube-system", "ferry", "", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ferry"},
      {&kEventsV1, "a", "", "", "/apis/events.k8s.io/v1/namespaces/a/events"},
      {&kEvents, "a", "", "", "/api/v1/namespaces/a/events"},
      {&kHTTPRoutes, "a", "r", "", "/apis/gateway.networking.k8s.io/v1/namespaces/a/httproutes/r"},
      {&kConfigMaps, "a", "weird name/x", "", "/api/v1/namespaces/a/configmaps/weird%20name%2Fx"},
  };
  for (const auto& c : cases) {
    std::string got = c.name.empty() ? c.ref->CollectionPath(c.ns)
                                     : c.ref->ObjectPath(c.ns, c.name, c.sub);
    EXPECT_EQ(got, c.want) << c.ref->resource << " " << c.ns << "/" << c.name;
  }
}

TEST(ResourceRefTest, NamesApiVersionAndGroupResource) {
  EXPECT_EQ(kPods.ApiVersion(), "v1");
  EXPECT_EQ(kDeployments.ApiVersion(), "apps/v1");
  EXPECT_EQ(kPods.GroupResource(), "pods");
  EXPECT_EQ(kJobs.GroupResource(), "jobs.batch");
  EXPECT_EQ(kReplicaSets.kind, "ReplicaSet");
  EXPECT_EQ(kIngresses.BasePath(), "/apis/networking.k8s.io/v1");
  EXPECT_FALSE(kNamespaces.namespaced);
  EXPECT_TRUE(kSecrets.namespaced);
  EXPECT_EQ(kServices.resource, "services");
}

TEST(ResourceRefTest, EscapesComponents) {
  EXPECT_EQ(EscapeComponent("app=web,tier in (edge)"), "app%3Dweb%2Ctier%20in%20%28edge%29");
  EXPECT_EQ(EscapeComponent("a-b.c_d~"), "a-b.c_d~");
}

}  // namespace
}  // namespace ferry::kube
