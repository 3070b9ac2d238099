// KubeLeaseClient: LeaseClient over kube::Client for one coordination.k8s.io/v1 Lease.
#pragma once

#include <string>

#include "operator/kube/client.h"
#include "operator/runtime/leaderelection/lease_client.h"

namespace ferry::leaderelection {

class KubeLeaseClient final : public LeaseClient {
 public:
  KubeLeaseClient(kube::Client& client, std::string ns, std::string name);
  LeaseResult<Lease> Get() override;
  LeaseResult<Lease> Create(const LeaderElectionRecord& record) override;
  LeaseResult<Lease> Update(const LeaderElectionRecord& record,
                            const std::string& resource_version) override;
  std::string Describe() const override { return ns_ + "/" + name_; }

 private:
  nlohmann::json Object(const LeaderElectionRecord& record, const std::string& rv) const;

  kube::Client& client_;
  const std::string ns_;
  const std::string name_;
};

}  // namespace ferry::leaderelection
