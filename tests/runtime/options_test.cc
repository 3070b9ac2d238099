#include <gtest/gtest.h>

#include "operator/runtime/manager/options.h"

namespace ferry::manager {
namespace {

using namespace std::chrono_literals;

TEST(OptionsTest, DefaultsAreControllerRuntimes) {
  auto o = ParseOptions({});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->metrics_bind_address, ":8080");
  EXPECT_EQ(o->health_probe_bind_address, ":8081");
  EXPECT_EQ(o->webhook_bind_address, ":8443");
  EXPECT_FALSE(o->leader_elect);
  EXPECT_EQ(o->leader_election_id, "ferry-operator-leader");
  EXPECT_EQ(o->qps, 20.0);
  EXPECT_EQ(o->burst, 30);
  EXPECT_EQ(o->workers, kDefaultWorkers);
  EXPECT_EQ(o->namespace_, "");
  EXPECT_EQ(o->log_level, log::Level::kInfo);
  EXPECT_EQ(o->log_format, log::Format::kJson);
  EXPECT_EQ(o->graceful_shutdown_timeout, 30s);
  EXPECT_EQ(o->leader_elect_lease_duration, 15s);
  EXPECT_EQ(o->leader_elect_renew_deadline, 10s);
  EXPECT_EQ(o->leader_elect_retry_period, 2s);
  EXPECT_FALSE(o->help);
}

TEST(OptionsTest, EveryFlagParsesInBothSpellings) {
  auto o = ParseOptions({"--kubeconfig=/k", "--context", "kind", "-namespace=prod",
                         "--metrics-bind-address", "127.0.0.1:9090",
                         "--health-probe-bind-address=0", "--webhook-bind-address=:9000",
                         "--leader-elect",
                         "--leader-election-namespace=ferry-system",
                         "--leader-election-id=ferry.example.com", "--qps=50.5", "--burst", "80",
                         "--workers=8", "--instance-id=east-1", "--log-level=debug",
                         "--log-format", "text", "--graceful-shutdown-timeout=1m30s",
                         "--leader-elect-lease-duration=4s", "--leader-elect-renew-deadline=3s",
                         "--leader-elect-retry-period", "500ms"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->kubeconfig, "/k");
  EXPECT_EQ(o->context, "kind");
  EXPECT_EQ(o->namespace_, "prod");
  EXPECT_EQ(o->metrics_bind_address, "127.0.0.1:9090");
  EXPECT_EQ(o->health_probe_bind_address, "0");
  EXPECT_EQ(o->webhook_bind_address, ":9000");
  EXPECT_TRUE(o->leader_elect);
  EXPECT_EQ(o->leader_election_namespace, "ferry-system");
  EXPECT_EQ(o->leader_election_id, "ferry.example.com");
  EXPECT_EQ(o->qps, 50.5);
  EXPECT_EQ(o->burst, 80);
  EXPECT_EQ(o->workers, 8);
  EXPECT_EQ(o->instance_id, "east-1");
  EXPECT_EQ(o->log_level, log::Level::kDebug);
  EXPECT_EQ(o->log_format, log::Format::kText);
  EXPECT_EQ(o->graceful_shutdown_timeout, 90s);
  EXPECT_EQ(o->leader_elect_lease_duration, 4s);
  EXPECT_EQ(o->leader_elect_renew_deadline, 3s);
  EXPECT_EQ(o->leader_elect_retry_period, 500ms);
}

TEST(OptionsTest, BooleansAcceptExplicitValues) {
  EXPECT_FALSE(ParseOptions({"--leader-elect=false"})->leader_elect);
  EXPECT_TRUE(ParseOptions({"--leader-elect=true"})->leader_elect);
  EXPECT_TRUE(ParseOptions({"--help"})->help);
  EXPECT_TRUE(ParseOptions({"-help"})->help);
}

TEST(OptionsTest, BadValuesGiveClearErrorsNamingFlagAndValue) {
  struct Case {
    std::vector<std::string> args;
    std::string want;  // substring of the error
  };
  const std::vector<Case> cases = {
      {{"--qps=abc"}, "invalid value \"abc\" for --qps"},
      {{"--qps=0"}, "--qps: want a number greater than 0"},
      {{"--qps=-5"}, "--qps"},
      {{"--burst=0"}, "--burst: want a whole number of at least 1"},
      {{"--burst=1.5"}, "--burst"},
      {{"--workers=0"}, "--workers: want a whole number from 1 to 256"},
      {{"--workers=100000"}, "--workers"},
      {{"--log-level=loud"}, "--log-level: want debug, info, warn or error"},
      {{"--log-format=xml"}, "--log-format: want json or text"},
      {{"--metrics-bind-address=8080"}, "--metrics-bind-address: want host:port"},
      {{"--health-probe-bind-address=:99999"}, "--health-probe-bind-address"},
      {{"--instance-id=bad id!"}, "--instance-id: want a label value"},
      {{"--instance-id=" + std::string(64, 'a')}, "--instance-id"},
      {{"--namespace=Bad_NS"}, "--namespace"},
      {{"--leader-election-id=Ferry"}, "--leader-election-id"},
      {{"--leader-election-namespace="}, "--leader-election-namespace"},
      {{"--leader-elect=maybe"}, "--leader-elect: want true or false"},
      {{"--graceful-shutdown-timeout=30"}, "--graceful-shutdown-timeout"},
      {{"--leader-elect-lease-duration=0"}, "--leader-elect-lease-duration: want a positive"},
      {{"--leader-elect-retry-period=fast"}, "--leader-elect-retry-period"},
      {{"--leader-elect-lease-duration=10s"},
       "--leader-elect-renew-deadline must be shorter than --leader-elect-lease-duration"},
      {{"--leader-elect-renew-deadline=2s"},
       "--leader-elect-retry-period must be shorter than --leader-elect-renew-deadline"},
      {{"--bogus=1"}, "unknown flag --bogus"},
      {{"--kubeconfig"}, "flag --kubeconfig needs a value"},
      {{"run"}, "unexpected argument \"run\""},
  };
  for (const auto& c : cases) {
    auto o = ParseOptions(c.args);
    ASSERT_FALSE(o.ok()) << c.args[0];
    EXPECT_NE(o.error().message.find(c.want), std::string::npos)
        << c.args[0] << " -> " << o.error().message;
  }
}

TEST(OptionsTest, UsageDocumentsEveryFlagAndItsDefault) {
  std::string usage = Usage("ferry-operator");
  for (const char* flag :
       {"--kubeconfig", "--context", "--namespace", "--metrics-bind-address",
        "--health-probe-bind-address", "--webhook-bind-address", "--leader-elect", "--leader-election-namespace",
        "--leader-election-id", "--qps", "--burst", "--workers", "--instance-id", "--log-level",
        "--log-format", "--graceful-shutdown-timeout", "--leader-elect-lease-duration",
        "--leader-elect-renew-deadline", "--leader-elect-retry-period", "--help"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(usage.find("Default: :8080"), std::string::npos);
  EXPECT_NE(usage.find("Default: 20."), std::string::npos);
}

TEST(DurationTest, GoStyleDurations) {
  struct Case {
    const char* in;
    bool ok;
    Clock::Duration want;
  };
  const Case cases[] = {
      {"30s", true, 30s},     {"1m30s", true, 90s}, {"500ms", true, 500ms}, {"2h", true, 2h},
      {"0", true, 0s},        {"10", false, 0s},    {"s", false, 0s},       {"5d", false, 0s},
      {"", false, 0s},        {"99999999999999999999s", false, 0s},
  };
  for (const auto& c : cases) {
    auto d = ParseDuration(c.in);
    ASSERT_EQ(d.ok(), c.ok) << c.in;
    if (c.ok) {
      EXPECT_EQ(*d, c.want) << c.in;
    }
  }
}

}  // namespace
}  // namespace ferry::manager
