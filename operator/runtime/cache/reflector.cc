#include "operator/runtime/cache/reflector.h"

#include "operator/base/json.h"

namespace ferry::cache {
namespace {

std::string ResourceVersionOf(const nlohmann::json& obj) {
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return "";
  auto rv = meta->find("resourceVersion");
  return rv != meta->end() && rv->is_string() ? rv->get<std::string>() : "";
}

// Items of a List carry no kind/apiVersion; give them the list's, so cached objects look the
// same whether they came from a list or a watch.
void StampKind(nlohmann::json& item, const nlohmann::json& list) {
  if (!item.contains("apiVersion") && list.contains("apiVersion")) {
    item["apiVersion"] = list["apiVersion"];
  }
  if (!item.contains("kind") && list.contains("kind") && list["kind"].is_string()) {
    std::string kind = list["kind"].get<std::string>();
    if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0) {
      item["kind"] = kind.substr(0, kind.size() - 4);
    }
  }
}

ApiError ErrorFromStatus(const nlohmann::json& status) {
  ApiError e;
  e.code = static_cast<int>(IntField(status, "code"));
  e.reason = StringField(status, "reason");
  e.message = StringField(status, "message");
  if (e.message.empty()) e.message = "watch ERROR event: " + status.dump();
  return e;
}

}  // namespace

Reflector::Reflector(std::string name, ListerWatcher& lw, ReflectorStore& store, Clock& clock,
                     ReflectorOptions options)
    : name_(std::move(name)),
      lw_(lw),
      store_(store),
      clock_(clock),
      options_(std::move(options)),
      backoff_(clock, options_.backoff, options_.random),
      log_(log::Logger("reflector").WithValues({{"resource", name_}})) {}

void Reflector::Run() {
  bool need_list = true;
  bool fresh_list = false;  // no event seen since the last list
  while (true) {
    {
      std::lock_guard g(mu_);
      if (stopped_) return;
    }
    if (need_list) {
      auto rv = ListAndReplace();
      if (!rv) {
        log_.Warn("list failed; backing off",
                  {{"code", rv.error().code}, {"error", rv.error().message}});
        if (!BackoffWait()) return;
        continue;
      }
      need_list = false;
      fresh_list = true;
    }
    int events = 0;
    WatchOutcome outcome = WatchOnce(events);
    if (events > 0) fresh_list = false;
    switch (outcome) {
      case WatchOutcome::kStopped:
        return;
      case WatchOutcome::kContinue:
      case WatchOutcome::kEnded:
        break;
      case WatchOutcome::kGone:
        need_list = true;
        // 410 for the version a list just returned: do not spin on list + watch.
        if (fresh_list && !BackoffWait()) return;
        break;
      case WatchOutcome::kFailed:
        if (!BackoffWait()) return;
        break;
    }
  }
}

void Reflector::Stop() {
  std::lock_guard g(mu_);
  stopped_ = true;
  if (watcher_ != nullptr) watcher_->Cancel();
  cv_.notify_all();
}

std::string Reflector::LastSyncResourceVersion() const {
  std::lock_guard g(mu_);
  return last_rv_;
}

void Reflector::SetLastResourceVersion(const std::string& rv) {
  if (rv.empty()) return;
  std::lock_guard g(mu_);
  last_rv_ = rv;
}

bool Reflector::BackoffWait() {
  auto delay = backoff_.Next();
  std::unique_lock lock(mu_);
  clock_.WaitUntil(cv_, lock, clock_.Now() + delay, [&] { return stopped_; });
  return !stopped_;
}

ApiResult<std::string> Reflector::ListAllPages(int64_t page_size, std::vector<PackedObject>& out) {
  out.clear();
  ListOptions opts{options_.label_selector, options_.field_selector, "", page_size, ""};
  std::string rv;
  while (true) {
    auto page = lw_.List(opts);
    if (!page) return page.error();
    nlohmann::json& list = page.value();
    if (list.contains("items") && list["items"].is_array()) {
      for (auto& item : list["items"]) {
        StampKind(item, list);
        if (options_.transform) options_.transform(item);
        out.push_back(Pack(item));
      }
    }
    if (opts.continue_token.empty()) rv = ResourceVersionOf(list);  // the snapshot's, page 1
    const nlohmann::json& meta = list.contains("metadata") ? list["metadata"] : nlohmann::json();
    opts.continue_token = meta.is_object() ? meta.value("continue", "") : "";
    if (opts.continue_token.empty()) return rv;
  }
}

