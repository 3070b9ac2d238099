// kube-sim: an in-memory Kubernetes API server (v1.19 behaviour) with simulated controllers.
// Run `kube-sim --help` for the flags.
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "sim/api/api_server.h"
#include "sim/controllers/manager.h"
#include "sim/core/bootstrap.h"
#include "sim/http/server.h"
#include "sim/http/tls.h"

namespace {

constexpr const char* kUsage = R"(kube-sim: in-memory Kubernetes API server for tests and demos

  --port N                 listen port on 127.0.0.1 (default 0: any free port, printed)
  --tls                    serve HTTPS with a generated CA + serving cert (IP 127.0.0.1, DNS localhost)
  --tls-cert-file F --tls-key-file F [--tls-ca-file F]   serve HTTPS with these files
  --token T                require "Authorization: Bearer T" (anonymous: only /version, discovery)
  --user TOKEN=NAME        an extra bearer token for user NAME, allowed only what --grant gives
  --grant NAME=VERBS@RES[@NS]  e.g. system:serviceaccount:ns:sa=get,list,watch@releases.ferry.dev;
                           RES may be a subresource (releases/status.ferry.dev); with @NS only in
                           namespace NS (a Role), else everywhere (a ClusterRole); /sim/stats
                           counts the forbidden requests
  --kubeconfig-out FILE    write a kubeconfig (server, CA data, token) for clients and kubectl
  --watch-history N        events kept for watch resumption (default 10000); older -> 410
  --bookmark-interval S    seconds between watch bookmarks (default 60, fractions allowed)
  --pod-ready-delay S      seconds before a running pod turns Ready (default 0.2)
  --state-file FILE        load state at start if present; save it on SIGTERM/SIGINT and /sim/save
  --no-controllers         do not run the simulated controllers and kubelet
  --help
)";

struct Flags {
  int port = 0;
  bool tls = false;
  std::string cert, key, ca, token, kubeconfig, state_file;
  size_t history = kubesim::kDefaultHistory;
  double bookmark_seconds = 60;
  double pod_ready_delay = 0.2;
  bool controllers = true;
  std::map<std::string, std::string> users;
  std::vector<kubesim::api::Grant> grants;
};

