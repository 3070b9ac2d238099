#include "operator/runtime/leaderelection/lease_client.h"

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
  std::tm tm{};
  int year, mon, day, hour, min, sec;
  char rest[32] = {0};
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%31s", &year, &mon, &day, &hour, &min, &sec,
                  rest) < 6) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  long micros = 0;
  std::string r = rest;
  if (!r.empty() && r[0] == '.') {
    size_t i = 1;
    long scale = 100000;
    for (; i < r.size() && std::isdigit(static_cast<unsigned char>(r[i])); ++i) {
      micros += (r[i] - '0') * scale;
      scale /= 10;
    }
    r = r.substr(i);
  }
  if (r != "Z") return std::nullopt;  // the API server writes UTC
  auto t = Clock::WallTime{} + std::chrono::seconds(timegm(&tm)) + std::chrono::microseconds(micros);
  return std::chrono::time_point_cast<Clock::WallTime::duration>(t);
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
