// The runtime's kube adapters against the real kube-sim binary over HTTP, with the real
// kube::Client: an informer that lives through an API server restart (changes and deletes made
// while it was away, watch history gone), leader election on a real Lease, aggregated Events.
#include <gtest/gtest.h>

#include <cstdlib>
#include <unistd.h>

#include "operator/kube/client.h"
#include "operator/runtime/cache/informer_factory.h"
#include "operator/runtime/cache/kube_lister_watcher.h"
#include "operator/runtime/controller/handlers.h"
#include "operator/runtime/cache/shared_informer.h"
#include "operator/runtime/events/kube_event_sink.h"
#include "operator/runtime/leaderelection/kube_lease_client.h"
#include "operator/runtime/leaderelection/leader_elector.h"
#include "sim_client.h"
#include "tests/runtime/test_util.h"

namespace ferry {
namespace {

using namespace std::chrono_literals;
using ferry::testing::Eventually;

constexpr const char* kToken = "runtime-test-token";
constexpr const char* kNs = "rt";

class KubeSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FERRY_BINARY_DIR", FERRY_BINARY_DIR_PATH, 0);
    state_file_ = ::testing::TempDir() + "/runtime-sim-" + std::to_string(getpid()) + ".json";
    sim_ = std::make_unique<simtest::SimProcess>(SimArgs());
    ASSERT_TRUE(sim_->ok()) << "kube-sim did not start";
    port_ = sim_->port();
    kube::Config config;
    config.server = "http://127.0.0.1:" + std::to_string(port_);
    config.bearer_token = kToken;
    config.source = "kube-sim";
    auto client = kube::Client::New(config);
    ASSERT_TRUE(client.ok()) << client.error().ToString();
    client_ = std::move(client.value());
    auto ns = client_->Create(kube::kNamespaces,
                              {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNs}}}});
    ASSERT_TRUE(ns.ok()) << ns.error().ToString();
  }
  void TearDown() override { std::remove(state_file_.c_str()); }

  std::vector<std::string> SimArgs(int port = 0) {
    std::vector<std::string> args = {"--token", kToken, "--no-controllers", "--state-file",
                                     state_file_, "--bookmark-interval", "0.2"};
    if (port != 0) {
      args.push_back("--port");
      args.push_back(std::to_string(port));
    }
    return args;
  }

  void CreateConfigMap(const std::string& name, const std::string& value) {
    auto r = client_->Create(kube::kConfigMaps,
                             {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                              {"metadata", {{"name", name}, {"namespace", kNs},
                                            {"annotations", {{cache::kLastAppliedAnnotation, "{}"}}}}},
                              {"data", {{"v", value}}}});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
  }
  void SetConfigMap(const std::string& name, const std::string& value) {
    auto r = client_->Patch(kube::kConfigMaps, kNs, name, kube::PatchType::kMerge,
                            {{"data", {{"v", value}}}});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
  }
  // name -> data.v, as the server has it.
  std::map<std::string, std::string> Truth() {
    std::map<std::string, std::string> out;
    auto list = client_->List(kube::kConfigMaps, kNs);
    if (!list.ok()) return {{"<error>", list.error().ToString()}};
    for (const auto& item : list.value()["items"]) {
      out[item["metadata"]["name"]] = item["data"].value("v", "");
    }
    return out;
  }
  static std::map<std::string, std::string> Cached(const cache::SharedInformer& inf) {
    std::map<std::string, std::string> out;
    for (const auto& o : inf.indexer().List()) out[(*o)["metadata"]["name"]] = (*o)["data"].value("v", "");
    return out;
  }

  std::string state_file_;
  std::unique_ptr<simtest::SimProcess> sim_;
  int port_ = 0;
  std::unique_ptr<kube::Client> client_;
};

TEST_F(KubeSimTest, InformerConvergesThroughAnApiServerRestart) {
  CreateConfigMap("a", "1");
  CreateConfigMap("b", "1");
  CreateConfigMap("c", "1");
  cache::KubeListerWatcher lw(*client_, kube::kConfigMaps, kNs);
  cache::InformerOptions o;
  o.reflector.page_size = 2;
  cache::SharedInformer inf("configmaps", lw, RealClock::Get(), o);
  std::mutex mu;
  std::set<std::string> deleted;
  inf.AddEventHandler({nullptr, nullptr, [&](const cache::ObjectPtr& obj) {
                         std::lock_guard g(mu);
                         deleted.insert((*obj)["metadata"]["name"]);
                       }});
  inf.Start();
  ASSERT_TRUE(Eventually([&] { return inf.HasSynced(); }));
  EXPECT_EQ(Cached(inf), Truth());
  auto a = inf.indexer().Get("rt/a");
  EXPECT_FALSE((*a)["metadata"].contains("managedFields"));
  EXPECT_FALSE((*a)["metadata"].contains("annotations"));
  EXPECT_EQ((*a)["kind"], "ConfigMap");

  SetConfigMap("a", "2");
  ASSERT_TRUE(Eventually([&] { return Cached(inf) == Truth(); }));

  // Restart the API server; change things while the informer is away.
  ASSERT_EQ(sim_->terminate(), 0);
  sim_ = std::make_unique<simtest::SimProcess>(SimArgs(port_));
  ASSERT_TRUE(sim_->ok());
  ASSERT_TRUE(client_->Delete(kube::kConfigMaps, kNs, "b").ok());
  CreateConfigMap("d", "1");
  for (int i = 0; i < 5; ++i) SetConfigMap("c", std::to_string(10 + i));
  ASSERT_TRUE(Eventually([&] { return Cached(inf) == Truth(); }, 30s))
      << "cache never converged to the server's state";
  std::lock_guard g(mu);
  EXPECT_EQ(deleted.count("b"), 1u);
  inf.Stop();
}