ApiResult<std::string> Reflector::ListAndReplace() {
  std::vector<PackedObject> objects;
  auto rv = ListAllPages(options_.page_size, objects);
  if (!rv && rv.error().IsGone() && options_.page_size > 0) {
    // The continue token expired between pages: take one unpaged consistent snapshot.
    log_.Info("continue token expired; listing without paging");
    rv = ListAllPages(0, objects);
  }
  if (!rv) return rv.error();
  log_.Debug("listed", {{"objects", static_cast<unsigned long>(objects.size())},
                        {"resourceVersion", rv.value()}});
  store_.Replace(std::move(objects), rv.value());
  SetLastResourceVersion(rv.value());
  return rv.value();
}

ObjectPtr Reflector::Prepare(nlohmann::json object) {
  if (options_.transform) options_.transform(object);
  return std::make_shared<const nlohmann::json>(std::move(object));
}

Reflector::WatchOutcome Reflector::WatchOnce(int& events) {
  WatchOptions opts{options_.label_selector, options_.field_selector, LastSyncResourceVersion(),
                    WatchTimeoutSeconds(options_.random()), true};
  auto opened = lw_.Watch(opts);
  if (!opened) {
    log_.Warn("watch failed", {{"code", opened.error().code}, {"error", opened.error().message}});
    return opened.error().IsGone() ? WatchOutcome::kGone : WatchOutcome::kFailed;
  }
  std::unique_ptr<Watcher> watcher = std::move(opened.value());
  {
    std::lock_guard g(mu_);
    if (stopped_) {  // Stop() ran while the watch was opening: it could not cancel this one
      watcher->Cancel();
      return WatchOutcome::kStopped;
    }
    watcher_ = watcher.get();
  }
  auto start = clock_.Now();
  WatchOutcome outcome = WatchOutcome::kEnded;
  while (true) {
    auto next = watcher->Next();
    if (!next) {
      log_.Info("watch broken; resuming", {{"error", next.error().message},
                                          {"resourceVersion", LastSyncResourceVersion()}});
      outcome = WatchOutcome::kFailed;
      break;
    }
    if (!next.value()) {  // closed by the server
      bool too_short = events == 0 && clock_.Now() - start < kMinHealthyWatch;
      outcome = too_short ? WatchOutcome::kFailed : WatchOutcome::kEnded;
      break;
    }
    if (next.value()->type != EventType::kError) ++events;
    outcome = HandleEvent(*next.value());
    if (outcome != WatchOutcome::kContinue) break;
  }
  std::lock_guard g(mu_);
  watcher_ = nullptr;
  return stopped_ ? WatchOutcome::kStopped : outcome;
}

Reflector::WatchOutcome Reflector::HandleEvent(WatchEvent& event) {
  switch (event.type) {
    case EventType::kError: {
      ApiError e = ErrorFromStatus(event.object);
      log_.Info("watch ERROR event", {{"code", e.code}, {"reason", e.reason},
                                      {"error", e.message}});
      return e.IsGone() ? WatchOutcome::kGone : WatchOutcome::kFailed;
    }
    case EventType::kBookmark:
      SetLastResourceVersion(ResourceVersionOf(event.object));
      return WatchOutcome::kContinue;
    case EventType::kAdded:
    case EventType::kModified:
    case EventType::kDeleted: {
      std::string rv = ResourceVersionOf(event.object);
      store_.Apply(event.type, Prepare(std::move(event.object)));
      SetLastResourceVersion(rv);
      return WatchOutcome::kContinue;
    }
  }
  return WatchOutcome::kContinue;
}

}  // namespace ferry::cache
