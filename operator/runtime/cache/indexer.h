// Indexer: the informer's thread-safe object store (client-go's cache.Indexer).
//
// Objects are handed out as shared_ptr<const nlohmann::json>: a reader (a reconciler, an event
// handler) owns its snapshot, and nothing it holds is ever mutated. Inside, each object is kept
// packed as MessagePack: a JSON tree costs ~15 bytes of heap per byte of JSON text, which made
// the cache most of the operator's memory (docs/BENCHMARKS.md); reads decode a fresh object
// (tens of microseconds for a Deployment). Keys are "namespace/name" (or "name" for
// cluster-scoped objects).
// Indexes map an index value (e.g. a namespace, an owner UID) to the keys of the objects that
// produce it; every index is maintained on every write, so ByIndex is a lookup, not a scan.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "operator/base/result.h"

namespace ferry::cache {

using Object = nlohmann::json;
using ObjectPtr = std::shared_ptr<const Object>;

// Index values of one object; an object may produce none or several.
using IndexFunc = std::function<std::vector<std::string>(const Object&)>;
using Indexers = std::map<std::string, IndexFunc>;

inline constexpr const char* kNamespaceIndex = "namespace";
inline constexpr const char* kOwnerUidIndex = "owner-uid";

// "namespace/name", or "name" when the object has no namespace (client-go's
// MetaNamespaceKeyFunc). Empty when the object has no metadata.name.
std::string MetaNamespaceKey(const Object& obj);
// Splits a key made by MetaNamespaceKey into {namespace, name}.
std::pair<std::string, std::string> SplitMetaNamespaceKey(const std::string& key);

// Index functions: by metadata.namespace, and by the UIDs of metadata.ownerReferences.
std::vector<std::string> MetaNamespaceIndexFunc(const Object& obj);
std::vector<std::string> OwnerUidIndexFunc(const Object& obj);

// An object as the cache keeps it: its key and its MessagePack bytes.
struct PackedObject {
  std::string key;    // MetaNamespaceKey; empty when the object has no metadata.name
  std::string bytes;
};
PackedObject Pack(const Object& obj);
// Decodes bytes made by Pack. Only the cache makes them: a failure is a broken invariant (throws).
ObjectPtr Unpack(const std::string& bytes);

class Indexer {
 public:
  // Starts with the namespace index; `extra` adds more (e.g. {kOwnerUidIndex, OwnerUidIndexFunc}).
  explicit Indexer(Indexers extra = {});

  // Adds or replaces the object under its key.
  void Upsert(ObjectPtr obj);
  // Removes the object stored under `key`; returns it (null if absent).
  ObjectPtr Delete(const std::string& key);
  // Replaces the whole content (after a list); objects without a key are skipped.
  void Replace(const std::vector<PackedObject>& objects);

  ObjectPtr Get(const std::string& key) const;
  std::vector<ObjectPtr> List() const;
  std::vector<std::string> ListKeys() const;
  // Every key with its packed bytes (the informer diffs a relist against it).
  std::unordered_map<std::string, std::string> Snapshot() const;
  size_t Size() const;
  // Objects whose index `index_name` produced `value`. An unknown index is an error.
  Result<std::vector<ObjectPtr>> ByIndex(const std::string& index_name,
                                         const std::string& value) const;
  // Adds index functions; existing objects are indexed at once. A name already in use is an error.
  Status AddIndexers(const Indexers& indexers);

 private:
  void IndexLocked(const std::string& key, const Object& obj);
  void UnindexLocked(const std::string& key, const Object& obj);

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::string> items_;  // key -> MessagePack
  Indexers indexers_;
  // index name -> index value -> keys
  std::map<std::string, std::unordered_map<std::string, std::set<std::string>>> indices_;
};

}  // namespace ferry::cache
