#include "operator/controllers/release/pod_template.h"

#include <gtest/gtest.h>

#include <functional>

namespace ferry::release {
namespace {

Json Template() {
  return Json::parse(R"({
    "metadata": {"creationTimestamp": null, "labels": {"app": "churn"}},
    "spec": {"containers": [
      {"name": "server", "image": "reg/churn:v1", "imagePullPolicy": "IfNotPresent",
       "env": [{"name": "MODEL_URI", "value": "s3://m/v1"}, {"name": "LOG", "value": "info"}]},
      {"name": "proxy", "image": "envoy:1.30"}]}})");
}

api::Release Rel() {
  api::Release r;
  r.metadata.name = "churn";
  r.spec.targetRef.name = "churn";
  r.spec.version = "v2";
  api::ContainerPatch cp;
  cp.name = "server";
  cp.image = "reg/churn:v2";
  cp.env = {{"MODEL_URI", "s3://m/v2"}, {"THREADS", "4"}};
  r.spec.template_.containers = {cp};
  r.spec.template_.metadata.labels = {{"team", "ml"}};
  r.spec.template_.metadata.annotations = {{"prometheus.io/scrape", "true"}};
  return r;
}

TEST(Fnv1a32, KnownVectors) {
  // Published FNV-1a 32-bit test vectors.
  EXPECT_EQ(Fnv1a32(""), 0x811c9dc5u);
  EXPECT_EQ(Fnv1a32("a"), 0xe40c292cu);
  EXPECT_EQ(Fnv1a32("foobar"), 0xbf9cf968u);
}

TEST(SafeEncodeHash, MapsDigitsLikeKubernetes) {
  // '0'..'9' are bytes 48..57; 48 % 27 = 21 -> "4", as rand.SafeEncodeString does.
  EXPECT_EQ(SafeEncodeHash(0), "4");
  EXPECT_EQ(SafeEncodeHash(123), "567");
  EXPECT_EQ(SafeEncodeHash(4294967295u), "86f8fbc6f9");
}

TEST(TemplateHash, DeterministicAndSensitiveToContent) {
  const Json t = Template();
  EXPECT_EQ(TemplateHash(t), TemplateHash(Json::parse(t.dump())));
  Json without_ts = t;
  without_ts["metadata"].erase("creationTimestamp");
  EXPECT_EQ(TemplateHash(t), TemplateHash(without_ts));
  Json other = t;
  other["spec"]["containers"][0]["image"] = "reg/churn:v3";
  EXPECT_NE(TemplateHash(t), TemplateHash(other));
  for (char ch : TemplateHash(t))
    EXPECT_NE(std::string("bcdfghjklmnpqrstvwxz2456789").find(ch), std::string::npos);
}

TEST(VersionTemplate, AppliesImagesEnvLabelsAnnotations) {
  auto got = VersionTemplate(Template(), Rel());
  ASSERT_TRUE(got.ok()) << got.error().message;
  const Json& t = *got;
  EXPECT_FALSE(t["metadata"].contains("creationTimestamp"));
  EXPECT_EQ(t["metadata"]["labels"]["app"], "churn");
  EXPECT_EQ(t["metadata"]["labels"]["team"], "ml");
  EXPECT_EQ(t["metadata"]["labels"][kLabelRelease], "churn");
  EXPECT_EQ(t["metadata"]["labels"][kLabelVersion], "v2");
  EXPECT_EQ(t["metadata"]["annotations"]["prometheus.io/scrape"], "true");
  const Json& server = t["spec"]["containers"][0];
  EXPECT_EQ(server["image"], "reg/churn:v2");
  EXPECT_EQ(server["imagePullPolicy"], "IfNotPresent");
  ASSERT_EQ(server["env"].size(), 3u);
  EXPECT_EQ(server["env"][0], (Json{{"name", "MODEL_URI"}, {"value", "s3://m/v2"}}));
  EXPECT_EQ(server["env"][1]["name"], "LOG");
  EXPECT_EQ(server["env"][2], (Json{{"name", "THREADS"}, {"value", "4"}}));
  EXPECT_EQ(t["spec"]["containers"][1], Template()["spec"]["containers"][1]);
}

TEST(VersionTemplate, UnknownContainerIsAnErrorNamingTheField) {
  api::Release r = Rel();
  r.spec.template_.containers[0].name = "sever";
  auto got = VersionTemplate(Template(), r);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("spec.template.containers[0].name"), std::string::npos);
  EXPECT_NE(got.error().message.find("server, proxy"), std::string::npos);
}

TEST(TemplateRunsVersion, TrueOnlyWhenEveryChangeIsPresent) {
  const api::Release r = Rel();
  EXPECT_FALSE(TemplateRunsVersion(Template(), r.spec));
  Json v = *VersionTemplate(Template(), r);
  EXPECT_TRUE(TemplateRunsVersion(v, r.spec));
  // Server defaulting and unrelated edits do not matter.
  v["spec"]["containers"][0]["terminationMessagePath"] = "/dev/termination-log";
  v["spec"]["containers"][0]["resources"] = {{"limits", {{"cpu", "2"}}}};
  EXPECT_TRUE(TemplateRunsVersion(v, r.spec));
  struct Edit {
    const char* what;
    std::function<void(Json&)> edit;
  } edits[] = {
      {"image", [](Json& t) { t["spec"]["containers"][0]["image"] = "reg/churn:v1"; }},
      {"env value", [](Json& t) { t["spec"]["containers"][0]["env"][0]["value"] = "x"; }},
      {"env valueFrom",
       [](Json& t) { t["spec"]["containers"][0]["env"][2]["valueFrom"] = Json::object(); }},
      {"label", [](Json& t) { t["metadata"]["labels"].erase("team"); }},
      {"annotation",
       [](Json& t) { t["metadata"]["annotations"]["prometheus.io/scrape"] = "false"; }},
      {"version label", [](Json& t) { t["metadata"]["labels"][kLabelVersion] = "v1"; }},
      {"container gone", [](Json& t) { t["spec"]["containers"].erase(0); }},
  };
  for (const auto& e : edits) {
    Json t = v;
    e.edit(t);
    EXPECT_FALSE(TemplateRunsVersion(t, r.spec)) << e.what;
  }
  // Without a version label only the changes count (adoption of an unlabelled target).
  Json unlabelled = v;
  unlabelled["metadata"]["labels"].erase(kLabelVersion);
  EXPECT_TRUE(TemplateRunsVersion(unlabelled, r.spec));
}

TEST(TemplateVersion, ReadsTheLabel) {
  EXPECT_EQ(TemplateVersion(Template()), "");
  EXPECT_EQ(TemplateVersion(*VersionTemplate(Template(), Rel())), "v2");
  EXPECT_EQ(TemplateVersion(Json()), "");
}

}  // namespace
}  // namespace ferry::release
