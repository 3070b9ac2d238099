#include <gtest/gtest.h>

#include <atomic>

#include "operator/runtime/cache/shared_informer.h"
#include "tests/runtime/fake_api_server.h"
#include "tests/runtime/test_util.h"

namespace ferry::cache {
namespace {

using namespace std::chrono_literals;
using ferry::testing::Eventually;
using ferry::testing::FakeApiServer;

ObjectPtr Obj(nlohmann::json j) { return std::make_shared<const nlohmann::json>(std::move(j)); }

nlohmann::json Meta(const std::string& ns, const std::string& name,
                    nlohmann::json owners = nlohmann::json()) {
  nlohmann::json o = {{"metadata", {{"name", name}}}};
  if (!ns.empty()) o["metadata"]["namespace"] = ns;
  if (!owners.is_null()) o["metadata"]["ownerReferences"] = owners;
  return o;
}

// ---- Indexer ----

TEST(IndexerTest, KeysAreNamespaceSlashNameOrNameForClusterScoped) {
  EXPECT_EQ(MetaNamespaceKey(Meta("prod", "web")), "prod/web");
  EXPECT_EQ(MetaNamespaceKey(Meta("", "node-1")), "node-1");
  EXPECT_EQ(MetaNamespaceKey(nlohmann::json::object()), "");
  EXPECT_EQ(SplitMetaNamespaceKey("prod/web"), std::make_pair(std::string("prod"), std::string("web")));
  EXPECT_EQ(SplitMetaNamespaceKey("node-1"), std::make_pair(std::string(""), std::string("node-1")));
}

TEST(IndexerTest, NamespaceIndexFollowsUpsertsAndDeletes) {
  Indexer idx;
  idx.Upsert(Obj(Meta("a", "x")));
  idx.Upsert(Obj(Meta("a", "y")));
  idx.Upsert(Obj(Meta("b", "x")));
  EXPECT_EQ(idx.ByIndex(kNamespaceIndex, "a")->size(), 2u);
  EXPECT_EQ(idx.Delete("a/x")->at("metadata").at("name"), "x");
  EXPECT_EQ(idx.ByIndex(kNamespaceIndex, "a")->size(), 1u);
  EXPECT_EQ(idx.Delete("a/x"), nullptr);
  EXPECT_EQ(idx.Size(), 2u);
}

TEST(IndexerTest, OwnerIndexMovesWhenOwnerReferencesChange) {
  Indexer idx({{kOwnerUidIndex, OwnerUidIndexFunc}});
  idx.Upsert(Obj(Meta("a", "job", nlohmann::json::array({{{"uid", "u1"}}}))));
  EXPECT_EQ(idx.ByIndex(kOwnerUidIndex, "u1")->size(), 1u);
  idx.Upsert(Obj(Meta("a", "job", nlohmann::json::array({{{"uid", "u2"}}}))));
  EXPECT_TRUE(idx.ByIndex(kOwnerUidIndex, "u1")->empty());
  EXPECT_EQ(idx.ByIndex(kOwnerUidIndex, "u2")->size(), 1u);
}

TEST(IndexerTest, UnknownIndexIsAnErrorAndAddIndexersIndexesExistingObjects) {
  Indexer idx;
  idx.Upsert(Obj(Meta("a", "job", nlohmann::json::array({{{"uid", "u1"}}}))));
  auto missing = idx.ByIndex(kOwnerUidIndex, "u1");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("owner-uid"), std::string::npos);
  ASSERT_TRUE(idx.AddIndexers({{kOwnerUidIndex, OwnerUidIndexFunc}}).ok());
  EXPECT_EQ(idx.ByIndex(kOwnerUidIndex, "u1")->size(), 1u);
  EXPECT_FALSE(idx.AddIndexers({{kOwnerUidIndex, OwnerUidIndexFunc}}).ok());
}

TEST(IndexerTest, ReplaceRebuildsItemsAndIndices) {
  Indexer idx;
  idx.Upsert(Obj(Meta("a", "old")));
  idx.Replace({Pack(*Obj(Meta("b", "new")))});
  EXPECT_EQ(idx.Get("a/old"), nullptr);
  EXPECT_TRUE(idx.ByIndex(kNamespaceIndex, "a")->empty());
  EXPECT_EQ(idx.ByIndex(kNamespaceIndex, "b")->size(), 1u);
}

TEST(TransformTest, StripsManagedFieldsSelfLinkAndLastApplied) {
  nlohmann::json o = {{"metadata",
                       {{"name", "x"}, {"selfLink", "/x"}, {"managedFields", nlohmann::json::array()},
                        {"annotations", {{kLastAppliedAnnotation, "{}"}, {"keep", "me"}}}}}};
  StripForCache(o);
  EXPECT_FALSE(o["metadata"].contains("managedFields"));
  EXPECT_FALSE(o["metadata"].contains("selfLink"));
  EXPECT_EQ(o["metadata"]["annotations"], nlohmann::json({{"keep", "me"}}));
  nlohmann::json only = {{"metadata", {{"annotations", {{kLastAppliedAnnotation, "{}"}}}}}};
  StripForCache(only);
  EXPECT_FALSE(only["metadata"].contains("annotations"));
}

// ---- Backoff ----

TEST(BackoffTest, BaseSequenceDoublesFrom800msToA30sCap) {
  const Clock::Duration want[] = {800ms, 1600ms, 3200ms, 6400ms, 12800ms, 25600ms, 30s, 30s};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(BackoffBase(i, {}), want[i]) << i;
}

TEST(BackoffTest, JitterAddsUpToOneBase) {
  EXPECT_EQ(WithJitter(800ms, 1.0, 0.0), 800ms);
  EXPECT_EQ(WithJitter(800ms, 1.0, 0.5), 1200ms);
  EXPECT_EQ(WithJitter(30s, 1.0, 0.25), 37500ms);
}

TEST(BackoffTest, WatchTimeoutsSpreadOverFiveToTenMinutes) {
  EXPECT_EQ(WatchTimeoutSeconds(0.0), 300);
  EXPECT_EQ(WatchTimeoutSeconds(0.5), 450);
  EXPECT_EQ(WatchTimeoutSeconds(0.999), 599);
}

TEST(BackoffTest, GrowsWhileFailingAndResetsAfterTwoHealthyMinutes) {
  FakeClock clock;
  Backoff b(clock, {}, [] { return 0.0; });
  EXPECT_EQ(b.Next(), 800ms);
  EXPECT_EQ(b.Next(), 1600ms);
  clock.Advance(119s);
  EXPECT_EQ(b.Next(), 3200ms);
  clock.Advance(121s);
  EXPECT_EQ(b.Next(), 800ms);
}

// ---- Reflector + SharedInformer against the fake server ----

struct Recorder {
  std::mutex mu;
  std::vector<std::string> events;  // "add ns/name", "update ns/name", "delete ns/name"
  EventHandler Handler() {
    return EventHandler{
        [this](const ObjectPtr& o) { Push("add " + MetaNamespaceKey(*o)); },
        [this](const ObjectPtr&, const ObjectPtr& n) { Push("update " + MetaNamespaceKey(*n)); },
        [this](const ObjectPtr& o) { Push("delete " + MetaNamespaceKey(*o)); }};
  }
  void Push(std::string s) {
    std::lock_guard g(mu);
    events.push_back(std::move(s));
  }
  bool Saw(const std::string& s) {
    std::lock_guard g(mu);
    return std::find(events.begin(), events.end(), s) != events.end();
  }
  size_t Count() {
    std::lock_guard g(mu);
    return events.size();
  }
};

class InformerTest : public ::testing::Test {
 protected:
  InformerOptions Options() {
    InformerOptions o;
    o.reflector.page_size = 2;
    o.reflector.random = [] { return 0.0; };
    return o;
  }
  std::map<std::string, std::string> Cached(const SharedInformer& inf) {
    std::map<std::string, std::string> out;
    for (const auto& o : inf.indexer().List()) {
      out[MetaNamespaceKey(*o)] = o->at("metadata").at("resourceVersion");
    }
    return out;
  }
  bool Converged(const SharedInformer& inf) {
    return Eventually([&] { return Cached(inf) == server.Truth(); });
  }
  // Moves the clock past every backoff (the longest is 60 s) until `cond` holds.
  bool PumpUntil(const std::function<bool()>& cond) {
    return Eventually([&] {
      if (cond()) return true;
      clock.Advance(61s);
      return false;
    });
  }

