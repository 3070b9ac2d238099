#include "operator/controllers/pipeline/webhook/receiver.h"

#include <algorithm>

#include "operator/api/pipeline_types.h"
#include "operator/base/json.h"
#include "operator/controllers/pipeline/hash.h"

namespace ferry::pipeline::webhook {

namespace {

const std::string* NonEmptyHeader(const Headers& headers, std::string_view name) {
  auto it = headers.find(name);
  return it == headers.end() || it->second.empty() ? nullptr : &it->second;
}

std::string FirstHeader(const Headers& headers, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (const std::string* v = NonEmptyHeader(headers, n)) return *v;
  }
  return "";
}

bool IsPushEvent(Provider p, const std::string& event) {
  switch (p) {
    case Provider::kGitHub:
    case Provider::kGitea:
      return event == "push";
    case Provider::kGitLab:
      return event == "Push Hook" || event == "Tag Push Hook";
    case Provider::kGeneric:
      return event.empty() || event == "push" || event == "Push Hook" || event == "Tag Push Hook";
  }
  return false;
}

Decision Refuse(Decision d, int status, std::string reason) {
  d.action = Action::kRefuse;
  d.status = status;
  d.reason = std::move(reason);
  return d;
}

Decision Answer(Decision d, Action action, int status, std::string reason) {
  d.action = action;
  d.status = status;
  d.reason = std::move(reason);
  return d;
}

bool RepositoryMatches(const PushEvent& e, const std::string& source_url) {
  std::string want = NormalizeRepoUrl(source_url);
  return std::any_of(e.repositoryUrls.begin(), e.repositoryUrls.end(),
                     [&](const std::string& u) { return NormalizeRepoUrl(u) == want; });
}

bool IsFormEncoded(const Headers& headers) {
  const std::string* ct = NonEmptyHeader(headers, "Content-Type");
  return ct != nullptr && ct->starts_with("application/x-www-form-urlencoded");
}

// The push part of Decide: parse, match, and reserve the delivery.
Decision DecidePush(const Request& req, const HookConfig& config, DeliveryCache& seen, Decision d) {
  std::string json = req.body;
  if (IsFormEncoded(req.headers)) {
    auto payload = FormPayload(req.body);
    if (!payload) return Refuse(d, 400, "malformed push: the form has no \"payload\" field");
    json = *payload;
  }
  auto push = ParsePushEvent(json);
  if (!push.ok()) return Refuse(d, 400, "malformed push: " + push.error().message);
  if (!RepositoryMatches(*push, config.sourceUrl)) {
    return Refuse(d, 422,
                  "push for " + push->repositoryUrls.front() + ", but the Pipeline builds " +
                      config.sourceUrl);
  }
  if (!RefMatches(config.sourceRef, push->ref)) {
    return Answer(d, Action::kIgnore, 202,
                  "ignored: push to " + push->ref + ", the Pipeline builds " + config.sourceRef);
  }
  if (push->deleted) {
    return Answer(d, Action::kIgnore, 202, "ignored: " + push->ref + " was deleted");
  }
  if (!seen.Reserve(config.namespace_ + "/" + config.name + "/" + d.delivery)) {
    return Refuse(d, 409, "delivery " + d.delivery + " was already accepted (replay)");
  }
  d.run = RunRequest{d.delivery, push->revision, push->ref, push->commitTime};
  return Answer(d, Action::kTrigger, 202, "run requested for " + push->revision);
}

}  // namespace

std::string EventName(Provider p, const Headers& headers) {
  switch (p) {
    case Provider::kGitHub:
      return FirstHeader(headers, {"X-GitHub-Event"});
    case Provider::kGitea:
      return FirstHeader(headers, {"X-Gitea-Event", "X-GitHub-Event"});
    case Provider::kGitLab:
      return FirstHeader(headers, {"X-Gitlab-Event"});
    case Provider::kGeneric:
      return FirstHeader(headers, {"X-GitHub-Event", "X-Gitea-Event", "X-Gitlab-Event"});
  }
  return "";
}

std::string DeliveryId(Provider p, const Headers& headers, std::string_view body) {
  std::string id;
  switch (p) {
    case Provider::kGitHub:
      id = FirstHeader(headers, {"X-GitHub-Delivery"});
      break;
    case Provider::kGitea:
      id = FirstHeader(headers, {"X-Gitea-Delivery", "X-GitHub-Delivery"});
      break;
    case Provider::kGitLab:
      id = FirstHeader(headers, {"X-Gitlab-Event-UUID", "Idempotency-Key"});
      break;
    case Provider::kGeneric:
      id = FirstHeader(headers, {"X-GitHub-Delivery", "X-Gitea-Delivery", "X-Gitlab-Event-UUID"});
      break;
  }
  return id.empty() ? ToHex(Sha256(body)) : id;
}

Decision Decide(const Request& req, const HookConfig& config, DeliveryCache& seen,
                const Limits& limits) {
  Decision d;
  if (req.method != "POST")
    return Refuse(d, 405, "method " + ValidUtf8(req.method) + " not allowed; use POST");
  if (req.body.size() > limits.maxBodyBytes) {
    return Refuse(d, 413,
                  "the body exceeds the " + std::to_string(limits.maxBodyBytes) + "-byte limit");
  }
  if (config.secret.empty()) {
    return Refuse(d, 500,
                  "the Pipeline's webhook Secret value is empty; put the webhook's "
                  "secret in it");
  }
  auto auth =
      Authenticate(config.provider, req.headers, req.body, config.secret, config.signatureHeader);
  if (!auth.ok()) return Refuse(d, 401, auth.detail);
  // Header values are bytes; what is kept goes into an annotation, a log line and the answer.
  d.event = ValidUtf8(EventName(config.provider, req.headers));
  d.delivery = ValidUtf8(DeliveryId(config.provider, req.headers, req.body));
  if (d.event == "ping") return Answer(d, Action::kPing, 200, "pong");
  if (!IsPushEvent(config.provider, d.event)) {
    return Answer(d, Action::kIgnore, 202, "ignored: event " + d.event + " is not a push");
  }
  return DecidePush(req, config, seen, std::move(d));
}

nlohmann::json RunRequestPatch(const RunRequest& run) {
  nlohmann::json ann{{api::kRequestRun, run.delivery},
                     {api::kRunRevisionAnnotation, run.revision},
                     {api::kRunTriggerAnnotation, api::kTriggerWebhook}};
  if (run.commitTime) ann[kRunCommitTimeAnnotation] = api::FormatTime(*run.commitTime);
  return {{"metadata", {{"annotations", std::move(ann)}}}};
}

std::optional<std::pair<std::string, std::string>> ParseHookPath(std::string_view path) {
  if (!path.starts_with(kHookPathPrefix)) return std::nullopt;
  path.remove_prefix(sizeof kHookPathPrefix - 1);
  size_t slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string ns(path.substr(0, slash));
  std::string name(path.substr(slash + 1));
  if (!name.empty() && name.back() == '/') name.pop_back();
  if (ns.empty() || name.empty() || name.find('/') != std::string::npos) return std::nullopt;
  return std::make_pair(ns, name);
}

}  // namespace ferry::pipeline::webhook
