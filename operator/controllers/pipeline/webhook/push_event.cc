#include "operator/controllers/pipeline/webhook/push_event.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "operator/api/validation.h"
#include "operator/base/json.h"
#include "operator/controllers/pipeline/job_builder.h"

namespace ferry::pipeline::webhook {

namespace {

using Json = nlohmann::json;

void AddUrls(const Json& obj, std::initializer_list<const char*> keys,
             std::vector<std::string>& out) {
  for (const char* k : keys) {
    std::string url = StringField(obj, k);
    if (!url.empty()) out.push_back(std::move(url));
  }
}

std::optional<api::Time> Timestamp(const Json& commit) {
  auto t = api::ParseTime(StringField(commit, "timestamp"));
  return t.ok() ? std::optional<api::Time>(t.value()) : std::nullopt;
}

std::optional<api::Time> CommitTime(const Json& j, const std::string& revision) {
  if (j.contains("head_commit") && j["head_commit"].is_object()) {
    if (auto t = Timestamp(j["head_commit"])) return t;
  }
  if (j.contains("commits") && j["commits"].is_array()) {
    for (const auto& c : j["commits"]) {
      if (StringField(c, "id") == revision) return Timestamp(c);
    }
  }
  return std::nullopt;
}

bool AllZeros(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 &&
               HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

Result<PushEvent> ParsePushEvent(std::string_view body) {
  auto parsed = ParseJson(body);
  if (!parsed) return Error{"the body is not valid JSON: " + parsed.error().message};
  Json j = std::move(parsed).value();
  if (!j.is_object()) return Error{"the body is not a JSON object"};
  PushEvent e;
  e.ref = StringField(j, "ref");
  if (e.ref.empty()) return Error{"the push event has no \"ref\""};
  std::string after = StringField(j, "after");
  std::string checkout = StringField(j, "checkout_sha");  // GitLab
  e.revision = checkout.empty() ? after : checkout;
  e.deleted = (j.contains("deleted") && j["deleted"] == true) || AllZeros(after);
  if (e.revision.empty()) return Error{"the push event has no \"after\" commit"};
  if (!IsCommitId(e.revision)) {
    return Error{"the pushed commit " + api::Quote(e.revision.substr(0, kMaxCommitIdLength)) +
                 " is not a commit id (7 to 64 lower-case hex digits)"};
  }
  if (j.contains("repository")) {
    AddUrls(j["repository"],
            {"clone_url", "ssh_url", "html_url", "git_url", "url", "git_http_url", "git_ssh_url",
             "homepage"},
            e.repositoryUrls);
  }
  if (j.contains("project")) {
    AddUrls(j["project"], {"git_http_url", "git_ssh_url", "web_url", "http_url", "ssh_url"},
            e.repositoryUrls);
  }
  if (e.repositoryUrls.empty()) {
    return Error{
        "the push event names no repository URL (repository.clone_url or "
        "project.git_http_url)"};
  }
  e.commitTime = CommitTime(j, e.revision);
  e.pusher = j.contains("pusher") ? StringField(j["pusher"], "name") : StringField(j, "user_username");
  return e;
}

std::string NormalizeRepoUrl(std::string_view url) {
  std::string s(url);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  size_t scheme = s.find("://");
  bool scp_like = scheme == std::string::npos;
  if (!scp_like) s.erase(0, scheme + 3);
  size_t slash = s.find('/');
  size_t at = s.find('@');
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) s.erase(0, at + 1);
  slash = s.find('/');
  size_t colon = s.find(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon < slash)) {
    // scp-like "host:org/repo", or a port "host:22/org/repo".
    size_t end = scp_like ? colon + 1 : s.find('/', colon);
    s.replace(colon, (end == std::string::npos ? s.size() : end) - colon, scp_like ? "/" : "");
  }
  while (!s.empty() && s.back() == '/') s.pop_back();
  if (s.ends_with(".git")) s.resize(s.size() - 4);
  return s;
}

bool RefMatches(std::string_view spec_ref, std::string_view pushed) {
  if (spec_ref.starts_with("refs/")) return spec_ref == pushed;
  std::string heads = "refs/heads/" + std::string(spec_ref);
  std::string tags = "refs/tags/" + std::string(spec_ref);
  return pushed == heads || pushed == tags;
}

std::optional<std::string> FormPayload(std::string_view body) {
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    std::string_view field =
        body.substr(pos, amp == std::string_view::npos ? body.npos : amp - pos);
    if (field.starts_with("payload=")) return UrlDecode(field.substr(8));
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return std::nullopt;
}

}  // namespace ferry::pipeline::webhook
