// Watch streams: newline-delimited {"type","object"} events as HTTP chunks, resumption from the
// retained history, 410 Expired beyond it, bookmarks, selectors, timeoutSeconds.
#include "sim/api/api_server.h"
#include "sim/core/meta.h"
#include "sim/core/selectors.h"

namespace kubesim::api {
namespace {

/// Initial events are packed into chunks of this size (as the real server's 2 KB buffer).
constexpr size_t kInitialChunkBytes = 2048;
/// How often an idle watch checks whether its client went away.
constexpr std::chrono::milliseconds kPeerCheckInterval{500};
/// The final bookmark comes this long before timeoutSeconds.
constexpr std::chrono::seconds kFinalBookmarkLead{1};

struct Filter {
  std::string ns;
  LabelSelector labels;
  FieldSelector fields;
  bool match(const json& obj) const {
    if (!ns.empty() && meta_string(obj, "namespace") != ns) return false;
    return labels.matches(labels_of(obj)) && fields.matches(obj);
  }
};

}  // namespace

void ApiServer::do_watch(Ctx& c, const ResourceInfo& r) {
  const http::Request& req = c.req;
  std::string error;
  auto labels = LabelSelector::parse(req.param("labelSelector"), &error);
  if (!labels) throw errors::bad_request(error);
  std::string name_filter = c.info.name;  // /watch/.../name
  std::string fs = req.param("fieldSelector");
  if (!name_filter.empty()) fs = fs.empty() ? "metadata.name=" + name_filter : fs + ",metadata.name=" + name_filter;
  auto fields = FieldSelector::parse(fs, r.field_labels, &error);
  if (!fields) throw errors::bad_request(error);
  Filter filter{r.namespaced ? c.info.ns : "", *labels, *fields};

  std::string rv_param = req.param("resourceVersion");
  int64_t from = 0;
  if (!rv_param.empty() && rv_param != "0") {
    for (char ch : rv_param) {
      if (!std::isdigit(static_cast<unsigned char>(ch))) throw errors::bad_request("invalid resource version: " + rv_param);
    }
    from = std::stoll(rv_param);
  }
  int timeout = req.has_param("timeoutSeconds") ? std::atoi(req.param("timeoutSeconds").c_str()) : kDefaultWatchTimeoutSeconds;
  bool bookmarks = req.param("allowWatchBookmarks") == "true";

  std::vector<EventPtr> initial;
  int64_t floor = 0;
  WatcherPtr watcher = store_.watch(r.storage, from, &initial, &floor);
  http::Headers headers = {{"Cache-Control", "no-cache, private"}, {"Content-Type", "application/json"}};
  if (!c.w.begin_stream(200, headers)) {
    if (watcher) store_.unwatch(watcher);
    return;
  }
  if (!watcher) {
    ApiError e = errors::expired("too old resource version: " + std::to_string(from) + " (" + std::to_string(floor) + ")");
    json ev = {{"type", "ERROR"}, {"object", e.to_status()}};
    c.w.write_chunk(ev.dump() + "\n");
    c.w.end_stream();
    return;
  }

  auto encode_event = [&](const StoreEvent& e, std::string* out) {
    const json& now = *e.object;
    bool now_match = filter.match(now);
    std::string type = e.type;
    json shown;
    if (e.type == "MODIFIED") {
      bool before_match = e.previous && filter.match(*e.previous);
      if (now_match && !before_match) type = "ADDED";
      if (!now_match && before_match) {
        type = "DELETED";
        json last = *e.previous;
        last["metadata"]["resourceVersion"] = now["metadata"]["resourceVersion"];
        shown = objects_.present(r, last);
      }
      if (!now_match && !before_match) return false;
    } else if (!now_match) {
      return false;
    }
    if (shown.is_null()) shown = objects_.present(r, now);
    *out += json{{"type", type}, {"object", shown}}.dump() + "\n";
    return true;
  };
  auto bookmark = [&] {
    json md = {{"resourceVersion", std::to_string(store_.current_rv())}};
    json obj = {{"kind", r.kind}, {"apiVersion", r.api_version()}, {"metadata", md}};
    if (r.builtin) obj["metadata"]["creationTimestamp"] = nullptr;
    return json{{"type", "BOOKMARK"}, {"object", obj}}.dump() + "\n";
  };

  bool alive = true;
  std::string pending;
  for (const auto& e : initial) {
    encode_event(*e, &pending);
    while (pending.size() >= kInitialChunkBytes && alive) {
      alive = c.w.write_chunk(std::string_view(pending).substr(0, kInitialChunkBytes));
      pending.erase(0, kInitialChunkBytes);
    }
  }
  if (alive && !pending.empty()) alive = c.w.write_chunk(pending);

  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  auto deadline = start + std::chrono::seconds(timeout);
  auto next_bookmark = start + options_.bookmark_interval;
  bool final_bookmark_due = bookmarks && timeout >= 2;
  auto final_bookmark_at = deadline - kFinalBookmarkLead;
  while (alive) {
    auto now = clock::now();
    if (now >= deadline) break;
    auto until = std::min({deadline, now + kPeerCheckInterval});
    if (bookmarks) until = std::min(until, next_bookmark);
    if (final_bookmark_due) until = std::min(until, final_bookmark_at);
    std::vector<EventPtr> batch;
    bool open = watcher->wait(batch, until);
    for (const auto& e : batch) {
      std::string line;
      if (encode_event(*e, &line)) alive = alive && c.w.write_chunk(line);
    }
    if (!open) break;
    now = clock::now();
    if (bookmarks && now >= next_bookmark) {
      alive = alive && c.w.write_chunk(bookmark());
      next_bookmark = now + options_.bookmark_interval;
    }
    if (final_bookmark_due && now >= final_bookmark_at) {
      alive = alive && c.w.write_chunk(bookmark());
      final_bookmark_due = false;
    }
    if (batch.empty() && c.w.peer_closed()) alive = false;
  }
  store_.unwatch(watcher);
  if (alive) c.w.end_stream();
}

}  // namespace kubesim::api
