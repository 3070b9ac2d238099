#include "operator/runtime/cache/indexer.h"

namespace ferry::cache {
namespace {

std::string StringAt(const Object& obj, const char* a, const char* b) {
  auto it = obj.find(a);
  if (it == obj.end() || !it->is_object()) return "";
  auto jt = it->find(b);
  return jt != it->end() && jt->is_string() ? jt->get<std::string>() : "";
}

}  // namespace

std::string MetaNamespaceKey(const Object& obj) {
  std::string name = StringAt(obj, "metadata", "name");
  if (name.empty()) return "";
  std::string ns = StringAt(obj, "metadata", "namespace");
  return ns.empty() ? name : ns + "/" + name;
}

std::pair<std::string, std::string> SplitMetaNamespaceKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

std::vector<std::string> MetaNamespaceIndexFunc(const Object& obj) {
  return {StringAt(obj, "metadata", "namespace")};
}

std::vector<std::string> OwnerUidIndexFunc(const Object& obj) {
  std::vector<std::string> uids;
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return uids;
  auto refs = meta->find("ownerReferences");
  if (refs == meta->end() || !refs->is_array()) return uids;
  for (const auto& ref : *refs) {
    if (ref.is_object() && ref.contains("uid") && ref["uid"].is_string()) {
      uids.push_back(ref["uid"].get<std::string>());
    }
  }
  return uids;
}

Indexer::Indexer(Indexers extra) : indexers_(std::move(extra)) {
  indexers_.emplace(kNamespaceIndex, MetaNamespaceIndexFunc);
}

void Indexer::IndexLocked(const std::string& key, const Object& obj) {
  for (const auto& [name, fn] : indexers_) {
    for (const auto& value : fn(obj)) indices_[name][value].insert(key);
  }
}

void Indexer::UnindexLocked(const std::string& key, const Object& obj) {
  for (const auto& [name, fn] : indexers_) {
    auto& index = indices_[name];
    for (const auto& value : fn(obj)) {
      auto it = index.find(value);
      if (it == index.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) index.erase(it);
    }
  }
}

PackedObject Pack(const Object& obj) {
  PackedObject p{MetaNamespaceKey(obj), {}};
  Object::to_msgpack(obj, p.bytes);
  p.bytes.shrink_to_fit();
  return p;
}

ObjectPtr Unpack(const std::string& bytes) {
  return std::make_shared<const Object>(Object::from_msgpack(bytes));
}

void Indexer::Upsert(ObjectPtr obj) {
  PackedObject p = Pack(*obj);
  const std::string& key = p.key;
  if (key.empty()) return;
  std::string packed = std::move(p.bytes);
  std::lock_guard g(mu_);
  auto it = items_.find(key);
  if (it != items_.end()) {
    UnindexLocked(key, *Unpack(it->second));
    it->second = std::move(packed);
  } else {
    items_.emplace(key, std::move(packed));
  }
  IndexLocked(key, *obj);
}

ObjectPtr Indexer::Delete(const std::string& key) {
  std::lock_guard g(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr old = Unpack(it->second);
  items_.erase(it);
  UnindexLocked(key, *old);
  return old;
}

void Indexer::Replace(const std::vector<PackedObject>& objects) {
  std::lock_guard g(mu_);
  items_.clear();
  indices_.clear();
  for (const auto& p : objects) {
    if (p.key.empty()) continue;
    IndexLocked(p.key, *Unpack(p.bytes));  // one object decoded at a time
    items_[p.key] = p.bytes;
  }
}

std::unordered_map<std::string, std::string> Indexer::Snapshot() const {
  std::lock_guard g(mu_);
  return items_;
}

ObjectPtr Indexer::Get(const std::string& key) const {
  std::lock_guard g(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : Unpack(it->second);
}

std::vector<ObjectPtr> Indexer::List() const {
  std::lock_guard g(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, packed] : items_) out.push_back(Unpack(packed));
  return out;
}

std::vector<std::string> Indexer::ListKeys() const {
  std::lock_guard g(mu_);
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_) out.push_back(key);
  return out;
}

size_t Indexer::Size() const {
  std::lock_guard g(mu_);
  return items_.size();
}

Result<std::vector<ObjectPtr>> Indexer::ByIndex(const std::string& index_name,
                                                const std::string& value) const {
  std::lock_guard g(mu_);
  if (indexers_.count(index_name) == 0) {
    return Error{"no index named \"" + index_name + "\"; add it with AddIndexers first"};
  }
  std::vector<ObjectPtr> out;
  auto index = indices_.find(index_name);
  if (index == indices_.end()) return out;
  auto keys = index->second.find(value);
  if (keys == index->second.end()) return out;
  for (const auto& key : keys->second) out.push_back(Unpack(items_.at(key)));
  return out;
}

Status Indexer::AddIndexers(const Indexers& indexers) {
  std::lock_guard g(mu_);
  for (const auto& [name, fn] : indexers) {
    if (indexers_.count(name) > 0) return Error{"index \"" + name + "\" already exists"};
  }
  for (const auto& [name, fn] : indexers) {
    indexers_.emplace(name, fn);
    auto& index = indices_[name];
    for (const auto& [key, packed] : items_) {
      for (const auto& value : fn(*Unpack(packed))) index[value].insert(key);
    }
  }
  return {};
}

}  // namespace ferry::cache
