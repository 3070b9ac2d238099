// kube-sim's HTTP/1.1 server: plain sockets with optional OpenSSL TLS, one thread per
// connection, keep-alive, and chunked streaming for watches.
//
// Why not cpprest's http_listener: a watch must stream newline-delimited events as chunks,
// notice when the watcher hangs up, and small bodies must carry Content-Length while large ones
// are chunked (as Go's net/http does: bodies below 2048 bytes get Content-Length). The listener
// controls none of that, so this small server does.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

typedef struct ssl_ctx_st SSL_CTX;

namespace kubesim::http {

/// Go's net/http chunking threshold: smaller complete bodies get a Content-Length.
inline constexpr size_t kChunkingThreshold = 2048;
/// Largest request head and body the server accepts.
inline constexpr size_t kMaxHeaderBytes = 1 << 20;
inline constexpr size_t kMaxBodyBytes = 64 << 20;

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;
  std::string target;  ///< raw request target: path plus query
  std::string path;    ///< percent-decoded path
  std::multimap<std::string, std::string> query;  ///< decoded query parameters
  std::map<std::string, std::string> headers;     ///< lower-cased header names
  std::string body;

  /// First value of query parameter `key`, or `fallback`.
  std::string param(const std::string& key, const std::string& fallback = "") const;
  bool has_param(const std::string& key) const { return query.count(key) > 0; }
  /// Header value by lower-case name, or "".
  std::string header(const std::string& lower_name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
};

/// Writes one response. Either `send` once, or `begin_stream`, `write_chunk`..., `end_stream`.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  virtual void send(const Response& response) = 0;
  /// Sends the status line and headers with Transfer-Encoding: chunked.
  virtual bool begin_stream(int status, const Headers& headers) = 0;
  /// Sends one chunk; false once the peer is gone.
  virtual bool write_chunk(std::string_view data) = 0;
  virtual void end_stream() = 0;
  /// True when the peer closed its side (checked without blocking).
  virtual bool peer_closed() = 0;
};

using Handler = std::function<void(const Request&, ResponseWriter&)>;

/// Standard reason phrase for an HTTP status code ("Unprocessable Entity").
std::string reason_phrase(int status);
/// Percent-decodes `s` (and '+' as space when `plus_as_space`).
std::string url_decode(std::string_view s, bool plus_as_space);
/// Parses "a=1&b=2" into a multimap.
std::multimap<std::string, std::string> parse_query(std::string_view q);

class Server {
 public:
  /// `tls` may be null for plain HTTP; the server does not own it.
  Server(Handler handler, SSL_CTX* tls);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds host:port (port 0 = any free port) and starts accepting. Returns the bound port,
  /// or -1 with `error` set.
  int start(const std::string& host, int port, std::string* error);
  /// Stops accepting, closes all connections, joins all threads.
  void stop();
  int port() const { return port_; }

 private:
  void accept_loop();
  void serve_connection(int fd);

  Handler handler_;
  SSL_CTX* tls_;
  int listen_fd_ = -1;
  int port_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::set<int> open_fds_;
  std::condition_variable idle_;
  int active_workers_ = 0;
};

}  // namespace kubesim::http
