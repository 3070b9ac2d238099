#include "sim/api/protobuf.h"

#include <cstdint>
#include <functional>
#include <string_view>

#include "sim/core/status.h"

namespace kubesim::api {
namespace {

constexpr std::string_view kMagic("k8s\0", 4);

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

// One field of a message: its number, and its varint value or its length-delimited bytes.
struct Field {
  uint32_t number = 0;
  uint64_t varint = 0;
  std::string_view bytes;
};

uint64_t read_varint(std::string_view in, size_t& pos) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= in.size()) throw ProtobufError("truncated varint");
    uint8_t b = uint8_t(in[pos++]);
    v |= uint64_t(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  throw ProtobufError("varint longer than 10 bytes");
}

// Calls `on` for each field of `msg` (wire types varint, 64-bit, length-delimited, 32-bit).
void for_each_field(std::string_view msg, const std::function<void(const Field&)>& on) {
  size_t pos = 0;
  while (pos < msg.size()) {
    uint64_t key = read_varint(msg, pos);
    Field f;
    f.number = uint32_t(key >> 3);
    switch (key & 7) {
      case 0: f.varint = read_varint(msg, pos); break;
      case 1: if (msg.size() - pos < 8) throw ProtobufError("truncated fixed64"); pos += 8; break;
      case 5: if (msg.size() - pos < 4) throw ProtobufError("truncated fixed32"); pos += 4; break;
      case 2: {
        uint64_t n = read_varint(msg, pos);
        if (n > msg.size() - pos) throw ProtobufError("length-delimited field past the end");
        f.bytes = msg.substr(pos, n);
        pos += n;
        break;
      }
      default: throw ProtobufError("unsupported wire type " + std::to_string(key & 7));
    }
    on(f);
  }
}

// A map<string, string|bytes> entry: key = 1, value = 2.
void add_map_entry(json& map, std::string_view entry, bool value_is_bytes) {
  std::string key, value;
  for_each_field(entry, [&](const Field& f) {
    if (f.number == 1) key = f.bytes;
    if (f.number == 2) value = f.bytes;
  });
  if (!map.is_object()) map = json::object();
  map[key] = value_is_bytes ? base64(value) : value;
}

json decode_object_meta(std::string_view msg) {
  json meta = json::object();
  for_each_field(msg, [&](const Field& f) {
    switch (f.number) {
      case 1: meta["name"] = std::string(f.bytes); break;
      case 2: meta["generateName"] = std::string(f.bytes); break;
      case 3: meta["namespace"] = std::string(f.bytes); break;
      case 5: meta["uid"] = std::string(f.bytes); break;
      case 6: meta["resourceVersion"] = std::string(f.bytes); break;
      case 11: add_map_entry(meta["labels"], f.bytes, false); break;
      case 12: add_map_entry(meta["annotations"], f.bytes, false); break;
      case 14: meta["finalizers"].push_back(std::string(f.bytes)); break;
      default: break;  // timestamps, ownerReferences, managedFields: set by the server
    }
  });
  for (const char* key : {"name", "generateName", "namespace", "uid", "resourceVersion"}) {
    if (meta.contains(key) && meta[key].get<std::string>().empty()) meta.erase(key);
  }
  return meta;
}

json decode_secret(std::string_view raw) {
  json obj = {{"apiVersion", "v1"}, {"kind", "Secret"}};
  for_each_field(raw, [&](const Field& f) {
    switch (f.number) {
      case 1: obj["metadata"] = decode_object_meta(f.bytes); break;
      case 2: add_map_entry(obj["data"], f.bytes, true); break;
      case 3: obj["type"] = std::string(f.bytes); break;
      case 4: add_map_entry(obj["stringData"], f.bytes, false); break;
      case 5: obj["immutable"] = f.varint != 0; break;
      default: break;
    }
  });
  return obj;
}

json decode_config_map(std::string_view raw) {
  json obj = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}};
  for_each_field(raw, [&](const Field& f) {
    switch (f.number) {
      case 1: obj["metadata"] = decode_object_meta(f.bytes); break;
      case 2: add_map_entry(obj["data"], f.bytes, false); break;
      case 3: add_map_entry(obj["binaryData"], f.bytes, true); break;
      case 4: obj["immutable"] = f.varint != 0; break;
      default: break;
    }
  });
  return obj;
}

json decode_delete_options(std::string_view raw) {
  json obj = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  for_each_field(raw, [&](const Field& f) {
    switch (f.number) {
      case 1: obj["gracePeriodSeconds"] = int64_t(f.varint); break;
      case 2:
        obj["preconditions"] = json::object();
        for_each_field(f.bytes, [&](const Field& p) {
          if (p.number == 1) obj["preconditions"]["uid"] = std::string(p.bytes);
          if (p.number == 2) obj["preconditions"]["resourceVersion"] = std::string(p.bytes);
        });
        break;
      case 3: obj["orphanDependents"] = f.varint != 0; break;
      case 4: obj["propagationPolicy"] = std::string(f.bytes); break;
      case 5: obj["dryRun"].push_back(std::string(f.bytes)); break;
      default: break;
    }
  });
  return obj;
}

}  // namespace

std::optional<json> decode_protobuf_object(const std::string& body) {
  std::string_view in(body);
  if (in.substr(0, kMagic.size()) != kMagic) throw ProtobufError("missing the k8s protobuf magic");
  std::string api_version, kind;
  std::string_view raw;
  for_each_field(in.substr(kMagic.size()), [&](const Field& f) {
    if (f.number == 1) {  // TypeMeta
      for_each_field(f.bytes, [&](const Field& t) {
        if (t.number == 1) api_version = t.bytes;
        if (t.number == 2) kind = t.bytes;
      });
    } else if (f.number == 2) {
      raw = f.bytes;
    }
  });
  if (kind == "DeleteOptions") return decode_delete_options(raw);  // any group's version
  if (api_version != "v1") return std::nullopt;
  if (kind == "Secret") return decode_secret(raw);
  if (kind == "ConfigMap") return decode_config_map(raw);
  return std::nullopt;
}

json decode_delete_options_body(const std::string& body) {
  if (body.empty()) return json::object();
  if (std::string_view(body).substr(0, kMagic.size()) == kMagic) {
    try {
      if (auto opts = decode_protobuf_object(body); opts && (*opts)["kind"] == "DeleteOptions") return *opts;
    } catch (const ProtobufError&) {
    }
    throw errors::bad_request("invalid DeleteOptions body");
  }
  json opts = json::parse(body, nullptr, false);
  if (opts.is_discarded()) throw errors::bad_request("invalid DeleteOptions body");
  return opts;
}

}  // namespace kubesim::api
