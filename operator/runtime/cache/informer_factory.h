// InformerFactory: one SharedInformer per resource for the whole process (client-go's
// SharedInformerFactory). Every controller asking for Deployments gets the same informer: one
// list, one watch, one cache. The factory scopes every informer to the operator's namespace
// (--namespace, "" = all) and, for the resources it is told are sharded, to the --instance-id
// label selector.
//
// Informers are created on first use and registered with the Manager by the caller
// (`manager.AddInformer(&factory.For(...))` or `for (auto* i : factory.All())`), so the Manager
// waits for every one of them to sync before starting the controllers.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "operator/kube/client.h"
#include "operator/runtime/cache/kube_lister_watcher.h"
#include "operator/runtime/cache/shared_informer.h"

namespace ferry::cache {

struct FactoryOptions {
  std::string namespace_;  // "" = all namespaces
  // --instance-id sharding (controller::ShardLabelSelector): the informers of these resources
  // (GroupResource, e.g. "releases.ferry.dev") list and watch only objects matching
  // `shard_label_selector`, unless a caller's InformerOptions set a selector of their own.
  std::string shard_label_selector;
  std::set<std::string> sharded_resources;
};

class InformerFactory {
 public:
  InformerFactory(kube::Client& client, Clock& clock, FactoryOptions options = {});
  ~InformerFactory();
  InformerFactory(const InformerFactory&) = delete;
  InformerFactory& operator=(const InformerFactory&) = delete;

  // The shared informer of `resource`. `options` are used only by the first call for that
  // resource (later callers share the informer as it was made). Thread-safe.
  SharedInformer& For(const kube::ResourceRef& resource, InformerOptions options = {});

  // Every informer made so far, in creation order.
  std::vector<SharedInformer*> All() const;

  const std::string& namespace_() const { return options_.namespace_; }

 private:
  struct Entry {
    std::unique_ptr<KubeListerWatcher> lw;
    std::unique_ptr<SharedInformer> informer;
  };

  kube::Client& client_;
  Clock& clock_;
  const FactoryOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // by GroupResource
  std::vector<SharedInformer*> order_;
};

}  // namespace ferry::cache
