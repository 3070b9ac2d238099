// kube-sim scale benchmark (issue 4 item 6: hold 100,000 objects, serve >= 5,000 simple
// requests per second). In one process: loads N ConfigMaps through the ObjectService, then, over
// real keep-alive sockets, measures creates over HTTP (the simulator's raw write capacity) and GETs
// of random objects with 1, 2, 4, ... concurrent clients. The clients share the machine's CPUs
// with the server, as the operator does in the other benchmarks.
//
//   kube_sim_bench [--objects 100000] [--writes 10000] [--clients 1,2,4,8] [--seconds 5]
//                  [--record FILE | --no-record]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/raw_http.h"
#include "bench/common/report.h"
#include "sim/api/api_server.h"
#include "sim/core/bootstrap.h"
#include "sim/http/server.h"

namespace {

using SteadyClock = std::chrono::steady_clock;
using ferry::bench::Format;

struct Flags {
  int objects = 100000;
  int writes = 10000;
  std::vector<int> clients = {1, 2, 4, 8};
  int seconds = 5;
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i + 1 < argc; ++i) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--objects") f.objects = std::atoi(v.c_str());
    else if (a == "--writes") f.writes = std::atoi(v.c_str());
    else if (a == "--seconds") f.seconds = std::atoi(v.c_str());
    else if (a == "--clients") {
      f.clients.clear();
      std::stringstream ss(v);
      for (std::string n; std::getline(ss, n, ',');) f.clients.push_back(std::atoi(n.c_str()));
    } else continue;
    ++i;
  }
  return f;
}

// Resident set size now (VmRSS), in MiB.
double RssMiB() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return 0;
}

struct Phase {
  long requests = 0;
  long errors = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
};

// `clients` threads, each with one keep-alive connection, call `request(client, i, http)` until
// `deadline_s` passes or `per_client` requests are done (0: no limit).
template <class F>
Phase RunClients(int port, int clients, double deadline_s, long per_client, F request) {
  std::vector<Phase> parts(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  auto t0 = SteadyClock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      ferry::bench::RawHttp http(port);
      Phase& p = parts[static_cast<size_t>(c)];
      for (long i = 0; (per_client == 0 || i < per_client) && ferry::bench::SecondsSince(t0) < deadline_s; ++i) {
        auto r0 = SteadyClock::now();
        int code = request(c, i, http);
        p.latencies_ms.push_back(ferry::bench::SecondsSince(r0) * 1000);
        ++p.requests;
        if (code < 200 || code >= 300) ++p.errors;
        if (code < 0) break;
      }
    });
  }
  for (auto& t : threads) t.join();
  Phase all;
  all.seconds = ferry::bench::SecondsSince(t0);
  for (auto& p : parts) {
    all.requests += p.requests;
    all.errors += p.errors;
    all.latencies_ms.insert(all.latencies_ms.end(), p.latencies_ms.begin(), p.latencies_ms.end());
  }
  return all;
}

std::vector<std::string> Row(const std::string& what, int clients, Phase& p) {
  return {what,
          std::to_string(clients),
          std::to_string(p.requests),
          Format("%.0f", static_cast<double>(p.requests) / p.seconds),
          Format("%.2f", ferry::bench::Percentile(p.latencies_ms, 50)),
          Format("%.2f", ferry::bench::Percentile(p.latencies_ms, 99)),
          std::to_string(p.errors)};
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  const std::string machine = ferry::bench::MachineLine();
  kubesim::Store store;
  kubesim::Registry registry;
  kubesim::api::ApiServer api(store, registry, {});
  kubesim::bootstrap_cluster(api.objects());
  auto ns = registry.find("", "v1", "namespaces");
  auto cms = registry.find("", "v1", "configmaps");
  api.objects().create(*ns, "", {{"metadata", {{"name", "bench"}}}}, {});
  api.objects().create(*ns, "", {{"metadata", {{"name", "bench-writes"}}}}, {});
  const double rss_before = RssMiB();
  auto t0 = SteadyClock::now();
  for (int i = 0; i < flags.objects; ++i) {
    api.objects().create(*cms, "bench",
                         {{"metadata", {{"name", "cm-" + std::to_string(i)}, {"labels", {{"app", "bench"}}}}},
                          {"data", {{"key", "value-" + std::to_string(i)}}}},
                         {});
  }
  const double load_s = ferry::bench::SecondsSince(t0);
  const double rss_loaded = RssMiB();

  kubesim::http::Server server([&](const auto& req, auto& w) { api.handle(req, w); }, nullptr);
  std::string error;
  int port = server.start("127.0.0.1", 0, &error);
  if (port < 0) {
    std::cerr << error << "\n";
    return 1;
  }
  ferry::bench::Table table{{"phase", "clients", "requests", "req/s", "p50 ms", "p99 ms", "errors"}, {}};
  const int write_clients = 4;
  Phase writes = RunClients(port, write_clients, 600, flags.writes / write_clients, [](int c, long i, auto& http) {
    std::string name = "w-" + std::to_string(c) + "-" + std::to_string(i);
    return http.Do("POST", "/api/v1/namespaces/bench-writes/configmaps",
                   R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
                       R"(","labels":{"app":"bench"}},"data":{"key":"value"}})");
  });
  table.rows.push_back(Row("POST ConfigMap (create)", write_clients, writes));
  for (int clients : flags.clients) {
    Phase gets = RunClients(port, clients, flags.seconds, 0, [&](int c, long i, auto& http) {
      thread_local std::mt19937 rng(static_cast<unsigned>(c * 7919 + 1));
      (void)i;
      return http.Do("GET", "/api/v1/namespaces/bench/configmaps/cm-" +
                                std::to_string(rng() % static_cast<unsigned>(flags.objects)));
    });
    table.rows.push_back(Row("GET ConfigMap", clients, gets));
  }
  server.stop();

  std::string notes = Format("Loaded %d ConfigMaps in-process (ObjectService, no HTTP) in ", flags.objects) +
                      Format("%.1f s (%.0f creates/s); ", load_s, flags.objects / load_s) +
                      Format("RSS %.0f MiB before, %.0f MiB after loading", rss_before, rss_loaded) +
                      Format(" (%.0f bytes per object). ", (rss_loaded - rss_before) * 1048576.0 / flags.objects) +
                      "Clients and server share the CPUs; latencies are per request, client side.\n";
  std::string path = ferry::bench::ReportPath(argc, argv, FERRY_BENCHMARKS_MD);
  bool ok = ferry::bench::Report(path, Format("kube-sim: %d objects, HTTP throughput", flags.objects),
                                 ferry::bench::CommandLine(argc, argv), machine, table, notes);
  return ok ? 0 : 1;
}
