// Help texts of `kubectl-ferry`: the general usage (commands, global flags, exit codes) and one
// text per command. docs/PLUGIN.md says the same at more length.
#pragma once

#include <string>
#include <string_view>

namespace ferry::plugin {

// `topic` "" = general help; a command name = that command's help (with the global flags).
// An unknown topic yields the general help.
std::string CommandHelp(std::string_view topic);

}  // namespace ferry::plugin
