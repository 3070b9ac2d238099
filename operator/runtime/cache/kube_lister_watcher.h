// KubeListerWatcher: cache::ListerWatcher over kube::Client for one resource in one namespace
// ("" = all namespaces), the production binding of the Reflector's seam.
#pragma once

#include <string>

#include "operator/kube/client.h"
#include "operator/runtime/cache/list_watch.h"

namespace ferry::cache {

class KubeListerWatcher final : public ListerWatcher {
 public:
  KubeListerWatcher(kube::Client& client, kube::ResourceRef ref, std::string ns);
  ApiResult<nlohmann::json> List(const ListOptions& options) override;
  ApiResult<std::unique_ptr<Watcher>> Watch(const WatchOptions& options) override;

 private:
  kube::Client& client_;
  const kube::ResourceRef ref_;
  const std::string ns_;
};

// kube::Error -> ApiError (code, reason, one-line message).
ApiError ToApiError(const kube::Error& e);

}  // namespace ferry::cache
