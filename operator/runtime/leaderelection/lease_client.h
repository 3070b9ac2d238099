// LeaseClient: the leader elector's view of one coordination.k8s.io/v1 Lease (client-go's
// resourcelock.Interface, Lease flavour). Updates carry the resourceVersion they were based on,
// so two candidates racing for an expired lease cannot both win: the API server answers 409 to
// the slower one. kube_adapters.h binds it to kube::Client; tests use an in-memory store.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "operator/base/clock.h"
#include "operator/base/result.h"

namespace ferry::leaderelection {

// The Lease spec as the elector reads and writes it.
struct LeaderElectionRecord {
  std::string holder_identity;  // "" = released
  int lease_duration_seconds = 0;
  std::optional<Clock::WallTime> acquire_time;
  std::optional<Clock::WallTime> renew_time;
  int lease_transitions = 0;
  friend bool operator==(const LeaderElectionRecord&, const LeaderElectionRecord&) = default;
};

struct Lease {
  LeaderElectionRecord record;
  std::string resource_version;
};

struct LeaseError {
  enum class Kind { kNotFound, kConflict, kAlreadyExists, kOther };
  Kind kind = Kind::kOther;
  std::string message;
};

template <class T>
using LeaseResult = ferry::Result<T, LeaseError>;

class LeaseClient {
 public:
  virtual ~LeaseClient() = default;
  virtual LeaseResult<Lease> Get() = 0;
  virtual LeaseResult<Lease> Create(const LeaderElectionRecord& record) = 0;
  // Fails with kConflict when the lease's resourceVersion is no longer `resource_version`.
  virtual LeaseResult<Lease> Update(const LeaderElectionRecord& record,
                                    const std::string& resource_version) = 0;
  // "namespace/name", for logs and metrics.
  virtual std::string Describe() const = 0;
};

// Lease spec <-> record. Times are MicroTime: RFC 3339 UTC with exactly six fractional digits
// ("2026-11-25T07:41:52.305278Z"); the API server rejects them without the fraction.
std::string FormatMicroTime(Clock::WallTime t);
std::optional<Clock::WallTime> ParseMicroTime(const std::string& s);
nlohmann::json LeaseSpecFromRecord(const LeaderElectionRecord& record);
LeaderElectionRecord RecordFromLeaseSpec(const nlohmann::json& spec);

}  // namespace ferry::leaderelection
