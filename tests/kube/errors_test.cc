// Errors decoded from the real Status bodies recorded from kube-apiserver v1.19
// (tests/kube-transcripts, found via FERRY_SOURCE_DIR).
#include "operator/kube/errors.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "operator/kube/http/transport.h"

namespace ferry::kube {
namespace {

std::string TranscriptDir() {
  const char* src = std::getenv("FERRY_SOURCE_DIR");
  return std::string(src ? src : ".") + "/tests/kube-transcripts";
}

nlohmann::json LoadTranscript(const std::string& rel) {
  std::ifstream in(TranscriptDir() + "/" + rel);
  EXPECT_TRUE(in.good()) << "missing transcript " << rel << " under " << TranscriptDir();
  return nlohmann::json::parse(in);
}

// Replays a recorded error answer through ErrorFromResponse.
Error Decode(const std::string& rel) {
  auto t = LoadTranscript(rel);
  const auto& resp = t["response"];
  std::string body = resp["body"].is_string() ? resp["body"].get<std::string>()
                                              : resp["body"].dump();
  std::string retry_after = resp["headers"].value("Retry-After", "");
  return ErrorFromResponse(resp["status"].get<int>(), body, retry_after);
}

using Predicate = bool (*)(const Error&);

struct Case {
  std::string file;
  Predicate predicate;
  int code;
  std::string reason;
};

TEST(ErrorsTest, ClassifiesRecordedStatusBodies) {
  const Case cases[] = {
      {"cr/15-get-missing.json", IsNotFound, 404, "NotFound"},
      {"delete/08-delete-missing.json", IsNotFound, 404, "NotFound"},
      {"discovery/releases-list-before-crd.json", IsNotFound, 404, "NotFound"},  // plain text
      {"cr/14-create-duplicate.json", IsAlreadyExists, 409, "AlreadyExists"},
      {"cr/10-update-stale-resourceversion.json", IsConflict, 409, "Conflict"},
      {"delete/09-delete-precondition-uid-mismatch.json", IsConflict, 409, "Conflict"},
      {"ssa/05-apply-conflict.json", IsConflict, 409, "Conflict"},
      {"cr/16-create-schema-violation.json", IsInvalid, 422, "Invalid"},
      {"watch/08-list-expired-continue.json", IsGone, 410, "Expired"},
      {"auth/01-bad-token.json", IsUnauthorized, 401, "Unauthorized"},
      {"auth/03-sa-without-rbac-list.json", IsForbidden, 403, "Forbidden"},
      {"misc/25-list-rv-invalid.json", IsServerError, 500, "InternalError"},
      {"misc/24-list-rvmatch-notolderthan-future.json", IsServerError, 504, "Timeout"},
      {"misc/24-list-rvmatch-notolderthan-future.json", IsTimeout, 504, "Timeout"},
  };
  for (const auto& c : cases) {
    Error e = Decode(c.file);
    EXPECT_EQ(e.kind, Error::Kind::kApi) << c.file;
    EXPECT_TRUE(c.predicate(e)) << c.file << ": " << e.ToString();
    EXPECT_EQ(e.code, c.code) << c.file;
    EXPECT_EQ(e.reason, c.reason) << c.file;
    EXPECT_FALSE(e.message.empty()) << c.file;
  }
}

TEST(ErrorsTest, PredicatesAreExclusive) {
  Error already = Decode("cr/14-create-duplicate.json");
  EXPECT_FALSE(IsConflict(already));
  EXPECT_FALSE(IsNotFound(already));
  Error conflict = Decode("cr/10-update-stale-resourceversion.json");
  EXPECT_FALSE(IsAlreadyExists(conflict));
  Error forbidden = Decode("auth/09-sa-without-rbac-missing-object.json");
  EXPECT_TRUE(IsForbidden(forbidden));
  EXPECT_FALSE(IsNotFound(forbidden));
  EXPECT_FALSE(IsServerError(forbidden));
  EXPECT_FALSE(IsNetwork(forbidden));
}

TEST(ErrorsTest, KeepsMessageDetailsAndRetryAfter) {
  Error missing = Decode("cr/15-get-missing.json");
  EXPECT_EQ(missing.message, "releases.ferry.dev \"nosuch\" not found");
  EXPECT_EQ(missing.details.value("name", ""), "nosuch");
  EXPECT_EQ(missing.details.value("kind", ""), "releases");
  EXPECT_EQ(missing.ToString(), "NotFound (404): releases.ferry.dev \"nosuch\" not found");

  Error invalid = Decode("cr/16-create-schema-violation.json");
  ASSERT_TRUE(invalid.details.contains("causes"));
  EXPECT_GE(invalid.details["causes"].size(), 3u);

  Error timeout = Decode("misc/24-list-rvmatch-notolderthan-future.json");
  ASSERT_TRUE(timeout.retry_after.has_value());
  EXPECT_EQ(*timeout.retry_after, std::chrono::seconds(1));

  Error plain = Decode("discovery/releases-list-before-crd.json");
  EXPECT_NE(plain.message.find("404 page not found"), std::string::npos);
  EXPECT_TRUE(plain.details.is_null());
}

// Every recorded non-2xx JSON answer decodes to its own code and reason.
TEST(ErrorsTest, EveryRecordedErrorDecodesToItsStatus) {
  int checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(TranscriptDir())) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    auto t = nlohmann::json::parse(in, nullptr, false);
    if (!t.is_object() || !t.contains("response")) continue;
    const auto& resp = t["response"];
    int status = resp.value("status", 0);
    if (status < 400 || !resp["body"].is_object()) continue;
    Error e = ErrorFromResponse(status, resp["body"].dump(), "");
    EXPECT_EQ(e.code, status) << entry.path();
    std::string want = resp["body"].value("reason", ReasonForCode(status));
    EXPECT_EQ(e.reason, want.empty() ? ReasonForCode(status) : want) << entry.path();
    ++checked;
  }
  EXPECT_GT(checked, 60);
}

