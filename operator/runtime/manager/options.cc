#include "operator/runtime/manager/options.h"

#include <charconv>
#include <functional>
#include <map>
#include <sstream>

#include "operator/metrics/http_server.h"

namespace ferry::manager {
namespace {

using Setter = std::function<Status(Options&, const std::string& value)>;

struct Flag {
  const char* name;
  const char* value_name;  // "" for booleans
  const char* help;
  Setter set;
};

Error Bad(std::string_view flag, std::string_view value, std::string_view want) {
  return Error{"invalid value \"" + std::string(value) + "\" for --" + std::string(flag) + ": " +
               std::string(want)};
}

Status SetBindAddress(std::string& out, const char* flag, const std::string& v) {
  if (v != "0") {
    auto parsed = metrics::ParseBindAddress(v);
    if (!parsed) return Bad(flag, v, "want host:port such as \":8080\", or \"0\" to disable");
  }
  out = v;
  return {};
}

bool IsDnsLabel(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-' || c == '.')) {
      return false;
    }
  }
  return std::isalnum(static_cast<unsigned char>(s.front())) &&
         std::isalnum(static_cast<unsigned char>(s.back()));
}

// A Kubernetes label value: <= 63 characters, alphanumerics and -_. inside.
bool IsLabelValue(std::string_view s) {
  if (s.size() > 63) return false;
  if (s.empty()) return true;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return std::isalnum(static_cast<unsigned char>(s.front())) &&
         std::isalnum(static_cast<unsigned char>(s.back()));
}

Status SetPositiveDuration(Clock::Duration& out, const std::string& flag, const std::string& v) {
  auto d = ParseDuration(v);
  if (!d || *d <= Clock::Duration::zero()) {
    return Bad(flag, v, "want a positive duration such as 15s or 1m");
  }
  out = *d;
  return {};
}

// Cross-flag rules, as client-go's leaderelection checks them.
Status CheckLeaderElectionTimings(const Options& o) {
  if (o.leader_elect_renew_deadline >= o.leader_elect_lease_duration) {
    return Error{"--leader-elect-renew-deadline must be shorter than --leader-elect-lease-duration"};
  }
  if (o.leader_elect_retry_period >= o.leader_elect_renew_deadline) {
    return Error{"--leader-elect-retry-period must be shorter than --leader-elect-renew-deadline"};
  }
  return {};
}

Result<bool> ParseBool(const std::string& flag, const std::string& v) {
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return Bad(flag, v, "want true or false");
}

