// Client: the verbs of the Kubernetes API for any resource, over one keep-alive HTTPS
// connection pool, with client-side rate limiting, retries of transient answers, credential
// refresh, and a hook observing every request. Objects are nlohmann::json, as the server sends
// them. Thread-safe: one Client is shared by every controller of the process.
//
// Namespaces: "" means cluster-scoped (for cluster-scoped refs) or all namespaces (List and
// Watch of namespaced refs). Create/Update/UpdateStatus/Apply read namespace and name from the
// object's metadata (a namespaced object without metadata.namespace goes to the Config's
// default namespace), like controller-runtime's client.
//
// Errors (errors.h): every non-2xx answer is a typed kApi Error decoded from the Status body.
// A 401 makes the client refresh its credential (re-read the token file, re-run the exec
// plugin) and repeat the request once. 429 and 5xx answers and network failures of idempotent
// requests are retried per RetryPolicy (retry.h) with backoff honouring Retry-After.
// Server `Warning` headers (deprecated APIs) are logged once each, as kubectl prints them.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "operator/base/clock.h"
#include "operator/base/log.h"
#include "operator/kube/config.h"
#include "operator/kube/errors.h"
#include "operator/kube/rate_limiter.h"
#include "operator/kube/resource.h"
#include "operator/kube/retry.h"
#include "operator/kube/watch.h"

namespace ferry::kube {

struct GetOptions {
  std::string resource_version;  // "0" = any cached version (served from the watch cache)
};

struct ListOptions {
  std::string label_selector;  // "app=web,tier in (edge)"
  std::string field_selector;  // "metadata.name=alpha"
  int64_t limit = 0;           // page size; 0 = everything at once
  std::string continue_token;  // metadata.continue of the previous page
  std::string resource_version;
  std::string resource_version_match;  // "", "Exact", "NotOlderThan"
};

// Page size ListAll uses when the caller sets no limit (client-go's pager default).
inline constexpr int64_t kDefaultListAllPageSize = 500;

struct CreateOptions {
  bool dry_run = false;       // dryRun=All
  std::string field_manager;  // "" = derived by the server from the User-Agent
};

struct UpdateOptions {
  bool dry_run = false;
  std::string field_manager;
};

enum class PatchType {
  kMerge,           // application/merge-patch+json (RFC 7386)
  kJson,            // application/json-patch+json (RFC 6902); the patch is an array
  kStrategicMerge,  // application/strategic-merge-patch+json: built-in types only (CRs: 415)
};

std::string_view ContentType(PatchType t);

struct PatchOptions {
  bool dry_run = false;
  std::string field_manager;
  std::string subresource;  // "", "status", "scale"
};

struct ApplyOptions {
  std::string field_manager;  // required by the server (422 without it)
  bool force = false;         // take ownership of conflicting fields
  bool dry_run = false;
  std::string subresource;    // "" or "status"
};

struct DeleteOptions {
  std::string propagation_policy;  // "", "Foreground", "Background", "Orphan"
  std::optional<int64_t> grace_period_seconds;
  std::string precondition_uid;
  std::string precondition_resource_version;
  bool dry_run = false;
};

struct ClientOptions {
  Clock* clock = nullptr;  // nullptr = RealClock
  RequestHook hook;        // may be empty
  RetryPolicy retry;
};

namespace http {
class Transport;
}
class Authenticator;

class Client {
 public:
  // Builds the transport (TLS settings are checked here: a bad CA or key is a kConfig error).
  static Result<std::unique_ptr<Client>> New(Config config, ClientOptions options = {});
  // For tests: a client over a given transport.
  Client(Config config, ClientOptions options, std::unique_ptr<http::Transport> transport,
         std::unique_ptr<Authenticator> auth);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Result<nlohmann::json> Get(const ResourceRef& ref, std::string_view ns, std::string_view name,
                             const GetOptions& opts = {});
  // One page (metadata.continue set when more remain).
  Result<nlohmann::json> List(const ResourceRef& ref, std::string_view ns,
                              const ListOptions& opts = {});
  // Every page, following metadata.continue; items concatenated into the first page's list
  // object (its resourceVersion is the snapshot's). A 410 on a continue token is returned.
  Result<nlohmann::json> ListAll(const ResourceRef& ref, std::string_view ns,
                                 ListOptions opts = {});
  Result<nlohmann::json> Create(const ResourceRef& ref, const nlohmann::json& obj,
                                const CreateOptions& opts = {});
  // PUT: the object's metadata.resourceVersion is the precondition (409 Conflict if stale).
  Result<nlohmann::json> Update(const ResourceRef& ref, const nlohmann::json& obj,
                                const UpdateOptions& opts = {});
  // PUT .../status.
  Result<nlohmann::json> UpdateStatus(const ResourceRef& ref, const nlohmann::json& obj,
                                      const UpdateOptions& opts = {});
  Result<nlohmann::json> Patch(const ResourceRef& ref, std::string_view ns, std::string_view name,
                               PatchType type, const nlohmann::json& patch,
                               const PatchOptions& opts = {});
  // Server-side apply of `obj` (apiVersion, kind, metadata.name required): PATCH with
  // application/apply-patch+yaml (JSON is YAML), fieldManager and force.
  Result<nlohmann::json> Apply(const ResourceRef& ref, const nlohmann::json& obj,
                               const ApplyOptions& opts);
  // The answer is the object (when finalizers keep it) or a Status with status: Success.
  Result<nlohmann::json> Delete(const ResourceRef& ref, std::string_view ns, std::string_view name,
                                const DeleteOptions& opts = {});
  // The autoscaling/v1 Scale of the scale subresource; UpdateScale PUTs one (its
  // metadata.resourceVersion, if set, is a precondition).
  Result<nlohmann::json> GetScale(const ResourceRef& ref, std::string_view ns,
                                  std::string_view name);
  Result<nlohmann::json> UpdateScale(const ResourceRef& ref, std::string_view ns,
                                     std::string_view name, const nlohmann::json& scale);

  // Opens a watch (watch.h). Errors before the stream starts (403, 404, network) are returned
  // here; a 410 for a too-old resourceVersion arrives as an ERROR event on the stream.
  Result<std::unique_ptr<WatchStream>> Watch(const ResourceRef& ref, std::string_view ns,
                                             const WatchOptions& opts = {});

  // GET of an arbitrary path (discovery, /version, /healthz), decoded as JSON.
  Result<nlohmann::json> GetPath(std::string_view path_and_query);

  const Config& config() const { return config_; }
  const std::string& default_namespace() const { return config_.default_namespace; }

 private:
  struct Call;
  Result<nlohmann::json> Do(Call call);
  // PUT of obj ("" = the object itself, or a subresource such as "status").
  Result<nlohmann::json> Put(const ResourceRef& ref, const nlohmann::json& obj,
                             const UpdateOptions& opts, const std::string& subresource);
  Result<nlohmann::json> Attempt(const Call& call, bool* retried_auth);
  std::string NamespaceOf(const ResourceRef& ref, const nlohmann::json& obj) const;
  void Report(const Call& call, int status, Clock::TimePoint start);
  void LogWarningHeader(std::string_view warning);

  Config config_;
  ClientOptions options_;
  Clock& clock_;
  std::unique_ptr<http::Transport> transport_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<TokenBucket> limiter_;
  std::string host_;
  log::Logger log_{"kube.client"};
  std::mutex warnings_mu_;
  std::set<std::string> warnings_seen_;  // server Warning headers already logged
};

}  // namespace ferry::kube
