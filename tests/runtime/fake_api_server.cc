#include "tests/runtime/fake_api_server.h"

namespace ferry::testing {

using cache::ApiError;
using cache::EventType;
using cache::WatchEvent;

struct FakeApiServer::Stream {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<WatchEvent> events;
  bool dropped = false;
  bool closed = false;
  bool cancelled = false;
  std::string selector;

  void Push(WatchEvent e) {
    std::lock_guard g(mu);
    events.push_back(std::move(e));
    cv.notify_all();
  }
};

namespace {

class FakeWatcher : public cache::Watcher {
 public:
  explicit FakeWatcher(std::shared_ptr<FakeApiServer::Stream> s) : s_(std::move(s)) {}
  cache::ApiResult<std::optional<WatchEvent>> Next() override {
    std::unique_lock lock(s_->mu);
    s_->cv.wait(lock, [&] {
      return s_->cancelled || s_->dropped || s_->closed || !s_->events.empty();
    });
    if (s_->cancelled) return ApiError{0, "", "watch cancelled"};
    if (!s_->events.empty()) {
      WatchEvent e = std::move(s_->events.front());
      s_->events.pop_front();
      return std::optional<WatchEvent>(std::move(e));
    }
    if (s_->dropped) return ApiError{0, "", "connection reset by peer"};
    return std::optional<WatchEvent>();
  }
  void Cancel() override {
    std::lock_guard g(s_->mu);
    s_->cancelled = true;
    s_->cv.notify_all();
  }

 private:
  std::shared_ptr<FakeApiServer::Stream> s_;
};

nlohmann::json Status410() {
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
          {"message", "too old resource version"}, {"reason", "Expired"}, {"code", 410}};
}

bool Matches(const nlohmann::json& obj, const std::string& selector) {
  if (selector.empty()) return true;
  auto eq = selector.find('=');
  std::string k = selector.substr(0, eq), v = selector.substr(eq + 1);
  const auto& labels = obj["metadata"].value("labels", nlohmann::json::object());
  return labels.contains(k) && labels[k] == v;
}

}  // namespace

nlohmann::json FakeApiServer::Create(const std::string& ns, const std::string& name,
                                     nlohmann::json labels, nlohmann::json owner_refs) {
  std::lock_guard g(mu_);
  nlohmann::json obj = {
      {"apiVersion", "ferry.dev/v1alpha1"},
      {"kind", "Release"},
      {"metadata",
       {{"name", name}, {"namespace", ns}, {"uid", "uid-" + ns + "-" + name},
        {"resourceVersion", std::to_string(++rv_)}, {"labels", labels},
        {"annotations", {{"kubectl.kubernetes.io/last-applied-configuration", "{\"big\":1}"}}},
        {"managedFields", {{{"manager", "kubectl"}, {"operation", "Update"}}}}}},
      {"spec", {{"value", "v0"}}}};
  if (!owner_refs.is_null()) obj["metadata"]["ownerReferences"] = owner_refs;
  objects_[ns + "/" + name] = obj;
  Publish(EventType::kAdded, obj);
  return obj;
}

nlohmann::json FakeApiServer::Modify(const std::string& ns, const std::string& name,
                                     const std::string& value) {
  std::lock_guard g(mu_);
  auto& obj = objects_.at(ns + "/" + name);
  obj["spec"]["value"] = value;
  obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
  Publish(EventType::kModified, obj);
  return obj;
}

void FakeApiServer::Delete(const std::string& ns, const std::string& name) {
  std::lock_guard g(mu_);
  auto it = objects_.find(ns + "/" + name);
  nlohmann::json obj = it->second;
  objects_.erase(it);
  obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
  Publish(EventType::kDeleted, obj);
}

void FakeApiServer::Publish(EventType type, const nlohmann::json& obj) {
  WatchEvent e{type, obj};
  history_.emplace_back(rv_, e);
  for (const auto& s : streams_) {
    if (Matches(obj, s->selector)) s->Push(e);
  }
}

void FakeApiServer::DropWatches() {
  std::lock_guard g(mu_);
  for (const auto& s : streams_) {
    std::lock_guard sg(s->mu);
    s->dropped = true;
    s->cv.notify_all();
  }
  streams_.clear();
}

