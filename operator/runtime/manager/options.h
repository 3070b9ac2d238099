// Options: the operator's command line, in the style of controller-runtime operators. A pure
// parser (no I/O, no globals) so every flag and every bad value is table-tested.
//
// Syntax: --flag=value or --flag value (a single leading dash works too, as with Go's flag
// package); booleans also as bare --flag. Bad values give an error naming the flag, the value
// and what is accepted; --help prints Usage().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "operator/base/clock.h"
#include "operator/base/log.h"
#include "operator/base/result.h"
#include "operator/runtime/leaderelection/leader_elector.h"

namespace ferry::manager {

inline constexpr const char* kDefaultLeaderElectionId = "ferry-operator-leader";
// Client-side API rate limits (kube/config.h documents why 20/30).
inline constexpr double kDefaultQps = 20.0;
inline constexpr int kDefaultBurst = 30;
inline constexpr int kDefaultWorkers = 2;
inline constexpr int kMaxWorkers = 256;
inline constexpr Clock::Duration kDefaultGracefulShutdownTimeout = std::chrono::seconds(30);
inline constexpr Clock::Duration kDefaultCacheSyncTimeout = std::chrono::minutes(2);

struct Options {
  std::string kubeconfig;  // "" = KUBECONFIG, in-cluster, ~/.kube/config
  std::string context;
  std::string namespace_;  // "" = all namespaces
  std::string metrics_bind_address = ":8080";        // "0" disables
  std::string health_probe_bind_address = ":8081";   // "0" disables
  // The git webhook receiver of the Pipeline controller (served by that layer); "0" disables.
  std::string webhook_bind_address = ":8443";
  bool leader_elect = false;
  std::string leader_election_namespace;  // "" = the pod's namespace (in-cluster) or "default"
  std::string leader_election_id = kDefaultLeaderElectionId;
  // client-go's leader election timings (kube-controller-manager's flag names). ParseOptions
  // checks retry period < renew deadline < lease duration.
  Clock::Duration leader_elect_lease_duration = leaderelection::kDefaultLeaseDuration;
  Clock::Duration leader_elect_renew_deadline = leaderelection::kDefaultRenewDeadline;
  Clock::Duration leader_elect_retry_period = leaderelection::kDefaultRetryPeriod;
  double qps = kDefaultQps;
  int burst = kDefaultBurst;
  int workers = kDefaultWorkers;
  std::string instance_id;  // "" = no sharding
  log::Level log_level = log::Level::kInfo;
  log::Format log_format = log::Format::kJson;
  Clock::Duration graceful_shutdown_timeout = kDefaultGracefulShutdownTimeout;
  bool help = false;
};

// Parses argv[1..]. On --help, returns Options with help=true (other flags are still checked).
Result<Options> ParseOptions(const std::vector<std::string>& args);

// Go-style duration: "30s", "1m30s", "500ms", "2h". Pure.
Result<Clock::Duration> ParseDuration(std::string_view s);

// The --help text: every flag, its default and what it does.
std::string Usage(std::string_view program);

}  // namespace ferry::manager
