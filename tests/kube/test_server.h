// Test helpers for the kube client: certificates generated at test time with the `openssl`
// CLI, and a small HTTPS/1.1 server on 127.0.0.1:0 built directly on OpenSSL so the tests
// control every byte (chunk timing for watches, status bodies, Retry-After) and can observe
// SNI, the Host header and the client certificate.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <openssl/ssl.h>

namespace ferry::kube::testing {

// A temporary directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  void Write(const std::string& name, const std::string& content, bool executable = false) const;

 private:
  std::string path_;
};

std::string ReadText(const std::string& path);

// Certificates for one test process: two independent CAs, server certificates for
// localhost/127.0.0.1/kube.test signed by each, and a client certificate signed by the first.
struct Pki {
  explicit Pki(const TempDir& dir);
  std::string ca_crt, ca_key;            // the cluster CA
  std::string server_crt, server_key;    // SANs: DNS localhost, DNS kube.test, IP 127.0.0.1
  std::string other_ca_crt;              // an unrelated CA ("some other authority")
  std::string other_server_crt, other_server_key;  // same SANs, signed by other CA
  std::string client_crt, client_key;    // CN=ferry-test, O=system:masters, signed by the CA
  // Paths of the files above.
  std::string ca_crt_path, client_crt_path, client_key_path, other_ca_crt_path;
};

struct HttpRequest {
  std::string method;
  std::string target;  // path and query as sent
  std::string path;    // without the query
  std::map<std::string, std::string> query;  // decoded
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string sni;          // server name the client sent, "" if none
  std::string client_cn;    // CN of a verified client certificate, "" if none
  int connection = 0;       // sequence number of the TCP connection it came on
  std::string Header(const std::string& lower_name) const;
};

// Lets a handler answer once, or stream a chunked body.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  virtual void Send(int status, const std::string& body,
                    const std::map<std::string, std::string>& headers = {}) = 0;
  virtual bool StartChunked(int status, const std::map<std::string, std::string>& headers = {}) = 0;
  virtual bool WriteChunk(const std::string& data) = 0;  // false once the peer is gone
  virtual void EndChunked() = 0;
  // Drops the connection abruptly (a broken stream, a crashed server).
  virtual void Abort() = 0;
  // True once the client closed the connection (polls the socket without reading data).
  virtual bool PeerClosed() = 0;
};

using Handler = std::function<void(const HttpRequest&, ResponseWriter&)>;

struct ServerTls {
  std::string cert_pem_path, key_pem_path;
  std::string client_ca_path;  // non-empty: ask for a client certificate signed by it
  bool client_cert_optional = false;  // ask, but accept clients without one
  bool plain_http = false;
};

class TestServer {
 public:
  TestServer(ServerTls tls, Handler handler);
  ~TestServer();

  int port() const { return port_; }
  std::string Url(const std::string& host = "127.0.0.1") const;
  std::vector<HttpRequest> Requests() const;
  int Connections() const { return connections_.load(); }
  // Wakes handlers blocked in WaitFor (on shutdown).
  bool stopping() const { return stop_.load(); }

 private:
  void AcceptLoop();
  void Serve(int fd, int conn_no);

  ServerTls tls_;
  Handler handler_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::vector<HttpRequest> requests_;
  std::vector<std::thread> threads_;
  std::vector<int> open_fds_;
  std::thread acceptor_;
};

// An HTTP CONNECT proxy on 127.0.0.1:0 that tunnels to 127.0.0.1 and records the targets.
class ConnectProxy {
 public:
  ConnectProxy();
  ~ConnectProxy();
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> Targets() const;

 private:
  void Tunnel(int client_fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<std::string> targets_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// A Kubernetes-style Status body.
std::string StatusBody(int code, const std::string& reason, const std::string& message);

}  // namespace ferry::kube::testing
