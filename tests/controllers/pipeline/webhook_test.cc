#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "operator/controllers/pipeline/hash.h"
#include "operator/controllers/pipeline/webhook/delivery_cache.h"
#include "operator/controllers/pipeline/webhook/push_event.h"
#include "operator/controllers/pipeline/webhook/receiver.h"
#include "operator/controllers/pipeline/webhook/signature.h"
#include "tests/controllers/pipeline/webhook_fixtures.h"

namespace ferry::pipeline::webhook {
namespace {

using testing::kGiteaPush;
using testing::kGitHubPush;
using testing::kGitLabPush;
using testing::OpensslSign;

constexpr char kSecret[] = "It's a Secret to Everybody";

// GitHub's documented test vector ("Validating webhook deliveries").
TEST(Signature, GitHubDocumentedTestVector) {
  const std::string want =
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  EXPECT_EQ(SignSha256(kSecret, "Hello, World!"), want);
  Headers h = {{"x-hub-signature-256", want}};  // header names are case-insensitive
  EXPECT_TRUE(Authenticate(Provider::kGitHub, h, "Hello, World!", kSecret).ok());
  EXPECT_EQ(OpensslSign(kSecret, "Hello, World!"), want);
}

TEST(Signature, AgreesWithOpensslCommandLine) {
  for (const std::string& body :
       {std::string(kGitHubPush), std::string("{}"), std::string(70000, 'x')}) {
    std::string sig = OpensslSign("s3cr3t \"quoted\" $HOME", body);
    ASSERT_EQ(sig.size(), 7u + 64u);
    EXPECT_TRUE(Authenticate(Provider::kGitHub, {{kHubSignature256Header, sig}}, body,
                             "s3cr3t \"quoted\" $HOME")
                    .ok());
  }
}

TEST(Signature, Table) {
  const std::string body = kGitHubPush;
  const std::string good = OpensslSign(kSecret, body);
  const std::string bare = good.substr(7);
  std::string upper = good;
  for (size_t i = 7; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  struct Case {
    std::string name;
    Provider provider;
    Headers headers;
    std::string body;
    std::string generic_header;
    AuthStatus want;
  };
  const std::vector<Case> cases = {
      {"github ok", Provider::kGitHub, {{kHubSignature256Header, good}}, body, "", AuthStatus::kOk},
      {"github upper-case hex",
       Provider::kGitHub,
       {{kHubSignature256Header, upper}},
       body,
       "",
       AuthStatus::kOk},
      {"github missing", Provider::kGitHub, {}, body, "", AuthStatus::kMissing},
      {"github sha1 header only",
       Provider::kGitHub,
       {{"X-Hub-Signature", "sha1=abc"}},
       body,
       "",
       AuthStatus::kMissing},
      {"github bare hex refused",
       Provider::kGitHub,
       {{kHubSignature256Header, bare}},
       body,
       "",
       AuthStatus::kMalformed},
      {"github short",
       Provider::kGitHub,
       {{kHubSignature256Header, good.substr(0, 40)}},
       body,
       "",
       AuthStatus::kMalformed},
      {"github not hex",
       Provider::kGitHub,
       {{kHubSignature256Header, "sha256=" + std::string(64, 'z')}},
       body,
       "",
       AuthStatus::kMalformed},
      {"github wrong secret",
       Provider::kGitHub,
       {{kHubSignature256Header, OpensslSign("other", body)}},
       body,
       "",
       AuthStatus::kMismatch},
      {"github truncated body",
       Provider::kGitHub,
       {{kHubSignature256Header, good}},
       body.substr(0, body.size() - 10),
       "",
       AuthStatus::kMismatch},
      {"github one byte changed",
       Provider::kGitHub,
       {{kHubSignature256Header, good}},
       std::string(body).replace(20, 1, "X"),
       "",
       AuthStatus::kMismatch},
      {"gitea hub header",
       Provider::kGitea,
       {{kHubSignature256Header, good}},
       body,
       "",
       AuthStatus::kOk},
      {"gitea own header, bare hex",
       Provider::kGitea,
       {{kGiteaSignatureHeader, bare}},
       body,
       "",
       AuthStatus::kOk},
      {"gitea wrong",
       Provider::kGitea,
       {{kGiteaSignatureHeader, OpensslSign("x", body).substr(7)}},
       body,
       "",
       AuthStatus::kMismatch},
      {"gitlab token",
       Provider::kGitLab,
       {{kGitLabTokenHeader, kSecret}},
       body,
       "",
       AuthStatus::kOk},
      {"gitlab wrong token",
       Provider::kGitLab,
       {{kGitLabTokenHeader, "It's a secret"}},
       body,
       "",
       AuthStatus::kMismatch},
      {"gitlab token prefix",
       Provider::kGitLab,
       {{kGitLabTokenHeader, std::string(kSecret) + "x"}},
       body,
       "",
       AuthStatus::kMismatch},
      {"gitlab missing", Provider::kGitLab, {}, body, "", AuthStatus::kMissing},
      {"generic prefixed",
       Provider::kGeneric,
       {{"X-Signature-256", good}},
       body,
       "X-Signature-256",
       AuthStatus::kOk},
      {"generic bare",
       Provider::kGeneric,
       {{"x-signature-256", bare}},
       body,
       "X-Signature-256",
       AuthStatus::kOk},
      {"generic other header",
       Provider::kGeneric,
       {{kHubSignature256Header, good}},
       body,
       "X-Signature-256",
       AuthStatus::kMissing},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    AuthResult r = Authenticate(c.provider, c.headers, c.body, kSecret, c.generic_header);
    EXPECT_EQ(r.status, c.want) << r.detail;
    EXPECT_EQ(r.detail.find(kSecret), std::string::npos);
  }
}

TEST(Hash, ConstantTimeEqualsAndHex) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_EQ(ToHex("\x01\xab"), "01ab");
  EXPECT_EQ(FromHex("01AB"), std::string("\x01\xab"));
  EXPECT_EQ(FromHex("0"), std::nullopt);
  EXPECT_EQ(FromHex("0g"), std::nullopt);
}

TEST(DeliveryCache, ReplaysAndEviction) {
  DeliveryCache c(2);
  EXPECT_TRUE(c.Reserve("a"));
  EXPECT_FALSE(c.Reserve("a"));
  EXPECT_TRUE(c.Reserve("b"));
  EXPECT_FALSE(c.Reserve("a"));  // refreshes a: b is now the oldest
  EXPECT_TRUE(c.Reserve("c"));   // evicts b
  EXPECT_EQ(c.size(), 2u);
  EXPECT_TRUE(c.Reserve("b"));
  c.Release("b");
  EXPECT_TRUE(c.Reserve("b"));
}

TEST(DeliveryCache, ConcurrentReplaysAdmitExactlyOne) {
  DeliveryCache c;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (c.Reserve("delivery-" + std::to_string(i))) ++admitted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 200);
}

TEST(PushEvent, ParsesEachProvider) {
  auto gh = ParsePushEvent(kGitHubPush);
  ASSERT_TRUE(gh.ok()) << gh.error().message;
  EXPECT_EQ(gh->ref, "refs/heads/main");
  EXPECT_EQ(gh->revision, "3f2c9a1b7e0d4c5f6a8b9c0d1e2f3a4b5c6d7e8f");
  EXPECT_FALSE(gh->deleted);
  EXPECT_EQ(gh->pusher, "ada");
  ASSERT_TRUE(gh->commitTime.has_value());
  EXPECT_EQ(api::FormatTime(*gh->commitTime), "2026-11-25T09:59:30Z");
  auto gl = ParsePushEvent(kGitLabPush);
  ASSERT_TRUE(gl.ok()) << gl.error().message;
  EXPECT_EQ(gl->revision, "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
  EXPECT_EQ(api::FormatTime(*gl->commitTime), "2026-11-25T09:57:00Z");
  EXPECT_EQ(gl->pusher, "jsmith");
  auto gt = ParsePushEvent(kGiteaPush);
  ASSERT_TRUE(gt.ok());
  EXPECT_EQ(gt->revision, "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d");
}

TEST(PushEvent, MalformedBodies) {
  for (const std::string& body :
       {std::string(kGitHubPush).substr(0, 100), std::string("[]"), std::string(""),
        std::string(R"({"after": "abc", "repository": {"clone_url": "https://h/r"}})"),
        std::string(R"({"ref": "refs/heads/main", "repository": {"clone_url": "https://h/r"}})"),
        std::string(R"({"ref": "refs/heads/main", "after": "abc"})")}) {
    SCOPED_TRACE(body);
    EXPECT_FALSE(ParsePushEvent(body).ok());
  }
}

TEST(PushEvent, DeletedBranch) {
  std::string body = kGitHubPush;
  std::string after = "\"after\": \"3f2c9a1b7e0d4c5f6a8b9c0d1e2f3a4b5c6d7e8f\"";
  body.replace(body.find(after), after.size(),
               "\"after\": \"0000000000000000000000000000000000000000\"");
  auto e = ParsePushEvent(body);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_TRUE(e->deleted);
}

TEST(NormalizeRepoUrl, Table) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"https://github.com/acme/churn-model.git", "github.com/acme/churn-model"},
      {"https://github.com/Acme/Churn-Model", "github.com/acme/churn-model"},
      {"git@github.com:acme/churn-model.git", "github.com/acme/churn-model"},
      {"ssh://git@github.com:22/acme/churn-model.git", "github.com/acme/churn-model"},
      {"https://user:token@gitlab.example.com:8443/ml/churn-model/",
       "gitlab.example.com/ml/churn-model"},
      {"git://example.com/x", "example.com/x"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(NormalizeRepoUrl(in), want) << in;
  EXPECT_NE(NormalizeRepoUrl("https://github.com/acme/churn"),
            NormalizeRepoUrl("https://github.com/acme/churn-model"));
}

TEST(RefMatches, Table) {
  EXPECT_TRUE(RefMatches("main", "refs/heads/main"));
  EXPECT_TRUE(RefMatches("refs/heads/main", "refs/heads/main"));
  EXPECT_TRUE(RefMatches("v1", "refs/tags/v1"));
  EXPECT_TRUE(RefMatches("refs/tags/v1", "refs/tags/v1"));
  EXPECT_FALSE(RefMatches("main", "refs/heads/main-2"));
  EXPECT_FALSE(RefMatches("main", "refs/heads/dev"));
  EXPECT_FALSE(RefMatches("refs/heads/main", "refs/tags/main"));
}

TEST(FormPayload, DecodesGitHubFormDeliveries) {
  EXPECT_EQ(FormPayload("payload=%7B%22a%22%3A+1%7D"), "{\"a\": 1}");
  EXPECT_EQ(FormPayload("x=1&payload=%7B%7D"), "{}");
  EXPECT_EQ(FormPayload("x=1"), std::nullopt);
}

}  // namespace
}  // namespace ferry::pipeline::webhook
