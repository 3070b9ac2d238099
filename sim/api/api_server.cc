#include "sim/api/api_server.h"

#include <thread>

#include "sim/core/meta.h"

namespace kubesim::api {
namespace {

const char* kCacheControl = "no-cache, private";

json version_info() {
  return {{"major", "1"}, {"minor", "19"}, {"gitVersion", "v1.19.0"},
          {"gitCommit", "e19964183377d0ec2052d1f1fa930c4d7575bd50"}, {"gitTreeState", "clean"},
          {"buildDate", "2020-08-26T14:23:04Z"}, {"goVersion", "go1.15"}, {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

bool anonymous_allowed(const RequestInfo& info, const std::string& path) {
  if (!info.resource_request) return true;  // /version, /healthz, discovery documents
  (void)path;
  return false;
}

}  // namespace

ApiServer::ApiServer(Store& store, Registry& registry, ServerOptions options)
    : store_(store), registry_(registry), objects_(store, registry), options_(std::move(options)) {}

Faults ApiServer::faults() {
  std::lock_guard<std::mutex> lock(faults_mu_);
  return faults_;
}

void ApiServer::set_faults(const Faults& f) {
  std::lock_guard<std::mutex> lock(faults_mu_);
  faults_ = f;
}

void ApiServer::handle(const http::Request& req, http::ResponseWriter& w) {
  Ctx c{req, w, parse_request_info(req), {}};
  c.neg.pretty = req.param("pretty") == "true";
  if (req.path.rfind("/sim/", 0) == 0) {
    handle_admin(c);
    return;
  }
  if (!apply_faults(c)) return;
  if (!authenticate(c)) return;
  auto neg = negotiate(req.header("accept"));
  if (!neg && req.path == "/openapi/v2") neg = Negotiated{};
  if (!neg) {
    ApiError e = errors::not_acceptable();
    send_error(c, e);
    return;
  }
  bool pretty = c.neg.pretty;
  c.neg = *neg;
  c.neg.pretty = pretty;
  try {
    if (!c.info.resource_request) handle_non_resource(c);
    else handle_resource(c);
  } catch (const ApiError& e) {
    send_error(c, e);
  } catch (const std::exception& e) {
    send_error(c, errors::internal(e.what()));
  }
}

bool ApiServer::apply_faults(Ctx& c) {
  Faults f;
  {
    std::lock_guard<std::mutex> lock(faults_mu_);
    f = faults_;
    bool match = faults_.fail_count > 0 &&
                 (faults_.fail_path_prefix.empty() || c.req.path.rfind(faults_.fail_path_prefix, 0) == 0);
    if (match) --faults_.fail_count;
    else f.fail_count = 0;
  }
  if (f.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(f.latency_ms));
  if (f.fail_count <= 0) return true;
  if (f.fail_code == 429) {
    send_error(c, errors::too_many_requests(f.retry_after));
  } else {
    ApiError e{f.fail_code, f.fail_code == 503 ? "ServiceUnavailable" : "InternalError",
               "Internal error occurred: injected fault (kube-sim)", nullptr};
    if (f.fail_code == 503) e.message = "the server is currently unable to handle the request";
    send_error(c, e);
  }
  return false;
}

bool ApiServer::authenticate(Ctx& c) {
  if (options_.token.empty()) return true;
  std::string auth = c.req.header("authorization");
  std::string user = "system:anonymous";
  if (!auth.empty()) {
    std::string token = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : "";
    if (token == options_.token) return true;
    auto it = options_.users.find(token);
    if (it == options_.users.end()) {
      send_error(c, errors::unauthorized());
      return false;
    }
    user = it->second;
  }
  c.user = user;
  if (anonymous_allowed(c.info, c.req.path) || authorize(user, c.info)) return true;
  bool self_review = c.info.resource == "selfsubjectaccessreviews" && user != "system:anonymous";
  if (self_review) return true;
  forbid(c, user);
  return false;
}

bool ApiServer::authorize(const std::string& user, const RequestInfo& info) const {
  std::string res = info.subresource.empty() ? info.resource : info.resource + "/" + info.subresource;
  for (const auto& g : options_.grants) {
    if (g.user != user || g.group != info.group || (g.resource != res && g.resource != "*")) continue;
    if (!g.ns.empty() && g.ns != info.ns) continue;
    for (const auto& v : g.verbs) {
      if (v == "*" || v == info.verb) return true;
    }
  }
  return false;
}

void ApiServer::forbid(Ctx& c, const std::string& user) {
  const RequestInfo& i = c.info;
  std::string res = i.subresource.empty() ? i.resource : i.resource + "/" + i.subresource;
  std::string gr = i.group.empty() ? i.resource : i.resource + "." + i.group;
  std::string who = i.name.empty() ? gr : gr + " \"" + i.name + "\"";
  std::string scope = i.ns.empty() ? "at the cluster scope" : "in the namespace \"" + i.ns + "\"";
  std::string msg = who + " is forbidden: User \"" + user + "\" cannot " + i.verb + " resource \"" + res +
                    "\" in API group \"" + i.group + "\" " + scope;
  json details = {{"group", i.group}, {"kind", i.resource}};
  if (!i.name.empty()) details["name"] = i.name;
  {
    std::lock_guard<std::mutex> lock(forbidden_mu_);
    ++forbidden_count_;
    if (forbidden_.size() < kForbiddenKept) forbidden_.push_back(msg);
  }
  send_error(c, errors::forbidden(msg, details));
}

void ApiServer::handle_non_resource(Ctx& c) {
  const std::string& p = c.req.path;
  std::string trimmed = p.size() > 1 && p.back() == '/' ? p.substr(0, p.size() - 1) : p;
  if (trimmed == "/version") return send(c, 200, version_info());
  if (trimmed == "/healthz" || trimmed == "/livez" || trimmed == "/readyz") {
    http::Response r{200, {{"Cache-Control", kCacheControl}, {"Content-Type", "text/plain; charset=utf-8"},
                           {"X-Content-Type-Options", "nosniff"}}, "ok"};
    c.w.send(r);
    return;
  }
  if (trimmed == "/openapi/v2") {
    // A schema-less document: clients (kubectl --validate) find no definitions and skip
    // client-side validation; the server still validates on write.
    if (c.req.header("accept").find("protobuf") != std::string::npos) {
      // openapi_v2.Document{swagger: "2.0"} in protobuf wire format (field 1, length 3).
      c.w.send(http::Response{200, {{"Cache-Control", kCacheControl},
                                    {"Content-Type", "application/octet-stream"}},
                              std::string("\x0a\x03" "2.0", 5)});
      return;
    }
    Negotiated as_json;
    c.neg = as_json;
    return send(c, 200, {{"swagger", "2.0"}, {"info", {{"title", "Kubernetes"}, {"version", "v1.19.0"}}},
                         {"paths", json::object()}, {"definitions", json::object()}});
  }
  if (trimmed == "/api") return send(c, 200, registry_.api_versions());
  if (trimmed == "/apis") return send(c, 200, registry_.api_group_list());
  const RequestInfo& i = c.info;
  if (i.legacy && i.version == "v1" && trimmed == "/api/v1") {
    if (auto l = registry_.resource_list("", "v1")) return send(c, 200, *l);
  }
  if (!i.legacy && !i.group.empty()) {
    if (i.version.empty() && trimmed == "/apis/" + i.group) {
      if (auto g = registry_.api_group(i.group)) return send(c, 200, *g);
    } else if (trimmed == "/apis/" + i.group + "/" + i.version) {
      if (auto l = registry_.resource_list(i.group, i.version)) return send(c, 200, *l);
    }
  }
  send_plain_404(c);
}

void ApiServer::handle_resource(Ctx& c) {
  const RequestInfo& i = c.info;
  if (!i.valid) return send_plain_404(c);
  ResourcePtr r = registry_.find(i.group, i.version, i.resource);
  if (!r) return send_plain_404(c);
  if (r->namespaced && i.ns.empty() && !i.name.empty()) return send_plain_404(c);
  if (!r->namespaced && !i.ns.empty()) return send_plain_404(c);
  if (r->resource == "selfsubjectaccessreviews") return do_self_subject_access_review(c);
  dispatch(c, *r);
}

void ApiServer::dispatch(Ctx& c, const ResourceInfo& r) {
  const RequestInfo& i = c.info;
  const std::string& v = i.verb;
  if (!i.subresource.empty()) {
    bool known = (i.subresource == "status" && (r.has_status || r.kind == "Namespace")) ||
                 (i.subresource == "scale" && r.scale) || (i.subresource == "finalize" && r.kind == "Namespace");
    if (!known) throw errors::not_found(r, i.name);
    if (i.subresource == "scale") return do_scale(c, r);
    if (v == "get") return do_get(c, r);
    if (v == "update") return do_update(c, r);
    if (v == "patch") return do_patch(c, r);
    throw errors::method_not_supported(r, v);
  }
  if (v == "get") return do_get(c, r);
  if (v == "list") return do_list(c, r);
  if (v == "watch") return do_watch(c, r);
  if (v == "create") return do_create(c, r);
  if (v == "update") return do_update(c, r);
  if (v == "patch") return do_patch(c, r);
  if (v == "delete") return do_delete(c, r);
  if (v == "deletecollection") return do_delete_collection(c, r);
  throw errors::method_not_supported(r, v);
}

void ApiServer::send(Ctx& c, int status, const json& body, const ResourceInfo* r) {
  std::string ct;
  std::string text = encode(body, c.neg, &ct);
  http::Response resp{status, {{"Cache-Control", kCacheControl}, {"Content-Type", ct}}, std::move(text)};
  if (r && !r->deprecation_warning.empty()) {
    resp.headers.emplace_back("Warning", "299 - \"" + r->deprecation_warning + "\"");
  }
  c.w.send(resp);
}

void ApiServer::send_error(Ctx& c, const ApiError& e) {
  std::string ct;
  std::string text = encode(e.to_status(), c.neg, &ct);
  http::Response resp{e.code, {{"Cache-Control", kCacheControl}, {"Content-Type", ct}}, std::move(text)};
  for (const auto& h : e.headers) resp.headers.push_back(h);
  if (e.code == 403) resp.headers.emplace_back("X-Content-Type-Options", "nosniff");
  c.w.send(resp);
}

void ApiServer::send_plain_404(Ctx& c) {
  c.w.send(http::Response{404,
                          {{"Cache-Control", kCacheControl},
                           {"Content-Type", "text/plain; charset=utf-8"},
                           {"X-Content-Type-Options", "nosniff"}},
                          "404 page not found\n"});
}

void ApiServer::do_self_subject_access_review(Ctx& c) {
  json body = json::parse(c.req.body, nullptr, false);
  if (!body.is_object()) throw errors::bad_request("invalid SelfSubjectAccessReview body");
  body["metadata"] = {{"creationTimestamp", nullptr}};
  const json attrs = body.value("spec", json::object()).value("resourceAttributes", json::object());
  RequestInfo asked;
  asked.resource_request = true;
  asked.group = attrs.value("group", "");
  asked.resource = attrs.value("resource", "");
  asked.subresource = attrs.value("subresource", "");
  asked.verb = attrs.value("verb", "");
  asked.ns = attrs.value("namespace", "");
  bool allowed = c.user == "admin" || authorize(c.user, asked);
  body["status"] = {{"allowed", allowed}};
  if (allowed) body["status"]["reason"] = c.user == "admin" ? "kube-sim admin token" : "granted by --grant";
  send(c, 201, body);
}

}  // namespace kubesim::api