const std::vector<Flag>& Flags() {
  static const std::vector<Flag> flags = {
      {"kubeconfig", "path",
       "Path to a kubeconfig. Default: $KUBECONFIG, then the in-cluster service account, then "
       "~/.kube/config.",
       [](Options& o, const std::string& v) -> Status { o.kubeconfig = v; return {}; }},
      {"context", "name", "The kubeconfig context to use. Default: its current-context.",
       [](Options& o, const std::string& v) -> Status { o.context = v; return {}; }},
      {"namespace", "name", "Watch only this namespace. Default: all namespaces.",
       [](Options& o, const std::string& v) -> Status {
         if (!v.empty() && !IsDnsLabel(v, 63) ) return Bad("namespace", v, "want a namespace name (RFC 1123 label)");
         o.namespace_ = v;
         return {};
       }},
      {"metrics-bind-address", "host:port",
       "Address serving Prometheus metrics on /metrics; \"0\" disables. Default: :8080.",
       [](Options& o, const std::string& v) {
         return SetBindAddress(o.metrics_bind_address, "metrics-bind-address", v);
       }},
      {"health-probe-bind-address", "host:port",
       "Address serving /healthz and /readyz (ready once caches have synced); \"0\" disables. "
       "Default: :8081.",
       [](Options& o, const std::string& v) {
         return SetBindAddress(o.health_probe_bind_address, "health-probe-bind-address", v);
       }},
      {"webhook-bind-address", "host:port",
       "Address of the git webhook receiver (push events start Pipelines); \"0\" disables. "
       "Default: :8443.",
       [](Options& o, const std::string& v) {
         return SetBindAddress(o.webhook_bind_address, "webhook-bind-address", v);
       }},
      {"leader-elect", "",
       "Elect a leader on a coordination.k8s.io Lease so only one replica reconciles. Default: "
       "false.",
       [](Options& o, const std::string& v) -> Status {
         auto b = ParseBool("leader-elect", v);
         if (!b) return b.error();
         o.leader_elect = *b;
         return {};
       }},
      {"leader-election-namespace", "name",
       "Namespace of the leader election Lease. Default: the pod's namespace, or \"default\".",
       [](Options& o, const std::string& v) -> Status {
         if (!IsDnsLabel(v, 63)) return Bad("leader-election-namespace", v, "want a namespace name");
         o.leader_election_namespace = v;
         return {};
       }},
      {"leader-election-id", "name",
       "Name of the leader election Lease. Default: ferry-operator-leader.",
       [](Options& o, const std::string& v) -> Status {
         if (!IsDnsLabel(v, 253)) {
           return Bad("leader-election-id", v, "want a lower-case DNS name (a-z, 0-9, '-', '.')");
         }
         o.leader_election_id = v;
         return {};
       }},
      {"leader-elect-lease-duration", "duration",
       "How long standbys wait after the leader's last renewal before taking over. Default: 15s.",
       [](Options& o, const std::string& v) {
         return SetPositiveDuration(o.leader_elect_lease_duration, "leader-elect-lease-duration", v);
       }},
      {"leader-elect-renew-deadline", "duration",
       "How long the leader keeps trying to renew before it stops leading (and exits). Default: "
       "10s.",
       [](Options& o, const std::string& v) {
         return SetPositiveDuration(o.leader_elect_renew_deadline, "leader-elect-renew-deadline", v);
       }},
      {"leader-elect-retry-period", "duration",
       "How often the leader renews and standbys try to acquire. Default: 2s.",
       [](Options& o, const std::string& v) {
         return SetPositiveDuration(o.leader_elect_retry_period, "leader-elect-retry-period", v);
       }},
      {"qps", "number", "Maximum sustained requests per second to the API server. Default: 20.",
       [](Options& o, const std::string& v) -> Status {
         double d = 0;
         auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
         if (ec != std::errc() || p != v.data() + v.size() || !(d > 0) || d > 1e6) {
           return Bad("qps", v, "want a number greater than 0");
         }
         o.qps = d;
         return {};
       }},
      {"burst", "count", "Maximum burst of requests to the API server. Default: 30.",
       [](Options& o, const std::string& v) -> Status {
         int n = 0;
         auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
         if (ec != std::errc() || p != v.data() + v.size() || n < 1) {
           return Bad("burst", v, "want a whole number of at least 1");
         }
         o.burst = n;
         return {};
       }},
      {"workers", "count", "Concurrent reconciles per controller. Default: 2.",
       [](Options& o, const std::string& v) -> Status {
         int n = 0;
         auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
         if (ec != std::errc() || p != v.data() + v.size() || n < 1 || n > kMaxWorkers) {
           return Bad("workers", v, "want a whole number from 1 to " + std::to_string(kMaxWorkers));
         }
         o.workers = n;
         return {};
       }},
      {"instance-id", "id",
       "Shard: reconcile only objects labelled ferry.dev/instance=<id>. Default: all objects.",
       [](Options& o, const std::string& v) -> Status {
         if (!IsLabelValue(v)) {
           return Bad("instance-id", v, "want a label value (up to 63 of a-z A-Z 0-9 - _ .)");
         }
         o.instance_id = v;
         return {};
       }},
      {"log-level", "level", "debug, info, warn or error. Default: info.",
       [](Options& o, const std::string& v) -> Status {
         auto l = log::ParseLevel(v);
         if (!l) return Bad("log-level", v, "want debug, info, warn or error");
         o.log_level = *l;
         return {};
       }},
      {"log-format", "format", "json (one object per line) or text. Default: json.",
       [](Options& o, const std::string& v) -> Status {
         auto f = log::ParseFormat(v);
         if (!f) return Bad("log-format", v, "want json or text");
         o.log_format = *f;
         return {};
       }},
      {"graceful-shutdown-timeout", "duration",
       "How long in-flight reconciles may run after SIGTERM before exiting. Default: 30s.",
       [](Options& o, const std::string& v) -> Status {
         auto d = ParseDuration(v);
         if (!d) return Bad("graceful-shutdown-timeout", v, "want a duration such as 30s or 1m");
         o.graceful_shutdown_timeout = *d;
         return {};
       }},
      {"help", "", "Show this help and exit.",
       [](Options& o, const std::string& v) -> Status {
         auto b = ParseBool("help", v);
         if (!b) return b.error();
         o.help = *b;
         return {};
       }},
  };
  return flags;
}

