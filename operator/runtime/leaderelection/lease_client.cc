#include "operator/runtime/leaderelection/lease_client.h"

#include "operator/base/rfc3339.h"

#include <cstdio>
#include <ctime>

namespace ferry::leaderelection {

std::string FormatMicroTime(Clock::WallTime t) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  long frac = static_cast<long>(micros % 1000000);
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%06ldZ", date, frac);
  return out;
}

std::optional<Clock::WallTime> ParseMicroTime(const std::string& s) {
  auto t = ParseRfc3339(s);
  if (!t) return std::nullopt;
  return std::chrono::time_point_cast<std::chrono::microseconds>(*t);
}

nlohmann::json LeaseSpecFromRecord(const LeaderElectionRecord& r) {
  nlohmann::json spec = {{"holderIdentity", r.holder_identity},
                         {"leaseDurationSeconds", r.lease_duration_seconds},
                         {"leaseTransitions", r.lease_transitions}};
  if (r.acquire_time) spec["acquireTime"] = FormatMicroTime(*r.acquire_time);
  if (r.renew_time) spec["renewTime"] = FormatMicroTime(*r.renew_time);
  return spec;
}

LeaderElectionRecord RecordFromLeaseSpec(const nlohmann::json& spec) {
  LeaderElectionRecord r;
  if (!spec.is_object()) return r;
  r.holder_identity = spec.value("holderIdentity", "");
  r.lease_duration_seconds = spec.value("leaseDurationSeconds", 0);
  r.lease_transitions = spec.value("leaseTransitions", 0);
  if (spec.contains("acquireTime") && spec["acquireTime"].is_string()) {
    r.acquire_time = ParseMicroTime(spec["acquireTime"].get<std::string>());
  }
  if (spec.contains("renewTime") && spec["renewTime"].is_string()) {
    r.renew_time = ParseMicroTime(spec["renewTime"].get<std::string>());
  }
  return r;
}

}  // namespace ferry::leaderelection
