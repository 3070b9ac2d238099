// Push events of GitHub, Gitea and GitLab (and Generic senders using either format), reduced to
// what a Pipeline needs: which repository, which ref, which commit, and when it was committed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/api/meta.h"
#include "operator/base/result.h"

namespace ferry::pipeline::webhook {

struct PushEvent {
  std::string ref;       // "refs/heads/main"
  std::string revision;  // the commit pushed (GitLab: checkout_sha when set, else after)
  bool deleted = false;  // the ref was deleted (revision all zeros)
  // Every URL of the repository the payload gives (clone, ssh, web), for matching.
  std::vector<std::string> repositoryUrls;
  std::optional<api::Time> commitTime;  // of the pushed commit, for lead-time metrics
  std::string pusher;
};

// Parses a push payload (GitHub/Gitea: repository.{clone_url,ssh_url,html_url,git_url},
// head_commit; GitLab: project.{git_http_url,git_ssh_url,web_url}, checkout_sha). Errors name
// what is missing or malformed.
Result<PushEvent> ParsePushEvent(std::string_view body);

// "host/path" in lower case without scheme, user, port, trailing "/" or ".git", so
// "https://github.com/Acme/App.git", "git@github.com:acme/app" and
// "ssh://git@github.com:22/acme/app.git" all give "github.com/acme/app".
std::string NormalizeRepoUrl(std::string_view url);

// True if a push to `pushed` ("refs/heads/main") concerns a Pipeline building `spec_ref`
// ("main", "refs/heads/main", a tag "v1" or "refs/tags/v1").
bool RefMatches(std::string_view spec_ref, std::string_view pushed);

// The body of an application/x-www-form-urlencoded delivery (GitHub's other content type): the
// URL-decoded value of its "payload" field; nullopt when absent.
std::optional<std::string> FormPayload(std::string_view body);

}  // namespace ferry::pipeline::webhook
