#include "operator/controllers/release/canary_builder.h"

#include <gtest/gtest.h>

#include "tests/controllers/release/fixture.h"

namespace ferry::release {
namespace {

using testing::MakeRelease;
using testing::TargetJson;

struct Built {
  api::Release rel = MakeRelease({testing::WeightStep(10)});
  Json target = TargetJson("reg/churn:v1", 10);
  Json version = *VersionTemplate(target["spec"]["template"], rel);
  Json canary = *BuildCanaryDeployment(target["spec"], rel, version, 3);
};

TEST(BuildCanaryDeployment, NameOwnerLabelsAndHash) {
  Built b;
  const Json& m = b.canary["metadata"];
  EXPECT_EQ(b.canary["apiVersion"], "apps/v1");
  EXPECT_EQ(b.canary["kind"], "Deployment");
  EXPECT_EQ(m["name"], "churn-canary");
  EXPECT_EQ(m["namespace"], "ml");
  ASSERT_EQ(m["ownerReferences"].size(), 1u);
  const Json& owner = m["ownerReferences"][0];
  EXPECT_EQ(owner["apiVersion"], "ferry.dev/v1alpha1");
  EXPECT_EQ(owner["kind"], "Release");
  EXPECT_EQ(owner["name"], "churn");
  EXPECT_EQ(owner["uid"], "rel-uid");
  EXPECT_EQ(owner["controller"], true);
  EXPECT_EQ(owner["blockOwnerDeletion"], true);
  EXPECT_EQ(m["labels"][kLabelRelease], "churn");
  EXPECT_EQ(m["labels"][kLabelVersion], "v2");
  EXPECT_EQ(m["labels"][kLabelRole], "canary");
  // The target's labels, and with them a GitOps tracking label, are not copied.
  EXPECT_FALSE(m["labels"].contains("app.kubernetes.io/instance"));
  EXPECT_EQ(m["annotations"][kAnnotationTemplateHash], TemplateHash(b.version));
  for (const char* server_field :
       {"uid", "resourceVersion", "generation", "managedFields", "creationTimestamp"}) {
    EXPECT_FALSE(m.contains(server_field)) << server_field;
  }
  EXPECT_FALSE(b.canary.contains("status"));
}

TEST(BuildCanaryDeployment, SpecSelectorAndTemplate) {
  Built b;
  const Json& spec = b.canary["spec"];
  EXPECT_EQ(spec["replicas"], 3);
  EXPECT_EQ(spec["progressDeadlineSeconds"], api::kDefaultProgressDeadlineSeconds);
  EXPECT_EQ(spec["strategy"], b.target["spec"]["strategy"]);
  EXPECT_EQ(spec["selector"]["matchLabels"], (Json{{"app", "churn"}, {kLabelRole, "canary"}}));
  const Json& labels = spec["template"]["metadata"]["labels"];
  // Selected by the canary's selector and still by the target's Service (app=churn).
  for (const auto& [k, v] : spec["selector"]["matchLabels"].items()) EXPECT_EQ(labels[k], v) << k;
  EXPECT_EQ(labels[kLabelVersion], "v2");
  EXPECT_EQ(spec["template"]["spec"]["containers"][0]["image"], "reg/churn:v2");
}

TEST(BuildCanaryDeployment, DeterministicForTheSameInputs) {
  Built a, b;
  EXPECT_EQ(a.canary, b.canary);
  EXPECT_EQ(a.canary.dump(), b.canary.dump());
}

TEST(BuildCanaryDeployment, RejectsALabelThatBreaksTheSelector) {
  Built b;
  b.rel.spec.template_.metadata.labels["app"] = "other";
  Json version = *VersionTemplate(b.target["spec"]["template"], b.rel);
  auto got = BuildCanaryDeployment(b.target["spec"], b.rel, version, 1);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("app=churn"), std::string::npos) << got.error().message;
  Json no_selector = b.target["spec"];
  no_selector.erase("selector");
  EXPECT_FALSE(BuildCanaryDeployment(no_selector, b.rel, b.version, 1).ok());
}

TEST(BuildPromotionApply, OwnsOnlyTheFieldsTheReleaseChanges) {
  api::Release r = MakeRelease({});
  r.spec.template_.metadata.labels = {{"team", "ml"}};
  const Json body = BuildPromotionApply(r);
  const Json want = Json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "churn", "namespace": "ml"},
    "spec": {"template": {
      "metadata": {"labels": {"ferry.dev/release": "churn", "ferry.dev/version": "v2", "team": "ml"}},
      "spec": {"containers": [{"name": "server", "image": "reg/churn:v2",
                               "env": [{"name": "MODEL_URI", "value": "s3://models/churn/v2"}]}]}}}})");
  EXPECT_EQ(body, want) << body.dump(2);
  EXPECT_FALSE(body["spec"].contains("replicas"));
  EXPECT_FALSE(body["spec"].contains("selector"));
}

TEST(BuildRestoreApply, PreviousValuesAndOmitsWhatDidNotExist) {
  api::Release r = MakeRelease({});
  r.spec.template_.metadata.labels = {{"team", "ml"}};
  r.spec.template_.containers[0].env.push_back({"NEW_FLAG", "1"});
  Json previous = TargetJson("reg/churn:v1", 3, "v1")["spec"]["template"];
  const Json body = BuildRestoreApply(r, previous);
  const Json& t = body["spec"]["template"];
  EXPECT_EQ(body["metadata"], (Json{{"name", "churn"}, {"namespace", "ml"}}));
  EXPECT_EQ(t["metadata"]["labels"], (Json{{kLabelVersion, "v1"}}));  // team, release: new
  const Json& c = t["spec"]["containers"][0];
  EXPECT_EQ(c["name"], "server");
  EXPECT_EQ(c["image"], "reg/churn:v1");
  EXPECT_EQ(c["env"], Json::parse(R"([{"name": "MODEL_URI", "value": "s3://models/churn/v1"}])"));
}

}  // namespace
}  // namespace ferry::release