void FakeApiServer::CloseWatches() {
  std::lock_guard g(mu_);
  for (const auto& s : streams_) {
    std::lock_guard sg(s->mu);
    s->closed = true;
    s->cv.notify_all();
  }
  streams_.clear();
}

void FakeApiServer::SendBookmark() {
  std::lock_guard g(mu_);
  nlohmann::json obj = {{"kind", "Release"}, {"apiVersion", "ferry.dev/v1alpha1"},
                        {"metadata", {{"resourceVersion", std::to_string(++rv_)}}}};
  for (const auto& s : streams_) s->Push(WatchEvent{EventType::kBookmark, obj});
}

void FakeApiServer::Compact(GoneMode mode) {
  std::lock_guard g(mu_);
  compacted_ = rv_;
  gone_mode_ = mode;
  history_.clear();
}

void FakeApiServer::FailNextLists(std::vector<ApiError> errors) {
  std::lock_guard g(mu_);
  list_errors_.insert(list_errors_.end(), errors.begin(), errors.end());
}

void FakeApiServer::FailNextWatches(std::vector<ApiError> errors) {
  std::lock_guard g(mu_);
  watch_errors_.insert(watch_errors_.end(), errors.begin(), errors.end());
}

int FakeApiServer::open_watches() const {
  std::lock_guard g(mu_);
  int n = 0;
  for (const auto& s : streams_) {
    std::lock_guard sg(s->mu);
    if (!s->cancelled) ++n;
  }
  return n;
}

std::map<std::string, std::string> FakeApiServer::Truth() const {
  std::lock_guard g(mu_);
  std::map<std::string, std::string> out;
  for (const auto& [k, o] : objects_) out[k] = o["metadata"]["resourceVersion"];
  return out;
}

cache::ApiResult<nlohmann::json> FakeApiServer::List(const cache::ListOptions& options) {
  std::lock_guard g(mu_);
  ++lists_;
  if (!list_errors_.empty()) {
    ApiError e = list_errors_.front();
    list_errors_.pop_front();
    return e;
  }
  size_t offset = 0;
  if (!options.continue_token.empty()) {
    if (expire_continue_) {
      expire_continue_ = false;
      return ApiError{410, "Expired", "The provided continue parameter is too old"};
    }
    offset = std::stoul(options.continue_token);
  }
  nlohmann::json items = nlohmann::json::array();
  size_t index = 0;
  std::string next;
  for (const auto& [key, obj] : objects_) {
    if (!Matches(obj, options.label_selector)) continue;
    if (index++ < offset) continue;
    if (options.limit > 0 && static_cast<int64_t>(items.size()) == options.limit) {
      next = std::to_string(index - 1);
      break;
    }
    nlohmann::json item = obj;
    item.erase("kind");  // list items carry no kind/apiVersion, as on a real server
    item.erase("apiVersion");
    items.push_back(item);
  }
  return nlohmann::json{{"kind", "ReleaseList"}, {"apiVersion", "ferry.dev/v1alpha1"},
                        {"metadata", {{"resourceVersion", std::to_string(rv_)}, {"continue", next}}},
                        {"items", items}};
}

cache::ApiResult<std::unique_ptr<cache::Watcher>> FakeApiServer::Watch(
    const cache::WatchOptions& options) {
  std::lock_guard g(mu_);
  ++watches_;
  last_watch_rv_ = options.resource_version;
  last_watch_timeout_ = options.timeout_seconds;
  last_selector_ = options.label_selector;
  if (!watch_errors_.empty()) {
    ApiError e = watch_errors_.front();
    watch_errors_.pop_front();
    return e;
  }
  auto stream = std::make_shared<Stream>();
  stream->selector = options.label_selector;
  int64_t from = options.resource_version.empty() ? 0 : std::stoll(options.resource_version);
  if (from < compacted_) {
    if (gone_mode_ == GoneMode::kHttpStatus) return ApiError{410, "Expired", "too old"};
    stream->Push(WatchEvent{EventType::kError, Status410()});
    stream->closed = true;
    return std::unique_ptr<cache::Watcher>(std::make_unique<FakeWatcher>(stream));
  }
  for (const auto& [rv, e] : history_) {
    if (rv > from && Matches(e.object, options.label_selector)) stream->Push(e);
  }
  streams_.insert(stream);
  return std::unique_ptr<cache::Watcher>(std::make_unique<FakeWatcher>(stream));
}

}  // namespace ferry::testing
