#include "operator/runtime/cache/shared_informer.h"

namespace ferry::cache {
namespace {

std::string ResourceVersion(const ObjectPtr& obj) {
  const auto& meta = obj->find("metadata");
  if (meta == obj->end() || !meta->is_object()) return "";
  return meta->value("resourceVersion", "");
}

}  // namespace

SharedInformer::SharedInformer(std::string name, ListerWatcher& lw, Clock& clock,
                               InformerOptions options)
    : name_(std::move(name)),
      clock_(clock),
      options_(std::move(options)),
      indexer_(options_.indexers),
      reflector_(name_, lw, *this, clock, options_.reflector) {}

SharedInformer::~SharedInformer() { Stop(); }

void SharedInformer::AddEventHandler(EventHandler handler) {
  std::lock_guard g(dispatch_mu_);
  if (handler.on_add) {  // one object decoded at a time
    for (const auto& key : indexer_.ListKeys()) {
      if (auto obj = indexer_.Get(key)) handler.on_add(obj);
    }
  }
  handlers_.push_back(std::move(handler));
}

void SharedInformer::Start() {
  std::lock_guard g(mu_);
  if (started_ || stopped_) return;
  started_ = true;
  reflector_thread_ = std::thread([this] { reflector_.Run(); });
  if (options_.resync_period > Clock::Duration::zero()) {
    resync_thread_ = std::thread([this] { ResyncLoop(); });
  }
}

void SharedInformer::Stop() {
  {
    std::lock_guard g(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  reflector_.Stop();
  if (reflector_thread_.joinable()) reflector_thread_.join();
  if (resync_thread_.joinable()) resync_thread_.join();
}

bool SharedInformer::HasSynced() const {
  std::lock_guard g(mu_);
  return synced_;
}

bool SharedInformer::WaitForCacheSync(Clock::TimePoint deadline) {
  std::unique_lock lock(mu_);
  return clock_.WaitUntil(cv_, lock, deadline, [&] { return synced_ || stopped_; }) && synced_;
}

void SharedInformer::Replace(std::vector<PackedObject> objects, const std::string&) {
  std::lock_guard g(dispatch_mu_);
  std::unordered_map<std::string, std::string> old = indexer_.Snapshot();
  indexer_.Replace(objects);
  // Handlers see one decoded object at a time; unchanged bytes are an unchanged object.
  for (const auto& p : objects) {
    if (p.key.empty()) continue;
    auto it = old.find(p.key);
    if (it == old.end()) {
      ObjectPtr obj = Unpack(p.bytes);
      for (auto& h : handlers_) if (h.on_add) h.on_add(obj);
      continue;
    }
    if (it->second != p.bytes) {
      ObjectPtr before = Unpack(it->second), obj = Unpack(p.bytes);
      if (ResourceVersion(before) != ResourceVersion(obj)) {
        for (auto& h : handlers_) if (h.on_update) h.on_update(before, obj);
      }
    }
    old.erase(it);
  }
  // Whatever is left was deleted while we were not watching.
  for (const auto& [key, bytes] : old) {
    ObjectPtr obj = Unpack(bytes);
    for (auto& h : handlers_) if (h.on_delete) h.on_delete(obj);
  }
  std::lock_guard s(mu_);
  synced_ = true;
  cv_.notify_all();
}

void SharedInformer::Apply(EventType type, ObjectPtr object) {
  std::lock_guard g(dispatch_mu_);
  std::string key = MetaNamespaceKey(*object);
  if (key.empty()) return;
  if (type == EventType::kDeleted) {
    indexer_.Delete(key);
    for (auto& h : handlers_) if (h.on_delete) h.on_delete(object);
    return;
  }
  ObjectPtr old = indexer_.Get(key);
  indexer_.Upsert(object);
  for (auto& h : handlers_) {
    if (old && h.on_update) h.on_update(old, object);
    if (!old && h.on_add) h.on_add(object);
  }
}

void SharedInformer::ResyncLoop() {
  std::unique_lock lock(mu_);
  while (!stopped_) {
    auto deadline = clock_.Now() + options_.resync_period;
    clock_.WaitUntil(cv_, lock, deadline, [&] { return stopped_; });
    if (stopped_) return;
    if (!synced_) continue;
    lock.unlock();
    Resync();
    lock.lock();
  }
}

void SharedInformer::Resync() {
  std::lock_guard g(dispatch_mu_);
  for (const auto& key : indexer_.ListKeys()) {
    ObjectPtr obj = indexer_.Get(key);
    if (!obj) continue;
    for (auto& h : handlers_) if (h.on_update) h.on_update(obj, obj);
  }
}

}  // namespace ferry::cache
