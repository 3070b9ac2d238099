#include "sim/core/store.h"

#include <algorithm>

namespace kubesim {
namespace {

std::string key_of(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

std::vector<std::string> owner_uids(const ObjectPtr& obj) {
  std::vector<std::string> out;
  if (!obj) return out;
  auto md = obj->find("metadata");
  if (md == obj->end()) return out;
  auto refs = md->find("ownerReferences");
  if (refs == md->end() || !refs->is_array()) return out;
  for (const auto& r : *refs) {
    if (r.contains("uid") && r["uid"].is_string()) out.push_back(r["uid"]);
  }
  return out;
}

std::string uid_of(const ObjectPtr& obj) {
  if (!obj) return "";
  const json& md = (*obj)["metadata"];
  auto it = md.find("uid");
  return it != md.end() && it->is_string() ? it->get<std::string>() : "";
}

bool equal_ignoring_rv(const json& a, const json& b) {
  json x = a, y = b;
  x["metadata"].erase("resourceVersion");
  y["metadata"].erase("resourceVersion");
  return x == y;
}

}  // namespace

void Watcher::push(EventPtr e) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  if (queue_.size() >= kMaxWatcherBacklog) {
    closed_ = true;
    queue_.clear();
  } else {
    queue_.push_back(std::move(e));
  }
  cv_.notify_one();
}

bool Watcher::wait(std::vector<EventPtr>& out, std::chrono::steady_clock::time_point until) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, until, [this] { return closed_ || !queue_.empty(); });
  while (!queue_.empty()) {
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return !closed_ || !out.empty();
}

void Watcher::close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

bool Watcher::closed() {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

Store::Store(size_t history_capacity) : capacity_(history_capacity) {}

int64_t Store::current_rv() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rv_;
}

size_t Store::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

ObjectPtr Store::get(const std::string& storage, const std::string& ns,
                     const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto s = objects_.find(storage);
  if (s == objects_.end()) return nullptr;
  auto n = s->second.find(ns);
  if (n == s->second.end()) return nullptr;
  auto o = n->second.find(name);
  return o == n->second.end() ? nullptr : o->second;
}

std::vector<ObjectPtr> Store::list(const std::string& storage, const std::string& ns,
                                   const std::string& start_after) const {
  std::vector<ObjectPtr> out;
  std::lock_guard<std::mutex> lock(mu_);
  auto s = objects_.find(storage);
  if (s == objects_.end()) return out;
  auto add_names = [&](const std::string& namespace_name, const NameMap& names) {
    for (const auto& [name, obj] : names) {
      if (!start_after.empty() && key_of(ns.empty() ? namespace_name : "", name) <= start_after) continue;
      out.push_back(obj);
    }
  };
  if (!ns.empty()) {
    auto n = s->second.find(ns);
    if (n != s->second.end()) add_names(ns, n->second);
  } else {
    for (const auto& [namespace_name, names] : s->second) add_names(namespace_name, names);
  }
  return out;
}

std::optional<ObjectRef> Store::find_uid(const std::string& uid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_uid_.find(uid);
  if (it == by_uid_.end()) return std::nullopt;
  return it->second;
}

