// streamscope-cli group rewind: moves a group's last-delivered-id to a time or entry, previewed.
#include "CliCommon.h"

namespace streamscope::cli {

const char groupRewindHelp[] =
    "Usage: streamscope-cli [connection options] group rewind STREAM GROUP --to "
    "ID|TIME|start|end [--dry-run]\n\nNot built yet.\n";

int runGroupRewind(const QCommandLineParser &, const ConnectionSettings &, bool) {
    return usageError(QStringLiteral("group rewind is not built yet"), QStringLiteral("group"));
}

} // namespace streamscope::cli
