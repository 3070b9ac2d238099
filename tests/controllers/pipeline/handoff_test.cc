#include "operator/controllers/pipeline/handoff.h"

#include <gtest/gtest.h>

namespace ferry::pipeline {
namespace {

api::Handoff H() {
  api::Handoff h;
  h.releaseRef.name = "churn-model";
  h.container = "server";
  h.image = "reg/ml/churn-model@sha256:4c1d";
  h.version = "3f2c9a1";
  return h;
}

TEST(BuildHandoffApply, OwnsOnlyVersionAndOneContainersImage) {
  auto body = BuildHandoffApply(H(), "ml-serving", "server");
  ASSERT_TRUE(body.ok()) << body.error().message;
  nlohmann::json want = nlohmann::json::parse(R"({
    "apiVersion": "ferry.dev/v1alpha1", "kind": "Release",
    "metadata": {"name": "churn-model", "namespace": "ml-serving"},
    "spec": {"version": "3f2c9a1",
             "template": {"containers": [{"name": "server",
                                          "image": "reg/ml/churn-model@sha256:4c1d"}]}}})");
  EXPECT_EQ(*body, want);
}

TEST(BuildHandoffApply, EnvEntriesByName) {
  api::Handoff h = H();
  h.env = {{"MODEL_URI", "s3://models/3f2c9a1/"}};
  auto body = BuildHandoffApply(h, "ml", "server");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["spec"]["template"]["containers"][0]["env"],
            nlohmann::json::parse(R"([{"name": "MODEL_URI", "value": "s3://models/3f2c9a1/"}])"));
}

TEST(BuildHandoffApply, RefusesWhatTheReleaseWouldReject) {
  api::Handoff h = H();
  h.version = "sha256:4c1d";  // a digest result used as version: ':' is not allowed
  auto bad = BuildHandoffApply(h, "ml", "server");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("spec.handoff.version: \"sha256:4c1d\""), std::string::npos);
  h = H();
  h.image.clear();
  EXPECT_FALSE(BuildHandoffApply(h, "ml", "server").ok());
  EXPECT_FALSE(BuildHandoffApply(H(), "ml", "Server_1").ok());
}

TEST(HandoffContainer, Table) {
  api::Release one, two, none;
  one.spec.template_.containers = {{"server", "", {}}};
  two.spec.template_.containers = {{"server", "", {}}, {"sidecar", "", {}}};
  api::Handoff named = H(), unnamed = H();
  unnamed.container.clear();
  EXPECT_EQ(HandoffContainer(named, two, {}).value(), "server");
  EXPECT_EQ(HandoffContainer(unnamed, one, {"other"}).value(), "server");
  EXPECT_EQ(HandoffContainer(unnamed, none, {"app", "proxy"}).value(), "app");
  auto ambiguous = HandoffContainer(unnamed, two, {});
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(ambiguous.error().message.find("spec.handoff.container"), std::string::npos);
  EXPECT_FALSE(HandoffContainer(unnamed, none, {}).ok());
}

TEST(HandoffApplied, DetectsADoneHandoff) {
  api::Release r;
  r.spec.version = "3f2c9a1";
  r.spec.template_.containers = {{"server", "reg/ml/churn-model@sha256:4c1d", {{"A", "1"}}}};
  api::Handoff h = H();
  EXPECT_TRUE(HandoffApplied(r, h, "server"));
  h.env = {{"A", "1"}};
  EXPECT_TRUE(HandoffApplied(r, h, "server"));
  h.env = {{"A", "2"}};
  EXPECT_FALSE(HandoffApplied(r, h, "server"));
  EXPECT_FALSE(HandoffApplied(r, H(), "sidecar"));
  r.spec.version = "v7";
  EXPECT_FALSE(HandoffApplied(r, H(), "server"));
}

TEST(HandoffApplyPath, ServerSideApplyWithFieldManager) {
  EXPECT_EQ(HandoffApplyPath("ml-serving", "churn-model"),
            "/apis/ferry.dev/v1alpha1/namespaces/ml-serving/releases/churn-model"
            "?fieldManager=ferry-handoff&force=true");
}

}  // namespace
}  // namespace ferry::pipeline