  FakeClock clock;
  FakeApiServer server;
  Recorder rec;
};

TEST_F(InformerTest, ListsInPagesThenWatchesFromTheListVersion) {
  server.Create("ns", "a");
  server.Create("ns", "b");
  server.Create("ns", "c");
  SharedInformer inf("releases", server, clock, Options());
  inf.AddEventHandler(rec.Handler());
  inf.Start();
  ASSERT_TRUE(Eventually([&] { return inf.HasSynced(); }));
  EXPECT_EQ(server.lists(), 2) << "3 objects at page size 2";
  ASSERT_TRUE(Eventually([&] { return server.open_watches() == 1; }));
  EXPECT_EQ(server.last_watch_rv(), "103");
  EXPECT_GE(server.last_watch_timeout(), 300);
  EXPECT_LT(server.last_watch_timeout(), 600);
  EXPECT_TRUE(rec.Saw("add ns/a") && rec.Saw("add ns/c"));
  auto a = inf.indexer().Get("ns/a");
  EXPECT_EQ(a->at("kind"), "Release") << "list items get the list's kind";
  EXPECT_FALSE(a->at("metadata").contains("managedFields"));
  EXPECT_FALSE(a->at("metadata").contains("annotations"));

  server.Create("ns", "d");
  server.Modify("ns", "a", "v1");
  server.Delete("ns", "b");
  ASSERT_TRUE(Converged(inf));
  EXPECT_TRUE(Eventually([&] { return rec.Saw("add ns/d") && rec.Saw("update ns/a") &&
                                      rec.Saw("delete ns/b"); }));
}

TEST_F(InformerTest, DroppedWatchResumesFromLastVersionWithoutRelisting) {
  server.Create("ns", "a");
  SharedInformer inf("releases", server, clock, Options());
  inf.AddEventHandler(rec.Handler());
  inf.Start();
  ASSERT_TRUE(Eventually([&] { return inf.HasSynced(); }));
  ASSERT_TRUE(Eventually([&] { return server.open_watches() == 1; }));
  server.DropWatches();
  server.Create("ns", "b");
  server.Modify("ns", "a", "while-down");
  ASSERT_TRUE(PumpUntil([&] { return Cached(inf) == server.Truth(); }));
  EXPECT_EQ(server.lists(), 1);
  EXPECT_EQ(server.watches(), 2);
  EXPECT_EQ(server.last_watch_rv(), "101");
  EXPECT_TRUE(Eventually([&] { return rec.Saw("add ns/b") && rec.Saw("update ns/a"); }));
}

TEST_F(InformerTest, ClosedWatchIsReopenedAtOnceFromTheLastBookmark) {
  SharedInformer inf("releases", server, clock, Options());
  inf.Start();
  ASSERT_TRUE(Eventually([&] { return inf.HasSynced(); }));
  ASSERT_TRUE(Eventually([&] { return server.open_watches() == 1; }));
  server.SendBookmark();
  ASSERT_TRUE(Eventually([&] { return inf.LastSyncResourceVersion() == "101"; }));
  server.CloseWatches();
  ASSERT_TRUE(Eventually([&] { return server.watches() == 2; })) << "no backoff needed";
  EXPECT_EQ(server.last_watch_rv(), "101");
  EXPECT_EQ(server.lists(), 1);
}

class GoneTest : public InformerTest,
                 public ::testing::WithParamInterface<FakeApiServer::GoneMode> {};

TEST_P(GoneTest, RelistsAndDeliversDeletesThatHappenedWhileDisconnected) {
  server.Create("ns", "keep");
  server.Create("ns", "doomed");
  server.Create("ns", "changed");
  SharedInformer inf("releases", server, clock, Options());
  inf.AddEventHandler(rec.Handler());
  inf.Start();
  ASSERT_TRUE(Eventually([&] { return inf.HasSynced(); }));
  ASSERT_TRUE(Eventually([&] { return server.open_watches() == 1; }));
  server.DropWatches();
  server.Delete("ns", "doomed");
  server.Modify("ns", "changed", "v2");
  server.Create("ns", "born");
  server.Compact(GetParam());  // the events above are gone from history
  ASSERT_TRUE(PumpUntil([&] { return Cached(inf) == server.Truth(); }));
  EXPECT_GE(server.lists(), 3) << "a relist (2 pages) after 410";
  EXPECT_TRUE(Eventually([&] {
    return rec.Saw("delete ns/doomed") && rec.Saw("update ns/changed") && rec.Saw("add ns/born");
  }));
  // And the informer keeps following changes after the relist.
  ASSERT_TRUE(Eventually([&] { return server.open_watches() == 1; }));
  server.Delete("ns", "keep");
  ASSERT_TRUE(Converged(inf));
}

INSTANTIATE_TEST_SUITE_P(HttpStatusAndErrorEvent, GoneTest,
                         ::testing::Values(FakeApiServer::GoneMode::kHttpStatus,
                                           FakeApiServer::GoneMode::kErrorEvent));

TEST_F(InformerTest, ServerErrorsAndThrottlingAreRetriedWithBackoff) {
  server.Create("ns", "a");
  server.FailNextLists({{500, "InternalError", "etcd down"}, {429, "TooManyRequests", "slow"}});
  SharedInformer inf("releases", server, clock, Options());
  inf.Start();
  ASSERT_TRUE(PumpUntil([&] { return inf.HasSynced(); }));
  EXPECT_EQ(server.lists(), 3);
  ASSERT_TRUE(Eventually([&] { return server.open_watches() == 1; }));
  server.FailNextWatches({{500, "InternalError", "x"}, {429, "TooManyRequests", "y"}});
  server.DropWatches();
  server.Create("ns", "b");
  ASSERT_TRUE(PumpUntil([&] { return Cached(inf) == server.Truth(); }));
  EXPECT_EQ(server.watches(), 4) << "first watch, then 500, 429, success";
  EXPECT_EQ(server.lists(), 3) << "watch failures resume, they do not relist";
}

TEST_F(InformerTest, ExpiredContinueTokenFallsBackToOneUnpagedList) {
  server.Create("ns", "a");
  server.Create("ns", "b");
  server.Create("ns", "c");
  server.ExpireContinueTokens();
  SharedInformer inf("releases", server, clock, Options());
  inf.Start();
  ASSERT_TRUE(Eventually([&] { return inf.HasSynced(); }));
  EXPECT_EQ(inf.indexer().Size(), 3u);
}

TEST_F(InformerTest, LabelSelectorIsSentOnListAndWatch) {
  server.Create("ns", "mine", {{"ferry.dev/instance", "a"}});
  server.Create("ns", "theirs", {{"ferry.dev/instance", "b"}});
  auto opts = Options();
  opts.reflector.label_selector = "ferry.dev/instance=a";
  SharedInformer inf("releases", server, clock, opts);
  inf.Start();
  ASSERT_TRUE(Eventually([&] { return inf.HasSynced(); }));
  ASSERT_TRUE(Eventually([&] { return server.open_watches() == 1; }));
  EXPECT_EQ(inf.indexer().ListKeys(), std::vector<std::string>{"ns/mine"});
  EXPECT_EQ(server.last_label_selector(), "ferry.dev/instance=a");
}

TEST_F(InformerTest, LateHandlerGetsExistingObjectsAndResyncRedeliversThem) {
  server.Create("ns", "a");
  auto opts = Options();
  opts.resync_period = 10min;
  SharedInformer inf("releases", server, clock, opts);
  inf.Start();
  ASSERT_TRUE(Eventually([&] { return inf.HasSynced(); }));
  inf.AddEventHandler(rec.Handler());
  EXPECT_TRUE(rec.Saw("add ns/a"));
  ASSERT_TRUE(clock.AwaitWaiters(1));  // the resync timer
  clock.Advance(10min);
  EXPECT_TRUE(Eventually([&] { return rec.Saw("update ns/a"); }));
}

TEST_F(InformerTest, StopEndsAnOpenWatchPromptly) {
  SharedInformer inf("releases", server, clock, Options());
  inf.Start();
  ASSERT_TRUE(Eventually([&] { return inf.HasSynced(); }));
  ASSERT_TRUE(Eventually([&] { return server.open_watches() == 1; }));
  inf.Stop();
  EXPECT_EQ(server.open_watches(), 0);
}

// Forwards to the fake server and calls `on_watch` once a watch is open, before the Reflector
// sees it: the window in which Stop() has no watcher to cancel.
class StopWhileWatchOpens : public ListerWatcher {
 public:
  StopWhileWatchOpens(ListerWatcher& inner, std::function<void()> on_watch)
      : inner_(inner), on_watch_(std::move(on_watch)) {}
  ApiResult<nlohmann::json> List(const ListOptions& o) override { return inner_.List(o); }
  ApiResult<std::unique_ptr<Watcher>> Watch(const WatchOptions& o) override {
    auto w = inner_.Watch(o);
    on_watch_();
    return w;
  }

 private:
  ListerWatcher& inner_;
  std::function<void()> on_watch_;
};

struct NullStore : ReflectorStore {
  void Replace(std::vector<PackedObject>, const std::string&) override {}
  void Apply(EventType, ObjectPtr) override {}
};

TEST_F(InformerTest, StopDuringWatchOpenCancelsThatWatch) {
  NullStore store;
  std::unique_ptr<Reflector> reflector;
  StopWhileWatchOpens lw(server, [&] { reflector->Stop(); });
  reflector = std::make_unique<Reflector>("releases", lw, store, clock, Options().reflector);
  std::thread run([&] { reflector->Run(); });
  run.join();  // Run() returns: Stop() was seen
  EXPECT_EQ(server.watches(), 1);
  EXPECT_EQ(server.open_watches(), 0);
}

}  // namespace
}  // namespace ferry::cache
