#include "operator/runtime/cache/kube_lister_watcher.h"

namespace ferry::cache {
namespace {

EventType ToEventType(kube::WatchEvent::Type t) {
  switch (t) {
    case kube::WatchEvent::Type::kAdded: return EventType::kAdded;
    case kube::WatchEvent::Type::kModified: return EventType::kModified;
    case kube::WatchEvent::Type::kDeleted: return EventType::kDeleted;
    case kube::WatchEvent::Type::kBookmark: return EventType::kBookmark;
    case kube::WatchEvent::Type::kError: return EventType::kError;
  }
  return EventType::kError;
}

class KubeWatcher final : public Watcher {
 public:
  explicit KubeWatcher(std::unique_ptr<kube::WatchStream> stream) : stream_(std::move(stream)) {}
  ApiResult<std::optional<WatchEvent>> Next() override {
    auto next = stream_->Next();
    if (!next) return ToApiError(next.error());
    if (!next.value()) return std::optional<WatchEvent>();
    kube::WatchEvent& e = *next.value();
    return std::optional<WatchEvent>(WatchEvent{ToEventType(e.type), std::move(e.object)});
  }
  void Cancel() override { stream_->Cancel(); }

 private:
  std::unique_ptr<kube::WatchStream> stream_;
};

}  // namespace

ApiError ToApiError(const kube::Error& e) { return ApiError{e.code, e.reason, e.ToString()}; }

KubeListerWatcher::KubeListerWatcher(kube::Client& client, kube::ResourceRef ref, std::string ns)
    : client_(client), ref_(std::move(ref)), ns_(std::move(ns)) {}

ApiResult<nlohmann::json> KubeListerWatcher::List(const ListOptions& o) {
  kube::ListOptions opts;
  opts.label_selector = o.label_selector;
  opts.field_selector = o.field_selector;
  opts.limit = o.limit;
  opts.continue_token = o.continue_token;
  opts.resource_version = o.resource_version;
  auto list = client_.List(ref_, ns_, opts);
  if (!list) return ToApiError(list.error());
  return std::move(list.value());
}

ApiResult<std::unique_ptr<Watcher>> KubeListerWatcher::Watch(const WatchOptions& o) {
  kube::WatchOptions opts;
  opts.resource_version = o.resource_version;
  opts.allow_bookmarks = o.allow_bookmarks;
  if (o.timeout_seconds > 0) opts.timeout_seconds = o.timeout_seconds;
  opts.label_selector = o.label_selector;
  opts.field_selector = o.field_selector;
  auto stream = client_.Watch(ref_, ns_, opts);
  if (!stream) return ToApiError(stream.error());
  return std::unique_ptr<Watcher>(std::make_unique<KubeWatcher>(std::move(stream.value())));
}

}  // namespace ferry::cache
