// Realistic objects for the benchmarks: a Deployment shaped like a typical web service and a
// Release like config/samples/release_canary_model.yaml (canary steps, two Prometheus metrics),
// optionally with a steady-state status. Sizes matter for the memory benchmark, so they carry
// the fields real ones do. Header-only; benchmarks only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ferry::bench {

inline nlohmann::json DeploymentObject(const std::string& ns, const std::string& name, const std::string& version,
                                       int replicas = 3) {
  using nlohmann::json;
  json container = {
      {"name", "server"},
      {"image", "registry.example.com/team/" + name + ":" + version},
      {"ports", json::array({{{"name", "http"}, {"containerPort", 8080}, {"protocol", "TCP"}}})},
      {"env", json::array({{{"name", "MODEL_URI"}, {"value", "s3://models/" + name + "/" + version + "/model.onnx"}},
                           {{"name", "LOG_LEVEL"}, {"value", "info"}},
                           {{"name", "WORKERS"}, {"value", "4"}}})},
      {"resources", {{"requests", {{"cpu", "250m"}, {"memory", "512Mi"}}}, {"limits", {{"memory", "1Gi"}}}}},
      {"readinessProbe",
       {{"httpGet", {{"path", "/healthz"}, {"port", "http"}}}, {"periodSeconds", 5}, {"failureThreshold", 3}}},
      {"imagePullPolicy", "IfNotPresent"}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata",
           {{"name", name},
            {"namespace", ns},
            {"labels", {{"app", name}, {"app.kubernetes.io/part-of", "bench"}}}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", "25%"}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}, {"ferry.dev/version", version}}}}},
              {"spec", {{"containers", json::array({container})}, {"terminationGracePeriodSeconds", 30}}}}}}}};
}

// A Deployment's status as kube-controller-manager reports a healthy one.
inline nlohmann::json DeploymentStatus(int replicas = 3) {
  using nlohmann::json;
  auto cond = [](const char* type, const char* reason, const char* message) {
    return json{{"type", type},
                {"status", "True"},
                {"reason", reason},
                {"message", message},
                {"lastUpdateTime", "2026-11-25T10:00:00Z"},
                {"lastTransitionTime", "2026-11-25T10:00:00Z"}};
  };
  return {{"observedGeneration", 1},
          {"replicas", replicas},
          {"updatedReplicas", replicas},
          {"readyReplicas", replicas},
          {"availableReplicas", replicas},
          {"conditions", json::array({cond("Available", "MinimumReplicasAvailable", "Deployment has minimum availability."),
                                      cond("Progressing", "NewReplicaSetAvailable",
                                           "ReplicaSet \"x-5d4f8b7c9d\" has successfully progressed.")})}};
}

// `with_analysis`: the sample's analysis steps and metrics (memory benchmark); without, only
// setWeight and pause steps (latency benchmarks: nothing waits on Prometheus).
inline nlohmann::json ReleaseObject(const std::string& ns, const std::string& name, const std::string& version,
                                    bool with_analysis = true) {
  using nlohmann::json;
  json steps = json::array({{{"setWeight", 10}}, {{"pause", {{"duration", "5m"}}}}});
  json spec = {{"targetRef", {{"name", name}}},
               {"version", version},
               {"template",
                {{"containers", json::array({{{"name", "server"},
                                              {"image", "registry.example.com/team/" + name + ":" + version},
                                              {"env", json::array({{{"name", "MODEL_URI"},
                                                                    {"value", "s3://models/" + name + "/" + version +
                                                                                  "/model.onnx"}}})}}})}}},
               {"progressDeadlineSeconds", 900}};
  if (with_analysis) {
    steps.push_back({{"analysis", {{"metrics", json::array({"error-rate", "p99-latency"})}}}});
    steps.push_back({{"setWeight", 50}});
    steps.push_back({{"pause", json::object()}});
    const std::string q =
        "sum(rate(http_requests_total{namespace=\"{{namespace}}\",version=\"{{canaryVersion}}\",code=~\"5..\"}[2m]))\n"
        "/\nsum(rate(http_requests_total{namespace=\"{{namespace}}\",version=\"{{canaryVersion}}\"}[2m]))\n";
    spec["analysis"] = {
        {"metrics",
         json::array({{{"name", "error-rate"},
                       {"interval", "1m"},
                       {"count", 5},
                       {"failureLimit", 1},
                       {"successCondition", "result < 0.01"},
                       {"failureCondition", "result >= 0.05"},
                       {"provider", {{"prometheus", {{"address", "http://prometheus.monitoring:9090"}, {"query", q}}}}}},
                      {{"name", "p99-latency"},
                       {"interval", "2m"},
                       {"count", 3},
                       {"provider",
                        {{"judge",
                          {{"direction", "Increase"},
                           {"window", "10m"},
                           {"step", "30s"},
                           {"prometheus",
                            {{"address", "http://prometheus.monitoring:9090"},
                             {"query", "histogram_quantile(0.99, sum by (le) (rate(inference_request_duration_seconds_"
                                       "bucket{namespace=\"{{namespace}}\",version=\"{{version}}\"}[1m])))"}}}}}}}}})}};
  }
  spec["strategy"] = {{"canary", {{"steps", steps}}}};
  return {{"apiVersion", "ferry.dev/v1alpha1"},
          {"kind", "Release"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app.kubernetes.io/part-of", "bench"}}}}},
          {"spec", spec}};
}

// A Release's status once its version is rolled out (Healthy, one finished rollout in history).
inline nlohmann::json ReleaseStatus(const std::string& version) {
  using nlohmann::json;
  auto cond = [](const char* type, const char* status, const char* reason, const std::string& message) {
    return json{{"type", type}, {"status", status}, {"reason", reason}, {"message", message},
                {"lastTransitionTime", "2026-11-25T10:00:00Z"}, {"observedGeneration", 1}};
  };
  return {{"observedGeneration", 1},
          {"phase", "Healthy"},
          {"message", "version " + version + " is rolled out"},
          {"stepCount", 5},
          {"stable", {{"version", version}, {"templateHash", "5d4f8b7c9d"}}},
          {"conditions", json::array({cond("Ready", "True", "Succeeded", "version " + version + " is rolled out"),
                                      cond("Reconciling", "False", "Succeeded", ""),
                                      cond("Stalled", "False", "Succeeded", "")})},
          {"history", json::array({{{"version", version},
                                    {"templateHash", "5d4f8b7c9d"},
                                    {"result", "Promoted"},
                                    {"reason", "Completed"},
                                    {"message", "all steps passed"},
                                    {"startTime", "2026-11-25T09:40:00Z"},
                                    {"completionTime", "2026-11-25T10:00:00Z"}}})}};
}

}  // namespace ferry::bench
