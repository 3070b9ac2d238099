#include "operator/kube/client.h"

#include "operator/base/json.h"
#include "operator/kube/auth.h"
#include "operator/kube/http/transport.h"
#include "operator/kube/request.h"

namespace ferry::kube {
namespace {

using internal::Query;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kApplyPatch = "application/apply-patch+yaml";
// Watches without timeoutSeconds: the connection is dropped after this much silence.
constexpr std::chrono::seconds kWatchIdleTimeout{15 * 60};
// Added to a watch's timeoutSeconds before the client gives up on a silent connection.
constexpr std::chrono::seconds kWatchIdleSlack{30};
// Largest error body read from a failed watch request.
constexpr size_t kMaxErrorBody = 1 << 20;

Result<std::string> NameOf(const nlohmann::json& obj) {
  auto name = obj.is_object() ? obj.value("/metadata/name"_json_pointer, std::string())
                              : std::string();
  if (name.empty()) return Error::Config("the object has no metadata.name");
  return name;
}

Result<nlohmann::json> ParseBody(const std::string& body) {
  if (body.empty()) return nlohmann::json::object();
  auto doc = ParseJson(body);
  if (!doc) {
    return Error::Decode("the server answered with a body that is not JSON (" +
                         doc.error().message + "): " + Utf8Excerpt(body, 200));
  }
  return std::move(doc).value();
}

std::string ReadAllBody(http::BodyStream& body) {
  std::string out;
  char buf[16 * 1024];
  while (out.size() < kMaxErrorBody) {
    auto n = body.Read(buf, sizeof buf);
    if (!n.ok() || *n == 0) break;
    out.append(buf, *n);
  }
  return out;
}

}  // namespace

std::string_view ContentType(PatchType t) {
  switch (t) {
    case PatchType::kMerge: return "application/merge-patch+json";
    case PatchType::kJson: return "application/json-patch+json";
    case PatchType::kStrategicMerge: return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

struct Client::Call {
  std::string verb;
  std::string method;
  std::string resource;  // for RequestInfo
  std::string path;      // path and query
  std::string body;
  std::string content_type;
  bool apply_patch = false;
};

Result<std::unique_ptr<Client>> Client::New(Config config, ClientOptions options) {
  if (config.user_agent.empty()) config.user_agent = DefaultUserAgent();
  if (config.server.empty()) return Error::Config("the configuration has no server URL");
  http::TransportOptions topts;
  topts.server = config.server;
  topts.proxy_url = config.proxy_url;
  topts.tls = {config.ca_pem, config.insecure_skip_tls_verify, config.tls_server_name,
               config.client_cert_pem, config.client_key_pem};
  topts.user_agent = config.user_agent;
  topts.timeout = config.timeout;
  auto transport = http::NewTransport(topts);
  if (!transport.ok()) {
    Error e = transport.error();
    e.message += " (" + config.source + ")";
    return e;
  }
  Clock& clock = options.clock ? *options.clock : RealClock::Get();
  auto auth = std::make_unique<Authenticator>(config, clock);
  return std::make_unique<Client>(std::move(config), std::move(options),
                                  std::move(transport).value(), std::move(auth));
}

Client::Client(Config config, ClientOptions options, std::unique_ptr<http::Transport> transport,
               std::unique_ptr<Authenticator> auth)
    : config_(std::move(config)), options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : RealClock::Get()),
      transport_(std::move(transport)), auth_(std::move(auth)),
      limiter_(std::make_unique<TokenBucket>(config_.qps, config_.burst, clock_)),
      host_(transport_->Host()) {}

Client::~Client() = default;

void Client::Report(const Call& call, int status, Clock::TimePoint start) {
  if (!options_.hook) return;
  RequestInfo info{call.verb, call.method, call.resource, host_, status, clock_.Now() - start};
  options_.hook(info);
}

Result<nlohmann::json> Client::Attempt(const Call& call, bool* /*retried_auth*/) {
  auto authz = auth_->Authorization();  // may run the exec plugin, which may yield a cert
  if (!authz.ok()) return authz.error();
  if (auto cert = auth_->TakeClientCertificate()) {
    if (auto s = transport_->SetClientCertificate(cert->first, cert->second); !s) return s.error();
  }
  http::Request req{call.method, call.path, {{"Accept", std::string(kJson)}}, call.body};
  if (!authz->empty()) req.headers.emplace_back("Authorization", *authz);
  if (!call.content_type.empty()) req.headers.emplace_back("Content-Type", call.content_type);
  auto start = clock_.Now();
  auto resp = transport_->Send(req);
  Report(call, resp.ok() ? resp->status : 0, start);
  if (!resp.ok()) return resp.error();
  if (auto warning = http::FindHeader(resp->headers, "Warning"); !warning.empty()) {
    LogWarningHeader(warning);
  }
  if (resp->status < 200 || resp->status > 299) {
    return ErrorFromResponse(resp->status, resp->body,
                             http::FindHeader(resp->headers, "Retry-After"));
  }
  return ParseBody(resp->body);
}

Result<nlohmann::json> Client::Do(Call call) {
  bool auth_retried = false;
  for (int attempt = 1;; ++attempt) {
    limiter_->Acquire();
    auto result = Attempt(call, &auth_retried);
    if (result.ok()) return result;
    const Error& err = result.error();
    // A 401 may mean a rotated token or an expired exec credential: refresh once and repeat.
    if (IsUnauthorized(err) && !auth_retried && auth_->Invalidate()) {
      log_.Debug("401: refreshed credentials, repeating the request", {{"verb", call.verb}});
      auth_retried = true;
      --attempt;
      continue;
    }
    if (!IsRetriable(err, call.method, call.apply_patch)) return result;
    auto delay = RetryDelay(options_.retry, attempt, err);
    if (!delay) return result;
    log_.Debug("retrying request", {{"verb", call.verb}, {"resource", call.resource},
                                    {"attempt", attempt}, {"error", err.ToString()},
                                    {"delay_ms", static_cast<long long>(delay->count())}});
    clock_.Sleep(*delay);
  }
}

void Client::LogWarningHeader(std::string_view warning) {
  {
    std::lock_guard<std::mutex> lock(warnings_mu_);
    if (!warnings_seen_.emplace(warning).second) return;
  }
  log_.Warn("API server warning", {{"warning", warning}});
}

std::string Client::NamespaceOf(const ResourceRef& ref, const nlohmann::json& obj) const {
  if (!ref.namespaced) return {};
  auto ns = obj.is_object() ? obj.value("/metadata/namespace"_json_pointer, std::string())
                            : std::string();
  return ns.empty() ? config_.default_namespace : ns;
}

namespace {

Status CheckTarget(const ResourceRef& ref, std::string_view ns, std::string_view name) {
  if (name.empty()) return Error::Config("a name is required to address one " + ref.kind);
  if (ref.namespaced && ns.empty()) {
    return Error::Config(ref.GroupResource() + " is namespaced: a namespace is required for \"" +
                         std::string(name) + "\"");
  }
  return {};
}

std::string Resource(const ResourceRef& ref, std::string_view sub) {
  return sub.empty() ? ref.GroupResource() : ref.GroupResource() + "/" + std::string(sub);
}

}  // namespace

Result<nlohmann::json> Client::Get(const ResourceRef& ref, std::string_view ns,
                                   std::string_view name, const GetOptions& opts) {
  if (auto s = CheckTarget(ref, ns, name); !s) return s.error();
  Query q;
  q.AddIf("resourceVersion", opts.resource_version);
  return Do({"get", "GET", Resource(ref, ""), ref.ObjectPath(ns, name) + q.str(), "", "", false});
}

Result<nlohmann::json> Client::List(const ResourceRef& ref, std::string_view ns,
                                    const ListOptions& opts) {
  Query q;
  q.AddIf("labelSelector", opts.label_selector).AddIf("fieldSelector", opts.field_selector);
  if (opts.limit > 0) q.Add("limit", std::to_string(opts.limit));
  q.AddIf("continue", opts.continue_token)
      .AddIf("resourceVersion", opts.resource_version)
      .AddIf("resourceVersionMatch", opts.resource_version_match);
  return Do({"list", "GET", Resource(ref, ""), ref.CollectionPath(ns) + q.str(), "", "", false});
}

Result<nlohmann::json> Client::ListAll(const ResourceRef& ref, std::string_view ns,
                                       ListOptions opts) {
  if (opts.limit <= 0) opts.limit = kDefaultListAllPageSize;
  auto first = List(ref, ns, opts);
  if (!first.ok()) return first;
  nlohmann::json all = std::move(first).value();
  if (!all.contains("items") || all["items"].is_null()) all["items"] = nlohmann::json::array();
  std::string next = all.value("/metadata/continue"_json_pointer, std::string());
  while (!next.empty()) {
    opts.continue_token = next;
    opts.resource_version.clear();  // continue and resourceVersion are exclusive (400)
    opts.resource_version_match.clear();
    auto page = List(ref, ns, opts);
    if (!page.ok()) return page;
    if (auto it = page->find("items"); it != page->end() && it->is_array()) {
      for (auto& item : *it) all["items"].push_back(std::move(item));
    }
    next = page->value("/metadata/continue"_json_pointer, std::string());
  }
  if (all.contains("metadata")) {
    all["metadata"].erase("continue");
    all["metadata"].erase("remainingItemCount");
  }
  return all;
}

Result<nlohmann::json> Client::Create(const ResourceRef& ref, const nlohmann::json& obj,
                                      const CreateOptions& opts) {
  std::string ns = NamespaceOf(ref, obj);
  Query q;
  if (opts.dry_run) q.Add("dryRun", "All");
  q.AddIf("fieldManager", opts.field_manager);
  return Do({"create", "POST", Resource(ref, ""), ref.CollectionPath(ns) + q.str(), obj.dump(),
             std::string(kJson), false});
}

Result<nlohmann::json> Client::Update(const ResourceRef& ref, const nlohmann::json& obj,
                                      const UpdateOptions& opts) {
  return Put(ref, obj, opts, "");
}

Result<nlohmann::json> Client::UpdateStatus(const ResourceRef& ref, const nlohmann::json& obj,
                                            const UpdateOptions& opts) {
  return Put(ref, obj, opts, "status");
}

Result<nlohmann::json> Client::Put(const ResourceRef& ref, const nlohmann::json& obj,
                                   const UpdateOptions& opts, const std::string& subresource) {
  auto name = NameOf(obj);
  if (!name.ok()) return name.error();
  Query q;
  if (opts.dry_run) q.Add("dryRun", "All");
  q.AddIf("fieldManager", opts.field_manager);
  return Do({"update", "PUT", Resource(ref, subresource),
             ref.ObjectPath(NamespaceOf(ref, obj), *name, subresource) + q.str(), obj.dump(),
             std::string(kJson), false});
}

Result<nlohmann::json> Client::Patch(const ResourceRef& ref, std::string_view ns,
                                     std::string_view name, PatchType type,
                                     const nlohmann::json& patch, const PatchOptions& opts) {
  if (auto s = CheckTarget(ref, ns, name); !s) return s.error();
  if (type == PatchType::kJson && !patch.is_array()) {
    return Error::Config("a JSON patch (RFC 6902) must be an array of operations");
  }
  Query q;
  if (opts.dry_run) q.Add("dryRun", "All");
  q.AddIf("fieldManager", opts.field_manager);
  return Do({"patch", "PATCH", Resource(ref, opts.subresource),
             ref.ObjectPath(ns, name, opts.subresource) + q.str(), patch.dump(),
             std::string(ContentType(type)), false});
}

Result<nlohmann::json> Client::Apply(const ResourceRef& ref, const nlohmann::json& obj,
                                     const ApplyOptions& opts) {
  if (opts.field_manager.empty()) {
    return Error::Config("server-side apply needs ApplyOptions.field_manager (the server "
                         "rejects an apply without one)");
  }
  auto name = NameOf(obj);
  if (!name.ok()) return name.error();
  Query q;
  if (opts.dry_run) q.Add("dryRun", "All");
  q.Add("fieldManager", opts.field_manager);
  if (opts.force) q.Add("force", "true");
  return Do({"apply", "PATCH", Resource(ref, opts.subresource),
             ref.ObjectPath(NamespaceOf(ref, obj), *name, opts.subresource) + q.str(), obj.dump(),
             std::string(kApplyPatch), true});
}

Result<nlohmann::json> Client::Delete(const ResourceRef& ref, std::string_view ns,
                                      std::string_view name, const DeleteOptions& opts) {
  if (auto s = CheckTarget(ref, ns, name); !s) return s.error();
  nlohmann::json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!opts.propagation_policy.empty()) body["propagationPolicy"] = opts.propagation_policy;
  if (opts.grace_period_seconds) body["gracePeriodSeconds"] = *opts.grace_period_seconds;
  if (!opts.precondition_uid.empty()) body["preconditions"]["uid"] = opts.precondition_uid;
  if (!opts.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = opts.precondition_resource_version;
  }
  if (opts.dry_run) body["dryRun"] = {"All"};
  return Do({"delete", "DELETE", Resource(ref, ""), ref.ObjectPath(ns, name), body.dump(),
             std::string(kJson), false});
}

Result<nlohmann::json> Client::GetScale(const ResourceRef& ref, std::string_view ns,
                                        std::string_view name) {
  if (auto s = CheckTarget(ref, ns, name); !s) return s.error();
  return Do({"get", "GET", Resource(ref, "scale"), ref.ObjectPath(ns, name, "scale"), "", "",
             false});
}

Result<nlohmann::json> Client::UpdateScale(const ResourceRef& ref, std::string_view ns,
                                           std::string_view name, const nlohmann::json& scale) {
  if (auto s = CheckTarget(ref, ns, name); !s) return s.error();
  return Do({"update", "PUT", Resource(ref, "scale"), ref.ObjectPath(ns, name, "scale"),
             scale.dump(), std::string(kJson), false});
}

Result<nlohmann::json> Client::GetPath(std::string_view path_and_query) {
  return Do({"get", "GET", "", std::string(path_and_query), "", "", false});
}

Result<std::unique_ptr<WatchStream>> Client::Watch(const ResourceRef& ref, std::string_view ns,
                                                   const WatchOptions& opts) {
  Query q;
  q.Add("watch", "true");
  q.AddIf("resourceVersion", opts.resource_version);
  if (opts.allow_bookmarks) q.Add("allowWatchBookmarks", "true");
  if (opts.timeout_seconds) q.Add("timeoutSeconds", std::to_string(*opts.timeout_seconds));
  q.AddIf("labelSelector", opts.label_selector).AddIf("fieldSelector", opts.field_selector);
  Call call{"watch", "GET", Resource(ref, ""), ref.CollectionPath(ns) + q.str(), "", "", false};
  auto idle = opts.timeout_seconds
                  ? std::chrono::milliseconds(std::chrono::seconds(*opts.timeout_seconds) + kWatchIdleSlack)
                  : std::chrono::milliseconds(kWatchIdleTimeout);
  bool auth_retried = false;
  for (int attempt = 1;; ++attempt) {
    limiter_->Acquire();
    auto authz = auth_->Authorization();
    if (!authz.ok()) return authz.error();
    if (auto cert = auth_->TakeClientCertificate()) {
      if (auto s = transport_->SetClientCertificate(cert->first, cert->second); !s) return s.error();
    }
    http::Request req{"GET", call.path, {{"Accept", std::string(kJson)}}, ""};
    if (!authz->empty()) req.headers.emplace_back("Authorization", *authz);
    auto start = clock_.Now();
    auto resp = transport_->Stream(req, idle);
    Report(call, resp.ok() ? resp->status : 0, start);
    Error err;
    if (resp.ok() && resp->status == 200) {
      return std::make_unique<WatchStream>(std::move(resp->body));
    }
    if (resp.ok()) {
      err = ErrorFromResponse(resp->status, ReadAllBody(*resp->body),
                              http::FindHeader(resp->headers, "Retry-After"));
    } else {
      err = resp.error();
    }
    if (IsUnauthorized(err) && !auth_retried && auth_->Invalidate()) {
      auth_retried = true;
      --attempt;
      continue;
    }
    auto delay = IsRetriable(err, "GET", false) ? RetryDelay(options_.retry, attempt, err)
                                                 : std::nullopt;
    if (!delay) return err;
    clock_.Sleep(*delay);
  }
}

}  // namespace ferry::kube
