#include "operator/runtime/leaderelection/kube_lease_client.h"

namespace ferry::leaderelection {
namespace {

LeaseError ToLeaseError(const kube::Error& e) {
  LeaseError::Kind kind = LeaseError::Kind::kOther;
  if (kube::IsNotFound(e)) kind = LeaseError::Kind::kNotFound;
  if (kube::IsConflict(e)) kind = LeaseError::Kind::kConflict;
  if (kube::IsAlreadyExists(e)) kind = LeaseError::Kind::kAlreadyExists;
  return LeaseError{kind, e.ToString()};
}

LeaseResult<Lease> ToLease(kube::Result<nlohmann::json> r) {
  if (!r) return ToLeaseError(r.error());
  const auto& obj = r.value();
  Lease lease;
  lease.record = RecordFromLeaseSpec(obj.value("spec", nlohmann::json::object()));
  lease.resource_version = obj["metadata"].value("resourceVersion", "");
  return lease;
}

}  // namespace

KubeLeaseClient::KubeLeaseClient(kube::Client& client, std::string ns, std::string name)
    : client_(client), ns_(std::move(ns)), name_(std::move(name)) {}

nlohmann::json KubeLeaseClient::Object(const LeaderElectionRecord& record,
                                       const std::string& rv) const {
  nlohmann::json obj = {{"apiVersion", "coordination.k8s.io/v1"},
                        {"kind", "Lease"},
                        {"metadata", {{"name", name_}, {"namespace", ns_}}},
                        {"spec", LeaseSpecFromRecord(record)}};
  if (!rv.empty()) obj["metadata"]["resourceVersion"] = rv;
  return obj;
}

LeaseResult<Lease> KubeLeaseClient::Get() { return ToLease(client_.Get(kube::kLeases, ns_, name_)); }

LeaseResult<Lease> KubeLeaseClient::Create(const LeaderElectionRecord& record) {
  return ToLease(client_.Create(kube::kLeases, Object(record, "")));
}

LeaseResult<Lease> KubeLeaseClient::Update(const LeaderElectionRecord& record,
                                           const std::string& resource_version) {
  return ToLease(client_.Update(kube::kLeases, Object(record, resource_version)));
}

}  // namespace ferry::leaderelection
