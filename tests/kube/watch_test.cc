// Watches against the local HTTPS server: event-by-event delivery, prompt cancellation,
// ERROR events, query parameters and errors before the stream.
#include <atomic>
#include <condition_variable>
#include <mutex>

#include "tests/kube/client_fixture.h"

namespace ferry::kube::testing {
namespace {

std::string Event(const std::string& type, const std::string& name, int rv) {
  return nlohmann::json{{"type", type},
                        {"object",
                         {{"kind", "Release"},
                          {"metadata", {{"name", name}, {"resourceVersion", std::to_string(rv)}}}}}}
             .dump() + "\n";
}

// Lets the server side wait (bounded) until the test has consumed an event.
class Gate {
 public:
  void Open(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    opened_ = n;
    cv_.notify_all();
  }
  bool WaitFor(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return opened_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int opened_ = 0;
};

TEST_F(ClientTest, WatchDeliversEachEventAsItsLineArrives) {
  Gate consumed;
  auto server = Serve([&](const HttpRequest&, ResponseWriter& w) {
    w.StartChunked(200);
    // Event 1 split across two chunks, then each later event only once the client has
    // consumed the previous one: a client that buffered would deadlock here and fail.
    std::string first = Event("ADDED", "a", 10);
    w.WriteChunk(first.substr(0, 20));
    w.WriteChunk(first.substr(20));
    if (!consumed.WaitFor(1)) return;
    std::this_thread::sleep_for(std::chrono::seconds(1));  // events arrive seconds apart
    w.WriteChunk(Event("MODIFIED", "a", 11));
    if (!consumed.WaitFor(2)) return;
    w.WriteChunk(Event("BOOKMARK", "", 12) + Event("DELETED", "a", 13));  // two in one chunk
    w.EndChunked();
  });
  auto client = NewClient(ConfigFor(*server));
  WatchOptions opts;
  opts.resource_version = "9";
  opts.timeout_seconds = 60;
  auto watch = client->Watch(kReleases, "watch-demo", opts);
  ASSERT_TRUE(watch.ok()) << watch.error().ToString();
  auto& stream = **watch;

  auto ev = stream.Next();
  ASSERT_TRUE(ev.ok() && ev->has_value()) << (ev.ok() ? "end" : ev.error().ToString());
  EXPECT_EQ((*ev)->type, WatchEvent::Type::kAdded);
  EXPECT_EQ((*ev)->object["metadata"]["resourceVersion"], "10");
  consumed.Open(1);
  ev = stream.Next();
  ASSERT_TRUE(ev.ok() && ev->has_value());
  EXPECT_EQ((*ev)->type, WatchEvent::Type::kModified);
  consumed.Open(2);
  ev = stream.Next();
  ASSERT_TRUE(ev.ok() && ev->has_value());
  EXPECT_EQ((*ev)->type, WatchEvent::Type::kBookmark);
  ev = stream.Next();
  ASSERT_TRUE(ev.ok() && ev->has_value());
  EXPECT_EQ((*ev)->type, WatchEvent::Type::kDeleted);
  ev = stream.Next();
  ASSERT_TRUE(ev.ok());
  EXPECT_FALSE(ev->has_value());  // the server ended the stream
  EXPECT_EQ(stream.events(), 4u);

  auto req = server->Requests().at(0);
  EXPECT_EQ(req.path, "/apis/ferry.dev/v1alpha1/namespaces/watch-demo/releases");
  EXPECT_EQ(req.query, (std::map<std::string, std::string>{{"watch", "true"},
                                                           {"resourceVersion", "9"},
                                                           {"allowWatchBookmarks", "true"},
                                                           {"timeoutSeconds", "60"}}));
}

TEST_F(ClientTest, WatchCancelReturnsPromptly) {
  std::atomic<bool> peer_closed{false};
  auto server = Serve([&](const HttpRequest&, ResponseWriter& w) {
    w.StartChunked(200);
    w.WriteChunk(Event("ADDED", "a", 1));
    // Then silence, as a quiet watch is, until the client goes away.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!w.PeerClosed() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    peer_closed = w.PeerClosed();
  });
  auto client = NewClient(ConfigFor(*server));
  auto watch = client->Watch(kReleases, "", {});
  ASSERT_TRUE(watch.ok()) << watch.error().ToString();
  auto& stream = **watch;
  ASSERT_TRUE(stream.Next().ok());

  std::atomic<bool> returned{false};
  std::chrono::steady_clock::time_point returned_at;
  Result<std::optional<WatchEvent>> result = std::optional<WatchEvent>();
  std::thread reader([&] {
    result = stream.Next();  // blocks: nothing more is sent
    returned_at = std::chrono::steady_clock::now();
    returned = true;
  });
  // Give the reader time to block in Next (the assertion below holds either way).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(returned.load());
  auto cancelled_at = std::chrono::steady_clock::now();
  stream.Cancel();
  reader.join();
  EXPECT_LT(returned_at - cancelled_at, std::chrono::seconds(1));
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(IsCancelled(result.error()));
  EXPECT_TRUE(IsCancelled(stream.Next().error()));
  EXPECT_TRUE(Eventually([&] { return peer_closed.load(); }));  // the connection was closed
}

TEST_F(ClientTest, WatchErrorEventCarries410Status) {
  auto server = Serve([](const HttpRequest&, ResponseWriter& w) {
    w.StartChunked(200);
    // The exact line kube-apiserver v1.19 sent (watch/12-watch-rv-older-than-watch-cache-410.txt).
    w.WriteChunk(
        R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 2 (216)","reason":"Expired","code":410}})j"
        "\n");
    w.EndChunked();
  });
  auto client = NewClient(ConfigFor(*server));
  WatchOptions opts;
  opts.resource_version = "2";
  auto watch = client->Watch(kReleases, "watch-demo", opts);
  ASSERT_TRUE(watch.ok());
  auto ev = (*watch)->Next();
  ASSERT_TRUE(ev.ok() && ev->has_value());
  ASSERT_EQ((*ev)->type, WatchEvent::Type::kError);
  Error e = EventError(**ev);
  EXPECT_TRUE(IsGone(e));
  EXPECT_EQ(e.code, 410);
  EXPECT_EQ(e.reason, "Expired");
  EXPECT_FALSE((*(*watch)->Next()).has_value());
}

TEST_F(ClientTest, WatchRejectedBeforeTheStreamIsAnError) {
  auto server = Serve(Reply(
      403, StatusBody(403, "Forbidden", "releases.ferry.dev is forbidden: User cannot watch")));
  auto client = NewClient(ConfigFor(*server));
  auto watch = client->Watch(kReleases, "ferry-demo", {});
  ASSERT_FALSE(watch.ok());
  EXPECT_TRUE(IsForbidden(watch.error()));
  EXPECT_NE(watch.error().message.find("forbidden"), std::string::npos);
}

TEST_F(ClientTest, WatchStreamBrokenMidwayIsANetworkError) {
  auto server = Serve([](const HttpRequest&, ResponseWriter& w) {
    w.StartChunked(200);
    w.WriteChunk(Event("ADDED", "a", 1) + "{\"type\":\"MODI");
    w.Abort();  // the connection drops mid-event
  });
  auto client = NewClient(ConfigFor(*server));
  auto watch = client->Watch(kReleases, "ns", {});
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE((*watch)->Next().ok());
  auto r = (*watch)->Next();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsNetwork(r.error()) || r.error().kind == Error::Kind::kDecode) << r.error().ToString();
}

}  // namespace
}  // namespace ferry::kube::testing
