// LeaderElector: one active replica at a time, on a coordination.k8s.io/v1 Lease (client-go's
// leaderelection package).
//
// Timing (named defaults, as client-go and controller-runtime use them):
//   lease duration 15 s   how long a candidate waits, after it last saw the lease record change,
//                         before it may take the lease from a silent holder;
//   renew deadline 10 s   how long the leader keeps trying to renew before it gives up;
//   retry period    2 s   the interval between attempts to acquire or renew.
//
// No split brain: candidates measure expiry on their own monotonic clock from the moment they
// observed the record change (never by comparing wall clocks across machines), and the leader
// stops all leader work (on_stopped_leading, and IsLeader() turns false) once renew deadline
// passes without a successful renewal: 10 s after its last renewal, while nobody else can take
// over before 15 s after it. A clean Stop() releases the lease (empty holder, 1 s duration), so
// a standby takes over at its next retry instead of after the lease duration.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>

#include "operator/base/clock.h"
#include "operator/base/log.h"
#include "operator/metrics/hooks.h"
#include "operator/runtime/leaderelection/lease_client.h"

namespace ferry::leaderelection {

inline constexpr Clock::Duration kDefaultLeaseDuration = std::chrono::seconds(15);
inline constexpr Clock::Duration kDefaultRenewDeadline = std::chrono::seconds(10);
inline constexpr Clock::Duration kDefaultRetryPeriod = std::chrono::seconds(2);

struct LeaderElectionConfig {
  std::string identity;  // unique per replica: pod name + random suffix
  Clock::Duration lease_duration = kDefaultLeaseDuration;
  Clock::Duration renew_deadline = kDefaultRenewDeadline;
  Clock::Duration retry_period = kDefaultRetryPeriod;
  // Called on the elector's thread; on_started_leading must not block (start work elsewhere).
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;
};

// renew_deadline < lease_duration, retry_period < renew_deadline, all > 0, identity set.
Status ValidateConfig(const LeaderElectionConfig& config);

class LeaderElector {
 public:
  LeaderElector(LeaseClient& client, Clock& clock, LeaderElectionConfig config,
                metrics::LeaderMetrics* metrics = nullptr);

  // Acquires, then renews, until Stop() (the lease is then released) or leadership is lost.
  // Returns true when it stopped because of Stop(), false when leadership was lost.
  bool Run();
  void Stop();

  // One step of Run: an acquire attempt (not leading) or a renewal (leading), firing callbacks
  // on transitions. Returns when the next step is due. Exposed for deterministic tests.
  Clock::TimePoint Tick();
  // Gives the lease up if this replica holds it.
  void Release();

  // True while leading and the last renewal is younger than the renew deadline.
  bool IsLeader() const;
  std::string LeaderIdentity() const;
  bool lost() const { return lost_.load(); }

 private:
  bool TryAcquireOrRenew();
  void SetLeading(bool leading);

  LeaseClient& client_;
  Clock& clock_;
  const LeaderElectionConfig config_;
  metrics::LeaderMetrics* metrics_;
  log::Logger log_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  bool leading_ = false;
  std::atomic<bool> lost_{false};
  Clock::TimePoint last_renew_{};
  LeaderElectionRecord observed_;
  std::string observed_rv_;
  Clock::TimePoint observed_time_{};
  std::string reported_leader_;
};

}  // namespace ferry::leaderelection