TEST(ErrorsTest, SynthesisedTooManyRequestsAndRetryAfterForms) {
  // v1.19 without API Priority and Fairness recorded no 429; this is the shape newer servers send.
  Error e = ErrorFromResponse(
      429,
      R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":2},"code":429})",
      "");
  EXPECT_TRUE(IsTooManyRequests(e));
  EXPECT_EQ(e.retry_after, std::chrono::seconds(2));
  // The header wins over details, and garbage is ignored.
  EXPECT_EQ(ErrorFromResponse(429, "", " 7 ").retry_after, std::chrono::seconds(7));
  EXPECT_FALSE(ErrorFromResponse(429, "", "Wed, 21 Oct 2015 07:28:00 GMT").retry_after);
  EXPECT_TRUE(IsTooManyRequests(ErrorFromResponse(429, "", "")));
  EXPECT_TRUE(IsServerError(ErrorFromResponse(503, "upstream down", "")));
}

TEST(ErrorsTest, BodiesWithWronglyTypedFieldsAreNotStatuses) {
  // A proxy or a broken server can answer anything; a "kind" that is not a string is not a
  // Status, and the body is quoted instead.
  Error e = ErrorFromResponse(500, R"({"kind":{"a":1},"code":"x"})", "");
  EXPECT_EQ(e.code, 500);
  EXPECT_EQ(e.reason, "InternalError");
  EXPECT_NE(e.message.find(R"({"kind":{"a":1})"), std::string::npos) << e.message;
}

TEST(ErrorsTest, NonApiKinds) {
  EXPECT_TRUE(IsNetwork(Error::Network("connection refused")));
  EXPECT_FALSE(IsServerError(Error::Network("x")));
  EXPECT_TRUE(IsTimeout(Error::Timeout("x")));
  EXPECT_TRUE(IsCancelled(Error::Cancelled()));
  EXPECT_EQ(Error::Config("bad").ToString(), "config error: bad");
  EXPECT_FALSE(IsNotFound(Error::Decode("x")));
}

TEST(ErrorsTest, FindHeaderIsCaseInsensitive) {
  http::Headers h{{"retry-after", "3"}, {"Content-Type", "application/json"}};
  EXPECT_EQ(http::FindHeader(h, "Retry-After"), "3");
  EXPECT_EQ(http::FindHeader(h, "content-type"), "application/json");
  EXPECT_EQ(http::FindHeader(h, "Warning"), "");
}

}  // namespace
}  // namespace ferry::kube
