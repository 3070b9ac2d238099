// Test helpers: YAML documents as nlohmann::json (with YAML 1.2 core-schema scalar typing), and
// paths of files in the source tree.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ferry::api::testing {

// Plain scalars become null, booleans, integers or numbers when they look like one; quoted and
// block scalars stay strings.
nlohmann::json YamlToJson(const std::string& yaml_text);
// Every document of a multi-document YAML file (empty documents skipped).
std::vector<nlohmann::json> LoadYamlFile(const std::string& path);
std::string ReadFile(const std::string& path);
// $FERRY_SOURCE_DIR/<relative> (set by ferry_add_test), or ../<relative> as a fallback.
std::string SourcePath(const std::string& relative);
// The Pipeline sample most tests start from.
inline constexpr char kPipelineSample[] = "pipeline_model_server.yaml";
// The first document of config/samples/<file>.
nlohmann::json LoadSample(const std::string& file);
// Files under SourcePath(dir) ending in `suffix`, sorted.
std::vector<std::string> ListFiles(const std::string& dir, const std::string& suffix);

}  // namespace ferry::api::testing
