// The plugin's thin I/O edge: a kube::Client configured like kubectl (--kubeconfig, --context,
// -n), the Ferry resources, name resolution across both kinds, and API errors turned into one
// line naming the object and the fix.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/base/result.h"
#include "operator/kube/client.h"
#include "operator/plugin/options.h"

namespace ferry::plugin {

extern const kube::ResourceRef kReleases;   // ferry.dev/v1alpha1 releases
extern const kube::ResourceRef kPipelines;  // ferry.dev/v1alpha1 pipelines

// "release.ferry.dev" / "pipeline.ferry.dev", as kubectl prints kinds.
std::string KindPrefix(Kind k);
const kube::ResourceRef& RefFor(Kind k);

// One object named on the command line.
struct Target {
  Kind kind = Kind::kRelease;  // never kAny
  std::string ns, name;
  nlohmann::json object;
  std::string Display() const { return KindPrefix(kind) + "/" + name; }  // release.ferry.dev/x
};

// A friendly line for an API error about `what` ("releases.ferry.dev" or a Target's Display())
// in namespace `ns`: NotFound names how to list; a missing resource type says to install the
// CRDs; 401/403 name the credentials/RBAC; network errors name the server.
std::string DescribeError(const kube::Error& e, const std::string& what, const std::string& ns,
                          const std::string& server);

class Cluster {
 public:
  // Loads the config like kubectl (LoadConfig) and builds the client. The namespace is -n, else
  // the context's namespace.
  static Result<std::unique_ptr<Cluster>> Connect(const Invocation& inv);
  explicit Cluster(std::unique_ptr<kube::Client> client, std::string ns)
      : client_(std::move(client)), ns_(std::move(ns)) {}

  // Finds NAME: of `kind`, or when kAny every Release and Pipeline of that name (Release first).
  // Not found is an error naming the namespace and how to list.
  Result<std::vector<Target>> ResolveAll(Kind kind, const std::string& name);
  // One object: when kAny finds both kinds, `prefer_release` picks the Release (read-only
  // commands; `note` gets a hint about the Pipeline), else it is an error asking for a prefix.
  Result<Target> Resolve(Kind kind, const std::string& name, bool prefer_release = false,
                         std::string* note = nullptr);
  // Re-reads a target's object.
  Result<nlohmann::json> Get(const Target& t);
  // Every item of `ref` in the namespace, or in all namespaces when `all`.
  Result<nlohmann::json> List(const kube::ResourceRef& ref, bool all);

  kube::Client& client() { return *client_; }
  const std::string& ns() const { return ns_; }

 private:
  Error Describe(const kube::Error& e, const std::string& what) const;
  std::unique_ptr<kube::Client> client_;
  std::string ns_;
};

}  // namespace ferry::plugin