bool parse_flags(int argc, char** argv, Flags* f, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) {
        *error = a + " needs a value";
        return false;
      }
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a == "--tls") {
      f->tls = true;
    } else if (a == "--no-controllers") {
      f->controllers = false;
    } else if (a == "--port") {
      if (!value(&v)) return false;
      f->port = std::atoi(v.c_str());
    } else if (a == "--tls-cert-file") {
      if (!value(&f->cert)) return false;
      f->tls = true;
    } else if (a == "--tls-key-file") {
      if (!value(&f->key)) return false;
    } else if (a == "--tls-ca-file") {
      if (!value(&f->ca)) return false;
    } else if (a == "--token") {
      if (!value(&f->token)) return false;
    } else if (a == "--user") {
      if (!value(&v)) return false;
      size_t eq = v.find('=');
      if (eq == std::string::npos) {
        *error = "--user wants TOKEN=NAME";
        return false;
      }
      f->users[v.substr(0, eq)] = v.substr(eq + 1);
    } else if (a == "--grant") {
      if (!value(&v)) return false;
      size_t eq = v.find('='), at = v.find('@');
      if (eq == std::string::npos || at == std::string::npos || at < eq) {
        *error = "--grant wants NAME=VERB,VERB@RESOURCE[.GROUP][@NAMESPACE]";
        return false;
      }
      kubesim::api::Grant g;
      g.user = v.substr(0, eq);
      std::stringstream verbs(v.substr(eq + 1, at - eq - 1));
      for (std::string verb; std::getline(verbs, verb, ',');) g.verbs.push_back(verb);
      std::string res = v.substr(at + 1);
      if (size_t ns_at = res.find('@'); ns_at != std::string::npos) {
        g.ns = res.substr(ns_at + 1);
        res.resize(ns_at);
      }
      size_t dot = res.find('.');
      g.resource = res.substr(0, dot);
      g.group = dot == std::string::npos ? "" : res.substr(dot + 1);
      f->grants.push_back(g);
    } else if (a == "--kubeconfig-out") {
      if (!value(&f->kubeconfig)) return false;
    } else if (a == "--state-file") {
      if (!value(&f->state_file)) return false;
    } else if (a == "--watch-history") {
      if (!value(&v)) return false;
      f->history = std::strtoull(v.c_str(), nullptr, 10);
    } else if (a == "--bookmark-interval") {
      if (!value(&v)) return false;
      f->bookmark_seconds = std::atof(v.c_str());
    } else if (a == "--pod-ready-delay") {
      if (!value(&v)) return false;
      f->pod_ready_delay = std::atof(v.c_str());
    } else {
      *error = "unknown flag " + a + " (see --help)";
      return false;
    }
  }
  if (!f->cert.empty() != !f->key.empty()) {
    *error = "--tls-cert-file and --tls-key-file must be given together";
    return false;
  }
  return true;
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool write_kubeconfig(const std::string& path, const std::string& server, const std::string& ca,
                      const std::string& token) {
  std::ofstream out(path);
  if (!out) return false;
  out << "apiVersion: v1\nkind: Config\nclusters:\n- name: kube-sim\n  cluster:\n    server: " << server << "\n";
  if (!ca.empty()) out << "    certificate-authority-data: " << base64(ca) << "\n";
  out << "contexts:\n- name: kube-sim\n  context:\n    cluster: kube-sim\n    user: kube-sim\n"
      << "    namespace: default\ncurrent-context: kube-sim\nusers:\n- name: kube-sim\n  user:\n";
  if (!token.empty()) out << "    token: " << token << "\n";
  else out << "    {}\n";
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  std::string error;
  if (!parse_flags(argc, argv, &flags, &error)) {
    std::cerr << "kube-sim: " << error << "\n";
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  kubesim::Store store(flags.history);
  kubesim::Registry registry;
  kubesim::api::ServerOptions options;
  options.token = flags.token;
  options.users = flags.users;
  options.grants = flags.grants;
  options.bookmark_interval = std::chrono::milliseconds(static_cast<long>(flags.bookmark_seconds * 1000));
  options.state_file = flags.state_file;
  kubesim::api::ApiServer api(store, registry, options);
  if (!flags.state_file.empty()) {
    std::ifstream in(flags.state_file);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      auto snapshot = nlohmann::json::parse(ss.str(), nullptr, false);
      if (snapshot.is_discarded()) {
        std::cerr << "kube-sim: " << flags.state_file << " is not a kube-sim state file (invalid JSON)\n";
        return 2;
      }
      store.restore(snapshot);
      kubesim::reinstall_crds(api.objects());
    }
  }
  kubesim::bootstrap_cluster(api.objects());

  SSL_CTX* ctx = nullptr;
  kubesim::http::TlsMaterial tls;
  if (flags.tls) {
    bool ok = flags.cert.empty() ? kubesim::http::generate_tls(&tls, &error)
                                 : kubesim::http::load_tls(flags.cert, flags.key, flags.ca, &tls, &error);
    if (ok) ctx = kubesim::http::make_server_context(tls, &error);
    if (!ctx) {
      std::cerr << "kube-sim: TLS setup failed: " << error << "\n";
      return 1;
    }
  }
  kubesim::controllers::ControllerOptions copts;
  copts.pod_ready_delay = std::chrono::milliseconds(static_cast<long>(flags.pod_ready_delay * 1000));
  kubesim::controllers::Manager controllers(api.objects(), copts);
  if (flags.controllers) controllers.start();

  kubesim::http::Server server([&](const auto& req, auto& w) { api.handle(req, w); }, ctx);
  int port = server.start("127.0.0.1", flags.port, &error);
  if (port < 0) {
    std::cerr << "kube-sim: " << error << "\n";
    return 1;
  }
  std::string url = std::string(flags.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port);
  if (!flags.kubeconfig.empty() && !write_kubeconfig(flags.kubeconfig, url, tls.ca_pem, flags.token)) {
    std::cerr << "kube-sim: cannot write kubeconfig " << flags.kubeconfig << "\n";
    return 1;
  }
  std::cout << "kube-sim listening on " << url << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  server.stop();
  controllers.stop();
  if (!flags.state_file.empty()) {
    std::ofstream out(flags.state_file);
    out << store.snapshot().dump();
  }
  if (ctx) SSL_CTX_free(ctx);
  return 0;
}
