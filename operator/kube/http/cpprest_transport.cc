// Transport over cpprestsdk's asio HTTP client. The only file of the client that includes
// <cpprest/...>. See transport.h for the contract and tls.h for the OpenSSL side.
#include <condition_variable>
#include <mutex>

#include <cpprest/http_client.h>
#include <pplx/threadpool.h>

#include "operator/kube/http/tls.h"
#include "operator/kube/http/transport.h"

namespace ferry::kube::http {
namespace {

namespace wc = web::http::client;
using web::http::http_request;
using web::http::http_response;

// Body chunk size cpprest uses for request bodies.
constexpr size_t kChunkSize = 64 * 1024;

struct Target {
  std::string host;
  int port = 0;
  bool https = false;
};

Error TranslateException(const std::exception& e, const Target& target, const TlsOptions& tls,
                         const std::string& name, bool via_proxy) {
  std::string what = e.what();
  if (auto* he = dynamic_cast<const web::http::http_exception*>(&e)) {
    if (he->error_code() == std::errc::timed_out) {
      return Error::Timeout("request to " + target.host + ":" + std::to_string(target.port) +
                            " timed out: " + what);
    }
    if (he->error_code() == std::errc::operation_canceled) return Error::Cancelled(what);
  }
  if (what.find("canceled") != std::string::npos) return Error::Cancelled(what);
  // The diagnostic handshake connects directly, so it is skipped behind a proxy.
  if (what.find("SSL handshake") != std::string::npos && target.https && !via_proxy) {
    return DiagnoseHandshake(target.host, target.port, name, tls);
  }
  return Error::Network("request to " + target.host + ":" + std::to_string(target.port) +
                        " failed: " + what);
}

Headers ToHeaders(const web::http::http_headers& h) {
  Headers out;
  for (const auto& [k, v] : h) out.emplace_back(k, v);
  return out;
}

// Incremental reader over a response body; see BodyStream.
class CpprestBodyStream final : public BodyStream {
 public:
  // Copies up to `n` already-buffered bytes without waiting (0 if none).
  static size_t TakeAvailable(concurrency::streams::streambuf<uint8_t>& sb, char* buf, size_t n) {
    size_t avail = std::min<size_t>(sb.in_avail(), n);
    if (avail == 0) return 0;
    try {
      return sb.getn(reinterpret_cast<uint8_t*>(buf), avail).get();  // satisfiable at once
    } catch (const std::exception&) {
      return 0;
    }
  }

  CpprestBodyStream(http_response response, pplx::cancellation_token_source cts,
                    std::shared_ptr<wc::http_client> client)
      : response_(std::move(response)), cts_(std::move(cts)), client_(std::move(client)),
        state_(std::make_shared<State>()) {}
  ~CpprestBodyStream() override { Cancel(); }

  // cpprest's default body buffer (producer_consumer_buffer) completes getn(n) only once n
  // bytes are buffered or the body ended, since the asio client never sync()s it. So: take
  // what is already buffered without waiting; otherwise wait for ONE byte, then take whatever
  // else arrived with it. Each event is thus handed over as soon as its bytes are in.
  Result<size_t> Read(char* buf, size_t n) override {
    if (n == 0) return size_t{0};
    auto state = state_;
    auto sb = response_.body().streambuf();
    {
      std::unique_lock<std::mutex> lock(state->mu);
      if (state->cancelled) return Error::Cancelled("watch cancelled");
      if (!state->pending) {
        if (size_t avail = TakeAvailable(sb, buf, n); avail > 0) return avail;
        state->pending = true;
        state->done = false;
        lock.unlock();
        sb.getn(state->byte, 1).then([state](pplx::task<size_t> t) {
          std::lock_guard<std::mutex> l(state->mu);
          try {
            state->count = t.get();
            state->error.clear();
          } catch (const std::exception& e) {
            state->error = e.what();
            state->count = 0;
          }
          state->done = true;
          state->cv.notify_all();
        });
        lock.lock();
      }
      state->cv.wait(lock, [&] { return state->done || state->cancelled; });
      if (state->cancelled) return Error::Cancelled("watch cancelled");
      state->pending = false;
      if (!state->error.empty()) return Error::Network("watch stream broken: " + state->error);
      if (state->count == 0) return size_t{0};  // end of body
      buf[0] = static_cast<char>(state->byte[0]);
    }
    return 1 + TakeAvailable(sb, buf + 1, n - 1);
  }

  void Cancel() override {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      if (state_->cancelled) return;
      state_->cancelled = true;
      state_->cv.notify_all();
    }
    cts_.cancel();  // closes the connection; a pending getn then completes with an error
  }

 private:
  // Shared with the pending getn continuation, which may outlive this object.
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    uint8_t byte[1] = {0};
    size_t count = 0;
    std::string error;
    bool pending = false;
    bool done = false;
    bool cancelled = false;
  };
  http_response response_;
  pplx::cancellation_token_source cts_;
  std::shared_ptr<wc::http_client> client_;
  std::shared_ptr<State> state_;
};

class CpprestTransport final : public Transport {
 public:
  CpprestTransport(TransportOptions options, Target target)
      : options_(std::move(options)), target_(std::move(target)) {
    client_ = MakeClient(options_.timeout);
  }

  Result<Response> Send(const Request& req) override {
    auto client = CurrentClient();
    try {
      http_response resp = client->request(MakeRequest(req)).get();
      auto body = resp.extract_vector().get();
      Response out;
      out.status = resp.status_code();
      out.headers = ToHeaders(resp.headers());
      out.body.assign(body.begin(), body.end());
      return out;
    } catch (const std::exception& e) {
      return TranslateException(e, target_, Tls(), VerifiedName(), !options_.proxy_url.empty());
    }
  }

