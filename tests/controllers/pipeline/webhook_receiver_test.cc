#include <gtest/gtest.h>

#include <mutex>

#include "operator/controllers/pipeline/webhook/receiver.h"
#include "tests/controllers/pipeline/webhook_fixtures.h"

namespace ferry::pipeline::webhook {
namespace {

using testing::kGitHubPush;
using testing::kGitLabPush;
using testing::OpensslSign;

constexpr char kReceiverSecret[] = "correct horse battery staple";

HookConfig GitHubConfig() {
  return {"ml-serving", "churn-model", Provider::kGitHub,
          "",           kReceiverSecret,       "https://github.com/acme/churn-model.git",
          "main"};
}

Request Push(std::string body, std::string event = "push", std::string delivery = "d-1",
             std::string secret = kReceiverSecret) {
  Request r;
  r.method = "POST";
  r.path = "/hooks/ml-serving/churn-model";
  r.headers = {{"Content-Type", "application/json"},
               {"X-GitHub-Event", event},
               {"X-GitHub-Delivery", delivery},
               {kHubSignature256Header, OpensslSign(secret, body)}};
  r.body = std::move(body);
  return r;
}

// application/x-www-form-urlencoded encoding of `s`.
std::string FormEncode(std::string_view s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  return s.replace(s.find(from), from.size(), to);
}

TEST(Decide, Table) {
  struct Case {
    std::string name;
    Request req;
    int status;
    Action action;
    std::string reason;  // substring
  };
  Request get = Push(kGitHubPush);
  get.method = "GET";
  Request unsigned_req = Push(kGitHubPush);
  unsigned_req.headers.erase(kHubSignature256Header);
  Request truncated = Push(kGitHubPush);
  truncated.body.resize(truncated.body.size() / 2);
  Request form = Push("payload=" + FormEncode(kGitHubPush));
  form.headers["Content-Type"] = "application/x-www-form-urlencoded";
  Request empty_form = Push("payload=%7B%7D");
  empty_form.headers["Content-Type"] = "application/x-www-form-urlencoded";
  Request no_payload = Push("other=1");
  no_payload.headers["Content-Type"] = "application/x-www-form-urlencoded";
  const std::vector<Case> cases = {
      {"push to main triggers", Push(kGitHubPush), 202, Action::kTrigger,
       "run requested for 3f2c9a1b7e0d4c5f6a8b9c0d1e2f3a4b5c6d7e8f"},
      {"ping", Push(R"({"zen": "Keep it logically awesome.", "hook_id": 1})", "ping"), 200,
       Action::kPing, "pong"},
      {"other event ignored", Push(R"({"action": "opened"})", "pull_request"), 202, Action::kIgnore,
       "ignored: event pull_request is not a push"},
      {"other branch ignored", Push(Replace(kGitHubPush, "refs/heads/main", "refs/heads/dev")), 202,
       Action::kIgnore, "ignored: push to refs/heads/dev, the Pipeline builds main"},
      {"deleted branch ignored",
       Push(Replace(kGitHubPush, "\"deleted\": false", "\"deleted\": true")), 202, Action::kIgnore,
       "was deleted"},
      {"other repository refused",
       Push(Replace(Replace(Replace(kGitHubPush, "acme/churn-model.git", "evil/churn-model.git"),
                            "acme/churn-model.git", "evil/churn-model.git"),
                    "github.com/acme/churn-model\"", "github.com/evil/churn-model\"")),
       422, Action::kRefuse, "but the Pipeline builds https://github.com/acme/churn-model.git"},
      {"malformed JSON", Push("{\"ref\": "), 400, Action::kRefuse, "malformed push: "},
      {"option-like commit",
       Push(Replace(kGitHubPush, "\"after\": \"3f2c9a1b7e0d4c5f6a8b9c0d1e2f3a4b5c6d7e8f\"",
                    "\"after\": \"--upload-pack=evil\"")),
       400, Action::kRefuse, "is not a commit id"},
      {"push without after", Push(R"({"ref": "refs/heads/main"})"), 400, Action::kRefuse,
       "no \"after\""},
      {"form-encoded push triggers", form, 202, Action::kTrigger, "run requested"},
      {"form with empty payload", empty_form, 400, Action::kRefuse, "has no \"ref\""},
      {"form without payload", no_payload, 400, Action::kRefuse, "no \"payload\" field"},
      {"wrong secret", Push(kGitHubPush, "push", "d-1", "guess"), 401, Action::kRefuse,
       "does not match the body"},
      {"unsigned", unsigned_req, 401, Action::kRefuse, "X-Hub-Signature-256 header is missing"},
      {"truncated body", truncated, 401, Action::kRefuse, "changed or truncated"},
      {"GET", get, 405, Action::kRefuse, "use POST"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    DeliveryCache seen;
    Decision d = Decide(c.req, GitHubConfig(), seen);
    EXPECT_EQ(d.status, c.status);
    EXPECT_EQ(d.action, c.action);
    EXPECT_NE(d.reason.find(c.reason), std::string::npos) << d.reason;
    EXPECT_EQ(d.reason.find(kReceiverSecret), std::string::npos);
    EXPECT_EQ(d.run.has_value(), c.action == Action::kTrigger);
  }
}

TEST(Decide, OversizedBodyRefusedBeforeAnythingElse) {
  DeliveryCache seen;
  Request big = Push(std::string(kGitHubPush) + std::string(2000, ' '));
  Decision d = Decide(big, GitHubConfig(), seen, Limits{1000});
  EXPECT_EQ(d.status, 413);
  EXPECT_NE(d.reason.find("exceeds the 1000-byte limit"), std::string::npos);
  EXPECT_EQ(Decide(big, GitHubConfig(), seen, Limits{1 << 20}).status, 202);
}

TEST(Decide, ReplayOfAnAcceptedDeliveryIsRefused) {
  DeliveryCache seen;
  EXPECT_EQ(Decide(Push(kGitHubPush), GitHubConfig(), seen).status, 202);
  Decision again = Decide(Push(kGitHubPush), GitHubConfig(), seen);
  EXPECT_EQ(again.status, 409);
  EXPECT_NE(again.reason.find("delivery d-1 was already accepted"), std::string::npos);
  EXPECT_EQ(Decide(Push(kGitHubPush, "push", "d-2"), GitHubConfig(), seen).status, 202);
  // Another Pipeline hooked to the same repository gets the same delivery too.
  HookConfig other = GitHubConfig();
  other.name = "churn-model-gpu";
  EXPECT_EQ(Decide(Push(kGitHubPush), other, seen).status, 202);
}

TEST(Decide, ReplayWithoutDeliveryHeaderCaughtByBodyHash) {
  DeliveryCache seen;
  Request r = Push(kGitHubPush);
  r.headers.erase("X-GitHub-Delivery");
  EXPECT_EQ(Decide(r, GitHubConfig(), seen).status, 202);
  EXPECT_EQ(Decide(r, GitHubConfig(), seen).status, 409);
}

TEST(Decide, HeaderBytesThatAreNotUtf8AreReplacedBeforeTheyAreKept) {
  DeliveryCache seen;
  Decision d = Decide(Push(kGitHubPush, "push", "d-\xff\xfe-1"), GitHubConfig(), seen);
  ASSERT_EQ(d.action, Action::kTrigger) << d.reason;
  EXPECT_EQ(d.delivery, "d-\xEF\xBF\xBD\xEF\xBF\xBD-1");
  // The annotation patch is JSON: it must serialize (nlohmann throws on invalid UTF-8).
  EXPECT_NE(RunRequestPatch(*d.run).dump().find("d-\xEF\xBF\xBD"), std::string::npos);

  Decision ignored = Decide(Push(kGitHubPush, "pu\x90sh"), GitHubConfig(), seen);
  EXPECT_EQ(ignored.action, Action::kIgnore);
  EXPECT_EQ(ignored.reason, "ignored: event pu\xEF\xBF\xBDsh is not a push");
}

TEST(Decide, GitLabTokenAndEvents) {
  HookConfig cfg = {"ml",
                    "churn",
                    Provider::kGitLab,
                    "",
                    kReceiverSecret,
                    "git@gitlab.example.com:ml/churn-model.git",
                    "refs/heads/main"};
  Request r;
  r.method = "POST";
  r.headers = {
      {"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", kReceiverSecret}, {"X-Gitlab-Event-UUID", "u-1"}};
  r.body = kGitLabPush;
  DeliveryCache seen;
  Decision d = Decide(r, cfg, seen);
  ASSERT_EQ(d.status, 202) << d.reason;
  EXPECT_EQ(d.run->revision, "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
  EXPECT_EQ(d.run->delivery, "u-1");
  r.headers["X-Gitlab-Event"] = "Merge Request Hook";
  EXPECT_EQ(Decide(r, cfg, seen).action, Action::kIgnore);
  r.headers["X-Gitlab-Token"] = "wrong";
  EXPECT_EQ(Decide(r, cfg, seen).status, 401);
}

TEST(Decide, GenericProviderSignatureHeader) {
  HookConfig cfg = GitHubConfig();
  cfg.provider = Provider::kGeneric;
  cfg.signatureHeader = "X-Signature-256";
  Request r;
  r.method = "POST";
  r.body = kGitHubPush;
  r.headers = {{"X-Signature-256", OpensslSign(kReceiverSecret, r.body)}};
  DeliveryCache seen;
  EXPECT_EQ(Decide(r, cfg, seen).action, Action::kTrigger);
}

TEST(Decide, EmptySecretNeverAuthenticates) {
  HookConfig cfg = GitHubConfig();
  cfg.secret.clear();
  DeliveryCache seen;
  Decision d = Decide(Push(kGitHubPush, "push", "d", ""), cfg, seen);
  EXPECT_EQ(d.status, 500);
  EXPECT_EQ(d.action, Action::kRefuse);
}

TEST(RunRequestPatch, SetsOnlyRequestAnnotations) {
  RunRequest run{"d-1", "3f2c9a1", "refs/heads/main",
                 api::ParseTime("2026-11-25T09:59:30Z").value()};
  nlohmann::json want = nlohmann::json::parse(R"({"metadata": {"annotations": {
      "ferry.dev/run": "d-1", "ferry.dev/run-revision": "3f2c9a1",
      "ferry.dev/run-trigger": "Webhook", "ferry.dev/run-commit-time": "2026-11-25T09:59:30Z"}}})");
  EXPECT_EQ(RunRequestPatch(run), want);
}

TEST(ParseHookPath, Table) {
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(ParseHookPath("/hooks/ml/churn"), (P{"ml", "churn"}));
  EXPECT_EQ(ParseHookPath("/hooks/ml/churn/"), (P{"ml", "churn"}));
  EXPECT_EQ(ParseHookPath("/hooks/ml"), std::nullopt);
  EXPECT_EQ(ParseHookPath("/hooks//churn"), std::nullopt);
  EXPECT_EQ(ParseHookPath("/hooks/ml/churn/x"), std::nullopt);
  EXPECT_EQ(ParseHookPath("/metrics"), std::nullopt);
}

// ---- Receiver: lookup, trigger, logs ----

std::mutex g_log_mu;
std::string g_log;
void CaptureLog(std::string_view line) {
  std::lock_guard lock(g_log_mu);
  g_log += line;
}

class ReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_log.clear();
    log::SetSink(&CaptureLog);
  }
  void TearDown() override { log::SetSink(nullptr); }

  Receiver Make(Status trigger_result = {}) {
    return Receiver(
        [](const std::string& ns, const std::string& name) -> Result<HookConfig, LookupError> {
          if (ns == "ml-serving" && name == "churn-model") return GitHubConfig();
          if (name == "unreadable") return LookupError{503, "cannot read Secret ml/hook: timeout"};
          return LookupError{404, "Pipeline " + ns + "/" + name + " not found"};
        },
        [this, trigger_result](const HookConfig&, const RunRequest& run) {
          triggered.push_back(run);
          return trigger_result;
        });
  }
  std::vector<RunRequest> triggered;
};

