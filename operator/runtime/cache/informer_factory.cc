#include "operator/runtime/cache/informer_factory.h"

namespace ferry::cache {

InformerFactory::InformerFactory(kube::Client& client, Clock& clock, FactoryOptions options)
    : client_(client), clock_(clock), options_(std::move(options)) {}

InformerFactory::~InformerFactory() {
  for (auto* informer : order_) informer->Stop();
}

SharedInformer& InformerFactory::For(const kube::ResourceRef& resource, InformerOptions options) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = resource.GroupResource();
  auto it = entries_.find(key);
  if (it != entries_.end()) return *it->second.informer;
  if (!options_.shard_label_selector.empty() && options_.sharded_resources.count(key) > 0 &&
      options.reflector.label_selector.empty()) {
    options.reflector.label_selector = options_.shard_label_selector;
  }
  Entry entry;
  entry.lw = std::make_unique<KubeListerWatcher>(client_, resource, options_.namespace_);
  entry.informer = std::make_unique<SharedInformer>(key, *entry.lw, clock_, std::move(options));
  SharedInformer& informer = *entry.informer;
  entries_.emplace(key, std::move(entry));
  order_.push_back(&informer);
  return informer;
}

std::vector<SharedInformer*> InformerFactory::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  return order_;
}

}  // namespace ferry::cache
