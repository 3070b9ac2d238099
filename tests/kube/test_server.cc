#include "tests/kube/test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/x509.h>

namespace ferry::kube::testing {
namespace {

void Run(const std::string& cmd) {
  std::string full = cmd + " >/dev/null 2>&1";
  if (std::system(full.c_str()) != 0) throw std::runtime_error("command failed: " + cmd);
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

const char* StatusText(int code) {
  switch (code) {
    case 200: return "OK";
    case 201: return "Created";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

// One accepted connection, plain or TLS.
class Conn final : public ResponseWriter {
 public:
  Conn(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~Conn() override {
    if (ssl_) SSL_free(ssl_);
  }

  bool WriteAll(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      int n = ssl_ ? SSL_write(ssl_, data.data() + off, static_cast<int>(data.size() - off))
                   : static_cast<int>(::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL));
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads some bytes; 0 on EOF or error.
  int ReadSome(char* buf, int n) {
    return ssl_ ? SSL_read(ssl_, buf, n) : static_cast<int>(::recv(fd_, buf, n, 0));
  }

  void Send(int status, const std::string& body,
            const std::map<std::string, std::string>& headers) override {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + StatusText(status) + "\r\n";
    bool has_type = false;
    for (const auto& [k, v] : headers) {
      out += k + ": " + v + "\r\n";
      has_type |= Lower(k) == "content-type";
    }
    if (!has_type) out += "Content-Type: application/json\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    ok_ = WriteAll(out);
  }
  bool StartChunked(int status, const std::map<std::string, std::string>& headers) override {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + StatusText(status) + "\r\n";
    for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
    out += "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    ok_ = WriteAll(out);
    return ok_;
  }
  bool WriteChunk(const std::string& data) override {
    if (data.empty()) return ok_;
    std::ostringstream ss;
    ss << std::hex << data.size() << "\r\n" << data << "\r\n";
    ok_ = ok_ && WriteAll(ss.str());
    return ok_;
  }
  void EndChunked() override { ok_ = ok_ && WriteAll("0\r\n\r\n"); }
  void Abort() override {
    ::shutdown(fd_, SHUT_RDWR);
    ok_ = false;
  }
  bool PeerClosed() override {
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
    char c;
    return ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
  }
  bool ok() const { return ok_; }

 private:
  int fd_;
  SSL* ssl_;
  bool ok_ = true;
};

bool ReadRequest(Conn& conn, std::string& pending, HttpRequest& req) {
  char buf[16384];
  size_t header_end;
  while ((header_end = pending.find("\r\n\r\n")) == std::string::npos) {
    int n = conn.ReadSome(buf, sizeof buf);
    if (n <= 0) return false;
    pending.append(buf, static_cast<size_t>(n));
  }
  std::istringstream head(pending.substr(0, header_end));
  std::string line, version;
  std::getline(head, line);
  std::istringstream first(line);
  first >> req.method >> req.target >> version;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string v = line.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    req.headers[Lower(line.substr(0, colon))] = v;
  }
  pending.erase(0, header_end + 4);
  size_t length = req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
  while (pending.size() < length) {
    int n = conn.ReadSome(buf, sizeof buf);
    if (n <= 0) return false;
    pending.append(buf, static_cast<size_t>(n));
  }
  req.body = pending.substr(0, length);
  pending.erase(0, length);
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) {
    std::istringstream qs(req.target.substr(q + 1));
    std::string kv;
    while (std::getline(qs, kv, '&')) {
      auto eq = kv.find('=');
      req.query[Decode(kv.substr(0, eq))] = eq == std::string::npos ? "" : Decode(kv.substr(eq + 1));
    }
  }
  return true;
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ferry-kube-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void TempDir::Write(const std::string& name, const std::string& content, bool executable) const {
  std::string tmp = File(name + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
  }
  ::chmod(tmp.c_str(), executable ? 0755 : 0644);
  std::filesystem::rename(tmp, File(name));  // atomic, like kubelet's token swap
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Pki::Pki(const TempDir& dir) {
  const std::string d = dir.path() + "/";
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  dir.Write("san.ext", "subjectAltName=DNS:localhost,DNS:kube.test,IP:127.0.0.1\n"
                       "extendedKeyUsage=serverAuth\n");
  dir.Write("client.ext", "extendedKeyUsage=clientAuth\n");
  for (const std::string ca : {"ca", "other-ca"}) {
    Run("openssl req -x509 " + ec + " -days 2 -subj /CN=" + ca + " -keyout " + d + ca +
        ".key -out " + d + ca + ".crt");
  }
  auto sign = [&](const std::string& name, const std::string& subj, const std::string& ca,
                  const std::string& ext) {
    Run("openssl req -new " + ec + " -subj " + subj + " -keyout " + d + name + ".key -out " + d +
        name + ".csr");
    Run("openssl x509 -req -in " + d + name + ".csr -CA " + d + ca + ".crt -CAkey " + d + ca +
        ".key -CAcreateserial -days 2 -extfile " + d + ext + " -out " + d + name + ".crt");
  };
  sign("server", "/CN=kube-apiserver", "ca", "san.ext");
  sign("other-server", "/CN=kube-apiserver", "other-ca", "san.ext");
  sign("client", "/O=system:masters/CN=ferry-test", "ca", "client.ext");
  ca_crt_path = d + "ca.crt";
  other_ca_crt_path = d + "other-ca.crt";
  client_crt_path = d + "client.crt";
  client_key_path = d + "client.key";
  ca_crt = ReadText(ca_crt_path);
  ca_key = ReadText(d + "ca.key");
  server_crt = ReadText(d + "server.crt");
  server_key = ReadText(d + "server.key");
  other_ca_crt = ReadText(other_ca_crt_path);
  other_server_crt = ReadText(d + "other-server.crt");
  other_server_key = ReadText(d + "other-server.key");
  client_crt = ReadText(client_crt_path);
  client_key = ReadText(client_key_path);
}

std::string HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

TestServer::TestServer(ServerTls tls, Handler handler)
    : tls_(std::move(tls)), handler_(std::move(handler)) {
  ::signal(SIGPIPE, SIG_IGN);  // OpenSSL writes to sockets the client may have closed
  if (!tls_.plain_http) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (SSL_CTX_use_certificate_chain_file(ctx_, tls_.cert_pem_path.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, tls_.key_pem_path.c_str(), SSL_FILETYPE_PEM) != 1) {
      throw std::runtime_error("test server: cannot load certificate");
    }
    if (!tls_.client_ca_path.empty()) {
      SSL_CTX_load_verify_locations(ctx_, tls_.client_ca_path.c_str(), nullptr);
      SSL_CTX_set_verify(ctx_,
                         tls_.client_cert_optional
                             ? SSL_VERIFY_PEER
                             : SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                         nullptr);
    }
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("test server: bind/listen failed");
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TestServer::~TestServer() {
  stop_ = true;
  acceptor_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : threads_) t.join();
  ::close(listen_fd_);
  if (ctx_) SSL_CTX_free(ctx_);
}

std::string TestServer::Url(const std::string& host) const {
  return std::string(tls_.plain_http ? "http://" : "https://") + host + ":" + std::to_string(port_);
}

std::vector<HttpRequest> TestServer::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void TestServer::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int conn_no = ++connections_;
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.push_back(fd);
    threads_.emplace_back([this, fd, conn_no] { Serve(fd, conn_no); });
  }
}

void TestServer::Serve(int fd, int conn_no) {
  SSL* ssl = nullptr;
  std::string sni, cn;
  if (ctx_) {
    ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      ERR_clear_error();
      SSL_free(ssl);
      ::close(fd);
      return;
    }
    if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) sni = name;
    if (X509* peer = SSL_get_peer_certificate(ssl)) {
      char buf[256] = {0};
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, buf, sizeof buf);
      cn = buf;
      X509_free(peer);
    }
  }
  {
    Conn conn(fd, ssl);
    std::string pending;
    while (!stop_) {
      HttpRequest req;
      if (!ReadRequest(conn, pending, req)) break;
      req.sni = sni;
      req.client_cn = cn;
      req.connection = conn_no;
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(req);
      }
      handler_(req, conn);
      if (!conn.ok()) break;
    }
    if (ssl) SSL_shutdown(ssl);
  }
  std::lock_guard<std::mutex> lock(mu_);
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
  std::erase(open_fds_, fd);
}

