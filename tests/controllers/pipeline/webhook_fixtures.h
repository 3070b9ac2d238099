// Push payloads in the providers' documented shapes (trimmed to the fields Ferry reads plus a
// few it must ignore), and an `openssl dgst` signer, for the webhook tests.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

namespace ferry::pipeline::webhook::testing {

inline constexpr char kGitHubPush[] = R"({
  "ref": "refs/heads/main",
  "before": "1111111111111111111111111111111111111111",
  "after": "3f2c9a1b7e0d4c5f6a8b9c0d1e2f3a4b5c6d7e8f",
  "created": false, "deleted": false, "forced": false,
  "repository": {"id": 1, "name": "churn-model", "full_name": "acme/churn-model",
                 "html_url": "https://github.com/acme/churn-model",
                 "clone_url": "https://github.com/acme/churn-model.git",
                 "ssh_url": "git@github.com:acme/churn-model.git"},
  "pusher": {"name": "ada", "email": "ada@example.com"},
  "head_commit": {"id": "3f2c9a1b7e0d4c5f6a8b9c0d1e2f3a4b5c6d7e8f", "message": "Faster model",
                  "timestamp": "2026-11-25T11:59:30+02:00"},
  "commits": []
})";

inline constexpr char kGitLabPush[] = R"({
  "object_kind": "push", "event_name": "push",
  "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
  "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
  "ref": "refs/heads/main",
  "checkout_sha": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
  "user_username": "jsmith",
  "project": {"id": 15, "name": "churn-model", "web_url": "https://gitlab.example.com/ml/churn-model",
              "git_ssh_url": "git@gitlab.example.com:ml/churn-model.git",
              "git_http_url": "https://gitlab.example.com/ml/churn-model.git"},
  "commits": [{"id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", "message": "fix",
               "timestamp": "2026-11-25T09:57:00Z"}],
  "total_commits_count": 1
})";

inline constexpr char kGiteaPush[] = R"({
  "ref": "refs/heads/main",
  "before": "0000000000000000000000000000000000000001",
  "after": "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d",
  "repository": {"full_name": "ml/ranker", "html_url": "https://git.example.com/ml/ranker",
                 "clone_url": "https://git.example.com/ml/ranker.git",
                 "ssh_url": "git@git.example.com:ml/ranker.git"},
  "head_commit": {"id": "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d", "timestamp": "2026-11-25T10:00:00Z"},
  "pusher": {"login": "ml-bot"}
})";

// "sha256=<hex>" computed by the openssl command line, independent of the code under test.
inline std::string OpensslSign(const std::string& secret, const std::string& body) {
  std::string path =
      ::testing::TempDir() + "ferry_webhook_body_" + std::to_string(getpid()) + ".bin";
  std::ofstream(path, std::ios::binary) << body;
  // The secret goes through an environment variable, so quotes in it need no shell escaping.
  setenv("FERRY_TEST_HMAC_KEY", secret.c_str(), 1);
  std::string cmd = "openssl dgst -sha256 -hmac \"$FERRY_TEST_HMAC_KEY\" -r '" + path + "'";
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return "";
  char buf[256] = {0};
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  pclose(f);
  std::remove(path.c_str());
  std::string out(buf, n);
  return "sha256=" + out.substr(0, out.find(' '));
}

}  // namespace ferry::pipeline::webhook::testing
