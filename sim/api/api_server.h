// ApiServer: the HTTP face of kube-sim. Authenticates, applies injected faults, negotiates media
// types, and dispatches discovery, resource verbs, watches and the /sim admin endpoints.
#pragma once

#include <atomic>
#include <map>
#include <vector>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "sim/api/codec.h"
#include "sim/api/request_info.h"
#include "sim/core/objects.h"
#include "sim/core/resources.h"
#include "sim/core/store.h"
#include "sim/http/server.h"

namespace kubesim::api {

/// Real kube-apiserver default bookmark interval for watches.
inline constexpr std::chrono::milliseconds kDefaultBookmarkInterval{60000};
/// Watches without timeoutSeconds end after this long (the real server picks 30-60 min).
inline constexpr int kDefaultWatchTimeoutSeconds = 1800;

/// A permission of a non-admin user: verbs on resource.group ("" group for core). `resource` may
/// name a subresource ("releases/status"). An empty `ns` grants in every namespace and at the
/// cluster scope (a ClusterRole bound by a ClusterRoleBinding); a set `ns` grants only requests in
/// that namespace (a Role bound by a RoleBinding).
struct Grant {
  std::string user;
  std::vector<std::string> verbs;  ///< "*" allows all
  std::string resource, group;
  std::string ns;
};

/// How many forbidden requests /sim/stats reports word for word (the count has no limit).
inline constexpr size_t kForbiddenKept = 100;

struct ServerOptions {
  std::string token;  ///< admin bearer token; empty disables authentication
  std::map<std::string, std::string> users;  ///< extra bearer tokens -> user names (RBAC-limited)
  std::vector<Grant> grants;                 ///< what those users may do (nothing else)
  std::chrono::milliseconds bookmark_interval = kDefaultBookmarkInterval;
  std::string state_file;  ///< where /sim/save and shutdown persist state ("" = nowhere)
};

/// Faults the tests can inject through /sim/faults.
struct Faults {
  int fail_count = 0;       ///< answer the next N API requests with `fail_code`
  int fail_code = 500;
  int retry_after = 1;      ///< Retry-After seconds for 429
  std::string fail_path_prefix;  ///< only requests whose path starts with this fail
  int latency_ms = 0;       ///< delay added before every API request
};

class ApiServer {
 public:
  ApiServer(Store& store, Registry& registry, ServerOptions options);

  void handle(const http::Request& req, http::ResponseWriter& w);
  ObjectService& objects() { return objects_; }
  Faults faults();
  void set_faults(const Faults& f);

 private:
  struct Ctx {
    const http::Request& req;
    http::ResponseWriter& w;
    RequestInfo info;
    Negotiated neg;
    std::string user = "admin";  ///< authenticated user name
  };

  bool authenticate(Ctx& c);
  bool authorize(const std::string& user, const RequestInfo& info) const;
  void forbid(Ctx& c, const std::string& user);
  bool apply_faults(Ctx& c);
  void handle_admin(Ctx& c);
  void handle_non_resource(Ctx& c);
  void handle_resource(Ctx& c);
  void dispatch(Ctx& c, const ResourceInfo& r);

  void do_get(Ctx& c, const ResourceInfo& r);
  void do_list(Ctx& c, const ResourceInfo& r);
  void do_watch(Ctx& c, const ResourceInfo& r);
  void do_create(Ctx& c, const ResourceInfo& r);
  void do_update(Ctx& c, const ResourceInfo& r);
  void do_patch(Ctx& c, const ResourceInfo& r);
  void do_delete(Ctx& c, const ResourceInfo& r);
  void do_delete_collection(Ctx& c, const ResourceInfo& r);
  void do_scale(Ctx& c, const ResourceInfo& r);
  void do_self_subject_access_review(Ctx& c);

  /// Decodes the request body (JSON or YAML); throws ApiError 400/415.
  json decode_body(Ctx& c, const ResourceInfo& r);
  WriteOptions write_options(Ctx& c, bool status);

  void send(Ctx& c, int status, const json& body, const ResourceInfo* r = nullptr);
  void send_error(Ctx& c, const ApiError& e);
  void send_plain_404(Ctx& c);
  void send_table_or_object(Ctx& c, int status, const json& obj, const ResourceInfo& r);

  Store& store_;
  Registry& registry_;
  ObjectService objects_;
  ServerOptions options_;
  std::mutex faults_mu_;
  Faults faults_;
  std::mutex forbidden_mu_;
  uint64_t forbidden_count_ = 0;
  std::vector<std::string> forbidden_;  ///< the first kForbiddenKept forbidden messages
};

}  // namespace kubesim::api