const Flag* Find(std::string_view name) {
  for (const auto& f : Flags()) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

}  // namespace

Result<Clock::Duration> ParseDuration(std::string_view s) {
  static const std::map<std::string, Clock::Duration> kUnits = {
      {"ns", std::chrono::nanoseconds(1)}, {"us", std::chrono::microseconds(1)},
      {"ms", std::chrono::milliseconds(1)}, {"s", std::chrono::seconds(1)},
      {"m", std::chrono::minutes(1)},      {"h", std::chrono::hours(1)}};
  if (s == "0") return Clock::Duration::zero();
  if (s.empty()) return Error{"empty duration"};
  Clock::Duration total{0};
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start) return Error{"duration \"" + std::string(s) + "\" has a unit without a number"};
    long long n = 0;
    auto [p, ec] = std::from_chars(s.data() + start, s.data() + i, n);
    if (ec != std::errc() || n > 1000000000LL) {
      return Error{"duration \"" + std::string(s) + "\" is out of range"};
    }
    size_t unit_start = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    auto unit = kUnits.find(std::string(s.substr(unit_start, i - unit_start)));
    if (unit == kUnits.end()) {
      return Error{"duration \"" + std::string(s) + "\" needs a unit: ns, us, ms, s, m or h"};
    }
    total += unit->second * n;
  }
  return total;
}

Result<Options> ParseOptions(const std::vector<std::string>& args) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg.rfind("--", 0) == 0) {
      arg = arg.substr(2);
    } else if (arg.rfind("-", 0) == 0 && arg.size() > 1) {
      arg = arg.substr(1);
    } else {
      return Error{"unexpected argument \"" + arg + "\": ferry-operator takes only flags (see --help)"};
    }
    std::string name = arg, value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const Flag* flag = Find(name);
    if (flag == nullptr) return Error{"unknown flag --" + name + " (see --help for the flags)"};
    if (!has_value) {
      if (*flag->value_name == '\0') {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Error{"flag --" + name + " needs a value: --" + name + "=<" + flag->value_name + ">"};
      }
    }
    auto st = flag->set(o, value);
    if (!st) return st.error();
  }
  if (auto st = CheckLeaderElectionTimings(o); !st) return st.error();
  return o;
}

std::string Usage(std::string_view program) {
  std::ostringstream out;
  out << "Usage: " << program << " [flags]\n\n"
      << "Ferry: continuous deployment for Kubernetes (Pipeline and Release resources).\n\n"
      << "Flags:\n";
  for (const auto& f : Flags()) {
    std::string lhs = std::string("  --") + f.name;
    if (*f.value_name != '\0') lhs += std::string("=<") + f.value_name + ">";
    out << lhs;
    if (lhs.size() < 40) out << std::string(40 - lhs.size(), ' ');
    else out << "\n" << std::string(40, ' ');
    out << f.help << "\n";
  }
  return out.str();
}

}  // namespace ferry::manager
