// An in-memory Lease with the API server's optimistic concurrency, shared by several
// candidates; each client can be cut off from it (a network partition).
#pragma once

#include <atomic>
#include <mutex>
#include <optional>

#include "operator/runtime/leaderelection/lease_client.h"

namespace ferry::testing {

using leaderelection::Lease;
using leaderelection::LeaseError;
using leaderelection::LeaseResult;
using leaderelection::LeaderElectionRecord;

// One Lease object shared by several candidates, with the API server's optimistic concurrency.
class MemoryLeaseStore {
 public:
  std::mutex mu;
  std::optional<Lease> lease;
  int64_t rv = 1;
};

class MemoryLeaseClient : public leaderelection::LeaseClient {
 public:
  explicit MemoryLeaseClient(MemoryLeaseStore& store) : store_(store) {}
  LeaseResult<Lease> Get() override {
    std::lock_guard g(store_.mu);
    if (partitioned) return LeaseError{LeaseError::Kind::kOther, "connection refused"};
    if (!store_.lease) return LeaseError{LeaseError::Kind::kNotFound, "not found"};
    return *store_.lease;
  }
  LeaseResult<Lease> Create(const LeaderElectionRecord& r) override {
    std::lock_guard g(store_.mu);
    if (partitioned) return LeaseError{LeaseError::Kind::kOther, "connection refused"};
    if (store_.lease) return LeaseError{LeaseError::Kind::kAlreadyExists, "exists"};
    store_.lease = Lease{r, std::to_string(++store_.rv)};
    return *store_.lease;
  }
  LeaseResult<Lease> Update(const LeaderElectionRecord& r, const std::string& rv) override {
    std::lock_guard g(store_.mu);
    if (partitioned) return LeaseError{LeaseError::Kind::kOther, "connection refused"};
    if (!store_.lease) return LeaseError{LeaseError::Kind::kNotFound, "not found"};
    if (store_.lease->resource_version != rv) {
      return LeaseError{LeaseError::Kind::kConflict, "the object has been modified"};
    }
    store_.lease = Lease{r, std::to_string(++store_.rv)};
    return *store_.lease;
  }
  std::string Describe() const override { return "ferry-system/ferry-operator"; }
  std::atomic<bool> partitioned{false};

 private:
  MemoryLeaseStore& store_;
};

}  // namespace ferry::testing