  Result<StreamResponse> Stream(const Request& req, std::chrono::milliseconds idle) override {
    // A client of its own: cpprest's timeout is per client and is an inactivity timer, which
    // for a watch must exceed the server's timeoutSeconds.
    auto client = MakeClient(idle);
    pplx::cancellation_token_source cts;
    try {
      http_response resp = client->request(MakeRequest(req), cts.get_token()).get();
      StreamResponse out;
      out.status = resp.status_code();
      out.headers = ToHeaders(resp.headers());
      out.body = std::make_unique<CpprestBodyStream>(resp, cts, client);
      return out;
    } catch (const std::exception& e) {
      return TranslateException(e, target_, Tls(), VerifiedName(), !options_.proxy_url.empty());
    }
  }

  Status SetClientCertificate(std::string cert_pem, std::string key_pem) override {
    TlsOptions tls = Tls();
    tls.client_cert_pem = std::move(cert_pem);
    tls.client_key_pem = std::move(key_pem);
    if (auto s = ValidateTls(tls); !s) return s;
    std::lock_guard<std::mutex> lock(mu_);
    options_.tls = std::move(tls);
    client_ = MakeClientLocked(options_.timeout);
    return {};
  }

  std::string Host() const override { return target_.host + ":" + std::to_string(target_.port); }

 private:
  TlsOptions Tls() {
    std::lock_guard<std::mutex> lock(mu_);
    return options_.tls;
  }
  std::string VerifiedName() {
    std::lock_guard<std::mutex> lock(mu_);
    return options_.tls.server_name.empty() ? target_.host : options_.tls.server_name;
  }
  std::shared_ptr<wc::http_client> CurrentClient() {
    std::lock_guard<std::mutex> lock(mu_);
    return client_;
  }
  std::shared_ptr<wc::http_client> MakeClient(std::chrono::milliseconds timeout) {
    std::lock_guard<std::mutex> lock(mu_);
    return MakeClientLocked(timeout);
  }

  std::shared_ptr<wc::http_client> MakeClientLocked(std::chrono::milliseconds timeout) {
    wc::http_client_config cfg;
    cfg.set_timeout(timeout);
    cfg.set_chunksize(kChunkSize);
    cfg.set_validate_certificates(!options_.tls.insecure);
    if (!options_.proxy_url.empty()) cfg.set_proxy(web::web_proxy(web::uri(options_.proxy_url)));
    TlsOptions tls = options_.tls;
    cfg.set_ssl_context_callback([tls](boost::asio::ssl::context& ctx) {
      ConfigureContext(ctx.native_handle(), tls);
    });
    return std::make_shared<wc::http_client>(options_.server, cfg);
  }

  http_request MakeRequest(const Request& req) {
    http_request r(req.method);
    r.set_request_uri(req.path_and_query);
    auto& h = r.headers();
    for (const auto& [k, v] : req.headers) h.add(k, v);
    h.add("User-Agent", options_.user_agent);
    std::string server_name = Tls().server_name;
    // cpprest verifies (and sends as SNI) the Host header's name: see transport.h.
    if (!server_name.empty()) h["Host"] = server_name;
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
      std::string type(FindHeader(req.headers, "Content-Type"));
      r.set_body(std::vector<unsigned char>(req.body.begin(), req.body.end()));
      h["Content-Type"] = type.empty() ? "application/json" : type;
    }
    return r;
  }

  std::mutex mu_;
  TransportOptions options_;
  const Target target_;
  std::shared_ptr<wc::http_client> client_;
};

void InitThreadPool() {
  static std::once_flag once;
  std::call_once(once, [] {
    try {
      crossplat::threadpool::initialize_with_threads(kHttpThreads);
    } catch (const std::exception&) {
      // Already initialized by someone else in this process (e.g. a test server): keep theirs.
    }
  });
}

}  // namespace

std::string_view FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() &&
        std::equal(k.begin(), k.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return v;
    }
  }
  return {};
}

Result<std::unique_ptr<Transport>> NewTransport(const TransportOptions& options) {
  if (auto s = ValidateTls(options.tls); !s) return s.error();
  Target target;
  try {
    web::uri uri(options.server);
    if (uri.scheme() != "https" && uri.scheme() != "http") {
      return Error::Config("server \"" + options.server + "\" must be an https:// URL");
    }
    target.https = uri.scheme() == "https";
    target.host = uri.host();
    target.port = uri.port() > 0 ? uri.port() : (target.https ? 443 : 80);
    if (target.host.empty()) return Error::Config("server \"" + options.server + "\" has no host");
  } catch (const std::exception& e) {
    return Error::Config("server \"" + options.server + "\" is not a valid URL: " + e.what());
  }
  if (!options.proxy_url.empty()) {
    try {
      web::uri proxy(options.proxy_url);
      if (proxy.scheme() != "http" || proxy.host().empty()) throw std::invalid_argument("not http");
    } catch (const std::exception&) {
      return Error::Config("proxy-url \"" + options.proxy_url + "\" must be http://host:port");
    }
  }
  InitThreadPool();
  try {
    return std::unique_ptr<Transport>(std::make_unique<CpprestTransport>(options, target));
  } catch (const std::exception& e) {
    return Error::Config("cannot create an HTTP client for \"" + options.server + "\": " + e.what());
  }
}

}  // namespace ferry::kube::http
