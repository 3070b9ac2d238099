// The /sim admin endpoints only tests use: fault injection, compaction, dropping watches,
// restarts with or without state, state snapshots and statistics. Not authenticated.
#include <fstream>

#include "sim/api/api_server.h"
#include "sim/core/bootstrap.h"

namespace kubesim::api {
namespace {

http::Response json_response(int status, const json& body) {
  return {status, {{"Cache-Control", "no-cache, private"}, {"Content-Type", "application/json"}}, body.dump() + "\n"};
}

json faults_json(const Faults& f) {
  return {{"failNext", {{"count", f.fail_count}, {"code", f.fail_code}, {"retryAfterSeconds", f.retry_after},
                        {"pathPrefix", f.fail_path_prefix}}},
          {"latencyMs", f.latency_ms}};
}

}  // namespace

void ApiServer::handle_admin(Ctx& c) {
  const std::string& p = c.req.path;
  const std::string& m = c.req.method;
  json body = c.req.body.empty() ? json::object() : json::parse(c.req.body, nullptr, false);
  if (!body.is_object()) {
    c.w.send(json_response(400, {{"error", "body must be a JSON object"}}));
    return;
  }
  if (p == "/sim/health") {
    c.w.send(json_response(200, {{"ok", true}}));
  } else if (p == "/sim/stats") {
    json forbidden;
    {
      std::lock_guard<std::mutex> lock(forbidden_mu_);
      forbidden = {{"count", forbidden_count_}, {"messages", forbidden_}};
    }
    c.w.send(json_response(200, {{"objects", store_.size()}, {"watchers", store_.watcher_count()},
                                 {"resourceVersion", store_.current_rv()}, {"historyFloor", store_.history_floor()},
                                 {"faults", faults_json(faults())}, {"forbidden", forbidden}}));
  } else if (p == "/sim/faults" && m == "GET") {
    c.w.send(json_response(200, faults_json(faults())));
  } else if (p == "/sim/faults" && m == "DELETE") {
    set_faults(Faults{});
    c.w.send(json_response(200, faults_json(Faults{})));
  } else if (p == "/sim/faults" && m == "POST") {
    Faults f = faults();
    if (body.contains("failNext")) {
      const json& n = body["failNext"];
      f.fail_count = n.value("count", 1);
      f.fail_code = n.value("code", 500);
      f.retry_after = n.value("retryAfterSeconds", 1);
      f.fail_path_prefix = n.value("pathPrefix", "");
    }
    if (body.contains("latencyMs")) f.latency_ms = body["latencyMs"].get<int>();
    set_faults(f);
    if (body.value("dropWatches", false)) store_.close_all_watchers();
    if (body.value("compact", false)) store_.compact();
    if (body.contains("historyLength")) store_.set_history_capacity(body["historyLength"].get<size_t>());
    c.w.send(json_response(200, faults_json(f)));
  } else if (p == "/sim/watches/drop" && m == "POST") {
    store_.close_all_watchers();
    c.w.send(json_response(200, {{"dropped", true}}));
  } else if (p == "/sim/compact" && m == "POST") {
    store_.compact();
    c.w.send(json_response(200, {{"compactedResourceVersion", store_.compacted_rv()}}));
  } else if (p == "/sim/restart" && m == "POST") {
    bool keep = body.value("keepState", true);
    set_faults(Faults{});
    store_.close_all_watchers();
    if (!keep) {
      for (const auto& crd : store_.list("apiextensions.k8s.io/customresourcedefinitions", "")) {
        registry_.remove_crd((*crd)["metadata"].value("name", ""));
      }
      store_.restore(json{{"resourceVersion", store_.current_rv()}, {"objects", json::array()}});
      bootstrap_cluster(objects_);
    }
    c.w.send(json_response(200, {{"restarted", true}, {"keepState", keep}}));
  } else if (p == "/sim/state" && m == "GET") {
    c.w.send(json_response(200, store_.snapshot()));
  } else if (p == "/sim/save" && m == "POST") {
    std::string file = body.value("file", options_.state_file);
    std::ofstream out(file);
    if (file.empty() || !out) {
      c.w.send(json_response(400, {{"error", "no writable state file; pass {\"file\": PATH} or --state-file"}}));
      return;
    }
    out << store_.snapshot().dump();
    c.w.send(json_response(200, {{"saved", file}}));
  } else {
    c.w.send(json_response(404, {{"error", "unknown admin endpoint " + m + " " + p}}));
  }
}

}  // namespace kubesim::api