std::vector<ObjectRef> Store::dependents(const std::string& owner_uid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_owner_.find(owner_uid);
  if (it == by_owner_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<ObjectRef> Store::objects_in_namespace(const std::string& ns) const {
  std::vector<ObjectRef> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [storage, by_ns] : objects_) {
    auto n = by_ns.find(ns);
    if (n == by_ns.end()) continue;
    for (const auto& [name, obj] : n->second) out.push_back({storage, ns, name});
  }
  return out;
}

void Store::index_put(const ObjectRef& ref, const ObjectPtr& obj, const ObjectPtr& old) {
  if (old) index_remove(ref, old);
  std::string uid = uid_of(obj);
  if (!uid.empty()) by_uid_[uid] = ref;
  for (const auto& o : owner_uids(obj)) by_owner_[o].insert(ref);
}

void Store::index_remove(const ObjectRef& ref, const ObjectPtr& old) {
  std::string uid = uid_of(old);
  if (!uid.empty()) by_uid_.erase(uid);
  for (const auto& o : owner_uids(old)) {
    auto it = by_owner_.find(o);
    if (it == by_owner_.end()) continue;
    it->second.erase(ref);
    if (it->second.empty()) by_owner_.erase(it);
  }
}

void Store::publish(EventPtr e) {
  history_.push_back(e);
  while (history_.size() > capacity_) {
    floor_ = history_.front()->rv;
    history_.pop_front();
  }
  for (const auto& key : {e->ref.storage, std::string()}) {
    auto it = watchers_.find(key);
    if (it == watchers_.end()) continue;
    for (const auto& w : it->second) w->push(e);
  }
}

ObjectPtr Store::mutate(const ObjectRef& ref, const Decide& decide) {
  std::lock_guard<std::mutex> lock(mu_);
  NameMap& names = objects_[ref.storage][ref.ns];
  auto it = names.find(ref.name);
  ObjectPtr current = it == names.end() ? nullptr : it->second;
  Mutation m = decide(current);  // may throw; nothing has changed yet
  if (m.action == Mutation::Action::kNone) return current;
  auto event = std::make_shared<StoreEvent>();
  event->ref = ref;
  event->previous = current;
  if (m.action == Mutation::Action::kPut) {
    if (current && equal_ignoring_rv(*current, m.object)) return current;
    m.object["metadata"]["resourceVersion"] = std::to_string(++rv_);
    auto obj = std::make_shared<const json>(std::move(m.object));
    index_put(ref, obj, current);
    if (!current) ++count_;
    names[ref.name] = obj;
    event->type = current ? "MODIFIED" : "ADDED";
    event->object = obj;
  } else {
    if (!current) return nullptr;
    json last = m.object.is_null() ? *current : m.object;
    last["metadata"]["resourceVersion"] = std::to_string(++rv_);
    index_remove(ref, current);
    names.erase(ref.name);
    --count_;
    event->type = "DELETED";
    event->object = std::make_shared<const json>(std::move(last));
  }
  event->rv = rv_;
  ObjectPtr result = event->object;
  publish(std::move(event));
  return result;
}

WatcherPtr Store::watch(const std::string& storage, int64_t from_rv,
                        std::vector<EventPtr>* initial, int64_t* too_old_floor) {
  std::lock_guard<std::mutex> lock(mu_);
  if (from_rv > 0 && from_rv < floor_) {
    *too_old_floor = floor_;
    return nullptr;
  }
  if (from_rv > 0) {
    auto first = std::lower_bound(history_.begin(), history_.end(), from_rv + 1,
                                  [](const EventPtr& e, int64_t rv) { return e->rv < rv; });
    for (auto it = first; it != history_.end(); ++it) {
      if (storage.empty() || (*it)->ref.storage == storage) initial->push_back(*it);
    }
  } else {
    auto s = objects_.find(storage);
    if (s != objects_.end()) {
      for (const auto& [ns, names] : s->second) {
        for (const auto& [name, obj] : names) {
          auto e = std::make_shared<StoreEvent>();
          e->type = "ADDED";
          e->ref = {storage, ns, name};
          e->object = obj;
          e->rv = std::stoll((*obj)["metadata"].value("resourceVersion", "0"));
          initial->push_back(std::move(e));
        }
      }
    }
  }
  auto w = std::make_shared<Watcher>(storage);
  watchers_[storage].push_back(w);
  return w;
}

void Store::unwatch(const WatcherPtr& w) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& v = watchers_[w->storage()];
  v.erase(std::remove(v.begin(), v.end(), w), v.end());
}

void Store::close_all_watchers() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [storage, ws] : watchers_) {
    if (storage.empty()) continue;  // internal controllers keep their subscription
    for (auto& w : ws) w->close();
  }
}

size_t Store::watcher_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [storage, ws] : watchers_) {
    if (!storage.empty()) n += ws.size();
  }
  return n;
}

int64_t Store::history_floor() const {
  std::lock_guard<std::mutex> lock(mu_);
  return floor_;
}

void Store::compact() {
  std::lock_guard<std::mutex> lock(mu_);
  history_.clear();
  floor_ = rv_;
  compacted_ = rv_;
}

int64_t Store::compacted_rv() const {
  std::lock_guard<std::mutex> lock(mu_);
  return compacted_;
}

void Store::set_history_capacity(size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  capacity_ = std::max<size_t>(n, 1);
  while (history_.size() > capacity_) {
    floor_ = history_.front()->rv;
    history_.pop_front();
  }
}

json Store::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  json objects = json::array();
  for (const auto& [storage, by_ns] : objects_) {
    for (const auto& [ns, names] : by_ns) {
      for (const auto& [name, obj] : names) {
        objects.push_back({{"storage", storage}, {"namespace", ns}, {"name", name}, {"object", *obj}});
      }
    }
  }
  return {{"resourceVersion", rv_}, {"objects", objects}};
}

void Store::restore(const json& snapshot) {
  std::lock_guard<std::mutex> lock(mu_);
  objects_.clear();
  by_uid_.clear();
  by_owner_.clear();
  history_.clear();
  count_ = 0;
  rv_ = snapshot.value("resourceVersion", int64_t{1});
  floor_ = rv_;
  for (const auto& o : snapshot.value("objects", json::array())) {
    ObjectRef ref{o["storage"], o["namespace"], o["name"]};
    auto obj = std::make_shared<const json>(o["object"]);
    objects_[ref.storage][ref.ns][ref.name] = obj;
    index_put(ref, obj, nullptr);
    ++count_;
  }
}

}  // namespace kubesim
