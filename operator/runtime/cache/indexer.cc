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

void Indexer::Upsert(ObjectPtr obj) {
  std::string key = MetaNamespaceKey(*obj);
  if (key.empty()) return;
  std::lock_guard g(mu_);
  auto it = items_.find(key);
  if (it != items_.end()) {
    UnindexLocked(key, *it->second);
    it->second = obj;
  } else {
    items_.emplace(key, obj);
  }
  IndexLocked(key, *obj);
}

ObjectPtr Indexer::Delete(const std::string& key) {
  std::lock_guard g(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr old = std::move(it->second);
  items_.erase(it);
  UnindexLocked(key, *old);
  return old;
}

void Indexer::Replace(std::vector<ObjectPtr> objects) {
  std::lock_guard g(mu_);
  items_.clear();
  indices_.clear();
  for (auto& obj : objects) {
    std::string key = MetaNamespaceKey(*obj);
    if (key.empty()) continue;
    IndexLocked(key, *obj);
    items_[key] = std::move(obj);
  }
}

ObjectPtr Indexer::Get(const std::string& key) const {
  std::lock_guard g(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Indexer::List() const {
  std::lock_guard g(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_) out.push_back(obj);
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
  for (const auto& key : keys->second) out.push_back(items_.at(key));
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
    for (const auto& [key, obj] : items_) {
      for (const auto& value : fn(*obj)) index[value].insert(key);
    }
  }
  return {};
}

}  // namespace ferry::cache