namespace {

int ListenLoopback(int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
    throw std::runtime_error("bind/listen failed");
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

ConnectProxy::ConnectProxy() {
  ::signal(SIGPIPE, SIG_IGN);
  listen_fd_ = ListenLoopback(&port_);
  acceptor_ = std::thread([this] {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> lock(mu_);
      threads_.emplace_back([this, fd] { Tunnel(fd); });
    }
  });
}

ConnectProxy::~ConnectProxy() {
  stop_ = true;
  acceptor_.join();
  for (auto& t : threads_) t.join();
  ::close(listen_fd_);
}

std::vector<std::string> ConnectProxy::Targets() const {
  std::lock_guard<std::mutex> lock(mu_);
  return targets_;
}

void ConnectProxy::Tunnel(int client_fd) {
  std::string head;
  char buf[16384];
  while (head.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::recv(client_fd, buf, sizeof buf, 0);
    if (n <= 0) {
      ::close(client_fd);
      return;
    }
    head.append(buf, static_cast<size_t>(n));
  }
  std::istringstream first(head.substr(0, head.find("\r\n")));
  std::string method, target;
  first >> method >> target;
  {
    std::lock_guard<std::mutex> lock(mu_);
    targets_.push_back(method + " " + target);
  }
  int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(target.substr(target.rfind(':') + 1))));
  if (method != "CONNECT" || ::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const char kBad[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
    ::send(client_fd, kBad, sizeof kBad - 1, MSG_NOSIGNAL);
    ::close(upstream);
    ::close(client_fd);
    return;
  }
  const char kOk[] = "HTTP/1.1 200 Connection established\r\n\r\n";
  ::send(client_fd, kOk, sizeof kOk - 1, MSG_NOSIGNAL);
  pollfd fds[2] = {{client_fd, POLLIN, 0}, {upstream, POLLIN, 0}};
  while (!stop_) {
    if (::poll(fds, 2, 50) <= 0) continue;
    bool closed = false;
    for (int i = 0; i < 2 && !closed; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
      closed = n <= 0 || ::send(fds[1 - i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n;
    }
    if (closed) break;
  }
  ::close(upstream);
  ::close(client_fd);
}

std::string StatusBody(int code, const std::string& reason, const std::string& message) {
  return std::string(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)") +
         R"("message":")" + message + R"(","reason":")" + reason + R"(","code":)" +
         std::to_string(code) + "}";
}

}  // namespace ferry::kube::testing