// --instance-id: a sharded resource's informer caches only its shard's objects; the others
// cache everything.
TEST_F(KubeSimTest, InstanceIdShardsOnlyTheResourcesNamed) {
  auto labelled = [&](const std::string& name, const std::string& instance) {
    nlohmann::json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                         {"metadata", {{"name", name}, {"namespace", kNs}}}};
    if (!instance.empty()) cm["metadata"]["labels"] = {{"ferry.dev/instance", instance}};
    ASSERT_TRUE(client_->Create(kube::kConfigMaps, cm).ok());
    nlohmann::json secret = cm;
    secret["kind"] = "Secret";
    ASSERT_TRUE(client_->Create(kube::kSecrets, secret).ok());
  };
  labelled("mine", "east");
  labelled("theirs", "west");
  labelled("unlabelled", "");
  cache::InformerFactory factory(*client_, RealClock::Get(),
                                 {kNs, controller::ShardLabelSelector("east"), {"configmaps"}});
  auto& sharded = factory.For(kube::kConfigMaps);
  auto& whole = factory.For(kube::kSecrets);
  sharded.Start();
  whole.Start();
  ASSERT_TRUE(sharded.WaitForCacheSync(RealClock::Get().Now() + 10s));
  ASSERT_TRUE(whole.WaitForCacheSync(RealClock::Get().Now() + 10s));
  EXPECT_EQ(sharded.indexer().ListKeys(), std::vector<std::string>{"rt/mine"});
  EXPECT_EQ(whole.indexer().Size(), 3u);
  labelled("later", "east");
  labelled("later-west", "west");
  EXPECT_TRUE(Eventually([&] { return sharded.indexer().Size() == 2; }));
  EXPECT_NE(sharded.indexer().Get("rt/later"), nullptr);
}

TEST_F(KubeSimTest, LeaderElectionOnARealLease) {
  leaderelection::KubeLeaseClient lease(*client_, kNs, "ferry-test-leader");
  FakeClock clock;
  leaderelection::LeaderElector a(lease, clock, {"replica-a"});
  leaderelection::LeaderElector b(lease, clock, {"replica-b"});
  a.Tick();
  b.Tick();
  EXPECT_TRUE(a.IsLeader());
  EXPECT_FALSE(b.IsLeader());
  auto got = lease.Get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->record.holder_identity, "replica-a");
  EXPECT_EQ(got->record.lease_duration_seconds, 15);
  clock.Advance(2s);
  a.Tick();  // renew: a real PUT with the resourceVersion precondition
  EXPECT_TRUE(a.IsLeader());
  a.Release();
  b.Tick();
  EXPECT_TRUE(b.IsLeader());
  EXPECT_EQ(lease.Get()->record.holder_identity, "replica-b");
  EXPECT_EQ(lease.Get()->record.lease_transitions, 1);
  // A stale resourceVersion is a conflict, as on a real API server.
  auto stale = lease.Update({"intruder", 15}, got->resource_version);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, leaderelection::LeaseError::Kind::kConflict);
}

TEST_F(KubeSimTest, RepeatedEventsBecomeOneEventWithACount) {
  events::KubeEventSink sink(*client_);
  FakeClock clock;
  events::EventRecorder recorder(sink, clock);
  nlohmann::json obj = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                        {"metadata", {{"name", "cfg"}, {"namespace", kNs}, {"uid", "u-1"}}}};
  recorder.Event(obj, events::kEventTypeWarning, "Invalid", "spec.replicas must be >= 0");
  clock.Advance(5s);
  recorder.Event(obj, events::kEventTypeWarning, "Invalid", "spec.replicas must be >= 0");
  recorder.Flush();
  auto list = client_->List(kube::kEvents, kNs);
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  ASSERT_EQ(list.value()["items"].size(), 1u) << list.value().dump();
  const auto& e = list.value()["items"][0];
  EXPECT_EQ(e["count"], 2);
  EXPECT_EQ(e["involvedObject"]["name"], "cfg");
  EXPECT_EQ(e["reason"], "Invalid");
  EXPECT_NE(e["firstTimestamp"], e["lastTimestamp"]);
}

}  // namespace
}  // namespace ferry