TEST_F(ReceiverTest, TriggersOnceAndLogsWithoutTheSecret) {
  Receiver rx = Make();
  Response r = rx.Handle(Push(kGitHubPush));
  EXPECT_EQ(r.status, 202);
  ASSERT_EQ(triggered.size(), 1u);
  EXPECT_EQ(triggered[0].revision, "3f2c9a1b7e0d4c5f6a8b9c0d1e2f3a4b5c6d7e8f");
  EXPECT_EQ(rx.Handle(Push(kGitHubPush)).status, 409);
  EXPECT_EQ(triggered.size(), 1u);
  EXPECT_EQ(rx.Handle(Push(kGitHubPush, "push", "d-9", "wrong")).status, 401);
  std::lock_guard lock(g_log_mu);
  EXPECT_NE(g_log.find("webhook requested a run"), std::string::npos) << g_log;
  EXPECT_NE(g_log.find("already accepted (replay)"), std::string::npos) << g_log;
  EXPECT_NE(g_log.find("does not match the body"), std::string::npos) << g_log;
  EXPECT_NE(g_log.find("ml-serving/churn-model"), std::string::npos) << g_log;
  EXPECT_EQ(g_log.find(kReceiverSecret), std::string::npos);
  EXPECT_EQ(g_log.find(OpensslSign(kReceiverSecret, kGitHubPush).substr(7)), std::string::npos);
}

TEST_F(ReceiverTest, FailedTriggerReleasesTheDelivery) {
  Receiver failing = Make(Error{"apiserver unavailable"});
  Response r = failing.Handle(Push(kGitHubPush));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("apiserver unavailable"), std::string::npos);
  // The sender's retry of the same delivery is not a replay: it was never recorded.
  EXPECT_EQ(failing.Handle(Push(kGitHubPush)).status, 503);
  EXPECT_EQ(triggered.size(), 2u);
}

TEST_F(ReceiverTest, UnknownPathsAndPipelines) {
  Receiver rx = Make();
  Request r = Push(kGitHubPush);
  r.path = "/hooks/ml-serving/other";
  EXPECT_EQ(rx.Handle(r).status, 404);
  r.path = "/";
  EXPECT_EQ(rx.Handle(r).status, 404);
  r.path = "/hooks/ml-serving/unreadable";
  EXPECT_EQ(rx.Handle(r).status, 503);
  EXPECT_TRUE(triggered.empty());
}

}  // namespace
}  // namespace ferry::pipeline::webhook
