// What starts runs: a new revision mid-run under each concurrencyPolicy, and a signed git push
// on the webhook endpoint (signed with the openssl command line, sent with curl).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "tests/integration/pipeline/pipeline_fixture.h"

namespace ferry::itest {
namespace {

using Names = std::vector<std::string>;

class PipelineTriggerTest : public PipelineTest {
 protected:
  // Starts the operator and a run of kRev1 whose only stage takes `seconds`.
  void StartFirstRun(const std::string& policy, double seconds) {
    StartOperator();
    ApplyPipeline("app", {Stage("build", {0, seconds, ""})},
                  {{"source", {{"revision", kRev1}}}, {"concurrencyPolicy", policy}});
    ASSERT_TRUE(WaitRun("app", "app-1", "Running"));
    ASSERT_TRUE(Eventually([&] { return Job("app-1-build").has_value(); }));
  }
  void PushRevision2() {
    json spec = Pipeline("app")["spec"];
    spec["source"]["revision"] = kRev2;
    auto applied = cluster().Apply(kPipelines, {{"apiVersion", "ferry.dev/v1alpha1"},
                                                {"kind", "Pipeline"},
                                                {"metadata", {{"name", "app"}, {"namespace", kPipelineNs}}},
                                                {"spec", spec}});
    ASSERT_TRUE(applied) << applied.error().ToString();
  }
};

TEST_F(PipelineTriggerTest, ReplaceCancelsTheRunningRun) {
  StartFirstRun("Replace", 60);
  PushRevision2();
  ASSERT_TRUE(WaitRun("app", "app-2", "Running"));
  json p = Pipeline("app");
  EXPECT_EQ(StringAt(p, "/status/currentRun/revision"), kRev2);
  EXPECT_EQ(StringAt(p, "/status/history/0/phase"), "Cancelled");
  EXPECT_TRUE(Eventually([&] { return Jobs("ferry.dev/run=app-1").empty(); }));
  EXPECT_TRUE(Eventually([&] { return HasEvent("app", "RunReplaced"); }));
}

TEST_F(PipelineTriggerTest, QueueRunsTheNewRevisionNext) {
  StartFirstRun("Queue", 3);
  PushRevision2();
  ASSERT_TRUE(WaitPipeline(
      "app", [](const json& p) { return StringAt(p, "/status/pendingRun/revision") == kRev2; },
      "run of revision 2 queued"));
  EXPECT_EQ(StringAt(Pipeline("app"), "/status/currentRun/id"), "app-1");
  ASSERT_TRUE(WaitRun("app", "app-2", "Succeeded"));
  json p = Pipeline("app");
  EXPECT_EQ(StringAt(p, "/status/history/1/phase"), "Succeeded");  // app-1 finished, not cut short
  EXPECT_EQ(StringAt(p, "/status/history/1/id"), "app-1");
}

TEST_F(PipelineTriggerTest, ForbidDropsTheNewRevision) {
  StartFirstRun("Forbid", 3);
  PushRevision2();
  ASSERT_TRUE(Eventually([&] { return HasEvent("app", "RunDropped", "Forbid"); }));
  ASSERT_TRUE(WaitRun("app", "app-1", "Succeeded"));
  json p = Pipeline("app");
  EXPECT_EQ(p["status"]["lastRunNumber"], 1);
  EXPECT_EQ(Jobs("ferry.dev/pipeline=app"), (Names{"app-1-build"}));
}

std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[256];
  while (fgets(buf, sizeof buf, f) != nullptr) out += buf;
  pclose(f);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

TEST_F(PipelineTriggerTest, SignedGitHubPushRequestsARun) {
  const std::string secret = "itest-webhook-secret";
  auto created = client().Create(
      kube::kSecrets, {{"apiVersion", "v1"},
                       {"kind", "Secret"},
                       {"metadata", {{"name", "hook"}, {"namespace", kPipelineNs}}},
                       {"stringData", {{"token", secret}}}});
  ASSERT_TRUE(created) << created.error().ToString();
  Operator& op = StartOperator();
  ApplyPipeline("app", {Stage("build")},
                {{"triggers", {{"webhook", {{"provider", "GitHub"}, {"secretRef", {{"name", "hook"}}}}}}}});
  auto line = op.WaitForLog(
      [](const json& j) { return j.value("msg", "") == "git webhook receiver listening"; });
  ASSERT_TRUE(line);
  const int port = line->value("port", 0);
  ASSERT_GT(port, 0);
  const std::string body_file = cluster().temp_dir() + "/push.json";
  std::ofstream(body_file) << json{{"ref", "refs/heads/main"},
                                   {"after", kRev2},
                                   {"repository",
                                    {{"clone_url", "https://git.example.com/acme/app.git"}}}}
                                  .dump();
  auto post = [&](const std::string& key, const std::string& delivery) {
    std::string sig = Shell("openssl dgst -sha256 -hmac '" + key + "' -r < " + body_file +
                          " | cut -d' ' -f1");
    return Shell("curl -s -o /dev/null -w '%{http_code}' -H 'X-GitHub-Event: push' "
               "-H 'X-GitHub-Delivery: " + delivery + "' -H 'Content-Type: application/json' "
               "-H 'X-Hub-Signature-256: sha256=" + sig + "' --data-binary @" + body_file +
               " http://127.0.0.1:" + std::to_string(port) + "/hooks/itest/app");
  };
  EXPECT_EQ(post("wrong-secret", "d-0"), "401");
  EXPECT_EQ(post(secret, "d-1"), "202");
  EXPECT_EQ(post(secret, "d-1"), "409");  // a replay
  ASSERT_TRUE(WaitRun("app", "app-1", "Succeeded"));
  json p = Pipeline("app");
  EXPECT_EQ(StringAt(p, "/status/currentRun/revision"), kRev2);
  EXPECT_EQ(StringAt(p, "/status/currentRun/trigger/type"), "Webhook");
  EXPECT_EQ(StringAt(p, "/status/lastHandledRequests/run"), "d-1");
  EXPECT_FALSE(p["spec"]["source"].contains("revision"));  // the trigger never writes spec
  EXPECT_EQ(p["metadata"]["generation"], 1);
}

}  // namespace
}  // namespace ferry::itest
